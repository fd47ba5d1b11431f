"""axe on every page and dialog staff see, from logging in to the audit log.

The console watch (conftest) applies too: no CSP violation or script error on any of them.
The conflict view is checked where it arises, in test_contact_form.py.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from contacts.models import AuditEntry

from .checks import assert_accessible
from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page: Page, username: str) -> None:
    page.goto("/contacts/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/contacts/$"))
    assert_accessible(page, "the login page")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/contacts/$"))


def test_every_page_and_dialog_passes_axe_without_console_errors(page, staff_user, shared_api):
    AuditEntry.objects.create(
        user=staff_user, username=staff_user.username, action=AuditEntry.Action.UPDATE,
        contact_ids=[1], changed_fields=["position"],
    )  # fmt: skip
    _log_in(page, staff_user.username)
    expect(page.get_by_role("table")).to_have_accessible_name(re.compile(r"^200 contacts"))
    assert_accessible(page, "the contact list")

    page.get_by_label("Search contacts").fill("smith")
    expect(page).to_have_url(re.compile(r"\?search=smith$"))
    page.get_by_role("checkbox", name="Select Jane Smith").check()
    page.get_by_role("button", name="Delete selected (1)").click()
    dialog = page.get_by_role("dialog", name="Delete 1 contact?")
    expect(dialog).to_be_visible()
    assert_accessible(page, "the list with the bulk-delete dialog open")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    page.get_by_role("button", name="Delete Jane Smith").click()
    dialog = page.get_by_role("dialog", name="Delete Jane Smith?")
    expect(dialog).to_be_visible()
    assert_accessible(page, "the list with a row's delete dialog open")
    page.keyboard.press("Escape")

    page.get_by_role("link", name="Invite Jane Smith").click()
    dialog = page.get_by_role("dialog", name="Invite Jane Smith as a client")
    expect(dialog).to_be_visible()
    assert_accessible(page, "the invite dialog")
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_have_count(0)

    # Jane's photo is on taskip.net: the https image path of the detail page is exercised too.
    page.get_by_role("link", name="Jane Smith", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Jane Smith")).to_be_visible()
    expect(page.get_by_role("img", name="Photo of Jane Smith")).to_be_attached()
    assert_accessible(page, "a contact's detail page")

    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Edit Jane Smith")).to_be_visible()
    assert_accessible(page, "the edit form")

    page.goto("/contacts/new/")
    expect(page.get_by_role("heading", level=1, name="New contact")).to_be_visible()
    assert_accessible(page, "the create form")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("table")).to_have_accessible_name("1 entry")
    expect(page.get_by_role("cell", name="Update")).to_be_visible()
    assert_accessible(page, "the audit log")
