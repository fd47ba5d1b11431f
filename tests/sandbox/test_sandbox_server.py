"""The sandbox as a program: its command line, access log, keep-alive speed, threads, shutdown."""

import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sandbox_http import Client, new_contact

pytestmark = pytest.mark.slow  # seconds of work: started first, beside the rest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PINNED_FLAGS = [
    "--host",
    "--port",
    "--secret-key",
    "--db",
    "--seed",
    "--rate-limit",
    "--latency-ms",
    "--fail-rate",
]
ACCESS_LINE = re.compile(r"^sandbox [A-Z]+ \S+ \d{3} \d+\.\dms$")


def _manage_sandbox(*args, env=None, stdout=subprocess.PIPE):
    env = {k: v for k, v in (env or os.environ).items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.Popen(
        [sys.executable, "manage.py", "sandbox", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_help_lists_every_pinned_flag_and_bad_values_are_refused():
    # Both processes at once: each pays for Django's start-up.
    helping, refusing = _manage_sandbox("--help"), _manage_sandbox("--fail-rate", "1.5")
    help_out, help_err = helping.communicate(timeout=60)
    _, refused_err = refusing.communicate(timeout=60)
    assert helping.returncode == 0, help_err
    for flag in [*PINNED_FLAGS, "--record", "--allow-reset"]:
        assert flag in help_out
    assert "If both are given, this flag wins" in " ".join(help_out.split())
    assert refusing.returncode != 0 and "--fail-rate" in refused_err


# ---- the key comes from the environment ----------------------------------------------------


def test_the_fixtures_pass_the_key_in_the_environment_not_the_command_line(sandbox):
    command_line = Path(f"/proc/{sandbox.process.pid}/cmdline").read_bytes().split(b"\0")
    assert b"sandbox" in command_line  # the right process
    assert b"--secret-key" not in command_line
    assert not any(sandbox.secret_key.encode() in part for part in command_line)
    url = f"{sandbox.url}/api/public-v1/contact/1"
    assert requests.get(url, headers=sandbox.headers, timeout=10).status_code == 200


def _wait_for_url(stdout_path, process, deadline_seconds=30):
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if match := re.search(r"listening on (http://\S+)", stdout_path.read_text()):
            return match[1]
        assert process.poll() is None, process.stderr.read()
        time.sleep(0.01)  # a start-up poll, not a test wait
    raise AssertionError("the sandbox did not start")


def test_the_secret_key_flag_wins_over_the_environment(tmp_path):
    stdout_path = tmp_path / "stdout.log"
    with stdout_path.open("w") as stdout:
        process = _manage_sandbox(
            "--port", "0", "--db", str(tmp_path / "db.sqlite3"), "--seed", "1",
            "--rate-limit", "0", "--secret-key", "from-the-flag",
            env={**os.environ, "TASKIP_SECRET_KEY": "from-the-environment"}, stdout=stdout,
        )  # fmt: skip
    try:
        url = f"{_wait_for_url(stdout_path, process)}/api/public-v1/contact/1"
        flag_key, env_key = ({"X-Secret-Key": k} for k in ("from-the-flag", "from-the-environment"))
        assert requests.get(url, headers=flag_key, timeout=10).status_code == 200
        assert requests.get(url, headers=env_key, timeout=10).status_code == 401
        process.terminate()
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:  # never leave it behind, even when the test fails
            process.kill()
            process.wait()


# ---- start-up ------------------------------------------------------------------------------


def test_start_up_does_not_wait_for_the_injected_latency(start_sandbox):
    # Ten minutes a request: were the start-up warm-up to wait for it, the server would never
    # print its listening line within the fixture's deadline. The warm-up never reaches the log.
    server = start_sandbox(seed=3, latency_ms=600_000)
    assert server.running and server.requests() == [] and server.recorded() == []


def test_one_access_log_line_per_request(writable):
    client = Client(writable)
    before = len(writable.log_lines())
    client.get("/contact", params={"page": 1, "limit": 50})
    client.get("/contact/999")
    client.post("/contact", json=new_contact())
    client.request("GET", "/contact/\x1bweird")
    lines = writable.log_lines()[before:]
    assert len(lines) == 4 and all(ACCESS_LINE.match(line) for line in lines), lines
    assert lines[0].startswith("sandbox GET /api/public-v1/contact?page=1&limit=50 200 ")
    assert writable.api_calls()[before : before + 3] == [
        ("GET", "/api/public-v1/contact?page=1&limit=50", 200),
        ("GET", "/api/public-v1/contact/999", 404),
        ("POST", "/api/public-v1/contact", 201),
    ]
    # A control character in the path is escaped so it cannot break or forge a log line.
    assert "\x1b" not in lines[3] and lines[3].split()[3] == "404"


def test_the_log_already_has_a_request_when_its_answer_arrives(writable):
    session = writable.session()
    before = len(writable.api_calls())
    for count in range(1, 31):
        session.get(f"{writable.url}/api/public-v1/contact/1", timeout=10)
        assert len(writable.api_calls()) == before + count


def test_keep_alive_requests_do_not_stall(sandbox):
    """runserver's handler stalls ~40 ms per answer on a reused connection (Nagle's algorithm
    meeting delayed ACKs) and not on a fresh one. So reused and fresh connections are compared,
    interleaved so that a busy machine slows both alike, rather than held to a time."""
    session = sandbox.session()
    url = f"{sandbox.url}/api/public-v1/contact/1"
    session.get(url, timeout=10)
    reused, fresh = [], []
    for _ in range(40):
        reused.append(_timed(session.get, url))
        fresh.append(_timed(requests.get, url, headers={**sandbox.headers, "Connection": "close"}))
    difference = statistics.median(reused) - statistics.median(fresh)
    assert difference < 0.02, f"a reused connection is {difference * 1000:.1f} ms slower"


def _timed(get, url, **kwargs) -> float:
    started = time.perf_counter()
    response = get(url, timeout=10, **kwargs)
    assert response.status_code == 200
    return time.perf_counter() - started


def _total(client):
    return client.get("/contact").json()["meta"]["total"]


def test_concurrent_writes_stay_consistent(writable):
    client = Client(writable)
    before = _total(client)

    def create_many(worker):
        session = Client(writable)
        body = {"first_name": f"W{worker}"}
        return [session.post("/contact", json=new_contact(**body)).status_code for _ in range(12)]

    def update_one(worker):
        session = Client(writable)
        return [
            session.put("/contact/5", json={"position": f"P{worker}-{i}"}).status_code
            for i in range(12)
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = pool.map(create_many, range(6))
        updated = pool.map(update_one, range(4))
        assert [s for statuses in created for s in statuses] == [201] * 72
        assert [s for statuses in updated for s in statuses] == [200] * 48
    everyone = client.all_contacts()
    assert len(everyone) == before + 72 == len({c["id"] for c in everyone})
    assert len({c["email"].lower() for c in everyone}) == len(everyone)
    assert re.fullmatch(r"P[0-3]-\d+", client.contact(5)["position"])


def test_concurrent_creates_of_one_email_let_exactly_one_win(writable):
    body = new_contact(email="race@example.test")

    def create(_):
        return Client(writable).post("/contact", json=body).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(8)))
    assert sorted(statuses) == [201] + [409] * 7


def test_concurrent_bulk_deletes_and_reads(writable):
    before = _total(Client(writable))

    def delete_block(start):
        ids = list(range(start, start + 10))
        return Client(writable).post("/contact/bulk-delete", json={"contact_ids": ids}).status_code

    def read(_):
        return Client(writable).get("/contact", params={"limit": 100}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        deletes = pool.map(delete_block, range(101, 181, 10))
        reads = pool.map(read, range(16))
        assert list(deletes) == [200] * 8 and list(reads) == [200] * 16
    assert _total(Client(writable)) == before - 80


def test_startup_line_and_clean_stop_on_sigterm_and_sigint(start_sandbox):
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        server = start_sandbox(seed=3)
        lines = server.stdout_path.read_text().splitlines()
        assert lines[0] == f"sandbox listening on {server.url}"
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        server.process.send_signal(stop_signal)
        assert server.process.wait(timeout=10) == 0
        assert server.stdout_path.read_text().splitlines()[-1] == "sandbox stopped"
        assert "Traceback" not in server.stderr_text()


def _raw_exchange(server, payload):
    """Send raw bytes, read until the server closes the connection."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(payload)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


def _get(server, version="HTTP/1.1", *headers):
    lines = [
        f"GET /api/public-v1/contact/1 {version}",
        "Host: sandbox.test",
        f"X-Secret-Key: {server.secret_key}",
        *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _one_answer(connection):
    """Read exactly one response from a raw socket, leaving the connection as it is."""
    response = http.client.HTTPResponse(connection)
    response.begin()
    return response, response.read()


@pytest.mark.parametrize(
    ("version", "header"),
    [
        ("HTTP/1.1", "Connection: close"),
        ("HTTP/1.1", "Connection: TE, close"),
        ("HTTP/1.0", "Accept: */*"),
        ("HTTP/1.0", "Connection: close"),
    ],
)
def test_an_answer_after_which_the_server_closes_says_connection_close(sandbox, version, header):
    head, body = _raw_exchange(sandbox, _get(sandbox, version, header))
    assert head.split()[1] == "200", head
    assert "\r\nConnection: close" in head, head
    assert json.loads(body)["data"]["id"] == 1


def test_kept_connections_stay_open_and_an_http_1_0_client_is_told_so(sandbox):
    host, port = sandbox.url.removeprefix("http://").split(":")
    for version, header, announced in (
        ("HTTP/1.1", "Accept: */*", None),
        ("HTTP/1.0", "Connection: keep-alive", "keep-alive"),
    ):
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            for _ in range(2):
                connection.sendall(_get(sandbox, version, header))
                response, body = _one_answer(connection)
                assert response.status == 200 and json.loads(body)["data"]["id"] == 1
                assert response.getheader("Connection") == announced


def test_a_pooled_connection_is_not_reused_after_the_server_closed_it(sandbox):
    """A pool that is not told about the close sends its next request down a dead socket.

    Whether that request fails depends on how fast the server's FIN arrives, so repeat it.
    """
    session = sandbox.session()
    url = f"{sandbox.url}/api/public-v1/contact/1"
    for _ in range(30):
        closing = session.get(url, headers={"Connection": "close"}, timeout=10)
        assert closing.status_code == 200 and closing.headers["Connection"] == "close"
        assert session.get(url, timeout=10).status_code == 200


def test_an_answer_under_way_at_shutdown_is_sent_saying_connection_close(start_sandbox):
    # The latency holds the second request inside the server while it is told to stop.
    server = start_sandbox(seed=3, latency_ms=1000)
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(_get(server))
        first, _ = _one_answer(connection)
        assert first.status == 200 and first.getheader("Connection") is None
        connection.sendall(_get(server))
        server.process.send_signal(signal.SIGTERM)
        second, body = _one_answer(connection)
        assert second.status == 200 and second.getheader("Connection") == "close"
        assert json.loads(body)["data"]["id"] == 1
        assert connection.recv(1) == b""
    assert server.process.wait(timeout=10) == 0
    assert server.stdout_path.read_text().splitlines()[-1] == "sandbox stopped"


def test_protocol_errors_are_answered_in_json_too(writable):
    for payload, status in (
        (b"GET / HTTP/1.1 junk\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n" + b"X-Many: yes\r\n" * 101 + b"\r\n", 431),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTP/9.9\r\n\r\n", 505),
        (b"POST /api/public-v1/contact HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
    ):
        head, body = _raw_exchange(writable, payload)
        assert head.split()[1] == str(status), head
        assert "Content-Type: application/json" in head
        assert "\r\nConnection: close" in head
        assert json.loads(body)["status_code"] == status


def test_a_chunked_request_body_is_understood(writable):
    def chunks():
        yield b'{"first_name": "Chunky", '
        yield b'"email": "chunky@example.test"}'

    response = writable.session().post(
        f"{writable.url}/api/public-v1/contact",
        data=chunks(),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    assert response.json()["data"]["first_name"] == "Chunky"
    assert writable.recorded()[-1].body == {"first_name": "Chunky", "email": "chunky@example.test"}
