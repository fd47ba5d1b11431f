"""Pending app fix: static/css/app.css `.field{display:flex}` and `button{display:inline-block}`
override the `hidden` attribute, so app.js's toggles never hide anything."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_portal_access_checkbox_shows_and_hides_the_password(signed_in, shared_api):
    page = signed_in
    page.goto("/contacts/new/")
    password = page.get_by_label("Password")
    portal = page.get_by_label("Client portal access")
    expect(password).to_be_hidden()
    portal.check()
    expect(password).to_be_visible()
    portal.uncheck()
    expect(password).to_be_hidden()


def test_select_all_matching_is_offered_only_once_the_whole_page_is_selected(
    signed_in, shared_api
):
    page = signed_in
    page.goto("/contacts/?limit=20")
    select_all_matching = page.get_by_role("button", name=re.compile(r"^Select all \d+ matching"))
    expect(select_all_matching).to_be_hidden()
    page.get_by_role("checkbox", name="Select all contacts on this page").check()
    expect(select_all_matching).to_be_visible()
