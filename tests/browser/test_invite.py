"""Inviting a contact as a client: the dialog from the detail page, a list row, and the keyboard."""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from . import sandbox_api

pytestmark = pytest.mark.browser

FIRST, SECOND = 1, 2  # the API document's example contacts, seeded first


def _person(api, contact_id: int) -> tuple[str, str]:
    """(full name, the list URL that searches for exactly this contact)."""
    contact = sandbox_api.contact(api, contact_id)
    return contact["full_name"], "/contacts/?" + urlencode({"search": contact["email"]})


def _fill_and_send(page: Page, dialog, message: str) -> None:
    dialog.get_by_label("Message").fill(message)
    dialog.get_by_label("Access level").select_option(label="Premium")
    expect(dialog.get_by_label("Send email")).to_be_checked()
    dialog.get_by_role("button", name="Send invitation").click()


def test_invite_from_the_detail_page_sends_a_premium_invitation(signed_in, api):
    page = signed_in
    name, _ = _person(api, FIRST)
    page.goto(f"/contacts/{FIRST}/")
    page.get_by_role("link", name="Invite", exact=True).click()

    dialog = page.get_by_role("dialog", name=f"Invite {name} as a client")
    _fill_and_send(page, dialog, "Welcome aboard.")

    expect(page.get_by_role("status").get_by_text(f"Invitation sent to {name}.")).to_be_visible()
    expect(dialog).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"/contacts/{FIRST}/$"))
    (invitation,) = sandbox_api.invitations(api, FIRST)
    assert invitation["access_level"] == "premium"
    assert invitation["message"] == "Welcome aboard."
    assert invitation["send_email"] is True


def test_invite_from_a_list_row_sends_and_leaves_the_list_as_it_was(signed_in, api):
    page = signed_in
    name, list_url = _person(api, SECOND)
    list_url += "&sort=name&order=asc"
    page.goto(list_url)
    page.get_by_role("link", name=f"Invite {name}").click()

    dialog = page.get_by_role("dialog", name=f"Invite {name} as a client")
    _fill_and_send(page, dialog, "Your portal is ready.")

    expect(page.get_by_role("status").get_by_text(f"Invitation sent to {name}.")).to_be_visible()
    expect(dialog).to_have_count(0)
    expect(page).to_have_url(re.compile(re.escape(list_url) + "$"))
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    (invitation,) = sandbox_api.invitations(api, SECOND)
    assert (invitation["access_level"], invitation["message"]) == (
        "premium",
        "Your portal is ready.",
    )
    assert sandbox_api.invitations(api, FIRST) == []


def _assert_no_page_element_outside_has_focus(page: Page) -> None:
    # "Whatever has focus" has no role or label to ask for, so this one query is CSS.
    for region in (page.get_by_role("banner"), page.get_by_role("main")):
        expect(region.locator(":focus")).to_have_count(0)
    expect(page.get_by_role("link", name="Skip to content")).not_to_be_focused()


def test_the_invite_dialog_works_from_the_keyboard_alone(signed_in, api):
    page = signed_in
    name, list_url = _person(api, SECOND)
    page.goto(list_url)
    opener = page.get_by_role("link", name=f"Invite {name}")
    opener.focus()
    page.keyboard.press("Enter")

    dialog = page.get_by_role("dialog", name=f"Invite {name} as a client")
    in_tab_order = [
        dialog.get_by_label("Message"),
        dialog.get_by_label("Access level"),
        dialog.get_by_label("Send email"),
        dialog.get_by_role("button", name="Send invitation"),
        dialog.get_by_role("link", name="Cancel"),
    ]
    expect(in_tab_order[0]).to_be_focused()
    for control in in_tab_order[1:]:
        page.keyboard.press("Tab")
        expect(control).to_be_focused()
    for control in reversed(in_tab_order[:-1]):
        page.keyboard.press("Shift+Tab")
        expect(control).to_be_focused()
    # Past either end of a modal dialog focus may visit the browser's own UI, never the page.
    for key in ["Shift+Tab"] * 7 + ["Tab"] * 7:
        page.keyboard.press(key)
        _assert_no_page_element_outside_has_focus(page)

    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    assert sandbox_api.invitations(api, SECOND) == []

    page.keyboard.press("Enter")
    expect(in_tab_order[0]).to_be_focused()
    page.keyboard.type("Sent without a mouse.")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # Basic -> Standard
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Send invitation")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").get_by_text(f"Invitation sent to {name}.")).to_be_visible()
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    (invitation,) = sandbox_api.invitations(api, SECOND)
    assert (invitation["access_level"], invitation["message"]) == (
        "standard",
        "Sent without a mouse.",
    )
