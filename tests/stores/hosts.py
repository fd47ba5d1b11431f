"""Several dashboard hosts sharing one PostgreSQL and one Redis, as production runs them.

    env = dashboard_env(database_url=..., redis_url=..., sandbox=server)
    manage(env, "migrate", "--noinput")             one management command, to completion
    deployment = Deployment(env, workdir)
    a, b = deployment.start_web_hosts("a", "b")     gunicorn per host, as `make serve` runs it
    deployment.start_web_host("c")                  one more, later
    deployment.start_db_worker("a")                 `manage.py db_worker` with the same env
    browser = requests.Session()                    one cookie jar for every host, like a
    log_in(browser, a, "admin", "password")         browser behind a reverse proxy
    deployment.request_counts()                     {"a": 3, "b": 2}
    deployment.stop()                               every process it started, newest first

A web host is a real gunicorn (gthread) process with DEBUG off on its own free port; a worker is
a real `db_worker`. They share only what production hosts share: the environment (DATABASE_URL,
REDIS_URL, TASKIP_BASE_URL, the secrets) and whatever sits behind those URLs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from .django_process import DjangoProcess
from .servers import PortTaken, start_on_free_port, unused_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
COMMAND_TIMEOUT = 180.0
POLL_INTERVAL = 0.05
# Generous: a loaded 2-core CI machine runs these beside everything else.
REQUEST_TIMEOUT = 30.0
DJANGO_SECRET_KEY = "two-hosts-tests-only-" + "k" * 40


class HostStartError(RuntimeError):
    pass


def dashboard_env(*, database_url: str, redis_url: str, sandbox=None, **extra: str) -> dict:
    """The environment every host and worker of one deployment shares.

    `sandbox` is a SandboxServer (tests/conftest.py); without one the API is left at its default
    (for commands that make no API call). The TaskIP key travels in the environment, never on
    a command line where the process list would show it.
    """
    env = dict(os.environ)
    # pytest-django exported the test settings; the hosts run the production ones.
    env.update(
        DJANGO_SETTINGS_MODULE="taskip_admin.settings",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_SECRET_KEY=DJANGO_SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        TASKIP_SECRET_KEY=sandbox.secret_key if sandbox else "tests-not-a-real-key",
    )
    if sandbox is not None:
        env["TASKIP_BASE_URL"] = sandbox.url
    env.update(extra)
    return env


def manage(env: dict, *args: str, timeout: float = COMMAND_TIMEOUT) -> str:
    """`manage.py *args` with this environment, to completion; its stdout, or HostStartError."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
        text=True, timeout=timeout, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if result.returncode != 0:
        raise HostStartError(
            f"manage.py {' '.join(args[:1])} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result.stdout


@dataclass
class ServerProcess:
    """A started host or worker; its output goes to files in the deployment's directory."""

    name: str
    process: subprocess.Popen
    log_path: Path
    stop_signal: int = signal.SIGTERM

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.ask_to_stop()
        self.wait_until_stopped()

    def ask_to_stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)

    def wait_until_stopped(self) -> None:
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # Its own process group (start_new_session): no gunicorn worker may outlive it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class WebHost(ServerProcess):
    url: str = ""
    access_log_path: Path | None = None

    def request_count(self) -> int:
        """Requests this host has answered (gunicorn's access log, one line each; a line is
        written just after its response is sent)."""
        if self.access_log_path is None or not self.access_log_path.exists():
            return 0
        return len(self.access_log_path.read_text(errors="replace").splitlines())


def _spawn(command: list, *, env: dict, log_path: Path) -> subprocess.Popen:
    with log_path.open("wb") as log:
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip


def launch_web_host(env: dict, workdir: Path, name: str, port: int, *, workers: int = 1,
                    threads: int = 4) -> WebHost:  # fmt: skip
    """Start gunicorn as `make serve` does (sized for a test machine), without waiting for it
    to serve; see wait_until_serving."""
    log_path = workdir / f"host-{name}-{port}.log"
    access_log_path = workdir / f"host-{name}-{port}.access.log"
    command = [
        VENV_BIN / "gunicorn", "taskip_admin.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
        "--no-control-socket", "--timeout", "30",
        "--access-logfile", access_log_path,
    ]  # fmt: skip
    process = _spawn(command, env=env, log_path=log_path)
    # SIGINT is gunicorn's quick shutdown (SIGTERM waits for idle keep-alive clients).
    return WebHost(name, process, log_path, signal.SIGINT, f"http://127.0.0.1:{port}",
                   access_log_path)  # fmt: skip


def wait_until_serving(host: WebHost) -> WebHost:
    """Poll the host's /healthz until it answers 200: its database and cache answer too."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if not host.running:
            log = host.log_text()
            if "Address already in use" in log:
                raise PortTaken(log)
            raise HostStartError(f"host {host.name} exited:\n{log}")
        # A booting worker takes the connection only once it has imported everything.
        remaining = max(deadline - time.monotonic(), 1.0)
        with contextlib.suppress(requests.ConnectionError, requests.Timeout):
            if requests.get(f"{host.url}/healthz", timeout=remaining).status_code == 200:
                return host
        time.sleep(POLL_INTERVAL)
    host.stop()
    raise HostStartError(f"host {host.name} did not answer in {START_TIMEOUT:.0f}s:\n"
                         f"{host.log_text()}")  # fmt: skip


def start_web_host(env: dict, workdir: Path, name: str, **sizing) -> WebHost:
    """One gunicorn host on a free port, serving; `sizing`: workers=1, threads=4."""

    def start(port: int) -> WebHost:
        host = launch_web_host(env, workdir, name, port, **sizing)
        try:
            return wait_until_serving(host)
        except BaseException:
            host.stop()
            raise

    return start_on_free_port(start)


def start_db_worker(env: dict, workdir: Path, name: str, *args: str) -> ServerProcess:
    """`manage.py db_worker` as `make worker` runs it (plus `args`), started, not waited for:
    a worker has no port to poll; what it does shows in the task results."""
    log_path = workdir / f"worker-{name}.log"
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", *args]
    # db_worker finishes the task under way on SIGTERM, then exits.
    return ServerProcess(name, _spawn(command, env=env, log_path=log_path), log_path)


@dataclass
class Deployment:
    """The hosts and workers of one deployment; stop() stops them all, newest first."""

    env: dict
    workdir: Path
    sandbox: object = None  # the SandboxServer playing TaskIP, when there is one
    hosts: dict[str, WebHost] = field(default_factory=dict)
    workers: dict[str, ServerProcess] = field(default_factory=dict)
    _started: list[ServerProcess] = field(default_factory=list)

    def start_web_hosts(self, *names: str, **sizing) -> list[WebHost]:
        """A serving host per name; they boot side by side (a boot is mostly imports)."""
        try:
            launched = [
                self._track(launch_web_host(self.env, self.workdir, name, unused_port(), **sizing))
                for name in names
            ]
            ready = [self._wait_or_relaunch(host, **sizing) for host in launched]
        except BaseException:
            self.stop()
            raise
        self.hosts.update((host.name, host) for host in ready)
        return ready

    def start_web_host(self, name: str, **sizing) -> WebHost:
        return self.start_web_hosts(name, **sizing)[0]

    def _wait_or_relaunch(self, host: WebHost, **sizing) -> WebHost:
        try:
            return wait_until_serving(host)
        except PortTaken:  # taken between choosing the port and binding it: try others
            self._started.remove(host)
            return self._track(start_web_host(self.env, self.workdir, host.name, **sizing))

    def _track(self, process):
        self._started.append(process)
        return process

    def start_db_worker(self, name: str, *args: str) -> ServerProcess:
        worker = self._track(start_db_worker(self.env, self.workdir, name, *args))
        self.workers[name] = worker
        return worker

    def manage(self, *args: str) -> str:
        return manage(self.env, *args)

    def django_process(self) -> DjangoProcess:
        """Another Django process of this deployment, for ORM and cache work (close it)."""
        return DjangoProcess(self.env)

    def request_counts(self) -> dict[str, int]:
        return {name: host.request_count() for name, host in self.hosts.items()}

    def stop(self) -> None:
        # All asked first, newest first, then waited for: each takes a second or two to stop.
        stopping = self._started[::-1]
        self._started.clear()
        for process in stopping:
            process.ask_to_stop()
        for process in stopping:
            process.wait_until_stopped()


def log_in(browser: requests.Session, host: WebHost, username: str, password: str) -> None:
    """Sign in through the login form, CSRF token and all, as a person would."""
    login_url = f"{host.url}/accounts/login/"
    browser.get(login_url, timeout=REQUEST_TIMEOUT).raise_for_status()
    response = browser.post(
        login_url,
        data={"username": username, "password": password,
              "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        allow_redirects=False, timeout=REQUEST_TIMEOUT,
    )  # fmt: skip
    if response.status_code != 302:
        raise AssertionError(f"login on {host.name} answered {response.status_code}")


def log_out(browser: requests.Session, host: WebHost) -> None:
    response = browser.post(
        f"{host.url}/accounts/logout/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        allow_redirects=False, timeout=REQUEST_TIMEOUT,
    )  # fmt: skip
    if response.status_code != 302:
        raise AssertionError(f"logout on {host.name} answered {response.status_code}")
