"""The column chooser: the list's columns shown or hidden per user, custom fields as columns."""

import re

import pytest
from playwright.sync_api import expect

from . import sandbox_api
from .test_saved_views import choose_columns, headers, open_menu

pytestmark = pytest.mark.browser


def test_a_hidden_column_stays_hidden_after_reload(signed_in, shared_api):
    page = signed_in
    page.goto("/contacts/?limit=20")
    expect(headers(page).filter(has_text=re.compile("^Position$"))).to_have_count(1)

    choose_columns(page, hide=["Position"])

    expect(page).to_have_url(re.compile(r"/contacts/\?limit=20$"))  # the list state is kept
    expect(headers(page).filter(has_text=re.compile("^Position$"))).to_have_count(0)
    page.reload()
    expect(headers(page).filter(has_text=re.compile("^Position$"))).to_have_count(0)
    panel = open_menu(page, "Columns")
    expect(panel.get_by_role("checkbox", name="Position", exact=True)).not_to_be_checked()
    # Name can't be hidden: it is the row's link.
    expect(headers(page).filter(has_text=re.compile("^Name$"))).to_have_count(1)


def test_a_custom_field_column_shows_each_contacts_value(signed_in, shared_api):
    page = signed_in
    first_twenty = sandbox_api.matching(shared_api)[:20]
    keys = {key for contact in first_twenty for key in contact["custom_fields"]}
    key = sorted(keys)[0]
    page.goto("/contacts/?limit=20")

    choose_columns(page, add_custom=key)

    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader", name=key, exact=True)).to_be_visible()
    column = headers(page).all_inner_texts().index(key)
    for contact in first_twenty:
        row = table.get_by_role("row").filter(
            has=page.get_by_role("link", name=contact["full_name"], exact=True)
        )
        expected = contact["custom_fields"].get(key) or ""
        expect(row.get_by_role("cell").nth(column)).to_have_text(expected)

    # Seen on the page, so the chooser offers it as a checkbox from now on; unticking removes it.
    choose_columns(page, hide=[f"Custom field “{key}”"])
    expect(table.get_by_role("columnheader", name=key, exact=True)).to_have_count(0)


def test_columns_are_chosen_without_javascript_too(signed_in_without_javascript, shared_api):
    page = signed_in_without_javascript
    page.goto("/contacts/?search=example&limit=20")
    choose_columns(page, hide=["Email", "Company"], show=["City"])
    expect(page).to_have_url(re.compile(r"/contacts/\?search=example&limit=20$"))
    texts = headers(page).all_inner_texts()
    assert "City" in texts and "Email" not in texts and "Company" not in texts
