"""Shared fixtures: live sandbox servers (the local TaskIP contact API) for any test to talk to.

    api -> SandboxServer        function-scoped, for tests that change contacts: the lent
                                sandbox (seed 200, rate limiting off; one per test process),
                                reset to its seeded state before the test, with the dashboard's
                                settings pointed at it
    shared_api -> SandboxServer the session's `sandbox`, dashboard pointed at it; reads only
    start_sandbox(seed=200, rate_limit=0, latency_ms=0, fail_rate=0.0, secret_key="test-secret",
                  allow_reset=False)
        -> SandboxServer        function-scoped factory. The first call with every option at its
                                default lends the lent sandbox, reset (as `api` does); any
                                other call starts a process of its own, stopped at teardown
    sandbox -> SandboxServer    session-scoped, seed 200, rate limiting off; for tests that only
                                read (or write in ways no other test notices)

A SandboxServer is a real `manage.py sandbox` process on a free port with its own SQLite file,
its key passed in the environment (never on the command line, where `ps` shows it). Tests only
ever talk to it over HTTP and read its access log and its request record (--record: what each
request sent); nothing here imports sandbox code.

Why lend and reset: a fresh process costs about a second, a reset (POST /_sandbox/reset, served
under --allow-reset) a few milliseconds, and either way the test starts from the seeded state.
After a reset the server's logs read as if it had just started (the files are never truncated),
so `before = len(server.api_calls())` ... `server.api_calls()[before:]` works as always.

Starting one is quick because the database is not built each time: the first server started
with a given seed migrates and seeds its own, a snapshot of it becomes the template, and later
servers with that seed start from a copy.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

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


class SandboxError(RuntimeError):
    pass


class SandboxStartError(SandboxError):
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
class RecordedRequest:
    """One request as the sandbox recorded it (--record); see SandboxServer.recorded()."""

    method: str | None
    target: str | None
    status: int | None
    body: Any  # the parsed JSON request body; None when there was none or it was not JSON
    at: float = 0.0  # when it was answered, epoch seconds

    @property
    def path(self) -> str:
        return (self.target or "").split("?", 1)[0]

    @property
    def query(self) -> str:
        return (self.target or "").partition("?")[2]


@dataclass
class SandboxServer:
    url: str
    secret_key: str
    db_path: Path
    process: subprocess.Popen
    stdout_path: Path
    stderr_path: Path
    record_path: Path
    options: dict = field(default_factory=dict)
    # How much of each file came before the last reset (lines; characters for stderr); those
    # parts are left out.
    _log_start: int = 0
    _record_start: int = 0
    _stderr_start: int = 0

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
        answer has arrived is always in here. Lines from before the last reset() are left out.
        """
        return self._all_log_lines()[self._log_start :]

    def _all_log_lines(self) -> list[str]:
        text = self.stdout_path.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if ACCESS_LINE.match(line)]

    def recorded(self) -> list[RecordedRequest]:
        """Every request with its JSON body, oldest first, one per access-log line (same order).

        For asserting what a client sent: `before = len(server.recorded())`, act, then
        `[r.body for r in server.recorded()[before:] if r.method == "PUT"]`. No header is
        recorded, so the key never is.
        """
        return [RecordedRequest(**entry) for entry in self._all_records()[self._record_start :]]

    def _all_records(self) -> list[dict]:
        if not self.record_path.exists():
            return []
        text = self.record_path.read_text(encoding="utf-8")
        # A line is complete once its newline is written; a partial last line is not ours yet.
        return [json.loads(line) for line in text.split("\n")[:-1]]

    def reset(self) -> None:
        """Back to the seeded state: contacts, invitations, ids, rate-limit counts.

        Needs a server started with allow_reset. Afterwards log_lines(), requests(),
        api_calls(), recorded() and stderr_text() start empty again, as on a fresh server.
        """
        response = requests.post(f"{self.url}/_sandbox/reset", headers=self.headers, timeout=10)
        if response.status_code != 204:
            raise SandboxError(f"reset answered {response.status_code}: {response.text}")
        # The reset's own lines were written before its answer arrived, so they are counted.
        self._log_start = len(self._all_log_lines())
        self._record_start = len(self._all_records())
        self._stderr_start = len(self._all_stderr())

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
        """What the server wrote to stderr (tracebacks, and emails from the console backend)
        since it started or was last reset."""
        return self._all_stderr()[self._stderr_start :]

    def _all_stderr(self) -> str:
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
        allow_reset: bool = False,
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
            allow_reset=allow_reset,
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
        record_path = workdir / "requests.jsonl"
        command = [
            sys.executable, "manage.py", "sandbox",
            "--host", "127.0.0.1", "--port", "0",
            "--db", str(db_path),
            "--seed", str(options["seed"]),
            "--rate-limit", str(options["rate_limit"]),
            "--latency-ms", str(options["latency_ms"]),
            "--fail-rate", str(options["fail_rate"]),
            "--record", str(record_path),
        ]  # fmt: skip
        if options["allow_reset"]:
            command.append("--allow-reset")
        env = dict(os.environ)
        # pytest-django exported the dashboard's settings module; the sandbox picks its own.
        env.pop("DJANGO_SETTINGS_MODULE", None)
        # The key goes in the environment: a --secret-key flag would show in the process list.
        env["TASKIP_SECRET_KEY"] = options["secret_key"]
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
            record_path=record_path,
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


# Fixtures that start a real PostgreSQL or redis-server (tests/stores/servers.py).
STORE_SERVER_FIXTURES = {"postgres_server", "redis_server", "postgres_alias", "redis_url"}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Tests marked `slow` first (after any shuffling): they mostly wait on TaskIP's rate-limit
    windows, so under pytest-xdist each starts at once on a worker while the others run the rest
    of the suite beside it, instead of the run waiting for them at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    if "MUTANT_UNDER_TEST" in os.environ:
        # mutmut (make mutate) runs every test niced, as many at once as there are cores: a
        # starved process misses any real-time bound, which fails the clean run or "kills" a
        # mutant by chance. Nor does it start PostgreSQL or Redis servers: those are the store
        # tests' work. `make test` keeps all of these.
        skip_timed = pytest.mark.skip(reason="holds real time to a bound; not under mutmut")
        skip_store = pytest.mark.skip(reason="needs a real store server; not under mutmut")
        for item in items:
            if item.get_closest_marker("wallclock") is not None:
                item.add_marker(skip_timed)
            elif STORE_SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
                item.add_marker(skip_store)


@pytest.fixture(scope="session")
def sandbox_launcher(tmp_path_factory: pytest.TempPathFactory) -> SandboxLauncher:
    return SandboxLauncher(tmp_path_factory)


class LentSandbox:
    """One default sandbox (seed 200, rate limiting off) lent to one test at a time.

    It starts on first use, is reset before every later loan, and is started again if a test
    stopped it.
    """

    def __init__(self, launcher: SandboxLauncher) -> None:
        self.launcher = launcher
        self.server: SandboxServer | None = None

    def lend(self) -> SandboxServer:
        if self.server is not None and self.server.running:
            self.server.reset()
        else:
            self.server = self.launcher.start(allow_reset=True)
        return self.server

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


@pytest.fixture(scope="session")
def lent_sandbox(sandbox_launcher: SandboxLauncher):
    """The LentSandbox of this test process (an xdist worker); `api` and `start_sandbox()`
    borrow it. One per process rather than per module: a reset gives each test the seeded
    state either way, and a dozen modules each started their own (about 0.4 s of CPU and a
    second of waiting apiece)."""
    lent = LentSandbox(sandbox_launcher)
    yield lent
    lent.stop()


DEFAULT_OPTIONS = {
    "seed": 200, "rate_limit": 0, "latency_ms": 0, "fail_rate": 0.0, "secret_key": "test-secret",
}  # fmt: skip


@pytest.fixture
def start_sandbox(sandbox_launcher: SandboxLauncher, lent_sandbox: LentSandbox):
    """Factory: start_sandbox(seed=200, rate_limit=0, latency_ms=0, fail_rate=0.0,
    secret_key="test-secret", allow_reset=False) -> SandboxServer.

    The first call with all defaults lends the lent sandbox, freshly reset (it allows
    reset); other calls start a process of their own, stopped when the test ends.
    """
    started: list[SandboxServer] = []
    lent = False

    def start(
        seed: int = 200,
        rate_limit: int = 0,
        latency_ms: float = 0,
        fail_rate: float = 0.0,
        secret_key: str = "test-secret",
        allow_reset: bool = False,
    ) -> SandboxServer:
        nonlocal lent
        options = {
            "seed": seed, "rate_limit": rate_limit, "latency_ms": latency_ms,
            "fail_rate": fail_rate, "secret_key": secret_key,
        }  # fmt: skip
        if options == DEFAULT_OPTIONS and not lent:
            lent = True
            return lent_sandbox.lend()
        server = sandbox_launcher.start(**options, allow_reset=allow_reset)
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
    """The dashboard caches list pages; no test may see another test's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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
    """The dashboard pointed at a sandbox in its seeded state (200 contacts, no invitations,
    rate limiting off) that no other test touches meanwhile: for tests that change contacts.
    It is the lent sandbox, reset before the test."""
    server = start_sandbox()
    _point_dashboard_at(settings, server)
    return server
