"""Saved views: the list's search, sort, page size and columns kept under a name, and brought back.

The console watch (conftest) applies: no CSP report or script error through any of it.
"""

import re

import pytest
from django.contrib.auth.models import Permission, User
from playwright.sync_api import Page, expect

from .checks import assert_accessible
from .conftest import _sign_in

pytestmark = pytest.mark.browser


def open_menu(page: Page, name: str):
    page.locator("summary", has_text=re.compile(f"^{name}$")).click()
    return page.locator("details[open] .menu-panel")


def choose_columns(page: Page, *, show=(), hide=(), add_custom: str = "") -> None:
    panel = open_menu(page, "Columns")
    for label in show:
        panel.get_by_role("checkbox", name=label, exact=True).check()
    for label in hide:
        panel.get_by_role("checkbox", name=label, exact=True).uncheck()
    if add_custom:
        panel.get_by_label("Add a custom field as a column").fill(add_custom)
    panel.get_by_role("button", name="Apply columns").click()


def headers(page: Page):
    return page.get_by_role("table").get_by_role("columnheader")


def test_a_saved_view_brings_back_search_sort_page_size_and_columns(signed_in, shared_api):
    page = signed_in
    page.goto("/contacts/?limit=20")
    choose_columns(page, show=["State"], hide=["Phone"])
    expect(headers(page).filter(has_text=re.compile("^State$"))).to_have_count(1)
    page.get_by_label("Search contacts").fill("example")
    expect(page).to_have_url(re.compile(r"search=example"))
    email = page.get_by_role("columnheader", name="Email")
    email.get_by_role("link").click()
    expect(email).to_have_attribute("aria-sort", "ascending")
    email.get_by_role("link").click()
    expect(email).to_have_attribute("aria-sort", "descending")
    panel = open_menu(page, "Saved views")
    assert_accessible(page, "the saved views menu")
    panel.get_by_label("Save this list as").fill("Example people, Z to A")
    panel.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("status").get_by_text("Saved the view “Example people, Z to A”."))\
        .to_be_visible()  # fmt: skip
    saved_url = page.url

    # Move away from everything the view holds, then reload: nothing of it is left.
    page.goto("/contacts/")
    choose_columns(page, show=["Phone"], hide=["State"])
    page.reload()
    expect(page.get_by_label("Search contacts")).to_have_value("")
    expect(headers(page).filter(has_text=re.compile("^Phone$"))).to_have_count(1)

    panel = open_menu(page, "Saved views")
    panel.get_by_role("button", name="Example people, Z to A").click()

    expect(page).to_have_url(saved_url)
    assert re.search(r"limit=20", saved_url) and "order=desc" in saved_url
    expect(page.get_by_label("Search contacts")).to_have_value("example")
    expect(page.get_by_label("Per page")).to_have_value("20")
    expect(page.get_by_role("columnheader", name="Email")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(headers(page).filter(has_text=re.compile("^State$"))).to_have_count(1)
    expect(headers(page).filter(has_text=re.compile("^Phone$"))).to_have_count(0)
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(21)  # header + 20


def test_a_view_an_admin_shares_is_in_a_viewers_menu_and_only_admins_may_share(
    signed_in, shared_api, new_context, live_server, problems
):
    page = signed_in
    page.goto("/contacts/?sort=name&order=desc")
    panel = open_menu(page, "Saved views")
    panel.get_by_label("Save this list as").fill("Everyone, Z first")
    panel.get_by_role("checkbox", name="Share with everyone").check()
    panel.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("status").get_by_text("for everyone")).to_be_visible()

    viewer = User.objects.create_user("vic", password="x-unused-9")
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="contacts", codename="view_contact")
    )
    context = new_context()
    problems.watch(context)
    _sign_in(context, live_server, viewer)
    theirs = context.new_page()
    theirs.goto("/contacts/")
    panel = open_menu(theirs, "Saved views")
    expect(panel.get_by_role("checkbox", name="Share with everyone")).to_have_count(0)
    expect(panel.get_by_text("Only contact admins can share views")).to_be_visible()
    panel.get_by_role("button", name="Everyone, Z first").click()
    expect(theirs.get_by_role("columnheader", name="Name")).to_have_attribute(
        "aria-sort", "descending"
    )
