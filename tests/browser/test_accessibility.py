"""axe on every page and dialog staff see, from logging in to the audit log.

The console watch (conftest) applies too: no CSP violation or script error on any of them.
The conflict view is checked where it arises, in test_contact_form.py.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from contacts.models import AuditEntry

from . import sandbox_api
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
    # The API document's second example contact, seeded with a photo on taskip.net.
    jane = sandbox_api.contact(shared_api, 2)
    name = jane["full_name"]
    _log_in(page, staff_user.username)
    expect(page.get_by_role("table")).to_have_accessible_name(re.compile(r"^200 contacts"))
    assert_accessible(page, "the contact list")

    page.get_by_label("Search contacts").fill(jane["email"])
    expect(page.get_by_role("table")).to_have_accessible_name(re.compile(r"^1 contact matching"))
    page.get_by_role("checkbox", name=f"Select {name}").check()
    page.get_by_role("button", name="Delete selected (1)").click()
    dialog = page.get_by_role("dialog", name="Delete 1 contact?")
    expect(dialog).to_be_visible()
    assert_accessible(page, "the list with the bulk-delete dialog open")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    page.get_by_role("button", name=f"Delete {name}").click()
    dialog = page.get_by_role("dialog", name=f"Delete {name}?")
    expect(dialog).to_be_visible()
    assert_accessible(page, "the list with a row's delete dialog open")
    page.keyboard.press("Escape")

    page.get_by_role("link", name=f"Invite {name}").click()
    dialog = page.get_by_role("dialog", name=f"Invite {name} as a client")
    expect(dialog).to_be_visible()
    assert_accessible(page, "the invite dialog")
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_have_count(0)

    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    if jane["image"]:
        expect(page.get_by_role("img", name=f"Photo of {name}")).to_be_attached()
    assert_accessible(page, "a contact's detail page")

    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=f"Edit {name}")).to_be_visible()
    assert_accessible(page, "the edit form")

    page.goto("/contacts/new/")
    expect(page.get_by_role("heading", level=1, name="New contact")).to_be_visible()
    assert_accessible(page, "the create form")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("table")).to_have_accessible_name("1 entry")
    expect(page.get_by_role("cell", name="Update")).to_be_visible()
    assert_accessible(page, "the audit log")
