"""Forms for creating, editing and inviting contacts. Limits mirror the API's create table."""

import zoneinfo
from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy

from .widgets import LongSelect

ACCESS_LEVELS = [("basic", "Basic"), ("standard", "Standard"), ("premium", "Premium")]

# The writable contact fields, in the order the API document's create table lists them.
CONTACT_FIELDS = (
    "first_name", "last_name", "email", "phone_code", "phone_number", "company_id", "position",
    "country_id", "state_id", "city_id", "address", "zip_code", "timezone", "details",
    "access_portal", "custom_fields",
)  # fmt: skip
MAX_CUSTOM_FIELDS = 50
PLACE_KINDS = ("country", "state", "city")
# The place pickers' last option: a place TaskIP has not named to the dashboard yet, by its ID.
ANOTHER_PLACE = "another"
CUSTOM_FIELDS_PROBLEM = "Fix the custom fields below."
CHECKBOX_TEMPLATE = "contacts/fields/checkbox.html"  # the box beside its label, help under both


class PlaceField(forms.Field):
    """A country, state or city: an id chosen from the places seen so far (contacts/places.py),
    or ANOTHER_PLACE when the id is typed into the `<kind>_id_other` field beside it."""

    widget = forms.Select

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value == ANOTHER_PLACE:
            return ANOTHER_PLACE
        try:
            number = int(str(value))
        except ValueError:
            raise ValidationError("Choose a place from the list.", code="invalid") from None
        if number < 1:
            raise ValidationError("Choose a place from the list.", code="invalid")
        return number


@cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [("", "—")] + [(name, name.replace("_", " ")) for name in names]


class ContactForm(forms.Form):
    first_name = forms.CharField(max_length=191)
    last_name = forms.CharField(max_length=191, required=False)
    email = forms.EmailField(max_length=191)
    phone_code = forms.CharField(max_length=5, required=False, label="Phone code",
                                 help_text="Country code, e.g. +1")
    phone_number = forms.CharField(max_length=18, required=False)
    # A plain integer on the way in (the API checks it exists); a <select> on the way out that
    # static/js/combobox.js turns into a type-ahead fed by the company_options view.
    company_id = forms.IntegerField(
        label="Company", required=False, min_value=1,
        widget=forms.Select(attrs={"data-combobox": reverse_lazy("company_options"),
                                   "data-combobox-param": "company_search"}),
    )  # fmt: skip
    position = forms.CharField(max_length=191, required=False)
    country_id = PlaceField(label="Country", required=False)
    country_id_other = forms.IntegerField(label="ID of another country", required=False,
                                          min_value=1, help_text="TaskIP's ID for the country.")
    state_id = PlaceField(label="State", required=False)
    state_id_other = forms.IntegerField(label="ID of another state", required=False,
                                        min_value=1, help_text="TaskIP's ID for the state.")
    city_id = PlaceField(label="City", required=False)
    city_id_other = forms.IntegerField(label="ID of another city", required=False,
                                       min_value=1, help_text="TaskIP's ID for the city.")
    address = forms.CharField(max_length=191, required=False)
    zip_code = forms.CharField(max_length=8, required=False, label="ZIP code")
    timezone = forms.ChoiceField(required=False, label="Time zone", widget=LongSelect)
    details = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    access_portal = forms.BooleanField(required=False, label="Client portal access",
                                       template_name=CHECKBOX_TEMPLATE)
    password = forms.CharField(
        required=False, min_length=6, max_length=191, strip=False,
        # Never written back into the page (a 422 or 409 re-render would put it in the HTML).
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="6 to 191 characters. Needed when turning portal access on.",
    )
    invite_client = forms.BooleanField(required=False, label="Invite client",
                                       help_text="Email the contact an invitation to the portal.",
                                       template_name=CHECKBOX_TEMPLATE)

    def __init__(self, *args, companies=(), creating=True, had_portal=False, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.had_portal = had_portal
        self.fields["company_id"].widget.choices = [("", "—")] + [(c.id, c.name) for c in companies]
        self.fields["timezone"].choices = timezone_choices()
        if not creating:
            del self.fields["invite_client"]
        self.custom_rows = self._custom_rows()
        self.custom_errors: list[str] = []
        if self.is_bound and self.data.get("password"):
            # The page comes back without the password typed; say so where it is asked for.
            self.fields["password"].help_text = (
                "For safety the password is not shown again: type it again to save it."
            )

    def _custom_rows(self) -> list[tuple[str, str]]:
        if self.is_bound:
            keys = self.data.getlist("custom_key")
            values = self.data.getlist("custom_value")
            rows = list(zip(keys, values + [""] * (len(keys) - len(values)), strict=False))
        else:
            rows = [(str(k), "" if v is None else str(v))
                    for k, v in (self.initial.get("custom_fields") or {}).items()]
        return rows[:MAX_CUSTOM_FIELDS]

    def clean(self):
        cleaned = super().clean()
        custom: dict[str, str] = {}
        for key, value in self.custom_rows:
            key = key.strip()
            if not key and not value.strip():
                continue  # an empty row the user added and left blank
            if not key:
                self.custom_errors.append(f"The value “{value[:40]}” needs a name.")
            elif key in custom:
                self.custom_errors.append(f"The name “{key}” is used twice.")
            elif len(key) > 191:
                self.custom_errors.append("Custom field names are at most 191 characters.")
            else:
                custom[key] = value
        if self.custom_errors:
            self.add_error(None, CUSTOM_FIELDS_PROBLEM)
        cleaned["custom_fields"] = custom
        for kind in PLACE_KINDS:
            name = f"{kind}_id"
            other = cleaned.pop(f"{name}_other", None)
            if other:
                cleaned[name] = other  # a typed ID wins: it is the more deliberate of the two
            elif cleaned.get(name) == ANOTHER_PLACE:
                problem = f"Type the {kind}'s ID, or choose one from the list."
                self.add_error(f"{name}_other", problem)
        portal_on = cleaned.get("access_portal")
        if portal_on and not cleaned.get("password") and (self.creating or not self.had_portal):
            self.add_error("password", "A password is needed to give portal access.")
        return cleaned

    def api_values(self) -> dict[str, object]:
        """Cleaned values in the API's terms, comparable with Contact.editable_values()."""
        data = self.cleaned_data
        values: dict[str, object] = {}
        for name in CONTACT_FIELDS:
            value = data.get(name)
            if name == "access_portal":
                value = 1 if value else 0
            elif name == "custom_fields":
                value = dict(value or {})
            elif value is None and not name.endswith("_id"):
                value = ""
            elif isinstance(value, str):
                value = value.replace("\r\n", "\n")
            values[name] = value
        return values


ACCESS_LEVEL_VALUES = [value for value, _ in ACCESS_LEVELS]


class InviteForm(forms.Form):
    message = forms.CharField(required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    send_email = forms.BooleanField(required=False, initial=True, label="Send email",
                                    template_name=CHECKBOX_TEMPLATE)
    access_level = forms.ChoiceField(choices=ACCESS_LEVELS, initial="basic",
                                     label="Access level")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class BulkInviteForm(InviteForm):
    send_again = forms.BooleanField(
        required=False, label="Send again to contacts who already have portal access",
    )


# What a bulk edit may set; anything else posted is refused, not ignored.
BULK_EDIT_FIELDS = (
    "company_id", "position", "timezone", "access_portal", "custom_field_key",
    "custom_field_value", "remove_custom_field",
)  # fmt: skip
SELECTION_FIELDS = frozenset(
    {"csrfmiddlewaretoken", "contact_ids", "select_all", "count", "confirmed", "from",
     "search", "sort", "order", "page", "limit"}
)  # fmt: skip


class BulkEditForm(forms.Form):
    """The fields a bulk edit sets on every selected contact; a blank field is left alone."""

    company_id = forms.IntegerField(label="Company", required=False, min_value=1,
                                    widget=forms.Select)
    position = forms.CharField(max_length=191, required=False)
    timezone = forms.ChoiceField(required=False, label="Time zone", widget=LongSelect)
    access_portal = forms.TypedChoiceField(
        required=False, label="Client portal access", coerce=int, empty_value=None,
        choices=[("", "Leave as it is"), ("0", "Turn off")],
        help_text="Portal access can only be turned off in bulk: turning it on needs a "
                  "password for each contact.",
    )
    custom_field_key = forms.CharField(max_length=191, required=False,
                                       label="Custom field name")
    custom_field_value = forms.CharField(max_length=2000, required=False,
                                         label="Custom field value")
    remove_custom_field = forms.BooleanField(required=False,
                                             label="Remove this custom field instead")

    def __init__(self, *args, companies=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["company_id"].widget.choices = [("", "Leave as it is")] + [
            (c.id, c.name) for c in companies
        ]
        self.fields["timezone"].choices = [("", "Leave as it is")] + timezone_choices()[1:]

    def clean(self):
        cleaned = super().clean()
        if self.is_bound:
            refused = sorted(set(self.data) - set(BULK_EDIT_FIELDS) - SELECTION_FIELDS)
            if refused:
                raise forms.ValidationError(
                    "A bulk edit can't set %(fields)s.", params={"fields": ", ".join(refused)}
                )
        key = (cleaned.get("custom_field_key") or "").strip()
        if (cleaned.get("custom_field_value") or cleaned.get("remove_custom_field")) and not key:
            self.add_error("custom_field_key", "Name the custom field to set or remove.")
        if not self.job_params().get("fields") and not key:
            raise forms.ValidationError("Choose at least one field to change.")
        return cleaned

    def job_params(self) -> dict:
        """The edit job's params: only the fields the user chose."""
        data = getattr(self, "cleaned_data", {})
        fields = {
            name: data[name]
            for name in ("company_id", "position", "timezone", "access_portal")
            if data.get(name) not in (None, "")
        }
        params: dict = {"fields": fields}
        key = (data.get("custom_field_key") or "").strip()
        if key:
            params["custom_field"] = (
                {"key": key, "remove": True} if data.get("remove_custom_field")
                else {"key": key, "value": data.get("custom_field_value") or ""}
            )
        return params
class SaveViewForm(forms.Form):
    """Saving the list as it is now under a name (the list state comes with it, apart)."""

    name = forms.CharField(max_length=80, label="View name")
    shared = forms.BooleanField(required=False, label="Share with everyone")


# ---- lost-update protection (design: docs/architecture.md, "Editing") ----------------------

def _comparable(value: object) -> object:
    # Browsers send a textarea's line breaks as CRLF and the form strips text: neither is an edit.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def differ(a: object, b: object) -> bool:
    return _comparable(a) != _comparable(b)


def changed_fields(typed: dict, original: dict) -> dict[str, object]:
    """The fields the user changed from what the form showed them."""
    return {name: typed[name] for name in CONTACT_FIELDS if differ(typed[name], original.get(name))}


def conflicts(mine: dict, original: dict, current: dict) -> dict[str, dict[str, object]]:
    """Fields this user changed that someone else also changed, to something different."""
    return {
        name: {"mine": value, "theirs": current.get(name)}
        for name, value in mine.items()
        if differ(current.get(name), original.get(name)) and differ(current.get(name), value)
    }


def restart_after_conflict(current: dict, changes: dict, password: str) -> "ContactForm":
    """The form again, from what is saved now plus this user's own edits, so that saving after
    choosing per conflicting field can't undo someone else's other changes."""
    merged = {**current, **changes}
    return ContactForm(
        initial={**merged, "access_portal": bool(merged.get("access_portal")),
                 "password": password or ""},
        creating=False,
        had_portal=bool(current.get("access_portal")),
    )  # fmt: skip
