"""LongSelect (contacts/widgets.py) renders what Django's own Select renders, only faster."""

import pytest
from django import forms
from django.test.html import parse_html

from contacts.forms import timezone_choices
from contacts.widgets import LongSelect
from tests.views.dom import Page
from tests.views.test_contact_forms import _edit_form

CHOICES = [("", "—"), ("Europe/Paris", "Europe/Paris"), (7, "Seven"),
           ("<b>&", "Tags <i> & \"quotes\"")]


@pytest.mark.parametrize("value", [None, "", "Europe/Paris", 7, "7", "<b>&", "not offered"])
def test_the_markup_is_djangos_select_for_any_value(value):
    attrs = {"id": "id_zone", "aria-describedby": "id_zone_helptext"}
    ours = LongSelect(choices=CHOICES).render("zone", value, attrs)
    djangos = forms.Select(choices=CHOICES).render("zone", value, attrs)
    assert parse_html(ours) == parse_html(djangos)


def test_labels_and_values_are_escaped():
    html = LongSelect(choices=CHOICES).render("zone", None)
    assert '<option value="&lt;b&gt;&amp;">Tags &lt;i&gt; &amp; &quot;quotes&quot;</option>' in html
    assert "<i>" not in html


def test_a_failed_save_keeps_the_chosen_time_zone(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 1, first_name="", timezone="Asia/Tokyo")
    response = client.post(action, data)
    assert response.status_code == 422
    page = Page(response)
    chosen = [o for o in page.options(page.find("select", name="timezone")) if o[2]]
    assert chosen == [("Asia/Tokyo", "Asia/Tokyo", True)]
    assert len(timezone_choices()) > 400  # the length this widget is for
    assert fake_taskip.writes() == []
