"""Contact pages: editing with custom fields, API errors on fields, lost updates, creating."""

import re

import pytest
from playwright.sync_api import Page, expect

from . import sandbox_api
from .checks import assert_accessible

pytestmark = pytest.mark.browser

JOHN = 1  # seeded: John Doe, john.doe@example.com, two custom fields
JANES_EMAIL = "jane.smith@example.com"  # seeded contact 2


def _open_edit_form_from_the_list(page: Page, search: str, name: str) -> None:
    page.goto(f"/contacts/?search={search}")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=f"Edit {name}")).to_be_visible()


def _saved(page: Page, text: str):
    return page.get_by_role("status").get_by_text(text, exact=True)


def test_edit_saves_a_new_position_and_custom_field_and_keeps_the_old_ones(signed_in, api):
    page = signed_in
    _open_edit_form_from_the_list(page, "doe", "John Doe")
    page.get_by_label("Position").fill("Chief Engineer")

    page.get_by_role("button", name="Add custom field").click()
    page.get_by_label("Name 3", exact=True).fill("tier")
    page.get_by_label("Value 3", exact=True).fill("gold")
    expect(page.get_by_label("Position")).to_have_value("Chief Engineer")
    page.get_by_role("button", name="Save changes").click()

    expect(_saved(page, "Saved John Doe.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/contacts/\?search=doe$"))
    john = sandbox_api.contact(api, JOHN)
    assert john["position"] == "Chief Engineer"
    assert john["custom_fields"] == {
        "department": "Engineering",
        "lead_source": "Referral",
        "tier": "gold",
    }


def test_an_email_another_contact_has_shows_on_the_field_and_nothing_typed_is_lost(
    signed_in, api, problems
):
    problems.allow(r"status of 409")  # the form comes back with the conflict status
    page = signed_in
    page.goto(f"/contacts/{JOHN}/edit/")
    page.get_by_label("Position").fill("Typed, not saved")
    page.get_by_label("Email").fill(JANES_EMAIL)
    page.get_by_role("button", name="Save changes").click()

    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("already in use"))
    expect(email).to_have_value(JANES_EMAIL)
    expect(page.get_by_label("Position")).to_have_value("Typed, not saved")
    john = sandbox_api.contact(api, JOHN)
    assert (john["email"], john["position"]) == ("john.doe@example.com", "Software Engineer")


def _edit_while_someone_else_changes_the_position(page: Page, api) -> None:
    page.goto(f"/contacts/{JOHN}/edit/?search=doe")
    page.get_by_label("Position").fill("Mine")
    page.get_by_label("Address").fill("1 New Street")
    sandbox_api.update(api, JOHN, position="Theirs")
    page.get_by_role("button", name="Save changes").click()

    expect(
        page.get_by_text(
            "Someone else changed this contact while you were editing. Nothing was saved."
        )
    ).to_be_visible()
    conflict = page.get_by_role("group", name="Position was changed by someone else")
    expect(conflict.get_by_role("radio", name="Keep mine: “Mine”")).to_be_checked()
    expect(conflict.get_by_role("radio", name="Take theirs: “Theirs”")).not_to_be_checked()
    john = sandbox_api.contact(api, JOHN)
    assert (john["position"], john["address"]) == ("Theirs", "123 Tech Street")


def test_a_lost_update_is_refused_and_taking_theirs_saves_only_my_other_changes(
    signed_in, api, problems
):
    problems.allow(r"status of 409")  # the conflict page's status
    page = signed_in
    _edit_while_someone_else_changes_the_position(page, api)
    assert_accessible(page, "the edit form showing a conflict")

    page.get_by_role("radio", name="Take theirs: “Theirs”").check()
    page.get_by_role("button", name="Save changes").click()

    expect(_saved(page, "Saved John Doe.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/contacts/\?search=doe$"))
    john = sandbox_api.contact(api, JOHN)
    assert (john["position"], john["address"]) == ("Theirs", "1 New Street")


def test_a_lost_update_is_refused_and_keeping_mine_saves_mine(signed_in, api, problems):
    problems.allow(r"status of 409")
    page = signed_in
    _edit_while_someone_else_changes_the_position(page, api)

    page.get_by_role("radio", name="Keep mine: “Mine”").check()
    page.get_by_role("button", name="Save changes").click()

    expect(_saved(page, "Saved John Doe.")).to_be_visible()
    john = sandbox_api.contact(api, JOHN)
    assert (john["position"], john["address"]) == ("Mine", "1 New Street")


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
    expect(page).to_have_url(re.compile(r"/contacts/\?sort=created_at&order=desc$"))
    expect(page.get_by_role("link", name="Grace Hopper", exact=True)).to_be_visible()
    (grace,) = sandbox_api.matching(api, "grace.hopper@example.com")
    assert (grace["full_name"], grace["position"], grace["access_portal"]) == (
        "Grace Hopper",
        "Rear Admiral",
        1,
    )
    assert "password" not in grace
