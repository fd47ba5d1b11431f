"""Dark mode: the system setting is followed, the toggle overrides it and is remembered; axe finds
no contrast (or any serious) problem in either theme."""

import re

import pytest
from playwright.sync_api import Page, expect

from .checks import assert_accessible
from .conftest import _sign_in

pytestmark = pytest.mark.browser

BACKGROUND_LIGHTNESS = """() => {
  const background = getComputedStyle(document.documentElement).backgroundColor;
  const [r, g, b] = background.match(/\\d+/g).map(Number);
  return (r + g + b) / 3;
}"""


def is_dark(page: Page) -> bool:
    return page.evaluate(BACKGROUND_LIGHTNESS) < 80


def check_every_kind_of_page(page: Page, theme: str) -> None:
    page.goto("/contacts/?limit=20")
    expect(page.get_by_role("table")).to_have_accessible_name(re.compile(r"^200 contacts"))
    assert_accessible(page, f"the list, {theme}")
    columns = page.locator("summary", has_text=re.compile("^Columns$"))
    columns.click()
    assert_accessible(page, f"the columns menu, {theme}")
    columns.click()
    page.get_by_role("checkbox", name=re.compile(r"^Select (?!all)")).first.check()
    page.get_by_role("button", name="Delete selected (1)").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert_accessible(page, f"the delete dialog, {theme}")
    page.keyboard.press("Escape")
    page.goto("/contacts/2/")
    assert_accessible(page, f"the detail page, {theme}")
    page.goto("/contacts/2/edit/")
    page.get_by_label("Email").fill("not an email")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page, f"the edit form with errors, {theme}")
    page.goto("/views/")
    assert_accessible(page, f"the saved views page, {theme}")


def test_the_system_dark_setting_is_followed_and_axe_is_clean(
    new_context, live_server, staff_user, shared_api, problems
):
    problems.allow(r"status of 422")  # the failed save
    context = new_context(color_scheme="dark")
    problems.watch(context)
    _sign_in(context, live_server, staff_user)
    page = context.new_page()
    page.goto("/contacts/")
    assert is_dark(page)
    expect(page.get_by_role("button", name="Dark mode")).to_have_attribute("aria-pressed", "true")
    check_every_kind_of_page(page, "dark by the system setting")


def test_the_toggle_overrides_the_system_and_is_remembered(signed_in, shared_api, problems):
    problems.allow(r"status of 422")
    page = signed_in
    page.goto("/contacts/")
    assert not is_dark(page)
    toggle = page.get_by_role("button", name="Dark mode")
    expect(toggle).to_have_attribute("aria-pressed", "false")

    toggle.click()

    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert is_dark(page)
    page.reload()
    assert is_dark(page)
    expect(page.get_by_role("button", name="Dark mode")).to_have_attribute("aria-pressed", "true")
    check_every_kind_of_page(page, "dark by the toggle")

    page.get_by_role("button", name="Dark mode").click()
    assert not is_dark(page)
    page.reload()
    assert not is_dark(page)
    check_every_kind_of_page(page, "light by the toggle")
