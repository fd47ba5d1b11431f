"""The secret key never shows: not in errors, not in their causes, not in logs, not in reprs."""

from __future__ import annotations

import logging
import socket

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from contacts import taskip

from .conftest import BASE, SECRET, error_json, url
from .leaks import assert_no_secret


def request_carrying_the_secret() -> requests.PreparedRequest:
    return requests.Request("GET", f"{BASE}/api/public-v1/contact",
                            headers={"X-Secret-Key": SECRET}).prepare()


def transport_failures() -> list[requests.RequestException]:
    # As requests raises them: with the PreparedRequest (and its headers) attached.
    prepared = request_carrying_the_secret()
    return [
        requests.ConnectionError(MaxRetryError(None, "/x", NewConnectionError(None, "refused")),
                                 request=prepared),
        requests.ConnectionError(ProtocolError("Connection aborted."), request=prepared),
        requests.ReadTimeout("read timed out", request=prepared),
        requests.ConnectTimeout("connect timed out", request=prepared),
        requests.exceptions.ChunkedEncodingError("truncated", request=prepared),
        requests.exceptions.SSLError("bad certificate", request=prepared),
    ]


def test_the_leak_finder_finds_a_leak() -> None:
    # Guard for everything below: an unscrubbed requests exception does carry the key.
    with pytest.raises(AssertionError, match="secret found"):
        assert_no_secret(requests.ReadTimeout("t", request=request_carrying_the_secret()))


@pytest.mark.parametrize("failure", transport_failures(), ids=lambda e: type(e).__name__)
def test_wrapped_transport_errors_do_not_carry_the_key(failure, client, rsps, caplog) -> None:
    rsps.add("GET", url("/contact"), body=failure)
    with caplog.at_level(logging.DEBUG), pytest.raises(taskip.TaskipError) as caught:
        client.list_contacts()
    assert caught.value.__cause__ is failure
    assert_no_secret(caught.value)
    assert_no_secret([vars(record) for record in caplog.records])


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 422, 429, 500, 502, 503, 504])
def test_http_errors_do_not_carry_the_key(status, client, rsps, caplog) -> None:
    rsps.add("PUT", url("/contact/1"), json=error_json(status), status=status,
             headers={"Retry-After": "60"})
    with caplog.at_level(logging.DEBUG), pytest.raises(taskip.TaskipError) as caught:
        client.update_contact(contact_id=1, changes={"email": "x@example.com"})
    assert_no_secret(caught.value)
    assert_no_secret([vars(record) for record in caplog.records])


@pytest.mark.parametrize("body", ["<html>oops</html>", "{broken", '["list"]', '{"data": 5}'])
def test_bad_responses_do_not_carry_the_key(body, client, rsps, caplog) -> None:
    rsps.add("GET", url("/contact/1"), body=body, content_type="application/json")
    with caplog.at_level(logging.DEBUG), pytest.raises(taskip.TaskipBadResponse) as caught:
        client.get_contact(contact_id=1)
    assert_no_secret(caught.value)
    assert_no_secret([vars(record) for record in caplog.records])


def test_successful_calls_log_no_key(client, rsps, caplog) -> None:
    rsps.add("GET", url("/contact"), json={"data": []})
    with caplog.at_level(logging.DEBUG):
        client.list_contacts(search="someone")
    assert caplog.records
    assert_no_secret([vars(record) for record in caplog.records])
    assert all(SECRET not in line for line in caplog.text.splitlines())


def test_real_socket_errors_do_not_carry_the_key(caplog) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound, not listening: refused
    client = taskip.TaskipClient(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}",
                                 secret_key=SECRET, max_retries=0)
    try:
        with caplog.at_level(logging.DEBUG), pytest.raises(taskip.TaskipUnavailable) as caught:
            client.get_contact(contact_id=1)
    finally:
        sock.close()
    assert_no_secret(caught.value)
    assert_no_secret([vars(record) for record in caplog.records])


def test_client_repr_and_str_hide_the_key(client) -> None:
    assert SECRET not in repr(client) and SECRET not in str(client)
    assert SECRET not in repr(client._transport)
    assert repr(client) == f"TaskipClient(base_url={BASE!r})"


@pytest.mark.parametrize("options", [
    {"base_url": "ftp://taskip.test"}, {"base_url": "taskip.test"}, {"base_url": ""},
    {"timeout": (0, 10)}, {"timeout": "fast"}, {"timeout": (1, 2, 3)}, {"deadline": 0},
    {"max_retries": -1},
])
def test_bad_configuration_errors_hide_the_key(options) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        taskip.TaskipClient(**{"base_url": BASE, "secret_key": SECRET, **options})
    assert_no_secret(caught.value)


@pytest.mark.parametrize("bad_key", [f"{SECRET}\n", f" {SECRET}", f"{SECRET}\u00e9", "a\x00b"])
def test_unusable_keys_are_refused_without_showing_them(bad_key) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        taskip.TaskipClient(base_url=BASE, secret_key=bad_key)
    assert bad_key not in str(caught.value)
    assert_no_secret(caught.value)
