"""`python -m tests.bench.profile [PATH] [--runs N]`: where a dashboard page spends its time.

Starts a sandbox (seed 200, --latency-ms 100 unless told otherwise), then renders PATH in this
process through Django's test client as a logged-in contact admin (settings as under
`make serve`: DEBUG off, temp SQLite), `--runs` times under pyinstrument, and prints the
profile. Wall-clock mode: the 100 ms the API takes shows up as socket reads, the rest is ours.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .servers import Processes, dashboard_env, manage, start_sandbox, wait_for_sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.profile")
    parser.add_argument("path", nargs="?", default="/contacts/?limit=50")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--htmx", action="store_true", help="send HX-Request/HX-Target: results")
    parser.add_argument("--all", action="store_true", help="show library frames too")
    parser.add_argument("--html", metavar="FILE", help="also write pyinstrument's HTML report")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="taskip-profile-"))
    processes = Processes()
    try:
        sandbox = start_sandbox(processes, workdir, name="sandbox", seed=200,
                                latency_ms=args.latency_ms, secret_key="profile-secret")
        wait_for_sandbox(sandbox)
        env = dashboard_env(database_url=f"sqlite:///{workdir / 'dashboard.sqlite3'}",
                            secret_key=secrets.token_urlsafe(50), sandbox=sandbox)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "createstaff", "profiler", "--role", "admin", "--password", "x" * 20)
        os.environ.update(env)
        return _profile(args)
    finally:
        processes.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


def _profile(args) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from pyinstrument import Profiler

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="profiler"))
    headers = {"HX-Request": "true", "HX-Target": "results"} if args.htmx else {}
    for _ in range(3):  # warm: imports, template compilation, the connection pool
        response = client.get(args.path, headers=headers)
        if response.status_code != 200:
            print(f"GET {args.path} answered {response.status_code}", file=sys.stderr)
            return 1
    times, cpu = [], []
    for _ in range(args.runs):  # unprofiled first: the real wall and CPU cost
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(args.path, headers=headers)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    print(f"GET {args.path}: median {statistics.median(times) * 1000:.1f} ms wall, "
          f"{statistics.median(cpu) * 1000:.1f} ms CPU in the dashboard, unprofiled, over "
          f"{args.runs} runs (sandbox latency {args.latency_ms:.0f} ms)")
    times = []
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.runs):
        started = time.perf_counter()
        client.get(args.path, headers=headers)
        times.append(time.perf_counter() - started)
    profiler.stop()
    print(f"profiled: median {statistics.median(times) * 1000:.1f} ms wall")
    print(profiler.output_text(unicode=True, color=False, show_all=args.all))
    if args.html:
        Path(args.html).write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    sys.exit(main())
