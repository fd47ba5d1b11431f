"""Contact pages: editing with custom fields, API errors on fields, lost updates, creating.

Contacts 1 and 2 are the API document's own examples (John Doe, Jane Smith), which the sandbox
seeds first; their values are still read from the sandbox, not assumed.
"""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from . import sandbox_api
from .checks import assert_accessible

pytestmark = pytest.mark.browser

FIRST, SECOND = 1, 2


def _saved(page: Page, text: str):
    return page.get_by_role("status").get_by_text(text, exact=True)


def _at(url: str) -> re.Pattern[str]:
    return re.compile(re.escape(url) + "$")


def test_edit_saves_a_new_position_and_custom_field_and_keeps_the_old_ones(signed_in, api):
    page = signed_in
    before = sandbox_api.contact(api, FIRST)
    name, old_fields = before["full_name"], before["custom_fields"]
    assert old_fields, "the example contact should come with custom fields"
    list_url = "/contacts/?" + urlencode({"search": before["email"]})
    page.goto(list_url)
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=f"Edit {name}")).to_be_visible()

    page.get_by_label("Position").fill("Chief Engineer")
    page.get_by_role("button", name="Add custom field").click()
    row = len(old_fields) + 1
    page.get_by_label(f"Name {row}", exact=True).fill("tier")
    page.get_by_label(f"Value {row}", exact=True).fill("gold")
    expect(page.get_by_label("Position")).to_have_value("Chief Engineer")
    page.get_by_role("button", name="Save changes").click()

    expect(_saved(page, f"Saved {name}.")).to_be_visible()
    expect(page).to_have_url(_at(list_url))
    after = sandbox_api.contact(api, FIRST)
    assert after["position"] == "Chief Engineer"
    assert after["custom_fields"] == {**old_fields, "tier": "gold"}


def test_an_email_another_contact_has_shows_on_the_field_and_nothing_typed_is_lost(
    signed_in, api, problems
):
    problems.allow(r"status of 409")  # the form comes back with the conflict status
    page = signed_in
    before = sandbox_api.contact(api, FIRST)
    taken = sandbox_api.contact(api, SECOND)["email"]
    page.goto(f"/contacts/{FIRST}/edit/")
    page.get_by_label("Position").fill("Typed, not saved")
    page.get_by_label("Email").fill(taken)
    page.get_by_role("button", name="Save changes").click()

    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("already in use"))
    expect(email).to_have_value(taken)
    expect(page.get_by_label("Position")).to_have_value("Typed, not saved")
    assert sandbox_api.contact(api, FIRST) == before


def _edit_while_someone_else_changes_the_position(page: Page, api) -> dict:
    before = sandbox_api.contact(api, FIRST)
    page.goto(f"/contacts/{FIRST}/edit/?search=doe")
    page.get_by_label("Position").fill("Mine")
    page.get_by_label("Address").fill("1 New Street")
    sandbox_api.update(api, FIRST, position="Theirs")
    page.get_by_role("button", name="Save changes").click()

    expect(
        page.get_by_text(
            "Someone else changed this contact while you were editing. Nothing was saved."
        )
    ).to_be_visible()
    conflict = page.get_by_role("group", name="Position was changed by someone else")
    expect(conflict.get_by_role("radio", name="Keep mine: “Mine”")).to_be_checked()
    expect(conflict.get_by_role("radio", name="Take theirs: “Theirs”")).not_to_be_checked()
    expect(page.get_by_label("Address")).to_have_value("1 New Street")
    now = sandbox_api.contact(api, FIRST)
    assert (now["position"], now["address"]) == ("Theirs", before["address"])
    return before


def test_a_lost_update_is_refused_and_taking_theirs_saves_only_my_other_changes(
    signed_in, api, problems
):
    problems.allow(r"status of 409")  # the conflict page's status
    page = signed_in
    before = _edit_while_someone_else_changes_the_position(page, api)
    assert_accessible(page, "the edit form showing a conflict")

    page.get_by_role("radio", name="Take theirs: “Theirs”").check()
    page.get_by_role("button", name="Save changes").click()

    expect(_saved(page, f"Saved {before['full_name']}.")).to_be_visible()
    expect(page).to_have_url(_at("/contacts/?search=doe"))
    after = sandbox_api.contact(api, FIRST)
    assert (after["position"], after["address"]) == ("Theirs", "1 New Street")


def test_a_lost_update_is_refused_and_keeping_mine_saves_mine(signed_in, api, problems):
    problems.allow(r"status of 409")
    page = signed_in
    before = _edit_while_someone_else_changes_the_position(page, api)

    page.get_by_role("radio", name="Keep mine: “Mine”").check()
    page.get_by_role("button", name="Save changes").click()

    expect(_saved(page, f"Saved {before['full_name']}.")).to_be_visible()
    after = sandbox_api.contact(api, FIRST)
    assert (after["position"], after["address"]) == ("Mine", "1 New Street")


def test_new_contact_with_portal_access_and_a_password_is_created(signed_in, api):
    page = signed_in
    page.goto("/contacts/?sort=created_at&order=desc")
    page.get_by_role("link", name="New contact").click()
    expect(page.get_by_role("heading", level=1, name="New contact")).to_be_visible()

    page.get_by_label("Client portal access").check()
    password = page.get_by_label("Password")
    expect(password).to_be_visible()
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Email").fill("grace.hopper@example.com")
    page.get_by_label("Position").fill("Rear Admiral")
    password.fill("cobol-1959")
    page.get_by_role("button", name="Create contact").click()

    expect(_saved(page, "Created Grace Hopper.")).to_be_visible()
    expect(page).to_have_url(_at("/contacts/?sort=created_at&order=desc"))
    expect(page.get_by_role("link", name="Grace Hopper", exact=True)).to_be_visible()
    (grace,) = sandbox_api.matching(api, "grace.hopper@example.com")
    assert (grace["full_name"], grace["position"], grace["access_portal"]) == (
        "Grace Hopper",
        "Rear Admiral",
        1,
    )
    assert "password" not in grace
