"""Retries, backoff, rate limits and the overall deadline, on injected time and randomness."""

from __future__ import annotations

import json
import logging
import threading
from email.utils import formatdate
from http.client import RemoteDisconnected

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from contacts import taskip

from .conftest import NOW, contact_json, error_json, url

OK_CONTACT = {"success": True, "data": contact_json(7)}


def refused() -> requests.ConnectionError:
    """What requests raises when nothing listens: the request provably never left."""
    return requests.ConnectionError(
        MaxRetryError(None, "/api", NewConnectionError(None, "Connection refused")))


def dropped() -> requests.ConnectionError:
    """What requests raises when the server hangs up after reading the request."""
    return requests.ConnectionError(
        ProtocolError("Connection aborted.", RemoteDisconnected("closed without response")))


def answer(fake_time, seconds: float, status: int = 503):
    """A callback answering `status` after `seconds` of fake time."""
    def callback(request):
        fake_time.now += seconds
        return status, {}, json.dumps(error_json(status))
    return callback


def never_answers(fake_time):
    """A callback that waits out the read timeout it was given, then times out."""
    def callback(request):
        fake_time.now += request.req_kwargs["timeout"][1]
        raise requests.ReadTimeout("read timed out")
    return callback


def timeouts_sent(rsps) -> list[tuple[float, float]]:
    return [call.request.req_kwargs["timeout"] for call in rsps.calls]


# ---- what is retried ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_get_is_retried_on_gateway_errors_then_succeeds(status, client, rsps, fake_time) -> None:
    rsps.add("GET", url("/contact/7"), json=error_json(status), status=status)
    rsps.add("GET", url("/contact/7"), json=error_json(status), status=status)
    rsps.add("GET", url("/contact/7"), json=OK_CONTACT)
    assert client.get_contact(contact_id=7).id == 7
    assert len(rsps.calls) == 3 and len(fake_time.sleeps) == 2


@pytest.mark.parametrize("failure", [refused, dropped, requests.ReadTimeout,
                                     requests.ConnectTimeout,
                                     requests.exceptions.ChunkedEncodingError],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_idempotent_methods_are_retried_on_transport_failures(failure, method, client, rsps,
                                                              fake_time) -> None:
    path = "/contact/7"
    rsps.add(method, url(path), body=failure())
    rsps.add(method, url(path), json=OK_CONTACT if method == "GET" else {"msg": "ok"})
    if method == "GET":
        client.get_contact(contact_id=7)
    elif method == "PUT":
        client.update_contact(contact_id=7, changes={"position": "x"})
    else:
        client.delete_contact(contact_id=7)
    assert len(rsps.calls) == 2 and len(fake_time.sleeps) == 1


def test_500_is_not_retried(client, rsps, fake_time) -> None:
    rsps.add("GET", url("/contact/7"), json=error_json(500), status=500)
    with pytest.raises(taskip.TaskipUnavailable):
        client.get_contact(contact_id=7)
    assert len(rsps.calls) == 1 and fake_time.sleeps == []


@pytest.mark.parametrize("max_retries", [0, 1, 2, 4])
def test_retries_stop_after_max_retries(max_retries, make_client, rsps, fake_time) -> None:
    client = make_client(max_retries=max_retries, deadline=100)
    rsps.add("GET", url("/contact/7"), json=error_json(503), status=503)
    with pytest.raises(taskip.TaskipUnavailable) as caught:
        client.get_contact(contact_id=7)
    assert caught.value.status == 503 and not caught.value.is_timeout
    assert len(rsps.calls) == max_retries + 1 and len(fake_time.sleeps) == max_retries


def test_read_timeouts_exhausting_retries_raise_timeout(client, rsps) -> None:
    rsps.add("GET", url("/contact/7"), body=requests.ReadTimeout("read timed out"))
    with pytest.raises(taskip.TaskipTimeout) as caught:
        client.get_contact(contact_id=7)
    assert caught.value.is_timeout and caught.value.status is None
    assert isinstance(caught.value.__cause__, requests.ReadTimeout)
    assert len(rsps.calls) == 3


def test_refused_connections_exhausting_retries_raise_unavailable(client, rsps) -> None:
    rsps.add("GET", url("/contact"), body=refused())
    with pytest.raises(taskip.TaskipUnavailable) as caught:
        client.list_contacts()
    assert type(caught.value) is taskip.TaskipUnavailable and not caught.value.is_timeout
    assert len(rsps.calls) == 3


# ---- POST: only when the request never left ----------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_post_is_not_retried_on_gateway_errors(status, client, rsps, fake_time) -> None:
    rsps.add("POST", url("/contact"), json=error_json(status), status=status)
    with pytest.raises(taskip.TaskipUnavailable):
        client.create_contact(fields={"first_name": "A", "email": "a@example.com"})
    assert len(rsps.calls) == 1 and fake_time.sleeps == []


@pytest.mark.parametrize("failure", [requests.ReadTimeout, dropped,
                                     requests.exceptions.ChunkedEncodingError],
                         ids=lambda f: f.__name__)
def test_post_is_not_retried_when_it_may_have_arrived(failure, client, rsps, fake_time) -> None:
    rsps.add("POST", url("/contact/bulk-delete"), body=failure())
    with pytest.raises(taskip.TaskipUnavailable):
        client.bulk_delete_contacts(contact_ids=[1, 2])
    assert len(rsps.calls) == 1 and fake_time.sleeps == []


@pytest.mark.parametrize("failure", [refused, requests.ConnectTimeout],
                         ids=lambda f: f.__name__)
def test_post_is_retried_when_it_never_left(failure, client, rsps, fake_time) -> None:
    rsps.add("POST", url("/contact"), body=failure())
    rsps.add("POST", url("/contact"), body=failure())
    rsps.add("POST", url("/contact"), json={"success": True, "data": contact_json(151)},
             status=201)
    contact = client.create_contact(fields={"first_name": "A", "email": "a@example.com"})
    assert contact.id == 151 and len(rsps.calls) == 3 and len(fake_time.sleeps) == 2


def test_post_connect_timeouts_exhausting_retries_raise_timeout(client, rsps) -> None:
    rsps.add("POST", url("/contact/invite-client/7"), body=requests.ConnectTimeout())
    with pytest.raises(taskip.TaskipTimeout):
        client.invite_client(contact_id=7)
    assert len(rsps.calls) == 3


# ---- DELETE after an ambiguous failure ---------------------------------------------------


@pytest.mark.parametrize("first", [requests.ReadTimeout("t"), dropped(), 503, 502])
def test_delete_retried_after_ambiguous_failure_then_404_is_success(first, client,
                                                                    rsps) -> None:
    if isinstance(first, int):
        rsps.add("DELETE", url("/contact/7"), json=error_json(first), status=first)
    else:
        rsps.add("DELETE", url("/contact/7"), body=first)
    rsps.add("DELETE", url("/contact/7"), json=error_json(404, "Contact not found"), status=404)
    assert client.delete_contact(contact_id=7) is None
    assert len(rsps.calls) == 2


def test_delete_404_after_a_refused_connection_is_still_not_found(client, rsps) -> None:
    # The first attempt never reached TaskIP, so it cannot have deleted anything.
    rsps.add("DELETE", url("/contact/7"), body=refused())
    rsps.add("DELETE", url("/contact/7"), json=error_json(404), status=404)
    with pytest.raises(taskip.TaskipNotFound):
        client.delete_contact(contact_id=7)


def test_get_404_after_a_retry_is_not_found(client, rsps) -> None:
    rsps.add("GET", url("/contact/7"), json=error_json(503), status=503)
    rsps.add("GET", url("/contact/7"), json=error_json(404), status=404)
    with pytest.raises(taskip.TaskipNotFound):
        client.get_contact(contact_id=7)


# ---- backoff -------------------------------------------------------------------------------


@pytest.mark.parametrize("rand", [0.0, 0.25, 0.5, 0.999999])
def test_backoff_doubles_from_half_a_second_with_jitter(rand, make_client, rsps,
                                                        fake_time) -> None:
    client = make_client(rand=lambda: rand, max_retries=7, deadline=100)
    rsps.add("GET", url("/contact/7"), json=error_json(503), status=503)
    with pytest.raises(taskip.TaskipUnavailable):
        client.get_contact(contact_id=7)
    ceilings = [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    assert len(fake_time.sleeps) == len(ceilings)
    for slept, ceiling in zip(fake_time.sleeps, ceilings, strict=True):
        assert ceiling / 2 <= slept <= ceiling


def test_backoff_uses_the_injected_randomness(make_client, rsps, fake_time) -> None:
    draws = iter([0.0, 1.0])
    client = make_client(rand=lambda: next(draws))
    rsps.add("GET", url("/contact/7"), json=error_json(503), status=503)
    with pytest.raises(taskip.TaskipUnavailable):
        client.get_contact(contact_id=7)
    assert fake_time.sleeps == [0.25, 1.0]


def test_default_retry_budget_stays_well_under_a_worker_timeout(make_client, rsps,
                                                                fake_time) -> None:
    # Worst case for a GET with default settings: every attempt waits out its read timeout.
    client = make_client(rand=lambda: 1.0)
    rsps.add_callback("GET", url("/contact/7"), callback=never_answers(fake_time))
    with pytest.raises(taskip.TaskipTimeout):
        client.get_contact(contact_id=7)
    assert fake_time.now - 100.0 <= 15.0


# ---- the overall deadline ----------------------------------------------------------------


def test_each_attempt_timeout_is_clipped_to_the_deadline(client, rsps, fake_time) -> None:
    rsps.add_callback("GET", url("/contact/7"), callback=answer(fake_time, 6.0))
    with pytest.raises(taskip.TaskipUnavailable):
        client.get_contact(contact_id=7)
    # 6 s, sleep 0.375; 6 s, sleep 0.75; the last attempt gets what is left of 15 s.
    assert timeouts_sent(rsps) == [(3.05, 10), (3.05, 8.625), (1.875, 1.875)]


def test_no_retry_when_the_backoff_would_pass_the_deadline(client, rsps, fake_time) -> None:
    rsps.add_callback("GET", url("/contact/7"), callback=answer(fake_time, 14.8))
    with pytest.raises(taskip.TaskipUnavailable):
        client.get_contact(contact_id=7)
    assert len(rsps.calls) == 1 and fake_time.sleeps == []


def test_read_timeouts_end_at_the_deadline(make_client, rsps, fake_time) -> None:
    client = make_client(deadline=12.0)
    rsps.add_callback("GET", url("/contact/7"), callback=never_answers(fake_time))
    with pytest.raises(taskip.TaskipTimeout):
        client.get_contact(contact_id=7)
    assert timeouts_sent(rsps) == [(3.05, 10), (1.625, 1.625)]
    assert fake_time.now - 100.0 == pytest.approx(12.0)


def test_deadline_passed_while_sleeping_raises_timeout(make_client, rsps, fake_time) -> None:
    def oversleep(seconds: float) -> None:  # an OS that wakes us late
        fake_time.sleep(seconds * 4)

    client = make_client(deadline=1.0, sleep=oversleep)
    rsps.add_callback("GET", url("/contact/7"), callback=answer(fake_time, 0.5))
    with pytest.raises(taskip.TaskipTimeout, match="in time"):
        client.get_contact(contact_id=7)
    assert len(rsps.calls) == 1


# ---- 429 -------------------------------------------------------------------------------------


def rate_limited(rsps, method: str, path: str, **headers: str) -> None:
    rsps.add(method, url(path), json=error_json(429, "Too Many Attempts."), status=429,
             headers=headers)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_short_retry_after_waits_once_then_retries(method, client, rsps, fake_time) -> None:
    rate_limited(rsps, method, "/contact", **{"Retry-After": "1"})
    body = {"data": []} if method == "GET" else {"data": contact_json(1)}
    rsps.add(method, url("/contact"), json=body)
    if method == "GET":
        client.list_contacts()
    else:
        client.create_contact(fields={"first_name": "A"})
    assert fake_time.sleeps == [1.0] and len(rsps.calls) == 2


def test_second_429_is_not_waited_for(client, rsps, fake_time) -> None:
    rate_limited(rsps, "GET", "/contact", **{"Retry-After": "2"})
    with pytest.raises(taskip.TaskipRateLimited) as caught:
        client.list_contacts()
    assert fake_time.sleeps == [2.0] and len(rsps.calls) == 2
    assert caught.value.retry_after == 2.0


def test_long_retry_after_raises_at_once(client, rsps, fake_time) -> None:
    rate_limited(rsps, "GET", "/contact", **{"Retry-After": "30"})
    with pytest.raises(taskip.TaskipRateLimited) as caught:
        client.list_contacts()
    assert caught.value.retry_after == 30.0 and caught.value.status == 429
    assert caught.value.message == "Too Many Attempts."
    assert fake_time.sleeps == [] and len(rsps.calls) == 1


def test_retry_after_as_http_date(client, rsps, fake_time) -> None:
    rate_limited(rsps, "GET", "/contact", **{"Retry-After": formatdate(NOW + 60, usegmt=True)})
    with pytest.raises(taskip.TaskipRateLimited) as caught:
        client.list_contacts()
    assert caught.value.retry_after == pytest.approx(60.0)


def test_rate_limit_reset_is_the_fallback(client, rsps, fake_time) -> None:
    rate_limited(rsps, "GET", "/contact", **{"X-RateLimit-Reset": str(int(NOW) + 2)})
    rsps.add("GET", url("/contact"), json={"data": []})
    client.list_contacts()
    assert fake_time.sleeps == [2.0]


def test_distant_rate_limit_reset_raises_with_retry_after(client, rsps, fake_time) -> None:
    rate_limited(rsps, "GET", "/contact", **{
        "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(NOW) + 45)})
    with pytest.raises(taskip.TaskipRateLimited) as caught:
        client.list_contacts()
    assert caught.value.retry_after == 45.0 and fake_time.sleeps == []


def test_rate_limit_reset_in_the_past_means_retry_now(client, rsps, fake_time) -> None:
    rate_limited(rsps, "GET", "/contact", **{"X-RateLimit-Reset": str(int(NOW) - 5)})
    rsps.add("GET", url("/contact"), json={"data": []})
    client.list_contacts()
    assert fake_time.sleeps == [0.0]


def test_429_without_hints_raises_with_unknown_retry_after(client, rsps, fake_time) -> None:
    rate_limited(rsps, "GET", "/contact")
    with pytest.raises(taskip.TaskipRateLimited) as caught:
        client.list_contacts()
    assert caught.value.retry_after is None and fake_time.sleeps == []


def test_short_retry_after_is_not_waited_past_the_deadline(make_client, rsps,
                                                           fake_time) -> None:
    client = make_client(deadline=1.5)
    rate_limited(rsps, "GET", "/contact", **{"Retry-After": "2"})
    with pytest.raises(taskip.TaskipRateLimited):
        client.list_contacts()
    assert fake_time.sleeps == []


def test_rate_limit_wait_does_not_use_up_retries(make_client, rsps, fake_time) -> None:
    client = make_client(max_retries=0)
    rate_limited(rsps, "GET", "/contact", **{"Retry-After": "1"})
    rsps.add("GET", url("/contact"), json={"data": []})
    client.list_contacts()
    assert len(rsps.calls) == 2


# ---- logging and counting ------------------------------------------------------------------


def test_one_log_line_per_attempt(client, rsps, caplog) -> None:
    rsps.add("GET", url("/contact"), body=requests.ReadTimeout("t"))
    rsps.add("GET", url("/contact"), json=error_json(503), status=503)
    rsps.add("GET", url("/contact"), json={"data": []})
    with caplog.at_level(logging.INFO, logger="contacts.taskip"):
        client.list_contacts(search="ann lee", page=2)
    records = [r for r in caplog.records if r.name == "contacts.taskip"]
    assert [r.taskip_attempt for r in records] == [1, 2, 3]
    assert [r.taskip_outcome for r in records] == ["ReadTimeout", 503, 200]
    assert [r.levelno for r in records] == [logging.WARNING, logging.WARNING, logging.INFO]
    for record in records:
        assert record.taskip_method == "GET"
        # Search terms can be personal data: above DEBUG the query string is left out.
        assert record.taskip_path == "/api/public-v1/contact"
        assert isinstance(record.taskip_ms, int)
    assert records[2].getMessage() == "taskip GET /api/public-v1/contact -> 200 in 0 ms (attempt 3)"
    assert "ann" not in caplog.text


@pytest.mark.parametrize(("status", "level"), [
    (499, logging.INFO), (500, logging.WARNING), (429, logging.WARNING),
])
def test_a_server_error_or_rate_limit_is_logged_as_a_warning(status, level, make_client, rsps,
                                                              caplog) -> None:
    client = make_client(max_retries=0)
    rsps.add("GET", url("/contact"), json=error_json(status), status=status)
    with caplog.at_level(logging.INFO, logger="contacts.taskip"), \
            pytest.raises(taskip.TaskipError):
        client.list_contacts()
    (record,) = [r for r in caplog.records if r.name == "contacts.taskip"]
    assert (record.taskip_outcome, record.levelno) == (status, level)


def test_an_https_taskip_is_called_as_the_dashboard(make_client, rsps) -> None:
    client = make_client(base_url="https://taskip.example")
    rsps.add("GET", "https://taskip.example/api/public-v1/contact", json={"data": []})
    client.list_contacts()
    assert rsps.calls[0].request.url.startswith("https://taskip.example/")
    assert rsps.calls[0].request.headers["User-Agent"] == "taskip-admin"


def test_search_terms_are_logged_at_debug_only(client, rsps, caplog) -> None:
    rsps.add("GET", url("/contact"), json={"data": []})
    with caplog.at_level(logging.DEBUG, logger="contacts.taskip"):
        client.list_contacts(search="ann lee", page=2)
    (record,) = [r for r in caplog.records if r.name == "contacts.taskip"]
    assert record.taskip_path == "/api/public-v1/contact?page=2&limit=50&search=ann+lee"


def test_calls_made_counts_every_attempt_on_this_thread_only(client, rsps) -> None:
    rsps.add("GET", url("/contact/7"), json=error_json(503), status=503)
    rsps.add("GET", url("/contact/7"), json=OK_CONTACT)
    rsps.add("GET", url("/contact"), json={"data": []})
    with taskip.calls_made() as outer:
        client.get_contact(contact_id=7)
        with taskip.calls_made() as inner:
            worker = threading.Thread(target=client.list_contacts)
            worker.start()
            worker.join()
            client.list_contacts()
    assert outer.count == 3 and inner.count == 1
    assert len(rsps.calls) == 4
