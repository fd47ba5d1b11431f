"""What happens before any endpoint runs: the key, unknown routes and methods, the rate limit,
injected failures and latency. Every answer is JSON, never an HTML page."""

import time

import pytest
import requests
from sandbox_http import API, Client, assert_error

UNAUTHORIZED = {
    "error": "Unauthorized",
    "message": "Invalid or missing X-Secret-Key header",
    "status_code": 401,
}
EVERY_ENDPOINT = [
    ("GET", "/contact"),
    ("POST", "/contact"),
    ("GET", "/contact/1"),
    ("PUT", "/contact/1"),
    ("DELETE", "/contact/1"),
    ("POST", "/contact/bulk-delete"),
    ("POST", "/contact/invite-client/1"),
    ("GET", "/company"),
    ("GET", "/company/3"),
    ("GET", "/contact/987654"),
    ("GET", "/no-such-endpoint"),
]

# ---- the key -------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), EVERY_ENDPOINT)
@pytest.mark.parametrize("key", [None, "", "wrong", "test-secret-", "TEST-SECRET"])
def test_without_the_right_key_every_endpoint_is_401(sandbox, method, path, key):
    headers = {} if key is None else {"X-Secret-Key": key}
    response = requests.request(
        method, f"{sandbox.url}{API}{path}", headers=headers, json={}, timeout=10
    )
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == UNAUTHORIZED


def test_the_openapi_document_is_public(sandbox):
    response = requests.get(f"{sandbox.url}{API}/openapi.json", timeout=10)
    assert response.status_code == 200 and response.json()["openapi"].startswith("3.1")


# ---- routes, ids and methods ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/contact/abc",
        "/contact/1.5",
        "/contact/-1",
        "/contact/0",
        "/contact/00",
        "/contact/99999999999999999999999999",
        "/contact/%E2%91%A0",
        "/contact/1/extra",
        "/contacts",
        "/contact/invite-client/abc",
    ],
)
def test_unknown_ids_and_routes_are_json_404s(api, path):
    method = "POST" if "invite" in path else "GET"
    assert_error(api.request(method, path, json={}), 404)


@pytest.mark.parametrize("path", ["/", "/api", "/admin/", "/api/public-v2/contact", "/x" * 300])
def test_paths_outside_the_api_are_json_404s(sandbox, path):
    response = requests.get(f"{sandbox.url}{path}", timeout=10)
    assert_error(response, 404)


def test_a_trailing_slash_reaches_the_same_endpoint(api):
    assert api.get("/contact/").json()["meta"]["total"] == 200
    assert api.get("/contact/2/").json()["data"]["id"] == 2


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/contact/1", {"GET", "HEAD", "PUT", "DELETE"}),
        ("DELETE", "/contact", {"GET", "HEAD", "POST"}),
        ("PUT", "/contact", {"GET", "HEAD", "POST"}),
        ("GET", "/contact/bulk-delete", {"POST"}),
        ("DELETE", "/contact/bulk-delete", {"POST"}),
        ("GET", "/contact/invite-client/1", {"POST"}),
        ("POST", "/company", {"GET", "HEAD"}),
        ("DELETE", "/company/3", {"GET", "HEAD"}),
        ("OPTIONS", "/contact", {"GET", "HEAD", "POST"}),
    ],
)
def test_wrong_methods_are_405_with_allow(api, method, path, allowed):
    response = api.request(method, path)
    assert_error(response, 405)
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


def test_head_answers_like_get_without_a_body(api):
    response = api.request("HEAD", "/contact/1")
    assert response.status_code == 200 and response.content == b""


def test_odd_requests_still_get_json(sandbox, api):
    for response in (
        api.get("/contact", params={"search": "\x00\ud7ff\U0001f600"}),
        api.request("BREW", "/contact"),
        requests.get(f"{sandbox.url}/%00%ff", timeout=10),
        api.post("/contact", data=b"x" * 6_000_000),
    ):
        assert response.headers["Content-Type"] == "application/json", response.text
        assert response.status_code < 500
    assert not any(call.status >= 500 for call in sandbox.api_calls())


def test_too_large_a_body_is_413(api):
    assert_error(api.post("/contact", data=b"x" * 6_000_000), 413)


def test_no_rate_limit_headers_when_limiting_is_off(api):
    assert "X-RateLimit-Limit" not in api.get("/contact/1").headers


# ---- the rate limit ------------------------------------------------------------------------


def test_rate_limit_counts_down_per_key_then_answers_429(start_sandbox):
    server = start_sandbox(seed=3, rate_limit=3)
    owner, stranger = Client(server), Client(server, secret_key="someone-else")
    now = time.time()
    for remaining in (2, 1, 0):
        response = owner.get("/contact/1")
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
        assert now < int(response.headers["X-RateLimit-Reset"]) <= now + 62
    limited = owner.get("/contact/1")
    body = assert_error(limited, 429)
    assert body["error"] == "Too Many Requests"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) >= now
    # Writes spend the same budget; another key has a budget of its own.
    assert owner.post("/contact", json={}).status_code == 429
    answers = [stranger.get("/contact") for _ in range(4)]
    assert [r.status_code for r in answers] == [401, 401, 401, 429]
    assert answers[0].headers["X-RateLimit-Remaining"] == "2"
    # The OpenAPI document is never throttled.
    document = requests.get(f"{server.url}{API}/openapi.json", timeout=10)
    assert document.status_code == 200


# ---- injected failures and latency ---------------------------------------------------------


def test_fail_rate_answers_that_share_of_api_requests_with_503(start_sandbox):
    server = start_sandbox(seed=3, fail_rate=0.5)
    client = Client(server)
    answers = [client.get("/contact/1") for _ in range(60)]
    answers += [client.post("/contact", json={}) for _ in range(20)]
    failed = [r for r in answers if r.status_code == 503]
    assert {r.status_code for r in answers} == {200, 422, 503}
    assert 15 < len(failed) < 65
    for response in failed:
        assert assert_error(response, 503)["error"] == "Service Unavailable"
    openapi = [requests.get(f"{server.url}{API}/openapi.json", timeout=10) for _ in range(10)]
    assert {r.status_code for r in openapi} == {200}


def test_latency_delays_every_answer_without_serialising_them(start_sandbox):
    from concurrent.futures import ThreadPoolExecutor

    server = start_sandbox(seed=3, latency_ms=300)
    client = Client(server)
    for path in ("/contact/1", "/no-such-endpoint"):
        started = time.monotonic()
        client.get(path)
        assert time.monotonic() - started >= 0.3
    assert all(request.milliseconds >= 300 for request in server.requests())

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda _: Client(server).get("/contact/1").status_code, range(6)))
    assert statuses == [200] * 6
    assert time.monotonic() - started < 1.2  # one at a time, this would take 1.8 s
