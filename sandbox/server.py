"""A small threaded HTTP/1.1 server for the sandbox, with a one-line-per-request access log.

Why not runserver: its handler writes the headers and the body of a response in two small
writes. On a kept-alive connection the second write waits for the client's delayed ACK of the
first (Nagle's algorithm), about 40 ms per response on this machine, which swamps every timing
the dashboard cares about. Here each response is assembled in memory and sent with one write on
a socket with TCP_NODELAY, so keep-alive costs nothing.

The access line is written and flushed before the response leaves, so by the time a client has
its answer the log already shows the request. With --record, a JSON line with the request's body
is written at the same moment (test support: what did the client send?).

Every answer after which the server closes the connection says `Connection: close` (RFC 9112
§9.6): the client asked for it, an HTTP/1.0 client did not ask for keep-alive, a protocol error,
or the server is shutting down. A client that pools connections would otherwise send its next
request down a socket the server has already closed.
"""

import contextlib
import io
import json
import re
import socket
import sys
import threading
import time
from http import HTTPStatus

from django.core.servers.basehttp import ServerHandler, ThreadedWSGIServer, WSGIRequestHandler

# Largest chunked request body accepted; matches DATA_UPLOAD_MAX_MEMORY_SIZE's order of magnitude.
MAX_CHUNKED_BODY = 5 * 1024 * 1024
# Bodies larger than this are recorded (--record) as null; the app refuses them anyway.
MAX_RECORDED_BODY = MAX_CHUNKED_BODY
# Marks the in-process warm-up request in the WSGI environ; the gateway lets it skip the
# latency, the rate limit and injected failures.
WARM_UP_ENVIRON_KEY = "sandbox.warm_up"
# The server's `stopping` event, in every request's environ: the gateway's injected latency
# ends early when the server is told to stop, so no answer holds up the exit.
STOPPING_ENVIRON_KEY = "sandbox.stopping"
# Statuses whose answers never have a body, so need no Content-Length to keep the connection.
BODILESS_STATUSES = {"204", "304"}

_log_lock = threading.Lock()
_UNPRINTABLE = re.compile(r"[^\x21-\x7e]")


def write_line(line, stream=None):
    """One whole line to stdout (or `stream`), flushed at once, never interleaved."""
    stream = stream or sys.stdout
    with _log_lock:
        stream.write(line + "\n")
        stream.flush()


def _printable(text):
    # Request targets are latin-1 text and may hold control characters; percent-encode anything
    # that could split or forge a log line, keeping each line to five space-separated fields.
    return _UNPRINTABLE.sub(lambda m: f"%{ord(m.group()) & 0xFF:02X}", text)


class _ResponseBuffer:
    """Collects a response in memory; the request handler sends it in one piece afterwards."""

    def __init__(self):
        self.chunks = []

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def getvalue(self):
        return b"".join(self.chunks)


class _BodyCopy:
    """Reads through to the request body, keeping a copy of what was read for --record.

    The copy includes whatever the server discards unread after the response, so a request the
    gateway refused before reading its body is recorded in full all the same.
    """

    def __init__(self, stream):
        self.stream = stream
        self.copy = io.BytesIO()
        self.overflowed = False

    def read(self, size=-1, /):
        return self._keep(self.stream.read(size))

    def readline(self, size=-1, /):
        return self._keep(self.stream.readline(size))

    def _keep(self, data):
        if not self.overflowed:
            if self.copy.tell() + len(data) > MAX_RECORDED_BODY:
                self.overflowed = True
                self.copy = io.BytesIO()
            else:
                self.copy.write(data)
        return data

    def parsed(self):
        """The body as JSON, or None when there was none, it is not JSON, or it was too big."""
        raw = self.copy.getvalue()
        if self.overflowed or not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None


class Recorder:
    """--record FILE: one JSON line per request, written with its access-log line.

    Only the time, method, target, status and parsed JSON body are kept; no header is ever
    written, so neither is the X-Secret-Key. Bodies are kept verbatim (contact passwords
    included): this is test support for a sandbox full of made-up people, not something to
    point at real data.
    """

    def __init__(self, path):
        # Appended to, so a restarted sandbox adds to the record instead of wiping it.
        self.file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open until close()
        self.lock = threading.Lock()

    def write(self, method, target, status, body):
        line = json.dumps(
            {"at": round(time.time(), 3), "method": method, "target": target,
             "status": status, "body": body},
            ensure_ascii=False,
        )
        with self.lock:
            self.file.write(line + "\n")
            self.file.flush()

    def close(self):
        with self.lock:
            self.file.close()


class SandboxServerHandler(ServerHandler):
    """Django's runserver handler, with the connection's fate always stated in the answer."""

    def cleanup_headers(self):
        # Django's own version, plus: 204s keep the connection, and every close is announced.
        request_handler = self.request_handler
        head = self.environ["REQUEST_METHOD"] == "HEAD"
        bodiless = self.status[:3] in BODILESS_STATUSES
        if bodiless:
            del self.headers["Content-Length"]  # RFC 9110 §8.6: never on a 204
        elif "Content-Length" not in self.headers:
            self.set_content_length()
        if head and self.headers.get("Content-Length") == "0":
            del self.headers["Content-Length"]  # RFC 9110 §9.3.2 lets HEAD leave it out
        # Without a length the body ends when the connection does.
        if not (bodiless or head or "Content-Length" in self.headers):
            request_handler.close_connection = True
        if (self.headers.get("Connection") or "").lower() == "close":
            request_handler.close_connection = True
        if request_handler.server.stopping.is_set():
            request_handler.close_connection = True
        if request_handler.close_connection:
            self.headers["Connection"] = "close"
        elif request_handler.request_version == "HTTP/1.0":
            # An HTTP/1.0 client assumes the connection closes unless the answer says otherwise.
            self.headers["Connection"] = "keep-alive"


class SandboxRequestHandler(WSGIRequestHandler):
    disable_nagle_algorithm = True
    # An idle keep-alive connection holds a thread; let it go after a while.
    timeout = 120

    # The request body as read, for --record; reset for every request.
    body = None

    def setup(self):
        super().setup()
        self.server.connection_opened(self)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.connection_closed(self)

    def handle_one_request(self):
        self.body = None
        self.server.connection_idle(self)
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        self.server.connection_busy(self)
        self.started = time.perf_counter()
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        self._read_connection_options()
        stdin, environ = self.rfile, self.get_environ()
        if "Transfer-Encoding" in self.headers:
            stdin = self._read_chunked_body()
            if stdin is None:
                return
            environ["CONTENT_LENGTH"] = str(len(stdin.getvalue()))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ[STOPPING_ENVIRON_KEY] = self.server.stopping
        if self.server.recorder is not None:
            stdin = self.body = _BodyCopy(stdin)
        buffer = _ResponseBuffer()
        handler = SandboxServerHandler(stdin, buffer, self.get_stderr(), environ)
        handler.request_handler = self  # the handler decides keep-alive through this
        handler.run(self.server.get_app())
        try:
            self.wfile.write(buffer.getvalue())
        except OSError:
            self.close_connection = True

    def _read_connection_options(self):
        """Keep-alive or close, from every Connection header's comma-separated options.

        http.server compares the whole header with a single word, so `Connection: TE, close`
        would keep a connection the client is about to close (RFC 9110 §7.6.1 makes it a list).
        """
        options = {
            option.strip().lower()
            for value in self.headers.get_all("Connection", [])
            for option in value.split(",")
        }
        if "close" in options:
            self.close_connection = True
        elif self.request_version == "HTTP/1.0":
            self.close_connection = "keep-alive" not in options

    def _read_chunked_body(self):
        """A chunked request body, de-chunked into memory (WSGI apps need a length).

        Returns None after answering with an error when the body is malformed or too large.
        """
        if self.headers["Transfer-Encoding"].strip().lower() != "chunked":
            self.send_error(400, explain="Only chunked transfer encoding is supported.")
            return None
        body = io.BytesIO()
        try:
            while True:
                size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
                size = int(size_line, 16)
                if size == 0:
                    break
                if body.tell() + size > MAX_CHUNKED_BODY:
                    self.send_error(413, explain="The request body is too large.")
                    return None
                chunk = self.rfile.read(size)
                if len(chunk) != size:
                    raise ValueError("chunk cut short")
                body.write(chunk)
                self.rfile.readline(1024)  # the CRLF that ends each chunk
            while self.rfile.readline(8192).strip():  # trailers, up to the blank line
                pass
        except (ValueError, OSError):
            self.send_error(400, explain="The chunked request body is malformed.")
            return None
        body.seek(0)
        return body

    def send_error(self, code, message=None, explain=None):
        """Protocol-level errors (bad request line, oversized headers...) as JSON, not HTML."""
        from .errors import error_body

        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        payload = json.dumps(error_body(int(code), explain or message or phrase)).encode()
        self.close_connection = True
        # When the request line could not be parsed, http.server assumes HTTP/0.9 and would
        # send a bare body; a status line and headers serve every real client better.
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        self.send_response(code, message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_request(self, code="-", size="-"):
        started = getattr(self, "started", None)
        elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
        method = _printable(getattr(self, "command", None) or "-")
        target = _printable(getattr(self, "path", None) or "-")
        status = int(code) if isinstance(code, int) or str(code).isdigit() else "-"
        write_line(f"sandbox {method} {target} {status} {elapsed:.1f}ms")
        if self.server.recorder is not None:
            self.server.recorder.write(
                getattr(self, "command", None) or None,
                getattr(self, "path", None) or None,
                status if isinstance(status, int) else None,
                self.body.parsed() if self.body is not None else None,
            )

    def log_message(self, format, *args):
        # Protocol errors (bad request lines and the like) are already in the access log.
        pass


class SandboxHTTPServer(ThreadedWSGIServer):
    """One thread per connection; each thread's database connection closes with it.

    It knows which connections are waiting for a request and which are serving one, so that
    `drain()` can stop gracefully: requests under way finish (their answers say Connection:
    close), idle keep-alive connections close at once instead of holding the exit up.
    """

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stopping = threading.Event()
        self.recorder = None  # a Recorder under --record
        self._connections = {}  # request handler -> True while it serves a request
        self._connections_changed = threading.Condition()

    def connection_opened(self, handler):
        with self._connections_changed:
            self._connections[handler] = False

    def connection_idle(self, handler):
        """`handler` is about to wait for its next request."""
        with self._connections_changed:
            self._connections[handler] = False
            if self.stopping.is_set():
                # Read only what the client has already sent, then see the end of the stream.
                _stop_reading(handler.connection)

    def connection_busy(self, handler):
        with self._connections_changed:
            self._connections[handler] = True

    def connection_closed(self, handler):
        with self._connections_changed:
            self._connections.pop(handler, None)
            self._connections_changed.notify_all()

    def drain(self, timeout):
        """Serve no new request; wait up to `timeout` seconds for those under way to finish.

        Call after serve_forever() has returned. A connection waiting for a request is told the
        stream has ended (it still answers one the client had already sent).
        """
        deadline = time.monotonic() + timeout
        with self._connections_changed:
            self.stopping.set()
            for handler, busy in self._connections.items():
                if not busy:
                    _stop_reading(handler.connection)
            while self._connections:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._connections_changed.wait(left)


def _stop_reading(connection):
    # Linux still delivers bytes already received; only then does a read see the end.
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RD)


WARM_UP_REQUESTS = [
    ("/api/public-v1/openapi.json", ""),
    ("/api/public-v1/contact", "limit=20"),
    ("/api/public-v1/contact/1", ""),
]


def warm_up(app, secret_key):
    """Run a few reads through the app in-process, before listening, so the first real client
    does not pay for lazy imports and URL compilation.

    They never reach the access log or the record, and their environ carries
    WARM_UP_ENVIRON_KEY so the gateway neither sleeps --latency-ms for them (start-up would wait
    for it) nor counts them against a client's rate limit nor fails them on purpose.
    """
    from django.db import connections

    for path, query in WARM_UP_REQUESTS:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_X_SECRET_KEY": secret_key,
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            WARM_UP_ENVIRON_KEY: True,
        }
        for _ in app(environ, lambda status, headers, exc_info=None: None):
            pass
    connections.close_all()


def make_server(host, port, app, recorder=None):
    ipv6 = ":" in host
    server = SandboxHTTPServer((host, port), SandboxRequestHandler, ipv6=ipv6)
    server.set_app(app)
    server.recorder = recorder
    return server


def public_url(server, host):
    port = server.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"
