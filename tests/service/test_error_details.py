"""What each failure carries (class, words, status, the request it belongs to), the session the
transport builds, and the edges of reading an answer's headers and body: the details the views,
the job ledger and the logs rely on that test_retries.py and test_shapes.py leave open."""

from __future__ import annotations

import json
import logging
from email.utils import formatdate

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from contacts import taskip
from contacts.taskip.transport import POOL_SIZE, new_session

from .conftest import NOW, contact_json, error_json, url

# ---- the errors themselves -----------------------------------------------------------------------


def test_an_error_without_a_request_reads_as_its_message_alone() -> None:
    error = taskip.TaskipUnavailable()
    assert (error.method, error.path) == ("", "")
    assert str(error) == "The TaskIP API is unavailable."


def test_an_error_names_its_request_and_says_when_nothing_answered() -> None:
    error = taskip.TaskipTimeout("Too slow.", method="GET", path="/api/x")
    assert str(error) == "Too slow. (GET /api/x: no answer)"
    answered = taskip.TaskipNotFound("Gone.", status=404, method="GET", path="/api/x")
    assert str(answered) == "Gone. (GET /api/x: HTTP 404)"
    assert repr(answered) == (
        "TaskipNotFound(message='Gone.', status=404, method='GET', path='/api/x')")


# ---- the transport's session and failures --------------------------------------------------------


def test_the_session_uses_one_pooled_adapter_for_both_schemes() -> None:
    session = new_session()
    adapter = session.get_adapter("https://taskip.net/api")
    assert adapter is session.get_adapter("http://taskip.net/api")
    assert adapter._pool_maxsize == POOL_SIZE


def test_cookies_taskip_sets_are_never_sent_back(client, rsps) -> None:
    rsps.add("GET", url("/contact/7"), json={"data": contact_json(7)},
             headers={"Set-Cookie": "laravel_session=abc; Path=/"})
    rsps.add("GET", url("/contact/7"), json={"data": contact_json(7)})
    client.get_contact(contact_id=7)
    client.get_contact(contact_id=7)
    assert "Cookie" not in rsps.calls[1].request.headers


@pytest.mark.parametrize(("failure", "error", "words"), [
    (requests.ReadTimeout("read timed out"), taskip.TaskipTimeout,
     "The TaskIP API did not answer in time (ReadTimeout)."),
    (requests.ConnectionError(), taskip.TaskipUnavailable,
     "The TaskIP API could not be reached (ConnectionError)."),
])
def test_a_transport_failure_names_its_kind_and_request(client, rsps, failure, error,
                                                        words) -> None:
    rsps.add("GET", url("/contact/7"), body=failure)
    with pytest.raises(error) as caught:
        client.get_contact(contact_id=7)
    assert type(caught.value) is error
    assert caught.value.message == words
    assert (caught.value.method, caught.value.path) == ("GET", "/api/public-v1/contact/7")
    assert len(rsps.calls) == 3  # retried twice: a bare ConnectionError may have arrived


def test_a_log_line_says_how_long_the_attempt_took(client, rsps, fake_time, caplog) -> None:
    def slow(request):
        fake_time.now += 1.0
        return 200, {}, json.dumps({"data": contact_json(7)})

    rsps.add_callback("GET", url("/contact/7"), callback=slow, content_type="application/json")
    with caplog.at_level(logging.INFO, logger="contacts.taskip"):
        client.get_contact(contact_id=7)
    (record,) = [r for r in caplog.records if r.name == "contacts.taskip"]
    assert record.taskip_ms == 1000
    assert record.getMessage() == (
        "taskip GET /api/public-v1/contact/7 -> 200 in 1000 ms (attempt 1)")


def test_a_deadline_reached_exactly_is_a_timeout_naming_the_request(make_client, rsps,
                                                                    fake_time) -> None:
    def late(seconds: float) -> None:  # wakes at exactly the deadline
        fake_time.sleep(seconds * 4 / 3)

    def unavailable(request):
        fake_time.now += 0.5
        return 503, {}, json.dumps(error_json(503))

    client = make_client(deadline=1.0, sleep=late)  # backoff 0.375 s, slept as 0.5 s
    rsps.add_callback("GET", url("/contact/7"), callback=unavailable)
    with pytest.raises(taskip.TaskipTimeout) as caught:
        client.get_contact(contact_id=7)
    assert fake_time.now == 101.0 and len(rsps.calls) == 1
    assert caught.value.message == "The TaskIP API did not answer in time."
    assert (caught.value.method, caught.value.path) == ("GET", "/api/public-v1/contact/7")


# ---- the client: each failure belongs to its request ---------------------------------------------


@pytest.mark.parametrize(("call", "method", "path", "body"), [
    (lambda c: c.list_contacts(), "GET", "/contact", {"data": [5]}),
    (lambda c: c.get_contact(contact_id=7), "GET", "/contact/7", {"data": {"id": "seven"}}),
    (lambda c: c.create_contact(fields={"first_name": "Ann"}), "POST", "/contact",
     {"data": {"id": "seven"}}),
    (lambda c: c.list_companies(), "GET", "/company", {"data": [5]}),
], ids=["list", "get", "create", "companies"])
def test_a_badly_shaped_answer_names_its_request_and_keeps_the_body(client, rsps, call, method,
                                                                    path, body) -> None:
    rsps.add(method, url(path), json=body)
    with pytest.raises(taskip.TaskipBadResponse) as caught:
        call(client)
    assert (caught.value.method, caught.value.path) == (method, f"/api/public-v1{path}")
    assert caught.value.body == body


def test_an_empty_answer_where_data_was_expected(client, rsps) -> None:
    rsps.add("GET", url("/contact/7"), body="", status=200)
    with pytest.raises(taskip.TaskipBadResponse) as caught:
        client.get_contact(contact_id=7)
    assert caught.value.message == "TaskIP answered with an empty body where data was expected."
    assert (caught.value.method, caught.value.path) == ("GET", "/api/public-v1/contact/7")


def test_an_id_that_is_not_an_int_is_named_by_its_type(client) -> None:
    with pytest.raises(TypeError, match=r"^a TaskIP id must be an int, not str$"):
        client.get_contact(contact_id="7")


@pytest.mark.parametrize(("timeout", "words"), [
    ("soon", "TASKIP_TIMEOUT must be (connect, read) seconds."),
    ((1.0, 0), "TASKIP_TIMEOUT seconds must be positive."),
])
def test_a_bad_timeout_setting_is_named(make_client, timeout, words) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        make_client(timeout=timeout)
    assert str(caught.value) == words


def test_bulk_delete_sends_a_thousand_ids_a_call_by_default(client, rsps) -> None:
    rsps.add("POST", url("/contact/bulk-delete"), json={"message": "ok"})
    assert client.bulk_delete_contacts(contact_ids=range(1, 1002)) == 1001
    assert [len(json.loads(c.request.body)["contact_ids"]) for c in rsps.calls] == [1000, 1]


def test_bulk_delete_refuses_an_empty_batch(client) -> None:
    with pytest.raises(ValueError, match=r"^batch_size must be at least 1$"):
        client.bulk_delete_contacts(contact_ids=[1], batch_size=0)


def test_contact_ids_matching_passes_its_search_order_and_page_size(client, rsps) -> None:
    rsps.add("GET", url("/contact"), json={"data": [contact_json(3), contact_json(4)]})
    assert client.contact_ids_matching(search="ann", sort="email", order="desc",
                                       page_size=5) == [3, 4]
    assert rsps.calls[0].request.params == {
        "page": "1", "limit": "5", "search": "ann", "sort": "email", "order": "desc"}


def test_list_companies_asks_for_the_first_page_without_a_search(client, rsps) -> None:
    rsps.add("GET", url("/company"), json={"data": []})
    client.list_companies()
    assert rsps.calls[0].request.params == {"page": "1", "limit": "100"}


def test_access_portal_is_an_integer_among_editable_values(client, rsps) -> None:
    rsps.add("GET", url("/contact/7"), json={"data": contact_json(7, access_portal=True)})
    value = client.get_contact(contact_id=7).editable_values()["access_portal"]
    assert type(value) is int and value == 1


# ---- reading an answer ---------------------------------------------------------------------------


@pytest.mark.parametrize("ctype", ["application/json; charset=utf-8", "application/vnd.api+json",
                                   None])
def test_json_is_read_whatever_its_content_type_says_beside_it(client, rsps, ctype) -> None:
    rsps.add("GET", url("/contact/7"), body=json.dumps({"data": contact_json(7)}),
             content_type=ctype)
    assert client.get_contact(contact_id=7).id == 7


@pytest.mark.parametrize(("body", "words"), [
    ("{not json", "TaskIP answered with malformed JSON."),
    ("[1, 2]", "TaskIP answered with JSON that is not an object."),
])
def test_an_unreadable_success_names_the_problem_and_its_request(client, rsps, body,
                                                                 words) -> None:
    rsps.add("GET", url("/contact/7"), body=body, content_type="application/json")
    with pytest.raises(taskip.TaskipBadResponse) as caught:
        client.get_contact(contact_id=7)
    assert caught.value.message == words
    assert (caught.value.status, caught.value.method, caught.value.path) == (
        200, "GET", "/api/public-v1/contact/7")


def test_a_300_answer_is_a_redirect_not_a_success(client, rsps) -> None:
    rsps.add("GET", url("/contact/7"), json={"data": contact_json(7)}, status=300)
    with pytest.raises(taskip.TaskipBadResponse) as caught:
        client.get_contact(contact_id=7)
    assert caught.value.message == "TaskIP answered with a redirect (HTTP 300)."
    assert (caught.value.status, caught.value.method) == (300, "GET")


@pytest.mark.parametrize(("status_code", "error"), [
    (400, taskip.TaskipValidationError), (600, taskip.TaskipError), ("500", taskip.TaskipError),
    (None, taskip.TaskipError),
])
def test_success_false_in_a_200_trusts_only_an_error_status_code(client, rsps, status_code,
                                                                 error) -> None:
    body = {"success": False, "message": "No."}
    if status_code is not None:
        body["status_code"] = status_code
    rsps.add("PUT", url("/contact/7"), json=body)
    with pytest.raises(taskip.TaskipError) as caught:
        client.update_contact(contact_id=7, changes={"position": "x"})
    assert type(caught.value) is error and caught.value.message == "No."


@pytest.mark.parametrize("headers", [{"Retry-After": "7"},
                                     {"X-RateLimit-Reset": str(int(NOW) + 7)}])
def test_success_false_with_a_429_code_reads_when_to_retry(client, rsps, headers) -> None:
    rsps.add("PUT", url("/contact/7"),
             json={"success": False, "status_code": 429, "message": "Slow down."},
             headers=headers)
    with pytest.raises(taskip.TaskipRateLimited) as caught:
        client.update_contact(contact_id=7, changes={"position": "x"})
    assert caught.value.retry_after == 7.0


def test_the_error_key_of_the_401_body_is_its_message(client, rsps) -> None:
    rsps.add("GET", url("/contact/7"), json={"error": "Invalid secret key"}, status=401)
    with pytest.raises(taskip.TaskipUnauthorized) as caught:
        client.get_contact(contact_id=7)
    assert caught.value.message == "Invalid secret key"


@pytest.mark.parametrize(("errors", "expected"), [
    ({"email": None, "phone": "Bad number."}, {"phone_number": ["Bad number."]}),
    ("The contact is locked.", {"__all__": ["The contact is locked."]}),
    ("", {}),
    (5, {}),
])
def test_field_errors_skip_empty_and_odd_values(client, rsps, errors, expected) -> None:
    rsps.add("PUT", url("/contact/7"), json={**error_json(422), "errors": errors}, status=422)
    with pytest.raises(taskip.TaskipValidationError) as caught:
        client.update_contact(contact_id=7, changes={"position": "x"})
    assert caught.value.field_errors == expected


@pytest.mark.parametrize(("headers", "wait"), [
    ({"Retry-After": "0"}, 0.0),
    ({"Retry-After": formatdate(NOW, usegmt=True)}, 0.0),
    ({"X-RateLimit-Reset": "30"}, 30.0),
])
def test_retry_after_edges(client, rsps, headers, wait) -> None:
    # A 429 on a POST that says "now" is waited for once (zero seconds), then fails again.
    rsps.add("POST", url("/contact"), json=error_json(429), status=429, headers=headers)
    with pytest.raises(taskip.TaskipRateLimited) as caught:
        client.create_contact(fields={"first_name": "Ann"})
    assert caught.value.retry_after == wait
