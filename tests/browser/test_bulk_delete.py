"""Deleting from the list with JavaScript: row selection, select-all, confirmation dialogs."""

import re

import pytest
from playwright.sync_api import Page, expect

from . import sandbox_api

pytestmark = pytest.mark.browser


def _ids(server, search: str, names: list[str]) -> list[int]:
    by_name = {c["full_name"]: c["id"] for c in sandbox_api.matching(server, search)}
    return [by_name[name] for name in names]


def _deleted_message(page: Page, text: str):
    return page.get_by_role("status").get_by_text(text, exact=True)


def test_deleting_three_selected_rows_asks_once_and_keeps_the_list_state(signed_in, api):
    page = signed_in
    page.goto("/contacts/?search=haugen&sort=email&order=asc")
    chosen = ["Erik Haugen", "Lars Haugen", "Magnus Haugen"]
    ids = _ids(api, "haugen", chosen)
    for name in chosen:
        page.get_by_role("checkbox", name=f"Select {name}").check()

    page.get_by_role("button", name="Delete selected (3)").click()
    dialog = page.get_by_role("dialog", name="Delete 3 contacts?")
    expect(dialog).to_be_visible()
    assert all(sandbox_api.contact(api, i) for i in ids), "deleted before confirming"
    dialog.get_by_role("button", name="Delete 3 contacts").click()

    expect(_deleted_message(page, "3 contacts deleted")).to_be_visible()
    expect(dialog).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/contacts/\?search=haugen&sort=email&order=asc$"))
    expect(page.get_by_role("table")).to_have_accessible_name(
        "1 contact matching “haugen”, page 1 of 1"
    )
    expect(page.get_by_role("columnheader", name="Email")).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(page.get_by_role("link", name="Ingrid Haugen", exact=True)).to_be_visible()
    assert [sandbox_api.contact(api, i) for i in ids] == [None, None, None]
    assert sandbox_api.total(api) == 197


def test_select_all_matching_deletes_every_match_across_pages(signed_in, api):
    page = signed_in
    matches = sandbox_api.total(api, "example.net")
    assert matches > 20
    page.goto("/contacts/?search=example.net&limit=20")

    page.get_by_role("checkbox", name="Select all contacts on this page").check()
    expect(page.get_by_role("button", name="Delete selected (20)")).to_be_visible()
    page.get_by_role("button", name=f"Select all {matches} matching contacts").click()
    expect(page.get_by_text(f"All {matches} matching contacts selected.")).to_be_visible()

    page.get_by_role("button", name=f"Delete selected ({matches})").click()
    dialog = page.get_by_role("dialog", name=f"Delete {matches} contacts?")
    expect(dialog).to_contain_text("Every contact matching “example.net” will be deleted")
    dialog.get_by_role("button", name=f"Delete {matches} contacts").click()

    expect(_deleted_message(page, f"{matches} contacts deleted")).to_be_visible()
    expect(page.get_by_text("No contacts match “example.net”.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/contacts/\?search=example\.net&limit=20$"))
    assert sandbox_api.total(api, "example.net") == 0
    assert sandbox_api.total(api) == 200 - matches


def test_deleting_one_row_asks_in_a_dialog_then_deletes_only_it(signed_in, api):
    page = signed_in
    page.goto("/contacts/?search=reddy&sort=name&order=desc")
    (kavya,) = _ids(api, "reddy", ["Kavya Reddy"])

    page.get_by_role("button", name="Delete Kavya Reddy").click()
    dialog = page.get_by_role("dialog", name="Delete Kavya Reddy?")
    expect(dialog).to_contain_text("kavya.reddy@example.org")
    dialog.get_by_role("button", name="Delete contact").click()

    expect(_deleted_message(page, "1 contact deleted")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/contacts/\?search=reddy&sort=name&order=desc$"))
    expect(page.get_by_role("table")).to_have_accessible_name(re.compile(r"^2 contacts matching"))
    expect(page.get_by_role("link", name="Kavya Reddy", exact=True)).to_have_count(0)
    assert sandbox_api.contact(api, kavya) is None
    assert sandbox_api.total(api) == 199


def test_escape_and_cancel_close_a_dialog_and_focus_returns_to_its_opener(signed_in, shared_api):
    page = signed_in
    page.goto("/contacts/?search=johansen")
    opener = page.get_by_role("button", name="Delete Ingrid Johansen")

    opener.click()
    dialog = page.get_by_role("dialog", name="Delete Ingrid Johansen?")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()

    page.get_by_role("checkbox", name="Select Erik Johansen").check()
    delete_selected = page.get_by_role("button", name="Delete selected (1)")
    delete_selected.click()
    dialog = page.get_by_role("dialog", name="Delete 1 contact?")
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(delete_selected).to_be_focused()
    expect(page).to_have_url(re.compile(r"/contacts/\?search=johansen$"))
    assert sandbox_api.total(shared_api, "johansen") == 3
