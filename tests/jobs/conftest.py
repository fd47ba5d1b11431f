"""Fixtures for job tests: an owner, contacts from a live sandbox, the queue, real workers.

    owner                      a staff user who owns the jobs
    sandbox_contacts(server, n, skip=0) -> [(id, name)]   contacts, read over raw HTTP
    module_api                 a sandbox per test module (options: module's sandbox_options),
                               with the dashboard pointed at it
    invites(server, since=0)   Counter {contact id: invitations the sandbox answered}
    invited()                  the same for the session's sandbox, since this test began
    run_task(task_id)          run one queued task in this process as `db_worker` would
    queued(job)                the job's tasks still waiting in the queue
    start_worker(server) -> WorkerProcess   a real `manage.py db_worker` with this test's
                               settings.JOB_LEASE_SECONDS
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from contacts.models import Job
from tests.conftest import PROJECT_ROOT, SandboxServer

INVITE_PATH = re.compile(r"^/api/public-v1/contact/invite-client/(\d+)$")
WAIT_TIMEOUT = 30.0


@pytest.fixture
def owner(db) -> User:
    return User.objects.create_user("job-owner", password="correct-horse-9")


def sandbox_contacts(server: SandboxServer, n: int, *, skip: int = 0) -> list[tuple[int, str]]:
    """(id, name) of n contacts, after the first `skip`, in the sandbox's list order."""
    answer = server.session().get(f"{server.api_url}/contact",
                                  params={"limit": n + skip, "page": 1})
    answer.raise_for_status()
    return [(c["id"], f"{c['first_name']} {c['last_name'] or ''}".strip())
            for c in answer.json()["data"][skip:]]


@pytest.fixture(scope="module")
def module_sandbox(sandbox_launcher, request):
    """One sandbox for a test module, with the options its `sandbox_options` attribute names;
    its tests change different contacts, and count calls from their own start."""
    server = sandbox_launcher.start(**getattr(request.module, "sandbox_options", {}))
    yield server
    server.stop()


@pytest.fixture
def module_api(module_sandbox, settings) -> SandboxServer:
    """The dashboard pointed at the module's sandbox."""
    settings.TASKIP_BASE_URL = module_sandbox.url
    settings.TASKIP_SECRET_KEY = module_sandbox.secret_key
    return module_sandbox


def invites(server: SandboxServer, *, since: int = 0) -> Counter:
    """Invitations the sandbox answered with success, per contact id, from its access log
    (from its `since`-th request on)."""
    counted: Counter = Counter()
    for call in server.api_calls()[since:]:
        match = INVITE_PATH.match(call.path)
        if call.method == "POST" and match and call.status == 200:
            counted[int(match[1])] += 1
    return counted


@pytest.fixture
def invited(shared_api) -> Callable[[], Counter]:
    """Invitations the session's sandbox answered since the test began, per contact id.

    Invitations change nothing other tests read, so job tests share that sandbox."""
    start = len(shared_api.api_calls())
    return lambda: invites(shared_api, since=start)


def invite_calls(server: SandboxServer, *, since: int = 0) -> Counter:
    """Every invitation request the sandbox saw, whatever its answer, per contact id."""
    counted: Counter = Counter()
    for call in server.api_calls()[since:]:
        match = INVITE_PATH.match(call.path)
        if call.method == "POST" and match:
            counted[int(match[1])] += 1
    return counted


def queued(job: Job) -> list[DBTaskResult]:
    """The job's tasks still waiting for a worker (due now or deferred)."""
    return [t for t in DBTaskResult.objects.filter(status=TaskResultStatus.READY)
            if t.args_kwargs["args"] == [job.pk]]


def run_task(task_id: str) -> DBTaskResult:
    """Run one queued task now, in this process, the way `db_worker` does: claim it (it is
    RUNNING while it runs), run it, record the result."""
    task = DBTaskResult.objects.get(id=task_id)
    task.claim("test-worker")
    _worker().run_task(task)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL, task.traceback
    return task


def _worker() -> Worker:
    return Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                  startup_delay=False, max_tasks=None, worker_id="test-worker",
                  excluded_queue_names=[])


def wait_for(condition: Callable[[], object], *, timeout: float = WAIT_TIMEOUT,
             what: str = "condition", workers: tuple[WorkerProcess, ...] = ()) -> object:
    """Poll until condition() is truthy; fail with the workers' output if it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.005)
    logs = "\n".join(w.output() for w in workers)
    tasks = "\n".join(  # what the queue and the jobs looked like, to see why
        f"{t.id} {t.status} run_after={t.run_after} args={t.args_kwargs['args']} {t.worker_ids}"
        for t in DBTaskResult.objects.order_by("enqueued_at"))
    jobs = "\n".join(f"{j} lease={j.lease_token[:6]} until={j.lease_until} "
                     f"watchdog={j.watchdog_task_id}" for j in Job.objects.all())
    raise AssertionError(f"timed out waiting for {what}\n{logs}\ntasks:\n{tasks}\n{jobs}")


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    log_path: Path

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-whatever, as in a crash or an OOM kill."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def start_worker(transactional_db, tmp_path, settings):
    """Factory for real `manage.py db_worker` processes sharing this test's database file.

    Depends on transactional_db so the workers are stopped before the database is flushed."""
    started: list[WorkerProcess] = []
    database = connection.settings_dict["NAME"]
    assert os.path.isabs(database), "job tests need the file-based test database"

    def start(server: SandboxServer) -> WorkerProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": f"sqlite:///{database}",
            "TASKIP_BASE_URL": server.url,
            "TASKIP_SECRET_KEY": server.secret_key,
            "TASKIP_TIMEOUT": "1,5",
            # The same lease as this process's, which deferred the jobs' first watchdogs.
            "JOB_LEASE_SECONDS": str(settings.JOB_LEASE_SECONDS),
        }
        log_path = tmp_path / f"worker-{len(started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                # --skip-checks: the system checks cost a worker a third of its start-up
                # here, and tests/views/test_security.py runs them once.
                [sys.executable, "manage.py", "db_worker", "--interval", "0.02",
                 "--no-startup-delay", "--no-reload", "--skip-checks", "-v", "2"],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        worker = WorkerProcess(process, log_path)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
