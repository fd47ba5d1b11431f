"""Form widgets of our own (the rest are Django's)."""

from django import forms
from django.utils.html import format_html_join


class LongSelect(forms.Select):
    """A `<select>` of hundreds of flat options (the time zones), its options made in Python.

    Django's Select renders every option through a template of its own, about 37 µs each, so
    the ~600 time zones cost 22 ms of the edit form's 28 (docs/architecture.md, "Requests and
    pages"). Here they are made with format_html_join, as the admin makes its rows: about 5 ms.
    Flat choices only, no option groups.
    """

    template_name = "contacts/fields/long_select.html"

    def optgroups(self, name, value, attrs=None):
        return []  # the options are one string, made in get_context

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = set(context["widget"]["value"])
        context["widget"]["options"] = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((key, " selected" if str(key) in chosen else "", label)
             for key, label in self.choices),
        )
        return context
