"""With JavaScript off the list is plain HTML: a GET form, links, and a confirmation page."""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from . import sandbox_api

pytestmark = pytest.mark.browser


def test_without_javascript_search_sort_and_paging_are_plain_forms_and_links(
    signed_in_without_javascript, shared_api
):
    page = signed_in_without_javascript
    page.goto("/contacts/")
    table = page.get_by_role("table")
    expect(table).to_have_accessible_name("200 contacts, page 1 of 4")

    page.get_by_label("Search contacts").fill("example.org")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/contacts/\?search=example\.org&limit=50$"))
    expect(table).to_have_accessible_name(re.compile(r"^\d+ contacts matching “example\.org”"))
    matches = sandbox_api.total(shared_api, "example.org")
    expect(table).to_have_accessible_name(re.compile(rf"^{matches} contacts matching"))

    page.get_by_role("link", name="Email", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?search=example\.org&sort=email&order=asc$"))
    expect(page.get_by_role("columnheader", name="Email")).to_have_attribute(
        "aria-sort", "ascending"
    )
    emails = [cell.lower() for cell in _column(page, 2)]
    assert emails == sorted(emails)

    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"\?search=example\.org&sort=email&order=asc&page=2$"))
    expect(table).to_have_accessible_name(re.compile(r", page 2 of 2$"))
    assert _column(page, 2)[0].lower() > emails[-1]

    page.get_by_label("Per page").select_option("20")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"\?search=example\.org&limit=20&sort=email&order=asc$"))
    expect(table.get_by_role("row")).to_have_count(21)


def test_without_javascript_bulk_delete_confirms_on_a_page_of_its_own(
    signed_in_without_javascript, api
):
    page = signed_in_without_javascript
    last_name, family = sandbox_api.family(api, size=4)
    chosen, kept = family[:3], family[3:]
    url = "/contacts/?" + urlencode({"search": last_name, "sort": "name", "order": "asc"})
    page.goto(url)
    for contact in chosen:
        page.get_by_role("checkbox", name=f"Select {contact['full_name']}").check()
    page.get_by_role("button", name="Delete selected").click()

    dialog = page.get_by_role("dialog", name="Delete 3 contacts?")
    expect(dialog).to_be_visible()
    assert all(sandbox_api.contact(api, c["id"]) for c in chosen), "deleted before confirming"
    dialog.get_by_role("button", name="Delete 3 contacts").click()

    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    expect(page.get_by_role("status").get_by_text("3 contacts deleted")).to_be_visible()
    expect(page.get_by_role("table")).to_have_accessible_name(
        re.compile(f"^{len(kept)} contacts? matching “{re.escape(last_name)}”")
    )
    assert [sandbox_api.contact(api, c["id"]) for c in chosen] == [None, None, None]
    assert [c["id"] for c in sandbox_api.matching(api, last_name)] == [c["id"] for c in kept]
    assert sandbox_api.total(api) == 197


def _column(page, index: int) -> list[str]:
    rows = page.get_by_role("table").get_by_role("row").all()[1:]
    return [row.get_by_role("cell").nth(index).inner_text() for row in rows]
