"""The contact form's polish: the error summary, checkboxes beside their labels, help tied to its
field, the company combobox, and places offered by name."""

import re

import pytest
from playwright.sync_api import Page, expect

from . import sandbox_api
from .checks import assert_accessible

pytestmark = pytest.mark.browser

FIRST = 1


def test_a_failed_save_focuses_the_summary_and_each_link_focuses_its_field(
    signed_in, api, problems
):
    problems.allow(r"status of 422")
    page = signed_in
    before = sandbox_api.contact(api, FIRST)
    page.goto(f"/contacts/{FIRST}/edit/")
    page.get_by_label("First name").fill("")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Save changes").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    assert_accessible(page, "the form's error summary")

    summary.get_by_role("link", name=re.compile("^First name:")).click()
    expect(page.get_by_label("First name")).to_be_focused()
    summary.get_by_role("link", name=re.compile("^Email:")).click()
    email = page.get_by_label("Email")
    expect(email).to_be_focused()
    expect(email).to_have_value("not-an-email")
    expect(email).to_have_accessible_description(re.compile("valid email"))
    assert sandbox_api.contact(api, FIRST) == before


def test_checkboxes_sit_beside_their_labels_and_help_describes_its_field(signed_in, shared_api):
    page = signed_in
    page.goto("/contacts/new/")
    for name in ("Client portal access", "Invite client"):
        box = page.get_by_role("checkbox", name=name).bounding_box()
        label = page.locator("label", has_text=re.compile(f"^{name}$")).bounding_box()
        assert box["x"] + box["width"] <= label["x"], f"{name}: the box is not before its label"
        assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 6
    expect(page.get_by_role("checkbox", name="Invite client")).to_have_accessible_description(
        "Email the contact an invitation to the portal."
    )
    expect(page.get_by_label("Phone code")).to_have_accessible_description(
        "Country code, e.g. +1"
    )
    help_box = page.get_by_text("Country code, e.g. +1").bounding_box()
    label_box = page.locator("label", has_text=re.compile("^Phone code$")).bounding_box()
    assert help_box["y"] >= label_box["y"] + label_box["height"] - 1, "help is not under its label"


def pick_company(page: Page, typed: str, name: str) -> None:
    company = page.get_by_role("combobox", name="Company")
    company.fill(typed)
    suggestions = page.get_by_role("listbox", name="Company suggestions")
    expect(suggestions.get_by_role("option", name=name)).to_be_visible()
    company.press("ArrowDown")
    while suggestions.get_by_role("option", selected=True).inner_text() != name:
        company.press("ArrowDown")
    highlighted = suggestions.get_by_role("option", selected=True).get_attribute("id")
    expect(company).to_have_attribute("aria-activedescendant", highlighted)
    company.press("Enter")
    expect(company).to_have_value(name)
    expect(company).to_have_attribute("aria-expanded", "false")


def test_a_company_is_picked_by_typing_part_of_its_name(signed_in, api):
    page = signed_in
    page.goto(f"/contacts/{FIRST}/edit/")
    company = page.get_by_role("combobox", name="Company")
    expect(company).to_have_value(sandbox_api.contact(api, FIRST)["company"]["name"])
    lookups = []
    page.on("request", lambda r: lookups.append(r.url) if "/contacts/companies/" in r.url else None)

    pick_company(page, "harb", "Blue Harbor Logistics")
    assert lookups and all("company_search=harb" in url for url in lookups[-1:])
    assert_accessible(page, "the form after picking a company")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("status").get_by_text(re.compile("^Saved "))).to_be_visible()
    assert sandbox_api.contact(api, FIRST)["company_id"] == 8


def test_a_company_is_picked_with_the_mouse_and_emptying_the_box_clears_it(signed_in, api):
    page = signed_in
    page.goto(f"/contacts/{FIRST}/edit/")
    company = page.get_by_role("combobox", name="Company")
    company.fill("acme")
    page.get_by_role("option", name="Acme Corp").click()
    expect(company).to_have_value("Acme Corp")
    company.fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").get_by_text(re.compile("^Saved "))).to_be_visible()
    assert sandbox_api.contact(api, FIRST)["company_id"] is None


def test_places_are_offered_by_the_names_seen_and_a_bare_id_still_works(signed_in, api):
    page = signed_in
    people = sandbox_api.matching(api)[:50]
    seen = {c["country_id"]: c["country"] for c in people if c["country_id"]}
    page.goto("/contacts/")  # the list's answer names these places
    page.goto(f"/contacts/{FIRST}/edit/")
    country = page.get_by_label("Country", exact=True)
    expect(country).to_have_value(str(sandbox_api.contact(api, FIRST)["country_id"]))
    offered = country.locator("option").all_inner_texts()
    assert set(seen.values()) <= set(offered)
    other_id = page.get_by_label("ID of another country")
    expect(other_id).to_be_hidden()

    germany = next(i for i, name in seen.items() if name == "Germany")
    country.select_option(label="Germany")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").get_by_text(re.compile("^Saved "))).to_be_visible()
    assert sandbox_api.contact(api, FIRST)["country_id"] == germany

    page.goto(f"/contacts/{FIRST}/edit/")
    page.get_by_label("Country", exact=True).select_option(label="Another country (type its ID)")
    expect(other_id).to_be_visible()
    other_id.fill("3")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").get_by_text(re.compile("^Saved "))).to_be_visible()
    after = sandbox_api.contact(api, FIRST)
    assert after["country_id"] == 3

    page.goto(f"/contacts/{FIRST}/")
    expect(page.get_by_text(after["country"], exact=True)).to_be_visible()
