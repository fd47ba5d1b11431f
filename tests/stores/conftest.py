"""Fixtures for the store tests: the dashboard's environment on the run's PostgreSQL and Redis.

    stores_env -> dict                 production settings on a migrated database of the test's
                                       own and the shared Redis (emptied); for DjangoProcess, manage

    deployment -> Deployment           the same, plus a sandbox (rate limit 100) as TaskIP; start
                                       hosts and workers on it (tests/stores/hosts.py)
    two_hosts -> (WebHost, WebHost)    hosts "a" and "b" of `deployment`, serving
    ADMIN, ADMIN_PASSWORD              a "Contact admins" user made by `createstaff`, in every
                                       database these fixtures hand out

The database is migrated once per run, with its static files collected and the staff user
made; each test gets a copy of it (CREATE DATABASE ... TEMPLATE, ~0.1 s).
"""

from __future__ import annotations

import itertools
import socket

import pytest

from .django_process import DjangoProcess
from .hosts import Deployment, dashboard_env

ADMIN = "host-admin"
ADMIN_PASSWORD = "two-hosts-pass-9"
TEMPLATE = "dashboard_template"

_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def dashboard_template(postgres_server, redis_url) -> str:
    """The name of a database with every migration applied and the admin user in it."""
    env = dashboard_env(database_url=postgres_server.create_database(TEMPLATE), redis_url=redis_url)
    # The three commands in one process: each process start costs a second or more.
    with DjangoProcess(env) as shell:
        shell.run(
            "from django.core.management import call_command\n"
            "call_command('migrate', '--noinput', verbosity=0)\n"
            f"call_command('createstaff', {ADMIN!r}, '--role', 'admin',"
            f" '--password', {ADMIN_PASSWORD!r})\n"
            # DEBUG off: pages name their static files through collectstatic's manifest.
            "call_command('collectstatic', '--noinput', verbosity=0)"
        )
    return TEMPLATE


@pytest.fixture
def stores_env(postgres_server, redis_server, dashboard_template) -> dict:
    database = f"dashboard_{next(_database_numbers)}"
    database_url = postgres_server.create_database(database, template=dashboard_template)
    redis_server.flush()
    return dashboard_env(database_url=database_url, redis_url=redis_server.url())


@pytest.fixture
def deployment(stores_env, start_sandbox, tmp_path):
    sandbox = start_sandbox(rate_limit=100)
    env = {**stores_env, "TASKIP_BASE_URL": sandbox.url, "TASKIP_SECRET_KEY": sandbox.secret_key}
    deployment = Deployment(env, tmp_path, sandbox=sandbox)
    yield deployment
    deployment.stop()
    counts = ", ".join(f"{name}: {n}" for name, n in deployment.request_counts().items())
    print(f"requests per host: {counts or 'no hosts started'}")


@pytest.fixture
def two_hosts(deployment):
    return tuple(deployment.start_web_hosts("a", "b"))


@pytest.fixture
def refused_port():
    """A port that refuses connections: bound (so nobody else takes it) but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
