"""Shared fixtures: live sandbox servers (the local TaskIP contact API) for any test to talk to.

    start_sandbox(seed=200, rate_limit=0, latency_ms=0, fail_rate=0.0, secret_key="test-secret")
        -> SandboxServer        function-scoped factory; every server it starts stops at teardown
    sandbox -> SandboxServer    session-scoped, seed 200, rate limiting off; for tests that only
                                read (or write in ways no other test notices)

A SandboxServer is a real `manage.py sandbox` process on a free port with its own SQLite file.
Tests only ever talk to it over HTTP and read its access log; nothing here imports sandbox code.

Starting one is quick because the database is not built each time: the first server started
with a given seed migrates and seeds its own, a snapshot of it becomes the template, and later
servers with that seed start from a copy.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pytest
import requests

from tests.sandbox_log import ACCESS_LINE, LISTENING_LINE

# PostgreSQL and Redis servers started by the run (postgres_url, redis_url; --dashboard-db).
pytest_plugins = ["tests.stores.servers"]

# Playwright runs its own event loop in the test thread; Django's ORM would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class SandboxStartError(RuntimeError):
    pass


class ApiCall(NamedTuple):
    """One request the sandbox answered. `path` is the request target, query string included."""

    method: str
    path: str
    status: int


@dataclass
class SandboxRequest:
    """One access-log line in full; see SandboxServer.requests()."""

    method: str
    target: str
    status: int
    milliseconds: float

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]


@dataclass
class SandboxServer:
    url: str
    secret_key: str
    db_path: Path
    process: subprocess.Popen
    stdout_path: Path
    stderr_path: Path
    options: dict = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/public-v1"

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Secret-Key": self.secret_key}

    def session(self) -> requests.Session:
        """A requests.Session that already sends the key."""
        session = requests.Session()
        session.headers.update(self.headers)
        return session

    def log_lines(self) -> list[str]:
        """The access-log lines written so far, one per request, oldest first.

        The server writes a request's line before it sends the response, so a request whose
        answer has arrived is always in here.
        """
        text = self.stdout_path.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if ACCESS_LINE.match(line)]

    def requests(self) -> list[SandboxRequest]:
        parsed = []
        for line in self.log_lines():
            match = ACCESS_LINE.match(line)
            status = match["status"]
            parsed.append(
                SandboxRequest(
                    match["method"],
                    match["target"],
                    int(status) if status.isdigit() else 0,
                    float(match["ms"]),
                )
            )
        return parsed

    def api_calls(self) -> list[ApiCall]:
        """(method, path with query string, status) for every request so far, oldest first.

        To count the calls one action makes: `before = len(server.api_calls())`, act, then
        `server.api_calls()[before:]`.
        """
        return [ApiCall(r.method, r.target, r.status) for r in self.requests()]

    def stderr_text(self) -> str:
        """What the server wrote to stderr: tracebacks, and emails from the console backend."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it lingers). Safe to call twice."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class SandboxLauncher:
    """Starts sandbox processes for one test session, reusing a template database per seed."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.templates: dict[int, Path] = {}

    def start(
        self,
        *,
        seed: int = 200,
        rate_limit: int = 0,
        latency_ms: float = 0,
        fail_rate: float = 0.0,
        secret_key: str = "test-secret",
    ) -> SandboxServer:
        workdir = self.tmp_path_factory.mktemp("sandbox")
        db_path = workdir / "sandbox.sqlite3"
        template = self.templates.get(seed)
        if template is not None:
            self._copy_database(template, db_path)
        server = self._launch(
            workdir,
            db_path,
            seed=seed,
            rate_limit=rate_limit,
            latency_ms=latency_ms,
            fail_rate=fail_rate,
            secret_key=secret_key,
        )
        if template is None:
            # The first server for this seed migrated and seeded its own database. Nothing has
            # written to it since (no request has arrived yet), so a snapshot of it is the
            # template every later server with this seed starts from.
            template = self.tmp_path_factory.mktemp(f"sandbox-template-{seed}") / "template.sqlite3"
            self._copy_database(db_path, template)
            self.templates[seed] = template
        return server

    @staticmethod
    def _copy_database(source: Path, target: Path) -> None:
        # SQLite's backup API copies a consistent snapshot, even of a live WAL-mode database.
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)

    def _launch(self, workdir: Path, db_path: Path, **options) -> SandboxServer:
        stdout_path = workdir / "stdout.log"
        stderr_path = workdir / "stderr.log"
        command = [
            sys.executable, "manage.py", "sandbox",
            "--host", "127.0.0.1", "--port", "0",
            "--db", str(db_path),
            "--secret-key", options["secret_key"],
            "--seed", str(options["seed"]),
            "--rate-limit", str(options["rate_limit"]),
            "--latency-ms", str(options["latency_ms"]),
            "--fail-rate", str(options["fail_rate"]),
        ]  # fmt: skip
        env = dict(os.environ)
        # pytest-django exported the dashboard's settings module; the sandbox picks its own.
        env.pop("DJANGO_SETTINGS_MODULE", None)
        with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=stdout, stderr=stderr,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        server = SandboxServer(
            url="",
            secret_key=options["secret_key"],
            db_path=db_path,
            process=process,
            stdout_path=stdout_path,
            stderr_path=stderr_path,
            options=options,
        )
        try:
            server.url = self._wait_until_listening(server)
        except BaseException:
            server.stop()
            raise
        return server

    @staticmethod
    def _wait_until_listening(server: SandboxServer) -> str:
        """Poll stdout for the startup line; no HTTP, so the access log starts out empty."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            for line in server.stdout_path.read_text(errors="replace").splitlines():
                if match := LISTENING_LINE.match(line):
                    return match["url"]
            if server.process.poll() is not None:
                raise SandboxStartError(
                    f"sandbox exited with {server.process.returncode}:\n{server.stderr_text()}"
                )
            time.sleep(0.01)
        raise SandboxStartError(
            f"sandbox did not start in {STARTUP_TIMEOUT}s:\n{server.stderr_text()}"
        )


@pytest.fixture(scope="session")
def sandbox_launcher(tmp_path_factory: pytest.TempPathFactory) -> SandboxLauncher:
    return SandboxLauncher(tmp_path_factory)


@pytest.fixture
def start_sandbox(sandbox_launcher: SandboxLauncher):
    """Factory: start_sandbox(seed=200, rate_limit=0, latency_ms=0, fail_rate=0.0,
    secret_key="test-secret") -> SandboxServer, stopped when the test ends."""
    started: list[SandboxServer] = []

    def start(
        seed: int = 200,
        rate_limit: int = 0,
        latency_ms: float = 0,
        fail_rate: float = 0.0,
        secret_key: str = "test-secret",
    ) -> SandboxServer:
        server = sandbox_launcher.start(
            seed=seed,
            rate_limit=rate_limit,
            latency_ms=latency_ms,
            fail_rate=fail_rate,
            secret_key=secret_key,
        )
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def sandbox(sandbox_launcher: SandboxLauncher):
    """One sandbox for the whole session: 200 seeded contacts, rate limiting off."""
    server = sandbox_launcher.start(seed=200, rate_limit=0)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_dashboard_cache():
    """The dashboard memoizes list pages and permissions; no test may see another test's."""
    from django.core.cache import cache

    from contacts import read_cache

    cache.clear()
    read_cache.clear()
    yield
    cache.clear()
    read_cache.clear()


def _point_dashboard_at(settings, server: SandboxServer) -> None:
    settings.TASKIP_BASE_URL = server.url
    settings.TASKIP_SECRET_KEY = server.secret_key
    settings.TASKIP_TIMEOUT = (1.0, 5.0)


@pytest.fixture
def shared_api(sandbox, settings):
    """The dashboard pointed at the session's sandbox (200 contacts): for tests that only read."""
    _point_dashboard_at(settings, sandbox)
    return sandbox


@pytest.fixture
def api(start_sandbox, settings):
    """The dashboard pointed at a sandbox of this test's own: for tests that change contacts."""
    server = start_sandbox()
    _point_dashboard_at(settings, server)
    return server
