"""The processes a bench run starts: sandbox APIs and production-style (gunicorn) dashboards.

Every process is started in its own session (so a Ctrl-C on the terminal reaches only the bench,
which then stops them in order) and registered with a `Processes` stack that stops them all,
newest first, by their own pid / process group id, whatever way the run ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from ..sandbox_log import ACCESS_LINE, LISTENING_LINE

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
COMMAND_TIMEOUT = 120.0


class StartError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass
class Process:
    """A started child process; `stop()` ends it and anything left in its process group."""

    name: str
    popen: subprocess.Popen
    stdout_path: Path
    stderr_path: Path
    stop_signal: int = signal.SIGTERM

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                self.popen.send_signal(self.stop_signal)
                self.popen.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=STOP_TIMEOUT)
        # The group is ours (start_new_session): reap any straggler a worker may have left.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def children_cpu_seconds(self) -> float:
        """user+system CPU of this process and its direct children (gunicorn workers)."""
        return sum(_cpu_seconds(pid) for pid in [self.pid, *_children(self.pid)])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Processes:
    """Everything this run started; `stop_all()` stops them newest first."""

    started: list[Process] = field(default_factory=list)

    def spawn(self, name: str, command: list[str], *, env: dict[str, str], workdir: Path,
              stop_signal: int = signal.SIGTERM) -> Process:
        stdout_path = workdir / f"{name}.out.log"
        stderr_path = workdir / f"{name}.err.log"
        with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
            popen = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=stdout, stderr=stderr,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        process = Process(name, popen, stdout_path, stderr_path, stop_signal)
        self.started.append(process)
        return process

    def stop(self, process: Process) -> None:
        process.stop()
        if process in self.started:
            self.started.remove(process)

    def stop_all(self) -> None:
        while self.started:
            process = self.started.pop()
            try:
                process.stop()
            except Exception as exc:  # keep stopping the others
                print(f"bench: could not stop {process.name} (pid {process.pid}): {exc}",
                      file=sys.stderr)


# ---- the sandbox -------------------------------------------------------------------------


@dataclass
class Sandbox:
    process: Process
    secret_key: str
    url: str = ""

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/public-v1"

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["X-Secret-Key"] = self.secret_key
        return session

    def access_log(self) -> list[tuple[str, str, int]]:
        """(method, target, status) per request so far; a line is written before its answer."""
        calls = []
        for line in self.process.stdout_path.read_text(errors="replace").splitlines():
            if match := ACCESS_LINE.match(line):
                status = match["status"]
                calls.append((match["method"], match["target"],
                              int(status) if status.isdigit() else 0))
        return calls


def start_sandbox(processes: Processes, workdir: Path, *, name: str, seed: int,
                  latency_ms: float, secret_key: str, rate_limit: int = 0) -> Sandbox:
    """Start (without waiting); call `wait_for_sandbox` afterwards so several start together.

    `rate_limit`: TaskIP's requests a minute per key (0, the default here, limits nothing)."""
    command = [
        sys.executable, "manage.py", "sandbox",
        "--host", "127.0.0.1", "--port", "0",
        "--db", str(workdir / f"{name}.sqlite3"),
        "--seed", str(seed),
        "--rate-limit", str(rate_limit),
        "--latency-ms", str(latency_ms),
    ]  # fmt: skip
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["TASKIP_SECRET_KEY"] = secret_key  # not a flag: the process list would show it
    process = processes.spawn(name, command, env=env, workdir=workdir)
    return Sandbox(process, secret_key)


class TimedLog:
    """The sandbox's access lines, each stamped (time.monotonic()) as this process reads it.

    The sandbox prints no time; a line is flushed as its answer leaves, right after the rate
    limiter counted the request, so reading the file every few milliseconds places each call
    in time to within that, which is what counting calls per TaskIP window needs.
    """

    POLL = 0.005

    def __init__(self, sandbox: Sandbox) -> None:
        self.path = sandbox.process.stdout_path
        self.lines: list[tuple[float, str, str, int]] = []  # (t, method, target, status)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="sandbox-log", daemon=True)

    def __enter__(self) -> TimedLog:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _follow(self) -> None:
        with self.path.open("rb") as log:
            log.seek(0, os.SEEK_END)  # only what happens from now on
            partial = b""
            while True:
                chunk = log.read()
                now = time.monotonic()
                if chunk:
                    partial += chunk
                    *whole, partial = partial.split(b"\n")
                    for raw in whole:
                        if match := ACCESS_LINE.match(raw.decode(errors="replace")):
                            status = match["status"]
                            self.lines.append((now, match["method"], match["target"],
                                               int(status) if status.isdigit() else 0))
                elif self._stop.is_set():
                    return
                else:
                    time.sleep(self.POLL)


def wait_for_sandbox(sandbox: Sandbox) -> Sandbox:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        for line in sandbox.process.stdout_path.read_text(errors="replace").splitlines():
            if match := LISTENING_LINE.match(line):
                sandbox.url = match["url"]
                return sandbox
        if not sandbox.process.running:
            raise StartError(f"{sandbox.process.name} exited:\n"
                             f"{_tail(sandbox.process.stderr_path)}")
        time.sleep(0.02)
    raise StartError(f"{sandbox.process.name} did not start in {STARTUP_TIMEOUT:.0f}s")


# ---- the dashboard -----------------------------------------------------------------------


def dashboard_env(*, database_url: str, secret_key: str, sandbox: Sandbox) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        DJANGO_SETTINGS_MODULE="taskip_admin.settings",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        TASKIP_BASE_URL=sandbox.url,
        TASKIP_SECRET_KEY=sandbox.secret_key,
        # The bench's sandbox limits nothing (--rate-limit 0), so the API budget is as large:
        # every call still draws from it (its cost is in every figure), none is refused.
        TASKIP_RATE_LIMIT="1000000",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run a dashboard management command to completion; its output, or StartError."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
        text=True, timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if result.returncode != 0:
        raise StartError(f"manage.py {args[0]} failed ({result.returncode}):\n"
                         f"{result.stdout}\n{result.stderr}")
    return result.stdout


def copy_database(source: Path, target: Path) -> Path:
    """A consistent copy of a SQLite database (SQLite's online backup), for another deployment
    to start from: migrating and making the staff users once is quicker than once per part."""
    with contextlib.closing(sqlite3.connect(source)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return target


def start_worker(processes: Processes, workdir: Path, *, name: str,
                 env: dict[str, str]) -> Process:
    """`manage.py db_worker` as `make worker` runs it (DEBUG off, the same environment as the
    web processes), not waited for: a worker has no port; `wait_for_worker` watches its log."""
    return processes.spawn(name, [sys.executable, "manage.py", "db_worker"], env=env,
                           workdir=workdir)


def wait_for_worker(worker: Process, timeout: float = STARTUP_TIMEOUT) -> None:
    """Until django-tasks-db logs "Starting worker" (it then polls the queue every second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not worker.running:
            raise StartError(f"{worker.name} exited:\n{_tail(worker.stderr_path)}")
        for path in (worker.stderr_path, worker.stdout_path):
            if "Starting worker" in path.read_text(errors="replace"):
                return
        time.sleep(0.05)
    raise StartError(f"{worker.name} did not start in {timeout:.0f}s:\n"
                     f"{_tail(worker.stderr_path)}")


@dataclass
class Dashboard:
    process: Process
    url: str
    workers: int
    threads: int

    @property
    def sizing(self) -> str:
        return f"{self.workers}×{self.threads}"


def start_dashboard(processes: Processes, workdir: Path, *, name: str, env: dict[str, str],
                    workers: int, threads: int) -> Dashboard:
    """gunicorn exactly as `make serve` runs it, with this run's worker/thread counts."""
    port = free_port()
    command = [
        str(VENV_BIN / "gunicorn"), "taskip_admin.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--worker-class", "gthread",
        "--workers", str(workers), "--threads", str(threads),
        "--no-control-socket",
        "--access-logfile", "-",
        "--timeout", "30",
    ]  # fmt: skip
    # SIGINT is gunicorn's quick shutdown (SIGTERM would wait for idle keep-alive clients).
    process = processes.spawn(name, command, env=env, workdir=workdir, stop_signal=signal.SIGINT)
    dashboard = Dashboard(process, f"http://127.0.0.1:{port}", workers, threads)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if not process.running:
            raise StartError(f"{name} exited:\n{_tail(process.stderr_path)}")
        try:
            response = requests.get(f"{dashboard.url}/accounts/login/", timeout=15)
            if response.status_code == 200:
                break
        except requests.RequestException:  # not listening yet, or workers still booting
            pass
        time.sleep(0.05)
    else:
        raise StartError(f"{name} did not answer in {STARTUP_TIMEOUT:.0f}s:\n"
                         f"{_tail(process.stderr_path)}")
    # Workers boot lazily and separately: a burst of parallel requests makes it likely that
    # every one has imported everything before anything is measured.
    with ThreadPoolExecutor(max_workers=workers * 2) as pool:
        list(pool.map(lambda _: requests.get(f"{dashboard.url}/accounts/login/", timeout=30),
                      range(workers * 4)))
    return dashboard
