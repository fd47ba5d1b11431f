"""Deleting from the list with JavaScript: row selection, select-all, confirmation dialogs."""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from . import sandbox_api

pytestmark = pytest.mark.browser


def _list_url(**state) -> str:
    return "/contacts/?" + urlencode(state)


def _at(url: str) -> re.Pattern[str]:
    return re.compile(re.escape(url) + "$")


def _status_message(page: Page, text: str):
    return page.get_by_role("status").get_by_text(text, exact=True)


def test_deleting_three_selected_rows_asks_once_and_keeps_the_list_state(signed_in, api):
    page = signed_in
    last_name, family = sandbox_api.family(api, size=4)
    chosen, kept = family[:3], family[3:]
    url = _list_url(search=last_name, sort="email", order="asc")
    page.goto(url)
    for contact in chosen:
        page.get_by_role("checkbox", name=f"Select {contact['full_name']}").check()

    page.get_by_role("button", name="Delete selected (3)").click()
    dialog = page.get_by_role("dialog", name="Delete 3 contacts?")
    expect(dialog).to_be_visible()
    assert all(sandbox_api.contact(api, c["id"]) for c in chosen), "deleted before confirming"
    dialog.get_by_role("button", name="Delete 3 contacts").click()

    expect(_status_message(page, "3 contacts deleted")).to_be_visible()
    expect(dialog).to_have_count(0)
    expect(page).to_have_url(_at(url))
    expect(page.get_by_role("table")).to_have_accessible_name(
        re.compile(f"^{len(kept)} contacts? matching “{re.escape(last_name)}”")
    )
    expect(page.get_by_role("columnheader", name="Email")).to_have_attribute(
        "aria-sort", "ascending"
    )
    for contact in kept:
        expect(page.get_by_role("link", name=contact["full_name"], exact=True)).to_be_visible()
    assert [sandbox_api.contact(api, c["id"]) for c in chosen] == [None, None, None]
    assert all(sandbox_api.contact(api, c["id"]) for c in kept)
    assert sandbox_api.total(api) == 197


def test_select_all_matching_deletes_every_match_across_pages(signed_in, api):
    page = signed_in
    matches = sandbox_api.total(api, "example.net")
    assert matches > 20
    url = _list_url(search="example.net", limit=20)
    page.goto(url)

    page.get_by_role("checkbox", name="Select all contacts on this page").check()
    expect(page.get_by_role("button", name="Delete selected (20)")).to_be_visible()
    page.get_by_role("button", name=f"Select all {matches} matching contacts").click()
    expect(page.get_by_text(f"All {matches} matching contacts selected.")).to_be_visible()

    page.get_by_role("button", name=f"Delete selected ({matches})").click()
    dialog = page.get_by_role("dialog", name=f"Delete {matches} contacts?")
    expect(dialog).to_contain_text("Every contact matching “example.net” will be deleted")
    dialog.get_by_role("button", name=f"Delete {matches} contacts").click()

    expect(_status_message(page, f"{matches} contacts deleted")).to_be_visible()
    expect(page.get_by_text("No contacts match “example.net”.")).to_be_visible()
    expect(page).to_have_url(_at(url))
    assert sandbox_api.total(api, "example.net") == 0
    assert sandbox_api.total(api) == 200 - matches


def test_deleting_one_row_asks_in_a_dialog_then_deletes_only_it(signed_in, api):
    page = signed_in
    last_name, family = sandbox_api.family(api, size=3)
    doomed, kept = family[0], family[1:]
    url = _list_url(search=last_name, sort="name", order="desc")
    page.goto(url)

    page.get_by_role("button", name=f"Delete {doomed['full_name']}").click()
    dialog = page.get_by_role("dialog", name=f"Delete {doomed['full_name']}?")
    expect(dialog).to_contain_text(doomed["email"])
    dialog.get_by_role("button", name="Delete contact").click()

    expect(_status_message(page, "1 contact deleted")).to_be_visible()
    expect(page).to_have_url(_at(url))
    expect(page.get_by_role("table")).to_have_accessible_name(
        re.compile(f"^{len(kept)} contacts matching")
    )
    expect(page.get_by_role("link", name=doomed["full_name"], exact=True)).to_have_count(0)
    assert sandbox_api.contact(api, doomed["id"]) is None
    assert all(sandbox_api.contact(api, c["id"]) for c in kept)
    assert sandbox_api.total(api) == 199


def test_escape_and_cancel_close_a_dialog_and_focus_returns_to_its_opener(signed_in, shared_api):
    page = signed_in
    last_name, family = sandbox_api.family(shared_api, size=2)
    url = _list_url(search=last_name)
    page.goto(url)
    opener = page.get_by_role("button", name=f"Delete {family[0]['full_name']}")

    opener.click()
    dialog = page.get_by_role("dialog", name=f"Delete {family[0]['full_name']}?")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()

    page.get_by_role("checkbox", name=f"Select {family[1]['full_name']}").check()
    delete_selected = page.get_by_role("button", name="Delete selected (1)")
    delete_selected.click()
    dialog = page.get_by_role("dialog", name="Delete 1 contact?")
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(delete_selected).to_be_focused()
    expect(page).to_have_url(_at(url))
    assert sandbox_api.total(shared_api, last_name) == len(family)
