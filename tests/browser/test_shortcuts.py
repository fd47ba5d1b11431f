"""Keyboard shortcuts on the contact list: / j k x Enter e i ?, none of them while typing."""

import re

import pytest
from playwright.sync_api import Page, expect

from . import sandbox_api
from .checks import assert_accessible

pytestmark = pytest.mark.browser

FOCUSED_ROW_NAME = """() => {
  const row = document.activeElement.closest("tbody tr");
  return row && document.activeElement === row ? row.querySelector("td.name a").textContent : null;
}"""


def focused_row(page: Page) -> str | None:
    return page.evaluate(FOCUSED_ROW_NAME)


def wait_for_focused_row(page: Page, name: str) -> None:
    page.wait_for_function(
        "name => { const a = document.activeElement; return a && a.matches('tbody tr')"
        " && a.querySelector('td.name a').textContent === name; }",
        arg=name,
    )


def test_every_shortcut_does_its_thing(signed_in, shared_api):
    page = signed_in
    first, second = sandbox_api.matching(shared_api)[:2]
    page.goto("/contacts/?limit=20")
    expect(page.get_by_role("table")).to_have_accessible_name(re.compile(r"^200 contacts"))

    page.keyboard.press("/")
    expect(page.get_by_label("Search contacts")).to_be_focused()
    expect(page.get_by_label("Search contacts")).to_have_value("")  # "/" itself is not typed
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 300})

    page.keyboard.press("j")
    wait_for_focused_row(page, first["full_name"])
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused row shows no focus"
    page.keyboard.press("j")
    wait_for_focused_row(page, second["full_name"])
    page.keyboard.press("k")
    wait_for_focused_row(page, first["full_name"])

    page.keyboard.press("x")
    expect(page.get_by_role("checkbox", name=f"Select {first['full_name']}")).to_be_checked()
    expect(page.get_by_role("button", name="Delete selected (1)")).to_be_enabled()
    page.keyboard.press("x")
    expect(page.get_by_role("checkbox", name=f"Select {first['full_name']}")).not_to_be_checked()

    page.keyboard.press("i")
    dialog = page.get_by_role("dialog", name=f"Invite {first['full_name']} as a client")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    wait_for_focused_row(page, first["full_name"])  # the focus comes back to the row

    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    for key in ("/", "j", "k", "x", "Enter", "e", "i", "?"):
        expect(shortcuts.locator("kbd", has_text=re.compile(f"^{re.escape(key)}$"))).to_be_visible()
    assert_accessible(page, "the keyboard shortcuts dialog")
    shortcuts.get_by_role("button", name="Close").click()
    expect(shortcuts).to_be_hidden()

    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=first["full_name"])).to_be_visible()
    page.go_back()
    expect(page.get_by_role("table")).to_have_accessible_name(re.compile(r"^200 contacts"))
    page.keyboard.press("j")
    page.keyboard.press("e")
    expect(page.get_by_role("heading", level=1, name=f"Edit {first['full_name']}")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/contacts/{first['id']}/edit/\?limit=20$"))


def test_no_shortcut_fires_while_typing_in_the_search_box(signed_in, shared_api):
    page = signed_in
    page.goto("/contacts/?limit=20")
    search = page.get_by_label("Search contacts")
    search.click()
    requests = []
    page.on("request", lambda r: requests.append(r.url) if r.headers.get("hx-request") else None)

    page.keyboard.type("jkxie?/")

    expect(search).to_have_value("jkxie?/")
    expect(search).to_be_focused()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete selected")).to_be_disabled()
    assert focused_row(page) is None
    expect(page).to_have_url(re.compile(r"/contacts/\?"))


def test_rows_are_reached_by_tab_and_focus_inside_a_row_makes_it_current(signed_in, shared_api):
    page = signed_in
    first, second = sandbox_api.matching(shared_api)[:2]
    page.goto("/contacts/?limit=20")
    page.get_by_role("columnheader", name="Created").get_by_role("link").focus()

    page.keyboard.press("Tab")
    wait_for_focused_row(page, first["full_name"])
    page.keyboard.press("Tab")
    expect(page.get_by_role("checkbox", name=f"Select {first['full_name']}")).to_be_focused()

    page.get_by_role("link", name=f"Edit {second['full_name']}").focus()
    page.keyboard.press("x")
    expect(page.get_by_role("checkbox", name=f"Select {second['full_name']}")).to_be_checked()
    page.keyboard.press("j")
    wait_for_focused_row(page, sandbox_api.matching(shared_api)[2]["full_name"])
