"""Every operation against every status the API documents (or a proxy could add)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from contacts import taskip

from .conftest import SECRET, contact_json, error_json, url

EXAMPLES = json.loads((Path(__file__).parent / "document_examples.json").read_text())


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    path: str
    call: Callable[[taskip.TaskipClient], Any]
    ok_body: dict[str, Any]
    ok_status: int = 200
    needs_body: bool = True

    def __str__(self) -> str:
        return self.name


COMPANIES = {"data": [{"id": 3, "name": "Tech Solutions"}],
             "meta": {"current_page": 1, "last_page": 1, "per_page": 100, "total": 1}}
OPS = [
    Op("list_contacts", "GET", "/contact", lambda c: c.list_contacts(), EXAMPLES["list"]),
    Op("get_contact", "GET", "/contact/7", lambda c: c.get_contact(contact_id=7),
       EXAMPLES["get"]),
    Op("create_contact", "POST", "/contact",
       lambda c: c.create_contact(fields={"first_name": "Alice", "email": "a@example.com"}),
       EXAMPLES["create"], ok_status=201),
    Op("update_contact", "PUT", "/contact/7",
       lambda c: c.update_contact(contact_id=7, changes={"position": "CTO"}),
       EXAMPLES["update"], needs_body=False),
    Op("delete_contact", "DELETE", "/contact/7", lambda c: c.delete_contact(contact_id=7),
       EXAMPLES["delete"], needs_body=False),
    Op("bulk_delete_contacts", "POST", "/contact/bulk-delete",
       lambda c: c.bulk_delete_contacts(contact_ids=[7, 8]), EXAMPLES["bulk_delete"],
       needs_body=False),
    Op("invite_client", "POST", "/contact/invite-client/7",
       lambda c: c.invite_client(contact_id=7), EXAMPLES["invite"], needs_body=False),
    Op("list_companies", "GET", "/company", lambda c: c.list_companies(), COMPANIES),
    Op("contact_ids_matching", "GET", "/contact", lambda c: c.contact_ids_matching(),
       EXAMPLES["list"]),
]

ERROR_CLASSES = {
    400: taskip.TaskipValidationError,
    401: taskip.TaskipUnauthorized,
    403: taskip.TaskipUnauthorized,
    404: taskip.TaskipNotFound,
    405: taskip.TaskipError,
    409: taskip.TaskipConflict,
    422: taskip.TaskipValidationError,
    429: taskip.TaskipRateLimited,
    500: taskip.TaskipUnavailable,
    502: taskip.TaskipUnavailable,
    503: taskip.TaskipUnavailable,
    504: taskip.TaskipTimeout,
}
RETRIED = {502, 503, 504}


@pytest.mark.parametrize("op", OPS, ids=str)
def test_documented_success_answer_is_accepted(op: Op, client, rsps) -> None:
    rsps.add(op.method, url(op.path), json=op.ok_body, status=op.ok_status)
    result = op.call(client)
    if not op.needs_body:
        assert result in (None, 2)  # bulk delete returns how many it deleted
    assert len(rsps.calls) == 1
    sent = rsps.calls[0].request
    assert sent.headers["X-Secret-Key"] == SECRET
    assert sent.headers["Accept"] == "application/json"


@pytest.mark.parametrize("op", [op for op in OPS if not op.needs_body], ids=str)
def test_204_without_body_is_success_where_no_data_is_expected(op: Op, client, rsps) -> None:
    rsps.add(op.method, url(op.path), status=204)
    op.call(client)
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("op", [op for op in OPS if op.needs_body], ids=str)
def test_empty_answer_where_data_is_expected_is_a_bad_response(op: Op, client, rsps) -> None:
    rsps.add(op.method, url(op.path), status=204)
    with pytest.raises(taskip.TaskipBadResponse):
        op.call(client)


@pytest.mark.parametrize("status", sorted(ERROR_CLASSES))
@pytest.mark.parametrize("op", OPS, ids=str)
def test_error_status_raises_its_error_type(op: Op, status: int, client, rsps) -> None:
    rsps.add(op.method, url(op.path), json=error_json(status, "Nope"), status=status)
    with pytest.raises(taskip.TaskipError) as caught:
        op.call(client)
    error = caught.value
    assert type(error) is ERROR_CLASSES[status]
    assert error.status == status
    assert error.method == op.method
    assert error.path.startswith(f"/api/public-v1{op.path}")
    assert error.message == "Nope"
    assert error.body == error_json(status, "Nope")
    retried = status in RETRIED and op.method != "POST"
    assert len(rsps.calls) == (3 if retried else 1)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_malformed_json_is_a_bad_response(op: Op, client, rsps) -> None:
    rsps.add(op.method, url(op.path), body='{"data": [', status=op.ok_status,
             content_type="application/json")
    with pytest.raises(taskip.TaskipBadResponse, match="malformed JSON"):
        op.call(client)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_html_page_with_200_is_a_bad_response(op: Op, client, rsps) -> None:
    rsps.add(op.method, url(op.path), body="<html><body>Welcome</body></html>", status=200,
             content_type="text/html; charset=utf-8")
    with pytest.raises(taskip.TaskipBadResponse, match="text/html"):
        op.call(client)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_json_that_is_not_an_object_is_a_bad_response(op: Op, client, rsps) -> None:
    rsps.add(op.method, url(op.path), json=[1, 2, 3], status=op.ok_status)
    with pytest.raises(taskip.TaskipBadResponse, match="not an object"):
        op.call(client)


@pytest.mark.parametrize(("status", "error_class"), [
    (404, taskip.TaskipNotFound), (500, taskip.TaskipUnavailable),
    (502, taskip.TaskipUnavailable), (401, taskip.TaskipUnauthorized),
])
def test_html_error_page_keeps_the_meaning_of_its_status(status, error_class, client,
                                                         rsps) -> None:
    # A proxy in front of TaskIP answers with HTML; the status still says what happened.
    rsps.add("GET", url("/contact/7"), body="<h1>Bad Gateway</h1>", status=status,
             content_type="text/html")
    with pytest.raises(error_class) as caught:
        client.get_contact(contact_id=7)
    assert caught.value.body is None
    assert caught.value.message  # a default message, not the HTML


def test_redirect_is_not_followed(client, rsps) -> None:
    # requests would resend X-Secret-Key to wherever the redirect points.
    rsps.add("GET", url("/contact/7"), status=302,
             headers={"Location": "https://elsewhere.example/steal"})
    with pytest.raises(taskip.TaskipBadResponse, match="redirect"):
        client.get_contact(contact_id=7)
    assert len(rsps.calls) == 1


def test_list_sends_the_query_it_was_given(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json=EXAMPLES["list"])
    client.list_contacts(page=3, limit=20, search="jo hn", sort="email", order="desc")
    assert rsps.calls[0].request.params == {
        "page": "3", "limit": "20", "search": "jo hn", "sort": "email", "order": "desc"}


def test_list_leaves_out_unset_and_empty_parameters(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json=EXAMPLES["list"])
    client.list_contacts(search="")
    assert rsps.calls[0].request.params == {"page": "1", "limit": "50"}


def test_create_sends_the_fields_as_json(client, rsps) -> None:
    rsps.add("POST", url("/contact"), json=EXAMPLES["create"], status=201)
    fields = {"first_name": "Alice", "email": "alice@example.com", "access_portal": 1,
              "password": "secure123", "custom_fields": {"a": "b"}, "invite_client": True}
    contact = client.create_contact(fields=fields)
    request = rsps.calls[0].request
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == fields
    assert contact.id == 151


def test_update_sends_only_the_changes(client, rsps) -> None:
    rsps.add("PUT", url("/contact/151"), json={"msg": "Contact Updated"})
    client.update_contact(contact_id=151, changes={"position": "Senior Director"})
    assert json.loads(rsps.calls[0].request.body) == {"position": "Senior Director"}


def test_update_without_changes_makes_no_call(client, rsps) -> None:
    client.update_contact(contact_id=151, changes={})
    assert len(rsps.calls) == 0


def test_invite_sends_only_what_was_chosen(client, rsps) -> None:
    rsps.add("POST", url("/contact/invite-client/150"), json=EXAMPLES["invite"])
    rsps.add("POST", url("/contact/invite-client/151"), json=EXAMPLES["invite"])
    client.invite_client(contact_id=150, message="Welcome!", send_email=False,
                         access_level="standard")
    client.invite_client(contact_id=151)
    assert json.loads(rsps.calls[0].request.body) == {
        "message": "Welcome!", "send_email": False, "access_level": "standard"}
    assert json.loads(rsps.calls[1].request.body) == {"send_email": True}


def test_bulk_delete_makes_one_call_per_batch(client, rsps) -> None:
    rsps.add("POST", url("/contact/bulk-delete"), json=EXAMPLES["bulk_delete"])
    deleted = client.bulk_delete_contacts(contact_ids=list(range(1, 2501)), batch_size=1000)
    assert deleted == 2500
    batches = [json.loads(call.request.body)["contact_ids"] for call in rsps.calls]
    assert [len(b) for b in batches] == [1000, 1000, 500]
    assert batches[0][0] == 1 and batches[2][-1] == 2500


def test_bulk_delete_of_nothing_makes_no_call(client, rsps) -> None:
    assert client.bulk_delete_contacts(contact_ids=[]) == 0
    assert len(rsps.calls) == 0


def test_bulk_delete_counts_repeated_ids_once(client, rsps) -> None:
    rsps.add("POST", url("/contact/bulk-delete"), json=EXAMPLES["bulk_delete"])
    assert client.bulk_delete_contacts(contact_ids=[4, 4, 5]) == 2
    assert json.loads(rsps.calls[0].request.body) == {"contact_ids": [4, 5]}


def test_bulk_delete_stops_at_the_first_failed_batch(client, rsps) -> None:
    rsps.add("POST", url("/contact/bulk-delete"), json=EXAMPLES["bulk_delete"])
    rsps.add("POST", url("/contact/bulk-delete"), json=error_json(422), status=422)
    rsps.add("POST", url("/contact/bulk-delete"), json=EXAMPLES["bulk_delete"])
    rsps.add("POST", url("/contact/bulk-delete"), json=error_json(422), status=422)
    with pytest.raises(taskip.TaskipValidationError):
        client.bulk_delete_contacts(contact_ids=[1, 2, 3, 4, 5], batch_size=2)
    assert len(rsps.calls) == 2


def test_list_companies_sends_search_and_paging(client, rsps) -> None:
    rsps.add("GET", url("/company"), json=COMPANIES)
    page = client.list_companies(search="acme", page=2, limit=10)
    assert rsps.calls[0].request.params == {"page": "2", "limit": "10", "search": "acme"}
    assert page.companies == (taskip.Company(id=3, name="Tech Solutions"),)


def _list_page(ids: list[int], page: int, total_pages: int | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"search": "x"}
    if total_pages is not None:
        meta |= {"current_page": page, "per_page": 100, "total": None,
                 "total_pages": total_pages}
    return {"data": [contact_json(i) for i in ids], "meta": meta}


def test_contact_ids_matching_walks_every_page(client, rsps) -> None:
    for page in (1, 2, 3):
        ids = list(range((page - 1) * 100 + 1, page * 100 + 1))[: 100 if page < 3 else 37]
        rsps.add("GET", url("/contact"), json=_list_page(ids, page, 3))
    with taskip.calls_made() as calls:
        ids = client.contact_ids_matching(search="x", sort="name", order="asc")
    assert ids == list(range(1, 238))
    assert calls.count == 3
    assert [c.request.params["page"] for c in rsps.calls] == ["1", "2", "3"]
    assert all(c.request.params["limit"] == "100" for c in rsps.calls)
    assert rsps.calls[0].request.params["sort"] == "name"


def test_contact_ids_matching_without_totals_stops_at_a_short_page(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json=_list_page(list(range(1, 101)), 1, None))
    rsps.add("GET", url("/contact"), json=_list_page(list(range(101, 150)), 2, None))
    assert client.contact_ids_matching(search="x") == list(range(1, 150))
    assert len(rsps.calls) == 2


def test_contact_ids_matching_stops_if_the_api_ignores_the_page(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json=_list_page(list(range(1, 101)), 1, None))
    assert client.contact_ids_matching() == list(range(1, 101))
    assert len(rsps.calls) == 2


@pytest.mark.parametrize("bad_id", ["7", "7/../../company", 7.0, True, None])
def test_ids_must_be_integers_so_they_cannot_change_the_path(bad_id, client, rsps) -> None:
    with pytest.raises(TypeError):
        client.get_contact(contact_id=bad_id)
    with pytest.raises(TypeError):
        client.bulk_delete_contacts(contact_ids=[1, bad_id])
    assert len(rsps.calls) == 0


def test_every_request_has_an_explicit_timeout(client, rsps) -> None:
    rsps.add("GET", url("/contact/7"), json=EXAMPLES["get"])
    client.get_contact(contact_id=7)
    assert rsps.calls[0].request.req_kwargs["timeout"] == (3.05, 10)


def test_a_transport_failure_that_is_not_retryable_is_unavailable(client, rsps) -> None:
    rsps.add("GET", url("/contact/7"), body=requests.exceptions.SSLError("bad certificate"))
    with pytest.raises(taskip.TaskipUnavailable) as caught:
        client.get_contact(contact_id=7)
    assert not caught.value.is_timeout
    assert len(rsps.calls) == 1



# ---- every list answer is parsed as it comes --------------------------------------------


def _list_body(*names: str) -> dict[str, Any]:
    contacts = [contact_json(i + 1, full_name=name) for i, name in enumerate(names)]
    return {"data": contacts, "meta": {"current_page": 1, "per_page": 50, "total": len(names)}}


def test_a_changed_answer_is_parsed_anew(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json=_list_body("Ann", "Bob"))
    rsps.add("GET", url("/contact"), json=_list_body("Ann", "Robert"))
    first = client.list_contacts()
    second = client.list_contacts()
    assert [c.full_name for c in first.contacts] == ["Ann", "Bob"]
    assert [c.full_name for c in second.contacts] == ["Ann", "Robert"]


def test_the_same_bytes_for_another_query_are_parsed_for_that_query(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json={"data": [contact_json(1)], "meta": {}})
    page_one = client.list_contacts(page=1, limit=1)
    page_two = client.list_contacts(page=2, limit=1)
    assert (page_one.page, page_two.page) == (1, 2)  # the page number came from the query


def test_an_error_after_a_good_answer_is_still_an_error(client, rsps) -> None:
    body = _list_body("Ann")
    rsps.add("GET", url("/contact"), json=body)
    rsps.add("GET", url("/contact"), json={**body, "success": False, "status_code": 403})
    client.list_contacts()
    with pytest.raises(taskip.TaskipUnauthorized):
        client.list_contacts()
    rsps.add("GET", url("/contact"), json={"message": "Server Error"}, status=500)
    with pytest.raises(taskip.TaskipUnavailable):
        client.list_contacts()


def test_json_that_only_the_lenient_decoder_reads_still_parses(client, rsps) -> None:
    # orjson refuses a UTF-8 BOM and NaN; json reads both, so such answers still work.
    body = json.dumps({"data": [contact_json(1, custom_fields={"score": float("nan")})],
                       "meta": {}})
    rsps.add("GET", url("/contact"), body="\ufeff" + body, content_type="application/json")
    page = client.list_contacts()
    assert page.contacts[0].custom_fields == {"score": "nan"}
