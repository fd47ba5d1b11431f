"""The service module end to end against a live sandbox over HTTP (fixtures: tests/conftest.py).

Read-only tests share the session's sandbox (200 seeded contacts); write tests share one
writable sandbox of their own; failure modes get a sandbox configured to fail.
"""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from contacts import taskip

NEW_CONTACT = {
    "first_name": "Alice", "last_name": "Johnson", "email": "alice.live@example.com",
    "phone_code": "+1", "phone_number": "555-0125", "company_id": 7,
    "position": "Marketing Director", "address": "123 Business Ave", "zip_code": "12345",
    "timezone": "America/New_York", "access_portal": 1, "password": "secure123",
    "custom_fields": {"department": "Marketing", "lead_source": "Website"},
    "details": "Met at industry conference 2024",
}


def client_for(server, **overrides) -> taskip.TaskipClient:
    options = {"base_url": server.url, "secret_key": server.secret_key,
               "timeout": (1.0, 5.0), "deadline": 8.0}
    options.update(overrides)
    return taskip.TaskipClient(**options)


@pytest.fixture
def live(sandbox) -> taskip.TaskipClient:
    return client_for(sandbox)


# ---- reads, on the shared sandbox --------------------------------------------------------


def test_list_first_page_with_totals(live) -> None:
    page = live.list_contacts()
    assert len(page.contacts) == 50 and page.limit == 50 and page.page == 1
    assert page.total == 200 and page.total_pages == 4
    assert page.has_next and not page.has_previous
    assert all(isinstance(c, taskip.Contact) and c.id and c.email for c in page.contacts)


def test_list_last_page(live) -> None:
    page = live.list_contacts(page=4, limit=50)
    assert len(page.contacts) == 50 and not page.has_next and page.has_previous


def test_list_pages_do_not_overlap(live) -> None:
    first = {c.id for c in live.list_contacts(page=1, limit=20).contacts}
    second = {c.id for c in live.list_contacts(page=2, limit=20).contacts}
    assert len(first) == len(second) == 20 and not first & second


def test_search_finds_by_name_and_email(live) -> None:
    someone = live.list_contacts(limit=1).contacts[0]
    by_name = live.list_contacts(search=someone.last_name, limit=100)
    assert someone.id in {c.id for c in by_name.contacts}
    assert by_name.search == someone.last_name and by_name.total == len(by_name.contacts)
    assert all(someone.last_name.casefold() in f"{c.full_name} {c.email}".casefold()
               for c in by_name.contacts)
    by_email = live.list_contacts(search=someone.email.upper())
    assert [c.id for c in by_email.contacts] == [someone.id]


def test_search_without_matches(live) -> None:
    page = live.list_contacts(search="zz-no-such-contact-zz")
    assert page.contacts == () and page.total == 0 and not page.has_next


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sort_by_email(live, order) -> None:
    emails = [c.email.casefold() for c in
              live.list_contacts(sort="email", order=order, limit=100).contacts]
    assert emails == sorted(emails, reverse=order == "desc")


def test_sort_by_name_desc_is_the_reverse_of_asc(live) -> None:
    ids_asc = live.contact_ids_matching(sort="name", order="asc")
    ids_desc = live.contact_ids_matching(sort="name", order="desc")
    assert ids_desc == ids_asc[::-1]


def test_get_matches_the_list(live) -> None:
    listed = live.list_contacts(limit=5).contacts[3]
    fetched = live.get_contact(contact_id=listed.id)
    assert fetched == listed
    assert fetched.created_at is not None and fetched.created_at.tzinfo is not None


def test_get_unknown_contact_is_not_found(live) -> None:
    with pytest.raises(taskip.TaskipNotFound) as caught:
        live.get_contact(contact_id=987_654_321)
    assert caught.value.status == 404 and caught.value.message


def test_bad_query_is_a_validation_error(live) -> None:
    with pytest.raises(taskip.TaskipValidationError) as caught:
        live.list_contacts(limit=500, sort="shoe_size")
    assert set(caught.value.field_errors) == {"limit", "sort"}


def test_list_companies_has_the_documents_reference_data(live) -> None:
    companies = {c.id: c.name for c in live.list_companies().companies}
    assert {3: "Tech Solutions", 5: "Acme Corp", 7: "Marketing Pro"}.items() <= companies.items()
    acme = live.list_companies(search="acme")
    assert [c.id for c in acme.companies] == [5] and acme.total == 1 and not acme.has_next


def test_list_companies_pages(live) -> None:
    first = live.list_companies(limit=2)
    assert len(first.companies) == 2 and first.has_next and first.total and first.total > 2
    second = live.list_companies(page=2, limit=2)
    assert not {c.id for c in first.companies} & {c.id for c in second.companies}


def test_contact_ids_matching_walks_every_page(live, sandbox) -> None:
    before = len(sandbox.api_calls())
    with taskip.calls_made() as calls:
        ids = live.contact_ids_matching()
    assert len(ids) == 200 == len(set(ids))
    assert calls.count == 2  # 200 contacts at 100 a page
    assert [(c.method, c.path, c.status) for c in sandbox.api_calls()[before:]] == [
        ("GET", "/api/public-v1/contact?page=1&limit=100", 200),
        ("GET", "/api/public-v1/contact?page=2&limit=100", 200),
    ]


def test_contact_ids_matching_with_a_search(live) -> None:
    someone = live.list_contacts(limit=1).contacts[0]
    term = someone.first_name[:2]
    expected = set()
    page = 1
    while True:
        result = live.list_contacts(search=term, page=page, limit=7)
        expected |= {c.id for c in result.contacts}
        if not result.has_next:
            break
        page += 1
    assert set(live.contact_ids_matching(search=term, page_size=7)) == expected


def test_wrong_key_is_unauthorized(sandbox) -> None:
    client = client_for(sandbox, secret_key="not-the-key")
    with pytest.raises(taskip.TaskipUnauthorized) as caught:
        client.list_contacts()
    assert caught.value.status == 401
    assert "not-the-key" not in repr(caught.value) + str(caught.value)


# ---- writes: each test makes the contacts it changes, on one writable sandbox -------------


@pytest.fixture(scope="module")
def writable_server(sandbox_launcher):
    # One server for all write tests (a fresh one each would dominate the suite's time); every
    # test creates the contacts it changes, so the tests stay independent of one another.
    server = sandbox_launcher.start(seed=200)
    yield server
    server.stop()


@pytest.fixture
def writable(writable_server) -> taskip.TaskipClient:
    return client_for(writable_server)


def make_contacts(client: taskip.TaskipClient, count: int = 1,
                  surname: str | None = None) -> list[taskip.Contact]:
    surname = surname or f"Live{uuid.uuid4().hex[:8]}"
    return [
        client.create_contact(fields={"first_name": f"Test{n}", "last_name": surname,
                                      "email": f"{surname}.{n}@example.com".lower()})
        for n in range(count)
    ]


def total(client: taskip.TaskipClient) -> int:
    count = client.list_contacts(limit=1).total
    assert count is not None
    return count


def test_create_then_get(writable) -> None:
    before = total(writable)
    fields = {**NEW_CONTACT, "email": f"alice.{uuid.uuid4().hex[:8]}@example.com"}
    created = writable.create_contact(fields=fields)
    assert created.id and created.full_name == "Alice Johnson"
    assert created.company is not None and created.company.name == "Marketing Pro"
    assert created.custom_fields == NEW_CONTACT["custom_fields"]
    assert created.access_portal is True and created.created_at is not None
    fetched = writable.get_contact(contact_id=created.id)
    assert fetched.editable_values() == created.editable_values()
    assert {k: v for k, v in fetched.editable_values().items() if k in fields} == {
        k: v for k, v in fields.items() if k != "password"}
    assert total(writable) == before + 1


def test_create_with_a_taken_email_is_a_conflict(writable) -> None:
    (existing,) = make_contacts(writable)
    with pytest.raises(taskip.TaskipConflict) as caught:
        writable.create_contact(fields={"first_name": "Copy", "email": existing.email.upper()})
    assert caught.value.status == 409 and "email" in caught.value.field_errors


def test_create_with_invalid_fields_lists_every_problem(writable) -> None:
    before = total(writable)
    bad = {"last_name": "X", "email": "not-an-email", "phone_code": "+123456",
           "zip_code": "123456789", "access_portal": 1, "company_id": 999_999}
    with pytest.raises(taskip.TaskipValidationError) as caught:
        writable.create_contact(fields=bad)
    assert caught.value.status == 422
    assert {"first_name", "email", "phone_code", "zip_code", "password",
            "company_id"} <= set(caught.value.field_errors)
    assert all(caught.value.field_errors.values())
    assert total(writable) == before


def test_update_changes_only_what_is_sent(writable) -> None:
    (before,) = make_contacts(writable)
    writable.update_contact(contact_id=before.id,
                            changes={"position": "Senior Marketing Director",
                                     "zip_code": "99999"})
    after = writable.get_contact(contact_id=before.id)
    expected = before.editable_values() | {"position": "Senior Marketing Director",
                                           "zip_code": "99999"}
    assert after.editable_values() == expected


def test_update_to_a_taken_email_is_a_conflict(writable) -> None:
    first, second = make_contacts(writable, 2)
    with pytest.raises(taskip.TaskipConflict) as caught:
        writable.update_contact(contact_id=second.id, changes={"email": first.email.title()})
    assert "email" in caught.value.field_errors
    assert writable.get_contact(contact_id=second.id).email == second.email


def test_update_invalid_and_unknown(writable) -> None:
    (someone,) = make_contacts(writable)
    with pytest.raises(taskip.TaskipValidationError) as caught:
        writable.update_contact(contact_id=someone.id, changes={"access_portal": 7})
    assert "access_portal" in caught.value.field_errors
    with pytest.raises(taskip.TaskipNotFound):
        writable.update_contact(contact_id=987_654_321, changes={"position": "x"})


def test_delete_then_it_is_gone(writable) -> None:
    (someone,) = make_contacts(writable)
    before = total(writable)
    writable.delete_contact(contact_id=someone.id)
    with pytest.raises(taskip.TaskipNotFound):
        writable.get_contact(contact_id=someone.id)
    with pytest.raises(taskip.TaskipNotFound):
        writable.delete_contact(contact_id=someone.id)
    assert total(writable) == before - 1


def test_bulk_delete_in_batches(writable) -> None:
    ids = [c.id for c in make_contacts(writable, 5)]
    with taskip.calls_made() as calls:
        assert writable.bulk_delete_contacts(contact_ids=ids, batch_size=2) == 5
    assert calls.count == 3
    assert not set(writable.contact_ids_matching()) & set(ids)


def test_bulk_delete_with_an_unknown_id_deletes_nothing(writable) -> None:
    ids = [c.id for c in make_contacts(writable, 3)]
    with pytest.raises(taskip.TaskipValidationError) as caught:
        writable.bulk_delete_contacts(contact_ids=[*ids, 987_654_321])
    assert "contact_ids" in caught.value.field_errors
    assert all(writable.get_contact(contact_id=i).id == i for i in ids)


def test_select_all_matching_across_pages_then_bulk_delete(writable) -> None:
    surname = f"Match{uuid.uuid4().hex[:8]}"
    made = [c.id for c in make_contacts(writable, 5, surname=surname)]
    with taskip.calls_made() as calls:
        ids = writable.contact_ids_matching(search=surname, sort="email", page_size=2)
    assert ids == made and calls.count == 3
    with taskip.calls_made() as calls:
        assert writable.bulk_delete_contacts(contact_ids=ids) == 5
    assert calls.count == 1
    assert writable.contact_ids_matching(search=surname) == []


def test_invite_client_is_recorded(writable, writable_server) -> None:
    (someone,) = make_contacts(writable)
    writable.invite_client(contact_id=someone.id, message="Welcome to the portal!",
                           send_email=False, access_level="premium")
    recorded = requests.get(f"{writable_server.url}/_sandbox/invitations",
                            params={"contact_id": someone.id},
                            headers=writable_server.headers, timeout=5).json()
    assert [(i["message"], i["access_level"], i["send_email"]) for i in recorded["data"]] == [
        ("Welcome to the portal!", "premium", False)]


def test_invite_with_a_bad_access_level_or_unknown_contact(writable) -> None:
    (someone,) = make_contacts(writable)
    with pytest.raises(taskip.TaskipValidationError) as caught:
        writable.invite_client(contact_id=someone.id, access_level="platinum")
    assert "access_level" in caught.value.field_errors
    with pytest.raises(taskip.TaskipNotFound):
        writable.invite_client(contact_id=987_654_321)


# ---- failure modes of a live server ------------------------------------------------------


def test_failing_sandbox_is_unavailable_within_the_deadline(start_sandbox) -> None:
    server = start_sandbox(fail_rate=1.0)
    client = client_for(server, deadline=3.0, rand=lambda: 0.0)
    started = time.monotonic()
    with taskip.calls_made() as calls, pytest.raises(taskip.TaskipUnavailable) as caught:
        client.list_contacts()
    assert time.monotonic() - started < 3.0
    assert caught.value.status == 503 and calls.count == 3
    with taskip.calls_made() as calls, pytest.raises(taskip.TaskipUnavailable):
        client.create_contact(fields=NEW_CONTACT)
    assert calls.count == 1  # a POST that reached the server is never repeated


def test_rate_limited_sandbox_says_when_to_retry(start_sandbox) -> None:
    server = start_sandbox(rate_limit=3)
    client = client_for(server)
    for _ in range(3):
        client.list_contacts(limit=1)
    started = time.monotonic()
    with pytest.raises(taskip.TaskipRateLimited) as caught:
        client.list_contacts(limit=1)
    assert time.monotonic() - started < 1.0  # a minute's wait is not waited out
    assert caught.value.status == 429
    assert caught.value.retry_after is not None and 2 < caught.value.retry_after <= 60

