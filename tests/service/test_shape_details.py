"""The details of reading TaskIP's answers that test_shapes.py leaves open: every field a contact
keeps, each fallback the document's shapes need, and the exact words of each shape problem (a
job's ledger shows them to staff as the row's failure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contacts import taskip

from .conftest import contact_json, url


def _get(client, rsps, **fields) -> taskip.Contact:
    rsps.add("GET", url("/contact/1"), json={"data": contact_json(1, **fields)})
    return client.get_contact(contact_id=1)


def _bare(client, rsps, **fields) -> taskip.Contact:
    """A contact holding only `id` and the given fields."""
    rsps.add("GET", url("/contact/1"), json={"data": {"id": 1, **fields}})
    return client.get_contact(contact_id=1)


# ---- every field of the document's contact is kept -----------------------------------------------


def test_every_field_of_a_contact_is_kept(client, rsps) -> None:
    contact = _get(client, rsps, phone_code="+1", details="Met at a fair", reference="R-1",
                   reference_name="Fair", created_at="2024-01-15T10:30:00Z",
                   updated_at="2024-02-01T08:00:00+01:00")
    assert contact == taskip.Contact(
        id=1, first_name="John", last_name="Doe", full_name="John Doe",
        email="john1@example.com", phone_code="+1", phone_number="555-0123",
        position="Software Engineer",
        company=taskip.Company(id=5, name="Acme Corp", domain="acmecorp.com",
                               email="info@acmecorp.com"),
        company_id=5, country_id=1, country="United States", state_id=5, state="California",
        city_id=10, city="San Francisco", address="123 Tech Street", zip_code="94105",
        timezone="America/Los_Angeles", details="Met at a fair", reference="R-1",
        reference_name="Fair", access_portal=True, billing=taskip.Billing(), languages=(),
        image=None, custom_fields={"department": "Engineering", "lead_source": "Referral"},
        user_id=123, created_at=datetime(2024, 1, 15, 10, 30, tzinfo=UTC),
        updated_at=datetime(2024, 2, 1, 7, 0, tzinfo=UTC),
    )


def test_a_contact_with_only_an_id_has_empty_names_and_email(client, rsps) -> None:
    contact = _bare(client, rsps)
    assert (contact.first_name, contact.last_name, contact.full_name, contact.email) == (
        "", "", "", "")
    assert contact.company is None and contact.company_id is None


# ---- names ---------------------------------------------------------------------------------------


def test_a_stale_name_beside_current_names_is_not_read(client, rsps) -> None:
    contact = _bare(client, rsps, first_name="Ann", last_name="Lee", name="Old Name")
    assert (contact.first_name, contact.last_name) == ("Ann", "Lee")


def test_a_last_name_alone_is_kept_without_a_first_name(client, rsps) -> None:
    contact = _bare(client, rsps, last_name="Lee")
    assert (contact.first_name, contact.last_name, contact.full_name) == ("", "Lee", "Lee")


# ---- the company ---------------------------------------------------------------------------------


def test_the_company_objects_id_stands_in_for_a_missing_company_id(client, rsps) -> None:
    contact = _get(client, rsps, company_id=None)
    assert contact.company_id == 5 and contact.company.id == 5


@pytest.mark.parametrize(("company_id", "expected"), [(7, 7), (None, 0)])
def test_a_company_object_without_id_takes_the_contacts_company_id(client, rsps, company_id,
                                                                   expected) -> None:
    contact = _get(client, rsps, company={"name": "Acme"}, company_id=company_id)
    assert contact.company == taskip.Company(id=expected, name="Acme")


def test_a_company_object_without_a_name_has_an_empty_name(client, rsps) -> None:
    assert _get(client, rsps, company={"id": 5}).company == taskip.Company(id=5, name="")


@pytest.mark.parametrize(("company_id", "expected"), [(5, 5), (None, 0)])
def test_a_company_given_as_text_is_a_company_named_so(client, rsps, company_id,
                                                       expected) -> None:
    contact = _get(client, rsps, company="  Acme Corp  ", company_id=company_id)
    assert contact.company == taskip.Company(id=expected, name="Acme Corp")


def test_an_empty_company_text_is_no_company(client, rsps) -> None:
    assert _get(client, rsps, company="", company_id=None).company is None


# ---- places, billing, languages, image, custom fields --------------------------------------------


def test_places_given_as_objects_or_numbers_are_read_as_names(client, rsps) -> None:
    contact = _get(client, rsps, country={"id": 1, "name": "Norway"}, state=None, city=5020)
    assert (contact.country, contact.state, contact.city) == ("Norway", None, "5020")


def test_billing_under_its_singular_name_with_plain_part_names(client, rsps) -> None:
    data = contact_json(1, billing={"address": "1 Main St", "city": "Oslo", "zip": "0150",
                                    "tax_number": "NO-1"})
    del data["billings"]
    rsps.add("GET", url("/contact/1"), json={"data": data})
    assert client.get_contact(contact_id=1).billing == taskip.Billing(
        address="1 Main St", city="Oslo", zip="0150", tax_number="NO-1")


def test_a_language_without_a_code_has_an_empty_code(client, rsps) -> None:
    contact = _get(client, rsps, languages=[{"id": 3, "name": "German"}])
    assert contact.languages == (taskip.Language(id=3, code="", name="German"),)


def test_an_image_given_as_a_url_or_named_by_file_name(client, rsps) -> None:
    assert _get(client, rsps, image="https://x.test/a.png").image == taskip.Image(
        id=None, url="https://x.test/a.png")
    assert _get(client, rsps, image="").image is None
    named = _get(client, rsps, image={"url": "https://x.test/b.png", "file_name": "b.png"})
    assert named.image.name == "b.png"
    both = _get(client, rsps, image={"url": "https://x.test/c.png", "name": "c.png",
                                     "file_name": "other.png"})
    assert both.image.name == "c.png"


def test_custom_values_keep_their_characters_and_empty_text(client, rsps) -> None:
    contact = _get(client, rsps, custom_fields={"tags": ["café", "Zürich"], "blank": ""})
    assert contact.custom_fields == {"tags": '["café", "Zürich"]', "blank": ""}


# ---- scalars -------------------------------------------------------------------------------------


def test_numbers_as_floats_negative_text_or_booleans(client, rsps) -> None:
    contact = _get(client, rsps, company_id=7.0, country_id="-3", state_id=True, city_id="X5",
                   user_id=False)
    assert (contact.company_id, contact.country_id, contact.state_id, contact.city_id,
            contact.user_id) == (7, -3, None, None, None)


def test_booleans_given_for_text_read_as_one_and_zero(client, rsps) -> None:
    contact = _get(client, rsps, position=True, zip_code=False)
    assert (contact.position, contact.zip_code) == ("1", "0")


@pytest.mark.parametrize("value", ["true", "True", " YES ", "on", "1"])
def test_portal_access_given_as_words(client, rsps, value) -> None:
    assert _get(client, rsps, access_portal=value).access_portal is True


def test_portal_access_given_as_other_words_is_off(client, rsps) -> None:
    assert _get(client, rsps, access_portal="no").access_portal is False


def test_timestamps_given_as_epoch_seconds_are_utc(client, rsps) -> None:
    contact = _get(client, rsps, created_at=1_700_000_000, updated_at=True)
    assert contact.created_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert contact.updated_at is None


# ---- pages ---------------------------------------------------------------------------------------


def test_a_page_reports_the_search_taskip_says_it_ran(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json={"data": [], "meta": {"search": "john"}})
    assert client.list_contacts(search="John ").search == "john"


def test_a_page_reports_taskips_page_and_page_size(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json={
        "data": [contact_json(1)], "meta": {"current_page": 2, "per_page": 25}})
    page = client.list_contacts(page=1, limit=50)
    assert (page.page, page.limit) == (2, 25)


@pytest.mark.parametrize("key", ["total_pages", "last_page"])
def test_the_page_count_without_a_total(client, rsps, key) -> None:
    rsps.add("GET", url("/contact"), json={
        "data": [contact_json(1)], "meta": {"current_page": 1, "per_page": 2, key: 3}})
    page = client.list_contacts(page=1, limit=2)
    assert (page.total, page.total_pages, page.has_next) == (None, 3, True)


def test_the_page_count_from_a_total_with_one_per_page(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json={
        "data": [contact_json(1)], "meta": {"current_page": 1, "per_page": 1, "total": 3}})
    page = client.list_contacts(page=1, limit=1)
    assert (page.total_pages, page.has_next) == (3, True)


def test_a_full_page_of_one_may_have_a_next(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json={"data": [contact_json(1)], "meta": {"search": None}})
    assert client.list_contacts(page=1, limit=1).has_next is True


def test_a_page_size_of_zero_never_divides_by_zero(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json={"data": [], "meta": {"total": 3}})
    page = client.list_contacts(page=1, limit=0)
    assert (page.total, page.total_pages, page.has_next) == (3, None, False)


def test_php_empty_meta_is_no_meta(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json={"data": [contact_json(1)], "meta": []})
    page = client.list_contacts(page=3, limit=50)
    assert (page.page, page.limit, page.total) == (3, 50, None)


def test_company_page_without_meta_keeps_the_asked_page_and_follows_links(client, rsps) -> None:
    rsps.add("GET", url("/company"), json={
        "data": [{"id": 1, "name": "Acme"}], "links": {"next": "https://x.test/company?page=3"}})
    page = client.list_companies(page=2, limit=1)
    assert (page.page, page.has_next) == (2, True)


# ---- the words of each shape problem -------------------------------------------------------------

CONTACT_PROBLEMS = [
    ({"data": [1]}, "a contact is not a JSON object"),
    ({"data": {"data": 1}}, "the list has no `data` array"),
    ({"data": [], "meta": [1]}, "`meta` is not a JSON object"),
    ({"data": [{"first_name": "No id"}]}, "contact id is missing or not a number"),
    ({"data": [contact_json(1, company=5)]}, "`company` is not a JSON object"),
    ({"data": [contact_json(1, billings="none")]}, "`billings` is not a JSON object"),
    ({"data": [contact_json(1, languages={"en": "English"})]}, "`languages` is not an array"),
    ({"data": [contact_json(1, languages=[1])]}, "a language is not a JSON object"),
    ({"data": [contact_json(1, image=5)]}, "`image` is not a JSON object"),
    ({"data": [contact_json(1, custom_fields="x=1")]}, "`custom_fields` is not a JSON object"),
    ({"data": [contact_json(1, position=[1])]}, "expected text, got list"),
]


@pytest.mark.parametrize(("body", "problem"), CONTACT_PROBLEMS,
                         ids=[problem for _, problem in CONTACT_PROBLEMS])
def test_each_contact_shape_problem_is_named(client, rsps, body, problem) -> None:
    rsps.add("GET", url("/contact"), json=body)
    with pytest.raises(taskip.TaskipBadResponse) as caught:
        client.list_contacts()
    assert caught.value.message == f"TaskIP's answer has an unexpected shape: {problem}."


@pytest.mark.parametrize(("item", "problem"), [
    ("Acme", "a company is not a JSON object"), ({"name": "Nameless"}, "a company has no id")])
def test_each_company_shape_problem_is_named(client, rsps, item, problem) -> None:
    rsps.add("GET", url("/company"), json={"data": [item]})
    with pytest.raises(taskip.TaskipBadResponse) as caught:
        client.list_companies()
    assert caught.value.message == f"TaskIP's answer has an unexpected shape: {problem}."
