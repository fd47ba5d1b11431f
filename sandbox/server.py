"""A small threaded HTTP/1.1 server for the sandbox, with a one-line-per-request access log.

Why not runserver: its handler writes the headers and the body of a response in two small
writes. On a kept-alive connection the second write waits for the client's delayed ACK of the
first (Nagle's algorithm), about 40 ms per response on this machine, which swamps every timing
the dashboard cares about. Here each response is assembled in memory and sent with one write on
a socket with TCP_NODELAY, so keep-alive costs nothing.

The access line is written and flushed before the response leaves, so by the time a client has
its answer the log already shows the request.
"""

import io
import json
import re
import sys
import threading
import time
from http import HTTPStatus

from django.core.servers.basehttp import ServerHandler, ThreadedWSGIServer, WSGIRequestHandler

# Largest chunked request body accepted; matches DATA_UPLOAD_MAX_MEMORY_SIZE's order of magnitude.
MAX_CHUNKED_BODY = 5 * 1024 * 1024

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


class SandboxRequestHandler(WSGIRequestHandler):
    disable_nagle_algorithm = True
    # An idle keep-alive connection holds a thread; let it go after a while.
    timeout = 120

    def handle_one_request(self):
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
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
        stdin, environ = self.rfile, self.get_environ()
        if "Transfer-Encoding" in self.headers:
            stdin = self._read_chunked_body()
            if stdin is None:
                return
            environ["CONTENT_LENGTH"] = str(len(stdin.getvalue()))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        buffer = _ResponseBuffer()
        handler = ServerHandler(stdin, buffer, self.get_stderr(), environ)
        handler.request_handler = self  # Django's ServerHandler decides keep-alive through this
        handler.run(self.server.get_app())
        try:
            self.wfile.write(buffer.getvalue())
        except OSError:
            self.close_connection = True

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

    def log_message(self, format, *args):
        # Protocol errors (bad request lines and the like) are already in the access log.
        pass


class SandboxHTTPServer(ThreadedWSGIServer):
    """One thread per connection; each thread's database connection closes with it."""

    daemon_threads = True
    request_queue_size = 128


def warm_up(app):
    """Run one request through the app in-process, before listening, so the first real client
    does not pay for lazy imports and URL compilation. It never reaches the access log."""
    from django.db import connections

    from .serializers import contact_json

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/public-v1/openapi.json",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for _ in app(environ, lambda status, headers, exc_info=None: None):
        pass
    contact_json(1)
    connections.close_all()


def make_server(host, port, app):
    ipv6 = ":" in host
    server = SandboxHTTPServer((host, port), SandboxRequestHandler, ipv6=ipv6)
    server.set_app(app)
    return server


def public_url(server, host):
    port = server.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"
