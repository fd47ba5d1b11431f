"""What staff see when TaskIP is down, slow, rate limiting, or rejects the key."""

import logging
import socket

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_listening_gives_503_in_the_layout(settings, login_as):
    settings.TASKIP_BASE_URL = f"http://127.0.0.1:{_free_port()}"
    response = login_as("viewer").get("/contacts/")
    html = response.content.decode()
    assert response.status_code == 503
    assert "The TaskIP API is unavailable" in html
    assert "TaskIP admin" in html and "Log out" in html  # the dashboard's layout
    assert "Try again" in html


def test_htmx_failure_is_shown_in_place(settings, login_as):
    settings.TASKIP_BASE_URL = f"http://127.0.0.1:{_free_port()}"
    response = login_as("viewer").get(
        "/contacts/?search=x", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert response.status_code == 503
    assert response["HX-Retarget"] == "#api-status"
    assert "<html" not in response.content.decode()


def test_failing_api_gives_503(start_sandbox, settings, login_as):
    server = start_sandbox(fail_rate=1.0)
    settings.TASKIP_BASE_URL, settings.TASKIP_SECRET_KEY = server.url, server.secret_key
    response = login_as("viewer").get("/contacts/")
    assert response.status_code == 503


def test_slow_api_gives_504(start_sandbox, settings, login_as):
    server = start_sandbox(latency_ms=3000)
    settings.TASKIP_BASE_URL, settings.TASKIP_SECRET_KEY = server.url, server.secret_key
    settings.TASKIP_TIMEOUT = (0.5, 0.3)
    response = login_as("viewer").get("/contacts/")
    assert response.status_code == 504
    assert "not answering" in response.content.decode()


def test_rejected_key_says_an_administrator_must_fix_it(shared_api, settings, login_as, caplog):
    settings.TASKIP_SECRET_KEY = "wrong-key-123"
    with caplog.at_level(logging.CRITICAL, logger="contacts"):
        response = login_as("viewer").get("/contacts/")
    html = response.content.decode()
    assert response.status_code == 502
    assert "API key was rejected" in html and "administrator" in html
    assert "wrong-key-123" not in html
    assert any(r.levelno == logging.CRITICAL for r in caplog.records)
    assert all("wrong-key-123" not in r.getMessage() for r in caplog.records)


def test_rate_limited_api_says_when_to_retry(start_sandbox, settings, login_as):
    server = start_sandbox(rate_limit=2)
    settings.TASKIP_BASE_URL, settings.TASKIP_SECRET_KEY = server.url, server.secret_key
    settings.TASKIP_USER_SHARE = 1.0  # one user may spend the sandbox's whole window
    client = login_as("viewer")
    statuses = [client.get(f"/contacts/?search=a{n}").status_code for n in range(2)]
    assert statuses == [200, 200]
    # Another user: the first one has used their share of the dashboard's own budget.
    limited = login_as("editor").get("/contacts/?search=b")
    assert limited.status_code == 429
    assert "TaskIP's request limit" in limited.content.decode().replace("&#x27;", "'")
    assert "Try again in" in limited.content.decode()
    assert int(limited["Retry-After"]) > 0


@pytest.mark.parametrize("url", ["/contacts/999999/", "/contacts/999999/edit/"])
def test_unknown_contact_is_a_404_page(shared_api, login_as, url):
    response = login_as("admin").get(url)
    assert response.status_code == 404
    assert "Contact not found" in response.content.decode()
