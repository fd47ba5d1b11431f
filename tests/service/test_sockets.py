"""Real sockets on 127.0.0.1: servers that never answer, hang up mid-answer, or aren't there."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from contacts import taskip

from .conftest import SECRET, contact_json
from .leaks import assert_no_secret

TINY = (0.2, 0.2)  # connect, read: small enough to keep the suite fast


class RawServer:
    """Accepts connections and hands each to `handle`; keeps them open until `close()`."""

    def __init__(self, handle: Callable[[socket.socket], None]) -> None:
        self._handle = handle
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections: list[socket.socket] = []
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            conn, _ = self._listener.accept()
            if self._stopping.is_set():
                conn.close()
                return
            with self._changed:
                self.connections.append(conn)
                self._changed.notify_all()
            self._handle(conn)

    def wait_for_connections(self, count: int) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.connections) >= count, timeout=5)

    def close(self) -> None:
        self._stopping.set()
        # accept() is blocking; a connection of our own wakes it so the thread can end.
        socket.create_connection(("127.0.0.1", self.port)).close()
        self._thread.join(timeout=5)
        self._listener.close()
        for conn in self.connections:
            conn.close()


def silent(conn: socket.socket) -> None:
    """Accept, read nothing, answer nothing."""


def hang_up_before_answering(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.close()


def hang_up_mid_body(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 500\r\n\r\n{\"success\": true, \"da")
    conn.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(handle: Callable[[socket.socket], None]) -> RawServer:
        servers.append(RawServer(handle))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def closed_port() -> Iterator[int]:
    # Bound but not listening: connections are refused, and no one else can take the port.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


def real_client(base_url: str, **overrides) -> taskip.TaskipClient:
    options = {"base_url": base_url, "secret_key": SECRET, "timeout": TINY, "deadline": 2.0,
               "rand": lambda: 0.0}
    options.update(overrides)
    return taskip.TaskipClient(**options)


# ---- a server that never answers ---------------------------------------------------------


@pytest.mark.wallclock
def test_silent_server_times_out_within_the_deadline(raw_server) -> None:
    server = raw_server(silent)
    client = real_client(server.url, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(taskip.TaskipTimeout) as caught:
        client.get_contact(contact_id=1)
    elapsed = time.monotonic() - started
    # 0.2 s read timeout, 0.25 s backoff, 0.2 s again; a 0.5 s backoff would pass the deadline.
    assert 0.6 <= elapsed < 1.0 + 0.3  # the deadline, plus scheduling slack
    assert server.wait_for_connections(2) and len(server.connections) == 2
    assert caught.value.is_timeout and caught.value.status is None
    assert_no_secret(caught.value)


@pytest.mark.wallclock
def test_deadline_cuts_a_long_read_timeout_short(raw_server) -> None:
    server = raw_server(silent)
    client = real_client(server.url, timeout=(0.2, 30.0), deadline=0.3, max_retries=0)
    started = time.monotonic()
    with pytest.raises(taskip.TaskipTimeout):
        client.list_contacts()
    assert 0.25 <= time.monotonic() - started < 0.8


def test_post_to_a_silent_server_is_sent_once(raw_server) -> None:
    server = raw_server(silent)
    client = real_client(server.url)
    with taskip.calls_made() as calls, pytest.raises(taskip.TaskipTimeout):
        client.create_contact(fields={"first_name": "A", "email": "a@example.com"})
    assert calls.count == 1
    assert server.wait_for_connections(1) and len(server.connections) == 1


# ---- a server that hangs up --------------------------------------------------------------


@pytest.mark.parametrize("handle", [hang_up_before_answering, hang_up_mid_body],
                         ids=lambda h: h.__name__)
def test_hang_up_is_unavailable_after_retries(handle, raw_server) -> None:
    server = raw_server(handle)
    slept: list[float] = []
    client = real_client(server.url, sleep=slept.append)
    with pytest.raises(taskip.TaskipUnavailable) as caught:
        client.get_contact(contact_id=1)
    assert type(caught.value) is taskip.TaskipUnavailable and not caught.value.is_timeout
    assert server.wait_for_connections(3) and len(slept) == 2
    assert_no_secret(caught.value)


@pytest.mark.parametrize("handle", [hang_up_before_answering, hang_up_mid_body],
                         ids=lambda h: h.__name__)
def test_post_is_not_resent_after_a_hang_up(handle, raw_server) -> None:
    server = raw_server(handle)
    client = real_client(server.url, sleep=lambda s: None)
    with taskip.calls_made() as calls, pytest.raises(taskip.TaskipUnavailable):
        client.bulk_delete_contacts(contact_ids=[1, 2])
    assert calls.count == 1 and len(server.connections) == 1


# ---- nothing listening -------------------------------------------------------------------


@pytest.mark.wallclock
def test_nothing_listening_is_unavailable_fast(closed_port) -> None:
    slept: list[float] = []
    client = real_client(f"http://127.0.0.1:{closed_port}", sleep=slept.append)
    started = time.monotonic()
    with taskip.calls_made() as calls, pytest.raises(taskip.TaskipUnavailable) as caught:
        client.list_contacts()
    assert time.monotonic() - started < 0.5
    assert type(caught.value) is taskip.TaskipUnavailable and calls.count == 3
    assert_no_secret(caught.value)


def test_post_is_retried_when_the_connection_was_refused(closed_port) -> None:
    client = real_client(f"http://127.0.0.1:{closed_port}", sleep=lambda s: None)
    with taskip.calls_made() as calls, pytest.raises(taskip.TaskipUnavailable):
        client.invite_client(contact_id=1)
    assert calls.count == 3


# ---- a working server, many threads ------------------------------------------------------


class ContactHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the pool is really reused
    seen_keys: list[str | None] = []
    client_ports: set[int] = set()

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        type(self).seen_keys.append(self.headers.get("X-Secret-Key"))
        type(self).client_ports.add(self.client_address[1])
        contact_id = int(self.path.rsplit("/", 1)[-1])
        body = json.dumps({"success": True, "data": contact_json(contact_id)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def contact_server() -> Iterator[str]:
    ContactHandler.seen_keys, ContactHandler.client_ports = [], set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), ContactHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_one_client_serves_many_threads_over_pooled_connections(contact_server) -> None:
    client = real_client(contact_server, timeout=(1.0, 2.0), deadline=5.0)
    ids = list(range(1, 161))
    with ThreadPoolExecutor(max_workers=16) as pool:
        contacts = list(pool.map(lambda i: client.get_contact(contact_id=i), ids))
    assert [c.id for c in contacts] == ids
    assert ContactHandler.seen_keys == [SECRET] * len(ids)
    # Keep-alive connections are reused: far fewer connections than requests.
    assert len(ContactHandler.client_ports) <= 32
