"""Real PostgreSQL and Redis servers, started by the test run itself (a pytest plugin).

    postgres_server -> PostgresServer   session-scoped; .url(database="postgres"),
                                        .create_database(name, template=None) -> its URL
    postgres_url -> str                 session-scoped; postgres://postgres@127.0.0.1:PORT/stores,
                                        an empty database on that server
    redis_server -> RedisServer         session-scoped; .url(db=0), .flush()
    redis_url -> str                    session-scoped; redis://127.0.0.1:PORT/0

    pytest --dashboard-db=postgres      the dashboard's test database (pytest-django's `db`) lives
                                        on the started PostgreSQL server instead of SQLite

Each server is Debian's own binary (the `postgresql` and `redis-server` packages, which `make test`
installs where apt-get can), run in the foreground in a temporary directory on a free port,
without persistence, and stopped when the session ends. PostgreSQL refuses to run as root, so as
root it runs as the `postgres` user the package creates.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import environ
import psycopg
import pytest
import redis
from psycopg import sql

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
POLL_INTERVAL = 0.02
PORT_ATTEMPTS = 5
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
POSTGRES_SUPERUSER = "postgres"


class ServerStartError(RuntimeError):
    pass


class PortTaken(ServerStartError):
    """The port picked was taken between choosing it and the server binding it."""


def unused_port() -> int:
    # Bind-then-close can race with another process taking the port; start_on_free_port
    # retries on another port when the server reports "Address already in use".
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_on_free_port(start):
    """start(port) until it does not fail with PortTaken; its result."""
    for attempt in range(PORT_ATTEMPTS):
        try:
            return start(unused_port())
        except PortTaken:
            if attempt == PORT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _wait_until(answers, process: subprocess.Popen, log_path: Path, what: str) -> None:
    """Poll `answers()` until it is true; the server's own log explains a failed start."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text(errors="replace")
            if "Address already in use" in log:
                raise PortTaken(log)
            raise ServerStartError(f"{what} exited with {process.returncode}:\n{log}")
        if answers():
            return
        time.sleep(POLL_INTERVAL)
    _stop(process)
    raise ServerStartError(
        f"{what} did not answer in {START_TIMEOUT:.0f}s:\n{log_path.read_text(errors='replace')}"
    )


def _stop(process: subprocess.Popen, stop_signal: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # The process group is the server's own (start_new_session): no child may outlive it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


# ---- PostgreSQL -----------------------------------------------------------------------------


def postgres_bin() -> Path:
    """The newest PostgreSQL server installed by Debian's packages (15 on bookworm)."""
    candidates = [Path(p) for p in Path("/").glob(POSTGRES_BIN_GLOB.lstrip("/"))]
    candidates = [p for p in candidates if (p / "postgres").exists()]
    if not candidates:
        raise ServerStartError(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres); "
            "`make test` installs the Debian package `postgresql`."
        )
    return max(candidates, key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0))


def _postgres_owner() -> dict:
    """Popen arguments that drop root to the `postgres` user; nothing for anyone else."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise ServerStartError(
            "Running as root, and there is no `postgres` user to run PostgreSQL as "
            "(the Debian package `postgresql` creates it)."
        ) from None
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


@dataclass
class PostgresServer:
    """One running `postgres`, trusting local TCP connections from the superuser `postgres`."""

    port: int
    directory: Path
    process: subprocess.Popen

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{POSTGRES_SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=5)

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """CREATE DATABASE name [TEMPLATE template]; its URL. A template copy takes ~0.1 s,
        far less than migrating: migrate once, then copy for each test that needs its own."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with self.connect() as connection:
            connection.execute(statement)
        return self.url(name)

    def stop(self) -> None:
        # SIGINT is PostgreSQL's "fast" shutdown: roll back open sessions and stop at once.
        _stop(self.process, signal.SIGINT)

    @classmethod
    def start(cls, *, config: dict[str, str] | None = None) -> PostgresServer:
        """initdb a fresh cluster and start it; `config`: extra server settings (`-c k=v`),
        e.g. {"max_connections": "150"} for a bench with many web threads."""
        binaries = postgres_bin()
        owner = _postgres_owner()
        directory = Path(tempfile.mkdtemp(prefix="taskip-postgres-"))
        if owner:
            os.chown(directory, owner["user"], owner["group"])
        try:
            result = subprocess.run(
                [binaries / "initdb", "--pgdata", directory / "data",
                 "--username", POSTGRES_SUPERUSER, "--auth", "trust",
                 "--encoding", "UTF8", "--no-locale", "--no-sync"],
                capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, **owner,
            )  # fmt: skip
            if result.returncode != 0:
                raise ServerStartError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
            return start_on_free_port(
                lambda port: cls._launch(binaries, directory, port, owner, config or {}))
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise

    @classmethod
    def _launch(cls, binaries: Path, directory: Path, port: int, owner: dict,
                config: dict[str, str]) -> PostgresServer:
        log_path = directory / f"postgres-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [binaries / "postgres", "-D", directory / "data", "-p", str(port),
                 "-c", "listen_addresses=127.0.0.1",
                 # No Unix socket: its default directory belongs to the system's own cluster.
                 "-k", "",
                 # A throwaway server: durability only costs time here.
                 "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off",
                 *[arg for key, value in config.items() for arg in ("-c", f"{key}={value}")]],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, **owner,
            )  # fmt: skip
        server = cls(port, directory, process)

        def answers() -> bool:
            try:
                with server.connect() as connection:
                    connection.execute("SELECT 1")
            except psycopg.OperationalError:  # not listening yet, or "starting up"
                return False
            return True

        _wait_until(answers, process, log_path, "postgres")
        return server


# ---- Redis ----------------------------------------------------------------------------------


@dataclass
class RedisServer:
    port: int
    directory: Path
    process: subprocess.Popen

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis.from_url(self.url(db), socket_timeout=5)

    def flush(self) -> None:
        """Empty every database: what one test wrote is not seen by the next."""
        with self.client() as client:
            client.flushall()

    def stop(self) -> None:
        _stop(self.process)

    @classmethod
    def start(cls) -> RedisServer:
        directory = Path(tempfile.mkdtemp(prefix="taskip-redis-"))
        try:
            return start_on_free_port(lambda port: cls._launch(directory, port))
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise

    @classmethod
    def _launch(cls, directory: Path, port: int) -> RedisServer:
        log_path = directory / f"redis-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", directory,
                 "--daemonize", "no", "--logfile", ""],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        server = cls(port, directory, process)

        def answers() -> bool:
            try:
                with server.client() as client:
                    return client.ping()
            except redis.ConnectionError:
                return False

        _wait_until(answers, process, log_path, "redis-server")
        return server


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer.start()
    yield server
    server.stop()
    shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database("stores")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer.start()
    yield server
    server.stop()
    shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url()


# ---- the dashboard's test database on PostgreSQL ----------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--dashboard-db",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="where the dashboard's test database lives: SQLite (the default deployment) or "
        "a PostgreSQL server this run starts (the several-hosts deployment)",
    )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest,
    django_db_modify_db_settings_parallel_suffix: None,
) -> None:
    """pytest-django's hook, run just before the test database is made: point it at Postgres."""
    if request.config.getoption("dashboard_db") != "postgres":
        return
    from django.conf import settings
    from django.db import connections

    url = request.getfixturevalue("postgres_url")
    default = settings.DATABASES["default"]
    # Changed in place: Django's connection handler holds this same dict. CONN_MAX_AGE and
    # CONN_HEALTH_CHECKS stay as the settings made them, so the tests run with them.
    parsed = environ.Env.db_url_config(url)
    default.update({key: parsed[key] for key in ("ENGINE", "NAME", "USER", "HOST", "PORT")})
    default["PASSWORD"] = parsed.get("PASSWORD", "")
    default["OPTIONS"] = {}
    connections.close_all()
    with contextlib.suppress(AttributeError):  # not made yet in this thread
        del connections["default"]  # the next use builds a PostgreSQL connection from the dict
