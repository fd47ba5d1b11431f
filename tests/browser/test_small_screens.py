"""Phones (390x844): every contact a card, nothing scrolls sideways, dialogs and menus fit."""

import re

import pytest
from playwright.sync_api import Page, expect

from . import sandbox_api
from .checks import assert_accessible

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE}


def assert_no_sideways_scroll(page: Page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{where} is {width}px wide"


def assert_fits(page: Page, locator, where: str) -> None:
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{where}: {box}"


def test_the_list_is_cards_and_nothing_scrolls_sideways(signed_in, shared_api):
    page = signed_in
    jane = sandbox_api.contact(shared_api, 2)
    page.goto("/contacts/?limit=20")
    expect(page.get_by_role("link", name=jane["full_name"], exact=True)).to_be_visible()
    assert_no_sideways_scroll(page, "the list")

    card = page.locator("tbody tr").filter(
        has=page.get_by_role("link", name=jane["full_name"], exact=True)
    )
    expect(card.get_by_text(jane["email"], exact=True)).to_be_visible()
    expect(card.get_by_text(jane["company"]["name"], exact=True)).to_be_visible()
    for action in ("Edit", "Invite", "Delete"):
        expect(card.get_by_label(f"{action} {jane['full_name']}")).to_be_visible()
    expect(card.get_by_text(jane["position"], exact=True)).to_be_hidden()
    # A card: the name, email, company and actions stack inside one box no wider than the screen.
    assert_fits(page, card, "a contact card")
    assert_accessible(page, "the list on a phone")

    for menu in ("Saved views", "Columns"):
        page.locator("summary", has_text=re.compile(f"^{menu}$")).click()
        expect(page.locator("details[open] .menu-panel")).to_be_visible()
        assert_fits(page, page.locator("details[open] .menu-panel"), f"the {menu} menu")
        assert_no_sideways_scroll(page, f"the list with the {menu} menu open")
        page.locator("summary", has_text=re.compile(f"^{menu}$")).click()

    card.get_by_label(f"Invite {jane['full_name']}").click()
    dialog = page.get_by_role("dialog", name=f"Invite {jane['full_name']} as a client")
    expect(dialog).to_be_visible()
    assert_fits(page, dialog, "the invite dialog")
    assert_no_sideways_scroll(page, "the list with a dialog open")


def test_the_detail_page_and_the_form_fit_a_phone(signed_in, shared_api):
    page = signed_in
    jane = sandbox_api.contact(shared_api, 2)
    page.goto("/contacts/2/")
    expect(page.get_by_role("heading", level=1, name=jane["full_name"])).to_be_visible()
    assert_no_sideways_scroll(page, "the detail page")
    page.goto("/contacts/2/edit/")
    expect(page.get_by_role("heading", level=1, name=f"Edit {jane['full_name']}")).to_be_visible()
    assert_no_sideways_scroll(page, "the edit form")
    page.goto("/views/")
    assert_no_sideways_scroll(page, "the saved views page")
