"""Test support outside TaskIP's contract: the request record (--record) and the reset
(--allow-reset), and the fixtures built on them (tests/conftest.py)."""

import pytest
import requests
from sandbox_http import Client, assert_error, new_contact

# ---- the record ----------------------------------------------------------------------------


def test_the_record_has_every_request_with_its_json_body(writable):
    client, stranger = Client(writable), Client(writable, secret_key="not-the-key")
    before = len(writable.recorded())
    client.post("/contact", json={"first_name": "Rec", "email": "rec@example.test"})
    client.put("/contact/2", json={"position": "Recorded"})
    client.post("/contact/bulk-delete", json={"contact_ids": [7, 8]})
    invitation = {"message": "Hi", "send_email": False, "access_level": "premium"}
    client.post("/contact/invite-client/3", json=invitation)
    client.get("/contact", params={"search": "rec"})
    client.post("/contact", data=b"{not json", headers={"Content-Type": "application/json"})
    # Refused before the body is read, but the body is still what was sent.
    stranger.put("/contact/2", json={"position": "Sneaky"})

    recorded = [(r.method, r.target, r.status, r.body) for r in writable.recorded()[before:]]
    api = "/api/public-v1"
    assert recorded == [
        ("POST", f"{api}/contact", 201, {"first_name": "Rec", "email": "rec@example.test"}),
        ("PUT", f"{api}/contact/2", 200, {"position": "Recorded"}),
        ("POST", f"{api}/contact/bulk-delete", 200, {"contact_ids": [7, 8]}),
        ("POST", f"{api}/contact/invite-client/3", 200, invitation),
        ("GET", f"{api}/contact?search=rec", 200, None),
        ("POST", f"{api}/contact", 400, None),
        ("PUT", f"{api}/contact/2", 401, {"position": "Sneaky"}),
    ]
    # One record per access-log line, in the same order.
    assert [(r.method, r.target, r.status) for r in writable.recorded()] == writable.api_calls()
    assert writable.secret_key not in writable.record_path.read_text()


def test_a_record_entry_is_written_before_its_answer_arrives(writable):
    client = Client(writable)
    before = len(writable.recorded())
    for number in range(1, 21):
        client.put("/contact/4", json={"position": f"P{number}"})
        assert writable.recorded()[-1].body == {"position": f"P{number}"}
        assert len(writable.recorded()) == before + number


# ---- the reset -----------------------------------------------------------------------------


def test_reset_restores_the_seeded_state_and_forgets_rate_limits(start_sandbox):
    server = start_sandbox(seed=3, rate_limit=6, allow_reset=True)
    client = Client(server)
    seeded = client.all_contacts()
    created = client.create()
    assert client.put("/contact/2", json={"position": "Changed"}).status_code == 200
    assert client.delete("/contact/1").status_code == 200
    assert client.post("/contact/invite-client/3", json={}).status_code == 200
    assert client.get("/contact").status_code == 200
    assert_error(client.get("/contact"), 429)
    assert len(_invitations(server)) == 1 and "To: " in server.stderr_text()

    server.reset()

    assert server.api_calls() == [] and server.recorded() == [] and server.stderr_text() == ""
    listed = client.get("/contact", params={"limit": 100})
    assert listed.headers["X-RateLimit-Remaining"] == "5"
    assert listed.json()["data"] == seeded
    assert _invitations(server) == []
    # Ids start over where the seed left them.
    assert client.create()["id"] == created["id"]


def _invitations(server):
    url = f"{server.url}/_sandbox/invitations"
    response = requests.get(url, headers=server.headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_reset_answers_204_without_a_body_and_keeps_the_connection(writable):
    session = writable.session()
    for _ in range(2):
        response = session.post(f"{writable.url}/_sandbox/reset", timeout=10)
        assert response.status_code == 204 and response.content == b""
        assert "Content-Length" not in response.headers
        assert response.headers.get("Connection") != "close"


def test_reset_needs_the_key(writable):
    response = requests.post(f"{writable.url}/_sandbox/reset", timeout=10)
    assert response.status_code == 401


def test_reset_is_not_served_without_allow_reset(sandbox):
    for method in ("POST", "GET"):
        response = requests.request(
            method, f"{sandbox.url}/_sandbox/reset", headers=sandbox.headers, timeout=10
        )
        assert_error(response, 404)


# ---- the fixtures --------------------------------------------------------------------------

_lent_processes: list[int] = []


@pytest.mark.parametrize("turn", [1, 2])
def test_each_test_borrows_the_lent_sandbox_in_its_seeded_state(start_sandbox, turn):
    server = start_sandbox()
    client = Client(server)
    assert server.api_calls() == [] and server.recorded() == []
    assert client.get("/contact").json()["meta"]["total"] == 200
    assert client.contact(2)["position"] != "Borrowed"
    assert client.put("/contact/2", json={"position": "Borrowed"}).status_code == 200
    client.create(**new_contact())
    # Whichever turn runs second saw the first one's writes undone, on the same process.
    _lent_processes.append(server.process.pid)
    assert len(set(_lent_processes)) == 1
