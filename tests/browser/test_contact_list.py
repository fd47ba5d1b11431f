"""The contact list with JavaScript: search as you type, sorting, paging, history, empty state."""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from . import sandbox_api

pytestmark = pytest.mark.browser

# Set on window after the first load: if it is still there later, no full page load happened.
MARK_PAGE = "window.__sameDocument = true"
SAME_PAGE = "window.__sameDocument === true"


def results_table(page: Page):
    return page.get_by_role("table")


def matching_caption(count: int, search: str) -> re.Pattern[str]:
    plural = "" if count == 1 else "s"
    return re.compile(f"^{count} contact{plural} matching “{re.escape(search)}”")


def test_typing_a_search_filters_in_place_and_the_url_keeps_it(signed_in, shared_api):
    page = signed_in
    last_name, _ = sandbox_api.family(shared_api, size=3)
    part = last_name[:-1].lower()
    expected = sandbox_api.matching(shared_api, part)
    assert 3 <= len(expected) <= 50
    page.goto("/contacts/")
    expect(results_table(page)).to_have_accessible_name(re.compile(r"^200 contacts"))
    page.evaluate(MARK_PAGE)

    page.get_by_label("Search contacts").press_sequentially(part)

    expect(page).to_have_url(
        re.compile(re.escape("/contacts/?" + urlencode({"search": part})) + "$")
    )
    expect(results_table(page)).to_have_accessible_name(matching_caption(len(expected), part))
    expect(results_table(page).get_by_role("row")).to_have_count(len(expected) + 1)  # + header
    for contact in expected:
        link = results_table(page).get_by_role("link", name=contact["full_name"], exact=True)
        expect(link).to_be_visible()
    assert page.evaluate(SAME_PAGE), "the search reloaded the whole page"

    page.reload()
    expect(page.get_by_label("Search contacts")).to_have_value(part)
    expect(results_table(page)).to_have_accessible_name(matching_caption(len(expected), part))


def test_email_header_sorts_both_ways_and_back_restores_the_order(signed_in, shared_api):
    page = signed_in
    page.goto("/contacts/?limit=20")
    email_header = page.get_by_role("columnheader", name="Email")
    expect(email_header).to_have_attribute("aria-sort", "none")
    page.evaluate(MARK_PAGE)

    email_header.get_by_role("link", name="Email").click()
    expect(page).to_have_url(re.compile(r"/contacts/\?sort=email&order=asc&limit=20$"))
    expect(email_header).to_have_attribute("aria-sort", "ascending")
    ascending = emails_shown(page)
    assert ascending == sorted(ascending)

    email_header.get_by_role("link", name="Email").click()
    expect(page).to_have_url(re.compile(r"/contacts/\?sort=email&order=desc&limit=20$"))
    expect(email_header).to_have_attribute("aria-sort", "descending")
    expect(first_email_cell(page)).not_to_have_text(ascending[0])
    descending = emails_shown(page)
    assert descending == sorted(descending, reverse=True)
    assert descending[-1] > ascending[-1]  # the other end of the list, not the same page turned

    page.go_back()
    expect(page).to_have_url(re.compile(r"/contacts/\?sort=email&order=asc&limit=20$"))
    expect(page.get_by_role("columnheader", name="Email")).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(first_email_cell(page)).to_have_text(ascending[0])
    assert emails_shown(page) == ascending
    assert page.evaluate(SAME_PAGE), "sorting or Back reloaded the whole page"


EMAIL_COLUMN = 2  # after the selection box and the name


def first_email_cell(page: Page):
    return results_table(page).get_by_role("row").nth(1).get_by_role("cell").nth(EMAIL_COLUMN)


def emails_shown(page: Page) -> list[str]:
    rows = results_table(page).get_by_role("row").all()[1:]
    return [row.get_by_role("cell").nth(EMAIL_COLUMN).inner_text().lower() for row in rows]


def test_paging_links_and_page_size_move_through_the_list_in_place(signed_in, shared_api):
    page = signed_in
    page.goto("/contacts/")
    pagination = page.get_by_role("navigation", name="Pagination")
    expect(results_table(page)).to_have_accessible_name("200 contacts, page 1 of 4")
    expect(pagination.get_by_role("link", name="Previous page")).to_have_count(0)
    page.evaluate(MARK_PAGE)

    pagination.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"/contacts/\?page=2$"))
    expect(results_table(page)).to_have_accessible_name("200 contacts, page 2 of 4")

    pagination.get_by_role("link", name="Previous page").click()
    expect(page).to_have_url(re.compile(r"/contacts/$"))
    expect(results_table(page)).to_have_accessible_name("200 contacts, page 1 of 4")

    page.get_by_label("Per page").select_option("20")
    expect(page).to_have_url(re.compile(r"/contacts/\?limit=20$"))
    expect(results_table(page)).to_have_accessible_name("200 contacts, page 1 of 10")
    expect(results_table(page).get_by_role("row")).to_have_count(21)
    pagination.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"/contacts/\?page=2&limit=20$"))
    expect(results_table(page)).to_have_accessible_name("200 contacts, page 2 of 10")
    assert page.evaluate(SAME_PAGE), "paging reloaded the whole page"


def test_a_search_without_matches_says_so_and_clear_search_brings_everyone_back(
    signed_in, shared_api
):
    page = signed_in
    page.goto("/contacts/?sort=name&order=desc")
    page.get_by_label("Search contacts").fill("zzqx")

    expect(page.get_by_text("No contacts match “zzqx”.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?search=zzqx&sort=name&order=desc$"))
    expect(results_table(page)).to_have_count(0)

    page.get_by_role("link", name="Clear search").click()
    expect(page).to_have_url(re.compile(r"/contacts/\?sort=name&order=desc$"))
    expect(results_table(page)).to_have_accessible_name(re.compile(r"^200 contacts"))
    expect(page.get_by_role("columnheader", name="Name")).to_have_attribute(
        "aria-sort", "descending"
    )


def test_an_unavailable_api_shows_an_alert_in_place_and_keeps_the_rows(signed_in, api, problems):
    # The dashboard answers 503 and htmx reports the error answer it then swaps in.
    problems.allow(r"status of 503")
    problems.allow(r"htmx:responseError|Response Status Error Code 503")
    page = signed_in
    page.goto("/contacts/?limit=20")
    expect(results_table(page)).to_have_accessible_name(re.compile(r"^200 contacts"))

    api.stop()
    page.get_by_label("Search contacts").fill("zzqx")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The TaskIP API is unavailable")
    expect(alert.get_by_role("link", name="Try again")).to_be_visible()
    expect(results_table(page)).to_have_accessible_name(re.compile(r"^200 contacts"))
    expect(results_table(page).get_by_role("row")).to_have_count(21)


def test_typing_a_word_sends_one_request_once_the_typing_settles(signed_in, shared_api):
    page = signed_in
    last_name, _ = sandbox_api.family(shared_api, size=3)
    part = last_name[:-1].lower()
    expected = sandbox_api.matching(shared_api, part)
    page.goto("/contacts/")
    expect(results_table(page)).to_have_accessible_name(re.compile(r"^200 contacts"))
    searches = []
    page.on("request", lambda request: searches.append(request.url)
            if "/contacts/" in request.url and request.headers.get("hx-request") else None)

    page.get_by_label("Search contacts").press_sequentially(part)  # one keystroke at a time

    expect(results_table(page)).to_have_accessible_name(matching_caption(len(expected), part))
    # Each request costs one of TaskIP's 100 calls a minute: the keystrokes before the input
    # settled must not have sent any.
    assert len(searches) == 1, searches
    assert urlencode({"search": part}) in searches[0]
