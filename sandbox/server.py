"""A small threaded HTTP/1.1 server for the sandbox, with a one-line-per-request access log.

Why not runserver: its handler writes the headers and the body of a response in two small
writes. On a kept-alive connection the second write waits for the client's delayed ACK of the
first (Nagle's algorithm), about 40 ms per response on this machine, which swamps every timing
the dashboard cares about. Here each response is assembled in memory and sent with one write on
a socket with TCP_NODELAY, so keep-alive costs nothing.

The access line is written and flushed before the response leaves, so by the time a client has
its answer the log already shows the request.
"""

import re
import sys
import threading
import time

from django.core.servers.basehttp import ServerHandler, ThreadedWSGIServer, WSGIRequestHandler

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
        buffer = _ResponseBuffer()
        handler = ServerHandler(self.rfile, buffer, self.get_stderr(), self.get_environ())
        handler.request_handler = self  # Django's ServerHandler decides keep-alive through this
        handler.run(self.server.get_app())
        try:
            self.wfile.write(buffer.getvalue())
        except OSError:
            self.close_connection = True

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
    import io

    from django.db import connections

    from .serializers import contact_json, contacts_for_output

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
    for contact in contacts_for_output()[:1]:
        contact_json(contact)
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
