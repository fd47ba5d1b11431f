"""Every shape the API document shows anywhere, absorbed into the same dataclasses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contacts import taskip

from .conftest import contact_json, error_json, url

EXAMPLES = json.loads((Path(__file__).parent / "document_examples.json").read_text())


# ---- the document's own examples, verbatim ---------------------------------------------------


def test_list_example_parses_every_field(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json=EXAMPLES["list"])
    page = client.list_contacts(page=1, limit=20)
    john, jane = page.contacts
    assert john.full_name == "John Doe" and john.company == taskip.Company(
        id=5, name="Acme Corp", domain="acmecorp.com", email="info@acmecorp.com")
    assert john.access_portal is True
    assert john.billing == taskip.Billing()
    assert john.languages == () and john.image is None
    assert john.custom_fields == {"department": "Engineering", "lead_source": "Referral"}
    assert jane.access_portal is False
    assert jane.billing == taskip.Billing(
        address="456 Business Ave", city="New York", state="New York", country="United States",
        zip="10001", phone="555-0124", tax_number="TX-987654321")
    assert jane.languages == (taskip.Language(id=1, code="en", name="English", is_default=True),
                              taskip.Language(id=2, code="es", name="Spanish", is_default=False))
    assert jane.image == taskip.Image(id=25, url="https://taskip.net/storage/profile/jane-smith.jpg",
                                      name="jane-smith.jpg", mime_type="image/jpeg", size=98765)
    assert (jane.reference, jane.reference_name) == ("REF-2024-002", "Website Lead")
    assert (jane.user_id, jane.country_id, jane.state, jane.city_id) == (124, 1, "New York", 11)


def test_list_meta_with_only_search_infers_paging_from_a_full_page(client, rsps) -> None:
    # The example's meta is just {"search": null}: two contacts on a page of 2 may mean more.
    rsps.add("GET", url("/contact"), json=EXAMPLES["list"])
    page = client.list_contacts(page=4, limit=2)
    assert (page.page, page.limit, page.total, page.total_pages) == (4, 2, None, None)
    assert page.has_next and page.has_previous
    assert page.search is None


def test_list_meta_with_only_search_and_a_short_page_has_no_next(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json=EXAMPLES["list"])
    page = client.list_contacts(page=1, limit=20)
    assert not page.has_next and not page.has_previous


def test_list_meta_with_full_pagination(client, rsps) -> None:
    body = {"message": "All contacts fetched successfully", "data": [contact_json(1)],
            "meta": {"search": "john", "current_page": 2, "per_page": 1, "total": 3,
                     "total_pages": 3}}
    rsps.add("GET", url("/contact"), json=body)
    page = client.list_contacts(page=2, limit=1, search="john")
    assert (page.page, page.limit, page.total, page.total_pages) == (2, 1, 3, 3)
    assert page.has_next and page.has_previous and page.search == "john"


def test_list_last_page_has_no_next(client, rsps) -> None:
    body = {"data": [contact_json(1)],
            "meta": {"current_page": 3, "per_page": 1, "total": 3, "total_pages": 3}}
    rsps.add("GET", url("/contact"), json=body)
    assert not client.list_contacts(page=3, limit=1).has_next


def test_list_meta_with_numbers_as_strings(client, rsps) -> None:
    body = {"data": [], "meta": {"current_page": "1", "per_page": "50", "total": "0",
                                  "total_pages": "0"}}
    rsps.add("GET", url("/contact"), json=body)
    page = client.list_contacts()
    assert (page.page, page.limit, page.total, page.total_pages, page.has_next) == (
        1, 50, 0, 0, False)


def test_list_total_without_total_pages_gives_the_page_count(client, rsps) -> None:
    body = {"data": [contact_json(1)], "meta": {"current_page": 1, "per_page": 50, "total": 120}}
    rsps.add("GET", url("/contact"), json=body)
    page = client.list_contacts()
    assert page.total_pages == 3 and page.has_next


def test_list_without_meta_at_all(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json={"data": [contact_json(1)]})
    page = client.list_contacts(limit=50, search="jo")
    assert page.total is None and not page.has_next and page.search == "jo"


def test_list_as_a_bare_laravel_paginator(client, rsps) -> None:
    body = {"current_page": 1, "data": [contact_json(1)], "last_page": 2, "per_page": 1,
            "total": 2}
    rsps.add("GET", url("/contact"), json=body)
    page = client.list_contacts(limit=1)
    assert page.total == 2 and page.total_pages == 2 and page.has_next


def test_list_as_a_laravel_paginator_inside_data(client, rsps) -> None:
    body = {"success": True, "data": {"current_page": 2, "data": [contact_json(1)],
                                      "last_page": 2, "per_page": 1, "total": 2}}
    rsps.add("GET", url("/contact"), json=body)
    page = client.list_contacts(page=2, limit=1)
    assert page.page == 2 and not page.has_next and len(page.contacts) == 1


def test_companies_with_laravel_meta(client, rsps) -> None:
    body = {"data": [{"id": 3, "name": "Tech Solutions", "domain": "techsolutions.com",
                      "email": "hello@techsolutions.com", "created_at": "2024-01-01T00:00:00Z"}],
            "links": {"first": "...", "last": "...", "prev": None, "next": "...?page=2"},
            "meta": {"current_page": 1, "from": 1, "last_page": 3, "path": "...",
                     "per_page": 1, "to": 1, "total": 3}}
    rsps.add("GET", url("/company"), json=body)
    page = client.list_companies(limit=1)
    assert page.companies == (taskip.Company(id=3, name="Tech Solutions",
                                             domain="techsolutions.com",
                                             email="hello@techsolutions.com"),)
    assert (page.page, page.limit, page.total, page.has_next) == (1, 1, 3, True)


def test_companies_with_only_links(client, rsps) -> None:
    body = {"data": [{"id": "3", "name": "Tech Solutions"}],
            "links": {"next": None}}
    rsps.add("GET", url("/company"), json=body)
    page = client.list_companies(limit=1)
    assert page.companies[0].id == 3 and not page.has_next and page.total is None


def test_get_example(client, rsps) -> None:
    rsps.add("GET", url("/contact/151"), json=EXAMPLES["get"])
    contact = client.get_contact(contact_id=151)
    assert contact.details == "Met at industry conference 2024"
    assert contact.custom_fields["preferred_contact"] == "email"
    assert contact.billing is not None and contact.billing.tax_number == "TX-123456789"
    assert contact.image is not None and contact.image.size == 125843


def test_create_example_with_partial_company_and_billing(client, rsps) -> None:
    rsps.add("POST", url("/contact"), json=EXAMPLES["create"], status=201)
    contact = client.create_contact(fields={"first_name": "Alice", "email": "a@example.com"})
    assert contact.company == taskip.Company(id=7, name="Marketing Pro")
    assert contact.company_id == 7
    # Billing without id/created_at, and without phone/tax number at all.
    assert contact.billing == taskip.Billing()
    assert contact.created_at == datetime(2024, 1, 25, 11, 20, tzinfo=UTC)
    assert contact.details is None and contact.reference is None


# ---- envelopes: msg/message, success present or not ---------------------------------------


@pytest.mark.parametrize("body", [{"msg": "Contact Updated"}, {"message": "Contact Updated"},
                                  {"success": True, "message": "Contact Updated"}, {}])
def test_update_accepts_msg_or_message_with_or_without_success(body, client, rsps) -> None:
    rsps.add("PUT", url("/contact/1"), json=body)
    assert client.update_contact(contact_id=1, changes={"position": "x"}) is None


def test_get_without_success_flag(client, rsps) -> None:
    rsps.add("GET", url("/contact/1"), json={"data": contact_json(1)})
    assert client.get_contact(contact_id=1).id == 1


def test_success_false_in_a_200_is_an_error(client, rsps) -> None:
    rsps.add("PUT", url("/contact/1"), json={"success": False, "msg": "Could not update"})
    with pytest.raises(taskip.TaskipError) as caught:
        client.update_contact(contact_id=1, changes={"position": "x"})
    assert caught.value.message == "Could not update" and caught.value.status == 200


def test_success_false_in_a_200_uses_its_own_status_code(client, rsps) -> None:
    rsps.add("POST", url("/contact"),
             json=error_json(409, "Email already exists", {"email": ["Taken."]}))
    with pytest.raises(taskip.TaskipConflict) as caught:
        client.create_contact(fields={"email": "x@example.com"})
    assert caught.value.field_errors == {"email": ["Taken."]}


def test_success_false_with_errors_but_no_status_is_a_validation_error(client, rsps) -> None:
    rsps.add("DELETE", url("/contact/1"),
             json={"success": False, "errors": {"id": ["Locked."]}})
    with pytest.raises(taskip.TaskipValidationError):
        client.delete_contact(contact_id=1)


# ---- error bodies ----------------------------------------------------------------------------


def test_document_error_example_puts_messages_on_create_fields(client, rsps) -> None:
    rsps.add("POST", url("/contact"), json=EXAMPLES["error"], status=422)
    with pytest.raises(taskip.TaskipValidationError) as caught:
        client.create_contact(fields={})
    # The example complains about `name`, the stale schema's word for first_name.
    assert caught.value.field_errors == {"email": ["The email field is required."],
                                         "first_name": ["The name field is required."]}
    assert caught.value.message == "The given data was invalid"


def test_field_errors_of_odd_shapes(client, rsps) -> None:
    errors = {"email": "Taken.", "phone": ["Too long.", None], "zip_code": []}
    rsps.add("PUT", url("/contact/1"), json=error_json(422, "Invalid", errors), status=422)
    with pytest.raises(taskip.TaskipValidationError) as caught:
        client.update_contact(contact_id=1, changes={"email": "x"})
    assert caught.value.field_errors == {"email": ["Taken."], "phone_number": ["Too long."]}


def test_error_list_becomes_non_field_errors(client, rsps) -> None:
    rsps.add("POST", url("/contact/bulk-delete"),
             json={"message": "Invalid", "errors": ["Some ids do not exist."]}, status=422)
    with pytest.raises(taskip.TaskipValidationError) as caught:
        client.bulk_delete_contacts(contact_ids=[1])
    assert caught.value.field_errors == {"__all__": ["Some ids do not exist."]}


def test_conflict_without_details_still_names_the_email_field(client, rsps) -> None:
    rsps.add("POST", url("/contact"), json={"message": "Email already exists"}, status=409)
    with pytest.raises(taskip.TaskipConflict) as caught:
        client.create_contact(fields={"email": "taken@example.com"})
    assert list(caught.value.field_errors) == ["email"]
    assert caught.value.message == "Email already exists"


def test_unauthorized_body_from_the_wider_docs(client, rsps) -> None:
    body = {"error": "Unauthorized", "message": "Invalid or missing X-Secret-Key header",
            "status_code": 401}
    rsps.add("GET", url("/contact"), json=body, status=401)
    with pytest.raises(taskip.TaskipUnauthorized, match="Invalid or missing X-Secret-Key"):
        client.list_contacts()


def test_error_without_any_message_gets_a_readable_default(client, rsps) -> None:
    rsps.add("GET", url("/contact/1"), json={}, status=404)
    with pytest.raises(taskip.TaskipNotFound) as caught:
        client.get_contact(contact_id=1)
    assert caught.value.message == taskip.TaskipNotFound.default_message


# ---- the stale "Contact Object" schema, and other per-contact variations ------------------


STALE = {"id": 9, "name": "Mary Ann Smith", "email": "mary@example.com", "phone": "+1-555-0199",
         "company_id": 3, "company_name": "Tech Solutions", "position": None, "address": None,
         "notes": "Prefers email", "status": "active", "tags": ["vip"], "custom_fields": None,
         "created_at": "2024-01-25T11:20:00Z", "updated_at": "2024-01-26T08:00:00+02:00"}


def test_stale_contact_object_schema_maps_onto_contact(client, rsps) -> None:
    rsps.add("GET", url("/contact/9"), json={"data": STALE})
    contact = client.get_contact(contact_id=9)
    assert (contact.first_name, contact.last_name, contact.full_name) == (
        "Mary", "Ann Smith", "Mary Ann Smith")
    assert contact.phone_number == "+1-555-0199"
    assert contact.details == "Prefers email"
    assert contact.company == taskip.Company(id=3, name="Tech Solutions")
    assert contact.company_id == 3
    assert contact.custom_fields == {}
    assert contact.updated_at == datetime(2024, 1, 26, 6, 0, tzinfo=UTC)


def test_stale_company_name_without_id(client, rsps) -> None:
    rsps.add("GET", url("/contact/9"),
             json={"data": {**STALE, "company_id": None, "name": "Cher"}})
    contact = client.get_contact(contact_id=9)
    assert contact.company == taskip.Company(id=0, name="Tech Solutions")
    assert contact.company_id is None
    assert (contact.first_name, contact.last_name) == ("Cher", "")


def test_numbers_as_strings_are_read_as_numbers(client, rsps) -> None:
    data = contact_json("5", company_id="7", user_id="12", country_id="1", access_portal="1",
                        company={"id": "7", "name": "Marketing Pro"}, zip_code=94105,
                        image={"id": "3", "url": "https://x.test/a.png", "size": "120"},
                        languages=[{"id": "1", "code": "en", "name": "English",
                                    "is_default": 1}])
    rsps.add("GET", url("/contact/5"), json={"data": data})
    contact = client.get_contact(contact_id=5)
    assert (contact.id, contact.company_id, contact.user_id, contact.country_id) == (5, 7, 12, 1)
    assert contact.access_portal is True and contact.zip_code == "94105"
    assert contact.company == taskip.Company(id=7, name="Marketing Pro")
    assert contact.image == taskip.Image(id=3, url="https://x.test/a.png", name=None,
                                         mime_type=None, size=120)
    assert contact.languages[0].is_default is True


def test_php_empty_arrays_stand_for_empty_objects(client, rsps) -> None:
    data = contact_json(1, billings=[], custom_fields=[], image=[], company=[], company_id=None)
    rsps.add("GET", url("/contact/1"), json={"data": data})
    contact = client.get_contact(contact_id=1)
    assert contact.billing is None and contact.custom_fields == {} and contact.image is None
    assert contact.company is None


def test_billing_as_a_list_uses_the_first(client, rsps) -> None:
    data = contact_json(1, billings=[{"billing_city": "Oslo"}, {"billing_city": "Rome"}])
    rsps.add("GET", url("/contact/1"), json={"data": data})
    assert client.get_contact(contact_id=1).billing == taskip.Billing(city="Oslo")


def test_custom_field_values_become_text(client, rsps) -> None:
    data = contact_json(1, custom_fields={"score": 7, "none": None, "tags": ["a", "b"],
                                          "vip": True})
    rsps.add("GET", url("/contact/1"), json={"data": data})
    assert client.get_contact(contact_id=1).custom_fields == {
        "score": "7", "none": "", "tags": '["a", "b"]', "vip": "1"}


def test_unknown_keys_are_ignored(client, rsps) -> None:
    data = contact_json(1, brand_new_field={"x": 1}, status="active", tags=["vip"])
    rsps.add("GET", url("/contact/1"),
             json={"success": True, "data": data, "debug": [1, 2], "links": {}})
    assert client.get_contact(contact_id=1).id == 1


@pytest.mark.parametrize("stale", [{"phone": []}, {"notes": {"x": 1}}, {"company_name": []},
                                   {"phone": {}, "notes": [], "company_name": {"a": 1}}])
def test_stale_fields_beside_current_ones_are_never_read(stale, client, rsps) -> None:
    # contact_json has phone_number, details and a company object: whatever the stale schema's
    # names hold then (a PHP empty array, an object) must not fail the contact.
    data = contact_json(1, details="Met at a fair", **stale)
    rsps.add("GET", url("/contact/1"), json={"data": data})
    contact = client.get_contact(contact_id=1)
    assert (contact.phone_number, contact.details, contact.company.name) == (
        "555-0123", "Met at a fair", "Acme Corp")


def test_a_bad_id_is_named_before_any_other_field(client, rsps) -> None:
    rsps.add("GET", url("/contact/1"), json={"data": contact_json(1, id="x", email={"a": 1})})
    with pytest.raises(taskip.TaskipBadResponse, match="contact id"):
        client.get_contact(contact_id=1)


def test_full_name_is_built_when_missing(client, rsps) -> None:
    data = contact_json(1)
    del data["full_name"]
    rsps.add("GET", url("/contact/1"), json={"data": data})
    assert client.get_contact(contact_id=1).full_name == "John Doe"


def test_timestamps_without_zone_or_unreadable(client, rsps) -> None:
    data = contact_json(1, created_at="2024-01-15 10:30:00", updated_at="last tuesday")
    rsps.add("GET", url("/contact/1"), json={"data": data})
    contact = client.get_contact(contact_id=1)
    assert contact.created_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert contact.updated_at is None


def test_languages_as_plain_codes(client, rsps) -> None:
    rsps.add("GET", url("/contact/1"), json={"data": contact_json(1, languages=["en"])})
    assert client.get_contact(contact_id=1).languages == (
        taskip.Language(id=None, code="en", name="en", is_default=False),)


# ---- shapes that are not acceptable ----------------------------------------------------------


@pytest.mark.parametrize("body", [
    {"success": True},
    {"success": True, "data": None},
    {"success": True, "data": []},
    {"success": True, "data": "contact"},
    {"success": True, "data": {"first_name": "No id"}},
    {"success": True, "data": {"id": "seven"}},
    {"success": True, "data": contact_json(1, company=5)},
    {"success": True, "data": contact_json(1, billings="none")},
    {"success": True, "data": contact_json(1, languages={"en": "English"})},
    {"success": True, "data": contact_json(1, custom_fields="dept=sales")},
    {"success": True, "data": contact_json(1, email={"address": "x"})},
], ids=lambda body: json.dumps(body)[:40])
def test_contact_that_is_not_shaped_like_one_is_a_bad_response(body, client, rsps) -> None:
    rsps.add("GET", url("/contact/1"), json=body)
    with pytest.raises(taskip.TaskipBadResponse) as caught:
        client.get_contact(contact_id=1)
    assert caught.value.body == body


@pytest.mark.parametrize("body", [
    {"data": None}, {"data": {"id": 1}}, {"message": "ok"}, {"data": [1, 2]},
    {"data": [], "meta": "page 1"}, {"data": [contact_json(1), "x"]},
])
def test_list_that_is_not_shaped_like_one_is_a_bad_response(body, client, rsps) -> None:
    rsps.add("GET", url("/contact"), json=body)
    with pytest.raises(taskip.TaskipBadResponse):
        client.list_contacts()


def test_company_without_id_in_the_list_is_a_bad_response(client, rsps) -> None:
    rsps.add("GET", url("/company"), json={"data": [{"name": "Nameless"}]})
    with pytest.raises(taskip.TaskipBadResponse):
        client.list_companies()


# ---- editable values -----------------------------------------------------------------------


def test_editable_values_normalise_for_comparison(client, rsps) -> None:
    rsps.add("GET", url("/contact/9"), json={"data": STALE})
    values = client.get_contact(contact_id=9).editable_values()
    assert values == {
        "first_name": "Mary", "last_name": "Ann Smith", "email": "mary@example.com",
        "phone_code": "", "phone_number": "+1-555-0199", "company_id": 3, "position": "",
        "country_id": None, "state_id": None, "city_id": None, "address": "", "zip_code": "",
        "timezone": "", "details": "Prefers email", "access_portal": 0, "custom_fields": {},
    }


def test_editable_values_are_a_fresh_copy(client, rsps) -> None:
    rsps.add("GET", url("/contact/1"), json={"data": contact_json(1)})
    contact = client.get_contact(contact_id=1)
    values = contact.editable_values()
    values["custom_fields"]["department"] = "Sales"  # type: ignore[index]
    assert contact.custom_fields["department"] == "Engineering"
    assert values["access_portal"] == 1
    assert contact.editable_values() != values


def test_dataclasses_are_frozen() -> None:
    company = taskip.Company(id=1, name="A")
    with pytest.raises(AttributeError):
        company.name = "B"  # type: ignore[misc]


# ---- the page's fingerprint (what its rendered rows are cached under) --------------------------


def _fingerprint(rsps, client, body: str) -> str:
    if rsps.registered():
        rsps.replace("GET", url("/contact"), body=body, content_type="application/json")
    else:
        rsps.add("GET", url("/contact"), body=body, content_type="application/json")
    return client.list_contacts().fingerprint


def test_the_same_answer_has_the_same_fingerprint_and_any_change_a_new_one(client, rsps) -> None:
    first = json.dumps({"data": [contact_json(1), contact_json(2)], "meta": {"total": 2}})
    same = _fingerprint(rsps, client, first)
    assert same and _fingerprint(rsps, client, first) == same
    changed = json.dumps({"data": [contact_json(1), contact_json(2, position="CTO")],
                          "meta": {"total": 2}})
    assert _fingerprint(rsps, client, changed) != same
    more = json.dumps({"data": [contact_json(1), contact_json(2)], "meta": {"total": 3}})
    assert _fingerprint(rsps, client, more) != same


def test_an_answer_orjson_cannot_encode_has_no_fingerprint(client, rsps) -> None:
    # A lone surrogate: json.loads reads it (orjson refuses it), orjson cannot write it back.
    body = json.dumps({"data": [contact_json(1, position="\ud800")], "meta": {"total": 1}})
    assert "\\ud800" in body
    assert _fingerprint(rsps, client, body) == ""


def test_a_page_made_from_the_same_answer_is_returned_instead_of_parsing_it_again(
    client, rsps, monkeypatch
) -> None:
    rsps.add("GET", url("/contact"), json={"data": [contact_json(1)], "meta": {"total": 1}})
    asked: list[str] = []
    first = client.list_contacts(known=lambda fp: asked.append(fp))  # knows nothing yet
    assert asked == [first.fingerprint] and first.contacts[0].id == 1

    def no_parsing(*args, **kwargs):
        raise AssertionError("an answer seen before was parsed again")

    monkeypatch.setattr("contacts.taskip.client.parse_contact_page", no_parsing)
    assert client.list_contacts(known={first.fingerprint: first}.get) is first


def test_an_answer_without_a_fingerprint_is_always_parsed(client, rsps) -> None:
    body = json.dumps({"data": [contact_json(1, position="\ud800")], "meta": {"total": 1}})
    rsps.add("GET", url("/contact"), body=body, content_type="application/json")
    asked: list[str] = []
    page = client.list_contacts(known=lambda fp: asked.append(fp))
    assert asked == [] and page.contacts[0].position == "\ud800"
