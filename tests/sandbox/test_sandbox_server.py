"""The sandbox as a program: its command line, access log, keep-alive speed, threads, shutdown."""

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

from sandbox_http import Client, new_contact

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


def _manage_sandbox(*args):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.Popen(
        [sys.executable, "manage.py", "sandbox", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_help_lists_every_pinned_flag_and_bad_values_are_refused():
    # Both processes at once: each pays for Django's start-up.
    helping, refusing = _manage_sandbox("--help"), _manage_sandbox("--fail-rate", "1.5")
    help_out, help_err = helping.communicate(timeout=60)
    _, refused_err = refusing.communicate(timeout=60)
    assert helping.returncode == 0, help_err
    for flag in PINNED_FLAGS:
        assert flag in help_out
    assert refusing.returncode != 0 and "--fail-rate" in refused_err


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
    """runserver's handler stalls ~40 ms per answer on a reused connection; this one must not."""
    session = sandbox.session()
    url = f"{sandbox.url}/api/public-v1/contact/1"
    session.get(url, timeout=10)
    timings = []
    for _ in range(100):
        started = time.perf_counter()
        response = session.get(url, timeout=10)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    # A loose bound: the stall alone would put the median near 40 ms.
    assert statistics.median(timings) < 0.02, f"median {statistics.median(timings) * 1000:.1f} ms"


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
