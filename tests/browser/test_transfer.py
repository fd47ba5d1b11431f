"""The export dialog and the import pages in a real browser: axe, a quiet console, and the
dialog opening from the list."""

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from .checks import assert_accessible

pytestmark = pytest.mark.browser

CSV = (b"First Name,Last Name,E-mail,Mobile,Favourite colour\n"
       b"Ada,Lovelace,ada@import.test,555-0100,green\n"
       b"Bad,Row,not-an-email,555-0101,blue\n")


def test_export_dialog_and_import_pages_pass_axe(signed_in, staff_user, shared_api, settings,
                                                 tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "job-files"
    staff_user.user_permissions.add(Permission.objects.get(codename="export_contact"))
    page = signed_in
    page.goto("/contacts/")
    page.get_by_role("link", name="Export", exact=True).click()
    dialog = page.get_by_role("dialog", name="Export 200 contacts to CSV")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("checkbox", name=re.compile(r"^Email"))).to_be_checked()
    expect(dialog.get_by_role("checkbox", name="department")).not_to_be_checked()
    assert_accessible(page, "the export dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Import contacts from CSV")).to_be_visible()
    assert_accessible(page, "the import upload page")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": CSV}])
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", level=1, name="Import people.csv")).to_be_visible()
    expect(page.get_by_label("Column 5: Favourite colour")).to_have_value("custom")
    expect(page.get_by_role("table", name=re.compile("^Rows with problems"))).to_contain_text(
        "Enter a valid email address.")
    assert_accessible(page, "the import dry run page")
