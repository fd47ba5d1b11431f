"""The list at 1280 px: one line a row, long values cut but whole on hover and for assistive
technology, the header stays in view while scrolling."""

import re

import pytest
from playwright.sync_api import expect

from . import sandbox_api

pytestmark = pytest.mark.browser

LONG_POSITION = "Senior Vice President of Intercontinental Partnerships and Strategic Alliances"

ROW_HEIGHTS = """() => Array.from(document.querySelectorAll("#results tr"))
  .map(row => row.getBoundingClientRect().height)"""
LINE_HEIGHT = """() => parseFloat(getComputedStyle(document.querySelector("#results td"))
  .lineHeight)"""


def test_rows_are_one_line_and_a_long_value_is_cut_but_whole_on_hover(signed_in, api):
    page = signed_in
    sandbox_api.update(api, 1, position=LONG_POSITION)
    john = sandbox_api.contact(api, 1)
    page.goto("/contacts/?limit=100")
    table = page.get_by_role("table")
    expect(table).to_have_accessible_name(re.compile(r"^200 contacts"))

    heights = page.evaluate(ROW_HEIGHTS)
    line = page.evaluate(LINE_HEIGHT)
    assert max(heights) < 2 * line, f"a row wraps: {max(heights)} px with lines of {line} px"
    assert len(set(round(h) for h in heights[1:])) == 1, "rows differ in height"

    row = table.get_by_role("row").filter(
        has=page.get_by_role("link", name=john["full_name"], exact=True)
    )
    cell = row.get_by_role("cell", name=LONG_POSITION)
    expect(cell).to_have_attribute("title", LONG_POSITION)
    assert cell.evaluate("td => td.scrollWidth > td.clientWidth"), "the long value is not cut"
    expect(cell).to_have_text(LONG_POSITION)  # all of it is there for a screen reader

    # The actions are never cut.
    actions = row.locator("td.actions")
    assert actions.evaluate("td => td.scrollWidth <= td.clientWidth")


def test_the_header_stays_in_view_while_the_list_scrolls(signed_in, shared_api):
    page = signed_in
    page.goto("/contacts/?limit=100")
    header = page.get_by_role("columnheader", name="Email")
    expect(header).to_be_visible()
    page.mouse.wheel(0, 2500)
    page.wait_for_function("window.scrollY > 2000")
    box = header.bounding_box()
    assert box is not None and -1 <= box["y"] <= 1, f"the header scrolled away: {box}"
