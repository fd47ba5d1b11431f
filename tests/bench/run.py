"""Orchestration: start the processes, measure every §8 figure in one run, print one table.

The run is made of parts (`--only` picks some): each starts what it needs, measures, adds its
rows, setup notes and notes, and stops what only it used.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from contacts.roles import ROLE_GROUPS

from . import jobs, measure, report
from . import transfer as transfer_figures
from .hosts import Stores
from .report import Row
from .servers import (
    PROJECT_ROOT,
    Processes,
    Sandbox,
    TimedLog,
    copy_database,
    dashboard_env,
    manage,
    start_dashboard,
    start_sandbox,
    start_worker,
    wait_for_sandbox,
    wait_for_worker,
)

LATENCY_MS = 100
SANDBOX_KEY = "bench-secret"
STAFF_USER = "bench"
SEARCH_ALL = "example"  # every seeded contact's email is at example.com/.org/.net
BIG_SEED = 1000
DEFAULT_ALTERNATIVE = (4, 16)
DEFAULT_API_TARGET = "/api/public-v1/contact?page=1&limit=50"
OTHERS_SEEN: list[float] = []  # cores other processes used during each load window

# The bulk job (figures 7-8): TaskIP's own limit, the dashboard told the same.
JOB_ROWS = 300
JOB_RATE_LIMIT = 100
JOB_RESERVE = 0.2  # TASKIP_INTERACTIVE_RESERVE's default, set explicitly so the figure says it
JOB_USER_SHARE = 0.25  # TASKIP_USER_SHARE's default
JOB_TIME_LIMIT = 360.0  # 300 rows take about four windows at 80 a minute
JOB_STALL_LIMIT = 150.0  # no row finished for two and a half windows: stuck, say so
# Page views during the job: two staff taking turns, one view every VIEW_SPACING seconds, i.e.
# 15 calls a minute: inside the reserve (20) and far inside each user's share (25).
VIEW_USERS = 2
VIEW_SPACING = 4.0
VIEW_JITTER = 0.5  # see jobs.PageViews


def makefile_sizing() -> tuple[int, int]:
    """`make serve`'s --workers/--threads, read from the Makefile so the bench follows it."""
    text = (PROJECT_ROOT / "Makefile").read_text()
    serve = text.split("\nserve:", 1)[-1]
    workers = re.search(r"--workers\s+(\d+)", serve)
    threads = re.search(r"--threads\s+(\d+)", serve)
    return (int(workers[1]) if workers else 1, int(threads[1]) if threads else 1)


def parse_sizing(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[x×*]\s*(\d+)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError("sizing is WORKERSxTHREADS, e.g. 2x32")
    return int(match[1]), int(match[2])


def parse_parts(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PARTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"parts are {', '.join(PARTS)} (comma-separated), not {', '.join(unknown) or text!r}")
    return names


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--only", type=parse_parts, default=None, metavar="PART[,PART]",
                        help="run only these parts: "
                        + "; ".join(f"{name}: {part.what}" for name, part in PARTS.items()))
    parser.add_argument("--runs", type=int, default=30, help="list/API timing pairs (30)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent staff (32)")
    parser.add_argument("--duration", type=float, default=15.0,
                        help="seconds of concurrent load per gunicorn sizing (15)")
    parser.add_argument("--sandbox-duration", type=float, default=8.0,
                        help="seconds of the same load on the sandbox alone (8)")
    parser.add_argument("--also", type=parse_sizing, action="append", default=None,
                        metavar="WxT", help="also load-test this gunicorn sizing "
                        f"(repeatable; default {DEFAULT_ALTERNATIVE[0]}x{DEFAULT_ALTERNATIVE[1]})")
    parser.add_argument("--hosts-also", type=parse_sizing, action="append", default=None,
                        metavar="WxT", help="hosts part: also load two hosts of this sizing "
                        "each (repeatable; default none)")
    parser.add_argument("--idle-views", type=int, default=30,
                        help="jobs part: page views with no job, to compare with (30)")
    parser.add_argument("--no-results-file", action="store_true",
                        help="do not rewrite tests/bench/RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with the logs")
    return parser.parse_args(argv)


class _Terminated(Exception):
    pass


def _on_signal(signum, frame):
    raise _Terminated(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    workdir = Path(tempfile.mkdtemp(prefix="taskip-bench-"))
    processes = Processes()
    started = time.monotonic()
    load_at_start = os.getloadavg()
    bench = Bench(args, processes, workdir)
    try:
        bench.run()
    except (KeyboardInterrupt, _Terminated) as stop:
        print(f"\nbench: interrupted ({str(stop) or 'Ctrl-C'}); stopping everything it started",
              file=sys.stderr)
        return 130
    finally:
        processes.stop_all()
        if args.keep:
            print(f"bench: logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    rows, setup, notes = bench.rows, bench.setup, bench.notes
    info = report.machine()
    load_at_end = os.getloadavg()
    info["load"] = (" ".join(f"{x:.2f}" for x in load_at_start) + " at start, "
                    + " ".join(f"{x:.2f}" for x in load_at_end) + " at end")
    others = max(OTHERS_SEEN, default=0.0)
    if others > 0.25 or load_at_start[0] > report.cpu_count() / 2:
        notes.append(f"the machine was busy with other work (load average {load_at_start[0]:.1f}"
                     f" before the run; other processes used up to {others:.2f} of "
                     f"{report.cpu_count()} cores during the load windows): timings and req/s "
                     "are pessimistic; API call counts and byte sizes are not affected")
    if args.only:
        setup.append(f"parts run: {', '.join(args.only)} (`--only`); the others were not")
    setup.append(f"whole bench: {time.monotonic() - started:.0f} s ("
                 + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in bench.timings.items())
                 + ", the rest starting and stopping processes)")
    print()
    print(f"date {info['date']} · nproc {info['nproc']} · {info['cpu']} · memory {info['memory']}"
          f" · Python {info['python']} · load average {info['load']}")
    print()
    print(report.table(rows))
    print()
    for line in setup:
        print(f"  {line}")
    if notes:
        print()
        for line in notes:
            print(f"  note: {line}")
    if args.only:
        # RESULTS.md is the whole bench's table; a partial run would drop the other rows.
        print(f"\n  not written to {report.RESULTS_PATH.relative_to(PROJECT_ROOT)} (--only)")
    elif not args.no_results_file:
        report.RESULTS_PATH.write_text(report.results_markdown(rows, info, setup, notes))
        print(f"\n  written to {report.RESULTS_PATH.relative_to(PROJECT_ROOT)}")
    return 0 if all(r.ok is not False for r in rows) else 1


_T0 = time.monotonic()


def _step(text: str) -> None:
    print(f"bench [{time.monotonic() - _T0:5.1f} s] {text}", file=sys.stderr, flush=True)


# ---- what every part shares ------------------------------------------------------------------

# name -> (seed, rate limit): started together at the beginning, for the parts that need them.
SANDBOXES = {
    "sandbox-200": (200, 0),
    f"sandbox-{BIG_SEED}": (BIG_SEED, 0),
    f"sandbox-{JOB_ROWS}-limited": (JOB_ROWS, JOB_RATE_LIMIT),
}


@dataclass
class Bench:
    args: argparse.Namespace
    processes: Processes
    workdir: Path
    rows: list[Row] = field(default_factory=list)
    setup: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # part -> seconds
    results: dict[str, object] = field(default_factory=dict)  # what one part tells a later one
    sandboxes: dict[str, Sandbox] = field(default_factory=dict)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    django_secret: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    serve_sizing: tuple[int, int] = field(default_factory=makefile_sizing)

    @property
    def template_db(self) -> Path:
        """Migrated, with the bench user and the staff: each SQLite deployment copies it."""
        return self.workdir / "template.sqlite3"

    def env(self, sandbox: Sandbox, database: Path | str, **extra: str) -> dict[str, str]:
        url = database if isinstance(database, str) else f"sqlite:///{database}"
        env = dashboard_env(database_url=url, secret_key=self.django_secret, sandbox=sandbox)
        env.update(extra)
        return env

    def database(self, name: str) -> Path:
        """A deployment's own SQLite file, copied from the template on first use."""
        path = self.workdir / f"{name}.sqlite3"
        if not path.exists():
            copy_database(self.template_db, path)
        return path

    def sandbox(self, name: str) -> Sandbox:
        return wait_for_sandbox(self.sandboxes[name])

    def prepare_staff(self, env: dict[str, str]) -> None:
        """The bench user (a contact admin) and args.clients more, in env's database."""
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "createstaff", STAFF_USER, "--role", "admin", "--password", self.password)
        make_staff(env, self.args.clients)

    def run(self) -> None:
        OTHERS_SEEN.clear()
        chosen = self.args.only or list(PARTS)
        wanted = [name for name in PARTS if name in chosen]
        needed = {s for name in wanted for s in PARTS[name].sandboxes}
        _step(f"parts: {', '.join(wanted)}; starting {', '.join(sorted(needed))} "
              f"({LATENCY_MS} ms latency)")
        for name in sorted(needed):
            seed, rate_limit = SANDBOXES[name]
            self.sandboxes[name] = start_sandbox(
                self.processes, self.workdir, name=name, seed=seed, latency_ms=LATENCY_MS,
                secret_key=SANDBOX_KEY, rate_limit=rate_limit,
            )  # fmt: skip
        # While they seed: static files, and the template database every SQLite part copies.
        # These commands never call the API, so no sandbox needs to be listening yet.
        env = self.env(next(iter(self.sandboxes.values())), self.template_db,
                       TASKIP_BASE_URL="http://127.0.0.1:9")
        _step("collectstatic, migrate, createstaff")
        manage(env, "collectstatic", "--noinput", "-v0")
        self.prepare_staff(env)
        for name in sorted(needed):
            limit = SANDBOXES[name][1]
            self.setup.append(
                f"sandbox {name}: `manage.py sandbox --latency-ms {LATENCY_MS} --rate-limit "
                f"{limit} --seed {SANDBOXES[name][0]}`, threaded server, own temp SQLite")
        workers, threads = self.serve_sizing
        self.setup.append(f"dashboard: gunicorn gthread as `make serve` ({workers} workers × "
                          f"{threads} threads, access log on), DEBUG off, whitenoise, temp "
                          "SQLite unless said otherwise")
        for name in wanted:
            began = time.monotonic()
            PARTS[name].run(self)
            self.timings[name] = time.monotonic() - began
            _step(f"{name}: done in {self.timings[name]:.0f} s")


@dataclass(frozen=True)
class Part:
    what: str
    sandboxes: tuple[str, ...]
    run: Callable[[Bench], None]


# ---- figures 1-4: one list page against its API call; its bytes -----------------------------


def part_pages(bench: Bench) -> None:
    rows, setup, processes, args = bench.rows, bench.setup, bench.processes, bench.args
    small = bench.sandbox("sandbox-200")
    workers, threads = bench.serve_sizing
    _step(f"gunicorn {workers}×{threads} (make serve's sizing)")
    # Figures 1-4 measure the page against its API call, so the one-second read memo
    # (which would answer repeats without any call) is off here; figure 5 runs with it on.
    dashboard = start_dashboard(
        processes, bench.workdir, name="gunicorn-serve",
        env=bench.env(small, bench.database("dashboard"), CONTACTS_LIST_MEMO_SECONDS="0"),
        workers=workers, threads=threads,
    )  # fmt: skip
    staff = measure.login(dashboard.url, STAFF_USER, bench.password)

    # 1. list page / API call: as staff reload it (TaskIP answering as before), and with the
    # answer changed before every view (nothing the dashboard parsed before can be reused).
    _step(f"1. list page vs the API call it wraps ({args.runs} runs each, interleaved)")
    ratio = measure.list_page_vs_api(dashboard, staff, small, runs=args.runs)
    bench.results["api_target"] = ratio.api_target
    _step(f"1. the same, with a contact on the page edited before each run ({args.runs} runs)")
    fresh = measure.list_page_vs_api(dashboard, staff, small, runs=args.runs, new_answers=True)
    # The budget is held against the answer staff see again and again; a first sight of a new
    # answer costs making its rows on top, and is printed beside it.
    for measured, what, budgeted in ((ratio, "TaskIP's answer unchanged", True),
                                     (fresh, "TaskIP's answer new each view", False)):
        rows.append(Row(
            ("" if budgeted else "(diagnostic) ")
            + f"list page (50 rows) ÷ API call it wraps, 100 ms latency, {what}",
            f"{measured.ratio:.3f} ({measured.page_ms:.1f} / {measured.api_ms:.1f} ms, "
            f"median of {measured.runs})",
            "<= 1.10" if budgeted else "—", measured.ratio <= 1.10 if budgeted else None,
        ))  # fmt: skip
        setup.append(f"1: {what}: p90 page {measured.page_p90_ms:.1f} ms, "
                     f"API {measured.api_p90_ms:.1f} ms")
    setup.append(f"1: wrapped call `GET {ratio.api_target}`; both sides one keep-alive "
                 "requests.Session; every page view made its API call (the one-second read "
                 "memo is off here); every answer is decoded and fingerprinted, and when it is "
                 "the answer TaskIP sent before, the page parsed from it and the rows rendered "
                 "from it are reused (kept together under its fingerprint); for the second row a "
                 "contact on the page is edited through the API before each pair, so every "
                 "answer is parsed and its rows made afresh")

    # 2. API calls per page view
    _step("2. API calls per page view")
    first_id = _first_contact_id(small)
    counted = measure.calls_per_view(dashboard, staff, small, first_id)
    for name, calls in counted.items():
        limit = 2 if name == "edit form" else 1
        budget = "<= 2 (1 + companies)" if name == "edit form" else "1"
        rows.append(Row(f"API calls per view: {name}", str(len(calls)), budget,
                        len(calls) <= limit))
        setup.append(f"2: {name}: " + ", ".join(f"`{m} {t}`" for m, t, _ in calls))

    # 3. first load
    _step("3. first load bytes")
    load = measure.first_load(dashboard, staff)
    rows.append(Row(
        "first load of /contacts/ (HTML + CSS + JS, gzip)",
        f"{load.wire_bytes / 1000:.1f} kB in {len(load.files)} files "
        f"({load.raw_bytes / 1000:.1f} kB raw)",
        "<= 60 kB", load.wire_bytes <= 60_000,
    ))  # fmt: skip
    for transfer in load.files:
        how = "gzip as served" if transfer.served_gzip else (
            "gzip -6 by the bench (server sent it uncompressed)" if transfer.kind == "html"
            else "uncompressed as served")
        setup.append(f"3: {transfer.kind} {transfer.url.split('/', 3)[-1]}: "
                     f"{transfer.wire_bytes} B ({how}; {transfer.raw_bytes} B raw)")
    if load.icon_bytes:
        setup.append(f"3: favicon {load.icon_bytes} B, not counted (not CSS/JS)")

    # 4. partial vs full: what an htmx update transfers against what the same view costs as a
    # full page load (the document and the CSS and JS it pulls in, as figure 3 counts them).
    _step("4. htmx partial vs full page")
    sizes = measure.partial_vs_full(dashboard, staff, SEARCH_ALL)
    asset_files = [f for f in load.files if f.kind in ("css", "js")]
    assets = sum(f.raw_bytes for f in asset_files)
    assets_gzip = sum(f.wire_bytes for f in asset_files)
    full_load = sizes.full_bytes + assets
    rows.append(Row(
        "htmx partial ÷ full page load (HTML + CSS + JS)",
        f"{sizes.partial_bytes / full_load:.2f} ({sizes.partial_bytes} / {full_load} B)",
        "< 0.50", sizes.partial_bytes / full_load < 0.5,
    ))  # fmt: skip
    rows.append(Row(
        "(diagnostic) htmx partial ÷ the full page's HTML alone",
        f"{sizes.ratio:.2f} ({sizes.partial_bytes} / {sizes.full_bytes} B)", "—", None,
    ))  # fmt: skip
    setup.append(f"4: `/contacts/?search={sizes.search}` (50 rows) with and without "
                 f"HX-Request/HX-Target: results, plus {assets} B of CSS and JS for the full "
                 f"load; gzip: {sizes.partial_gzip} / {sizes.full_gzip + assets_gzip} B")
    setup.append(f"4: of the HTML document, the page around the results is "
                 f"{sizes.full_bytes - sizes.partial_bytes} B and the 50 rows are the rest, so no "
                 "partial that carries them can be half of the document alone")
    processes.stop(dashboard.process)


# ---- figure 5: concurrent staff on one host ----------------------------------------------------


def part_staff(bench: Bench) -> None:
    rows, setup, processes, args = bench.rows, bench.setup, bench.processes, bench.args
    small = bench.sandbox("sandbox-200")
    env_small = bench.env(small, bench.database("dashboard"))
    serve_sizing = bench.serve_sizing
    alternatives = [s for s in (args.also or [DEFAULT_ALTERNATIVE]) if s != serve_sizing]
    sessions: list[requests.Session] = []
    for sizing in [serve_sizing, *alternatives]:
        # Every sizing gets a fresh gunicorn, with the settings `make serve` has.
        dashboard = start_dashboard(processes, bench.workdir,
                                    name=f"gunicorn-{sizing[0]}x{sizing[1]}",
                                    env=env_small, workers=sizing[0], threads=sizing[1])
        if not sessions:
            _step(f"5. {args.clients} concurrent staff logging in")
            sessions = _staff_sessions([dashboard.url], bench.password, args.clients)
        # The same staff sessions (the DB holds them), on new connections.
        clients = [measure.LeanClient.for_session(dashboard.url, s) for s in sessions]
        label = "make serve" if sizing == serve_sizing else "alternative"
        _step(f"5. load, gunicorn {dashboard.sizing} ({label}), {args.duration:.0f} s")
        result = measure.concurrent_load(
            measure.LIST_PATH, clients, label=dashboard.sizing,
            duration=args.duration,
            watch={"gunicorn": dashboard.process, "sandbox": small.process},
        )  # fmt: skip
        # The budget is make serve's; other sizings are shown for comparison only.
        budgeted = sizing == serve_sizing
        if budgeted:
            bench.results["staff"] = result
        prefix = f"{args.clients} staff, gunicorn {dashboard.sizing} ({label})"
        if not budgeted:
            prefix = f"(diagnostic) {prefix}"
        rows.append(Row(f"{prefix}: throughput", f"{result.throughput:.0f} req/s",
                        ">= 200 req/s" if budgeted else "—",
                        result.throughput >= 200 if budgeted else None))
        errors = f", {result.errors} errors" if result.errors else ""
        rows.append(Row(f"{prefix}: p95",
                        f"{result.p95_ms:.0f} ms (p50 {result.p50_ms:.0f}){errors}",
                        "<= 250 ms" if budgeted else "—",
                        result.p95_ms <= 250 and result.errors == 0 if budgeted else None))
        OTHERS_SEEN.append(result.others_cores)
        setup.append(f"5: {dashboard.sizing}: " + _load_summary(result, args.clients))
        locked = _count_in(dashboard.process.stderr_path, "database is locked")
        if locked:
            setup.append(f"5: {dashboard.sizing}: the dashboard logged {locked}× "
                         "'database is locked' (a session save on every request, SQLite)")
        processes.stop(dashboard.process)

    # The sandbox alone under the same load: the ceiling it puts on any dashboard.
    _step(f"5. load, the sandbox alone, {args.sandbox_duration:.0f} s")
    api_clients = [measure.LeanClient(small.url, {"X-Secret-Key": small.secret_key})
                   for _ in range(args.clients)]
    alone = measure.concurrent_load(
        str(bench.results.get("api_target", DEFAULT_API_TARGET)), api_clients, label="sandbox",
        duration=args.sandbox_duration, watch={"sandbox": small.process},
    )  # fmt: skip
    rows.append(Row(f"(diagnostic) {args.clients} clients on the sandbox's list call alone",
                    f"{alone.throughput:.0f} req/s, p95 {alone.p95_ms:.0f} ms", "—", None))
    OTHERS_SEEN.append(alone.others_cores)
    setup.append("5: sandbox alone: " + _load_summary(alone, args.clients))


# ---- figure 5 again, on two hosts sharing PostgreSQL and Redis ---------------------------------


def part_hosts(bench: Bench) -> None:
    """Diagnostics: docs/architecture.md gives no budget for several hosts beyond printing them
    beside the one-host figures; the 32 staff are the same load, spread over two hosts."""
    rows, setup, processes, args = bench.rows, bench.setup, bench.processes, bench.args
    small = bench.sandbox("sandbox-200")
    sizings = [bench.serve_sizing, *[s for s in (args.hosts_also or [])
                                     if s != bench.serve_sizing]]
    # docs/architecture.md's README section: 64 connections per `make serve` host (a
    # connection per thread, kept open), plus headroom for workers and commands.
    most = max(w * t for w, t in sizings)
    _step("9. PostgreSQL and Redis")
    stores = Stores.start(processes, max_connections=2 * most + 20)
    try:
        env = bench.env(small, stores.database_url, REDIS_URL=stores.redis_url)
        _step("9. migrate and createstaff on PostgreSQL")
        bench.prepare_staff(env)
        one_host = bench.results.get("staff")
        beside = (f" (one host, SQLite: {one_host.throughput:.0f} req/s)"
                  if isinstance(one_host, measure.Load) else "")
        beside_p95 = (f" (one host, SQLite: {one_host.p95_ms:.0f} ms)"
                      if isinstance(one_host, measure.Load) else "")
        for sizing in sizings:
            label = "make serve" if sizing == bench.serve_sizing else "alternative"
            _step(f"9. two hosts, gunicorn {sizing[0]}×{sizing[1]} each ({label})")
            hosts = [start_dashboard(processes, bench.workdir, name=f"host-{n}-{sizing[0]}x"
                                     f"{sizing[1]}", env=env, workers=sizing[0],
                                     threads=sizing[1])
                     for n in ("a", "b")]
            urls = [host.url for host in hosts]
            sessions = _staff_sessions(urls, bench.password, args.clients)
            # Staff member i logs in on, and keeps using, host i % 2 (a proxy's sticky spread);
            # the session lives in PostgreSQL and Redis, valid on both.
            clients = [measure.LeanClient.for_session(urls[i % 2], s)
                       for i, s in enumerate(sessions)]
            _step(f"9. load, two hosts {sizing[0]}×{sizing[1]}, {args.duration:.0f} s")
            watch = {"host a": hosts[0].process, "host b": hosts[1].process,
                     "sandbox": small.process, **stores.watched}
            result = measure.concurrent_load(measure.LIST_PATH, clients,
                                             label=f"2 hosts {sizing[0]}×{sizing[1]}",
                                             duration=args.duration, watch=watch)
            OTHERS_SEEN.append(result.others_cores)
            prefix = (f"(diagnostic) {args.clients} staff, two hosts × gunicorn "
                      f"{sizing[0]}×{sizing[1]} ({label}), PostgreSQL + Redis")
            errors = f", {result.errors} errors" if result.errors else ""
            rows.append(Row(f"{prefix}: throughput", f"{result.throughput:.0f} req/s{beside}",
                            "—", None))
            rows.append(Row(f"{prefix}: p95",
                            f"{result.p95_ms:.0f} ms (p50 {result.p50_ms:.0f}){errors}"
                            f"{beside_p95}", "—", None))
            setup.append(f"9: two hosts {sizing[0]}×{sizing[1]} "
                         f"({2 * sizing[0]} gunicorn processes on {report.cpu_count()} cores): "
                         + _load_summary(result, args.clients))
            for host in hosts:
                for problem in ("too many clients", "Traceback"):
                    if found := _count_in(host.process.stderr_path, problem):
                        setup.append(f"9: {host.process.name} logged {found}× {problem!r}")
                processes.stop(host.process)
        setup.append(f"9: PostgreSQL (Debian's server, max_connections {2 * most + 20}, "
                     "fsync on) and "
                     "redis-server started by tests/stores/servers.py; DATABASE_URL and "
                     "REDIS_URL shared by both hosts, so sessions (cached_db), the permission "
                     "cache, the list cache and the API budget go through Redis; list memo 1 s "
                     "as in figure 5; 32 different staff, half on each host; both hosts share "
                     "this machine's cores with PostgreSQL, Redis and the sandbox, so this shows "
                     "what the shared stores cost per request, not how far more machines scale")
    finally:
        stores.stop(processes)


# ---- figure 6: delete everything matching a search -----------------------------------------------


def part_delete(bench: Bench) -> None:
    rows, setup, processes = bench.rows, bench.setup, bench.processes
    big = bench.sandbox(f"sandbox-{BIG_SEED}")
    _step(f"6. delete all {BIG_SEED} contacts matching {SEARCH_ALL!r}")
    workers, threads = bench.serve_sizing
    deleter = start_dashboard(processes, bench.workdir, name="gunicorn-delete",
                              env=bench.env(big, bench.database("dashboard")),
                              workers=workers, threads=threads)
    staff_big = measure.login(deleter.url, STAFF_USER, bench.password)
    deleted = measure.delete_all_matching(deleter, staff_big, big, SEARCH_ALL)
    if deleted.matching_before != BIG_SEED:
        bench.notes.append(f"6: expected {BIG_SEED} matching contacts, found "
                           f"{deleted.matching_before}")
    worked = deleted.status == 302 and deleted.matching_after == 0
    rows.append(Row(
        f"delete all {deleted.matching_before:,} matching: API calls",
        str(len(deleted.calls)), "<= 11", len(deleted.calls) <= 11 and worked,
    ))  # fmt: skip
    rows.append(Row(
        f"delete all {deleted.matching_before:,} matching: time",
        f"{deleted.seconds:.2f} s", "<= 3 s", deleted.seconds <= 3 and worked,
    ))  # fmt: skip
    summary: dict[str, int] = {}
    for method, target, status in deleted.calls:
        key = f"{method} {target.split('?')[0]} -> {status}"
        summary[key] = summary.get(key, 0) + 1
    setup.append(f"6: POST /contacts/bulk-delete/ select_all=1 search={SEARCH_ALL} confirmed=1 "
                 f"-> {deleted.status}; {deleted.matching_after} left; calls: "
                 + ", ".join(f"{n}× `{k}`" for k, n in summary.items()))
    processes.stop(deleter.process)


# ---- figures 7-8: a bulk job at the API budget's pace, and page views beside it ---------------


def part_jobs(bench: Bench) -> None:
    rows, setup, processes, args = bench.rows, bench.setup, bench.processes, bench.args
    sandbox = bench.sandbox(f"sandbox-{JOB_ROWS}-limited")
    database = bench.database("jobs")
    env = bench.env(sandbox, database, TASKIP_RATE_LIMIT=str(JOB_RATE_LIMIT),
                    TASKIP_INTERACTIVE_RESERVE=str(JOB_RESERVE),
                    TASKIP_USER_SHARE=str(JOB_USER_SHARE))
    allowed = JOB_RATE_LIMIT - round(JOB_RESERVE * JOB_RATE_LIMIT)
    workers, threads = bench.serve_sizing
    with TimedLog(sandbox) as log:  # before the key's first request
        _step(f"7. dashboard {workers}×{threads} and one db_worker, TaskIP limit "
              f"{JOB_RATE_LIMIT}/min")
        worker = start_worker(processes, bench.workdir, name="db-worker", env=env)
        dashboard = start_dashboard(processes, bench.workdir, name="gunicorn-jobs", env=env,
                                    workers=workers, threads=threads)
        wait_for_worker(worker)
        owner = measure.login(dashboard.url, STAFF_USER, bench.password)
        viewers = [(name, measure.login(dashboard.url, name, bench.password))
                   for name in staff_names(VIEW_USERS)]
        queries = jobs.list_queries()
        during = jobs.PageViews(dashboard.url, viewers, queries[0::2], VIEW_SPACING,
                                VIEW_JITTER, seed=1)
        ended = threading.Event()
        viewing = threading.Thread(target=during.run, kwargs={"until": ended},
                                   name="page-views", daemon=True)

        # Half the views with no job before it and half after, so a machine getting busier or
        # quieter meanwhile weighs on both sides alike.
        before = jobs.PageViews(dashboard.url, viewers, queries[1::4], VIEW_SPACING,
                                VIEW_JITTER, seed=2)
        after = jobs.PageViews(dashboard.url, viewers, queries[3::4], VIEW_SPACING,
                               VIEW_JITTER, seed=3)
        _step(f"8. {args.idle_views // 2} page views with no job")
        before.run(count=args.idle_views // 2)
        _step(f"7. bulk invite of all {JOB_ROWS} through /contacts/bulk-invite/, "
              f"page views every {VIEW_SPACING:.0f} ± {VIEW_JITTER:g} s beside it")
        job_flow = time.monotonic()  # the key's calls from here on are the job's flow
        watched_processes = {"db_worker": worker, "gunicorn": dashboard.process,
                             "sandbox": sandbox.process}
        cpu_before = {n: p.children_cpu_seconds() for n, p in watched_processes.items()}
        machine_before, clock_before = measure.machine_busy_seconds(), time.monotonic()
        started = jobs.start_bulk_invite(dashboard, owner)
        viewing.start()
        last_said = [0.0]

        def progress(status: str, counts: dict[str, int]) -> None:
            if time.monotonic() - last_said[0] >= 30:
                last_said[0] = time.monotonic()
                _step(f"7. job {started.job_id}: {status}, {counts.get('done', 0)} done, "
                      f"{counts.get('to do', 0)} to do, {len(during.views)} page views")

        try:
            watched = jobs.watch_job(dashboard, owner, started.job_id, on_poll=progress,
                                     time_limit=JOB_TIME_LIMIT, stall_limit=JOB_STALL_LIMIT)
        finally:
            ended.set()
            viewing.join(timeout=30)
        job_seconds = time.monotonic() - clock_before
        cores = {n: (p.children_cpu_seconds() - cpu_before[n]) / job_seconds
                 for n, p in watched_processes.items()}
        others = (measure.machine_busy_seconds() - machine_before) / job_seconds \
            - sum(cores.values())
        OTHERS_SEEN.append(max(0.0, others))
        if watched.gave_up:
            _step(f"7. job {started.job_id}: gave up ({watched.gave_up})")
        _step(f"8. {args.idle_views - args.idle_views // 2} page views with no job")
        after.run(count=args.idle_views - args.idle_views // 2)
    processes.stop(worker)  # a job given up on stops here, mid-window
    processes.stop(dashboard.process)
    ledger = jobs.read_ledger(database, started.job_id)

    # 7. the job's pace, per TaskIP window
    paced = jobs.pace(log.lines, allowed=allowed, since=job_flow)
    sandbox_429 = sum(1 for line in log.lines if line[3] == 429)
    full = [paced.windows[i] for i in paced.full]
    counted = " + ".join(str(w.invites) for w in full) or "no full window"
    unfinished = "" if watched.ended else f"; the job had not ended: {watched.gave_up}"
    rows.append(Row(
        f"bulk invite of {started.count}, TaskIP 100/min: job calls per full window ÷ "
        f"{allowed} (limit − reserve)",
        f"{paced.ratio:.3f} ({counted} in {len(full)} window{'s' if len(full) != 1 else ''})"
        + unfinished,
        ">= 0.95", bool(full) and paced.ratio >= 0.95 and watched.ended,
    ))  # fmt: skip
    rows.append(Row(
        "bulk invite: rows failed by 429",
        f"{ledger.failed_by_429()} (429s in the sandbox's log: {sandbox_429})",
        "0", ledger.failed_by_429() == 0 and sandbox_429 == 0,
    ))  # fmt: skip
    states = ", ".join(f"{n} {state}" for state, n in sorted(ledger.states.items()))
    took = (f"{ledger.seconds // 60:.0f} min {ledger.seconds % 60:.0f} s" if watched.ended
            else f"not finished ({watched.gave_up})")
    rows.append(Row("(diagnostic) bulk invite: total time, rows", f"{took}; {states}", "—",
                    None))
    rows.append(Row(
        f"(diagnostic) bulk invite: job calls per wall-clock minute ÷ {allowed}, same windows",
        f"{paced.per_wall_minute / allowed:.3f} ({paced.per_wall_minute:.1f}/min)", "—", None,
    ))  # fmt: skip
    if watched.ended and ledger.states.get("done", 0) + ledger.states.get("skipped", 0) \
            != started.count:
        bench.notes.append(f"7: the dialog counted {started.count}; the ledger has {states}")
    idle_windows = [i + 1 for i in paced.full if not paced.windows[i].invites]
    if idle_windows:
        bench.notes.append(
            f"7: the job made no call in window{'s' if len(idle_windows) > 1 else ''} "
            f"{', '.join(map(str, idle_windows))} although rows were pending: a sign that the "
            "API budget kept counting a window TaskIP had already closed (a page view that "
            "reached TaskIP just after its window closed, but was drawn just before the "
            "budget's whole-second reset, moves the budget to TaskIP's new window without "
            "its fresh count)")

    # 8. page views during the job (started before its last call), against the same views
    # with no job
    invites = [t for t, method, target, _ in log.lines
               if method == "POST" and jobs.INVITE_CALL.match(target)]
    job_end = invites[-1] if invites and watched.ended else watched.finished
    during_set = jobs.ViewSet([v for v in during.views if v.started <= job_end])
    idle_set = jobs.ViewSet([*before.views, *after.views])
    beside = jobs.ViewSet([v for v in during_set.views if jobs.drawing(v, paced.windows)])
    waiting = jobs.ViewSet([v for v in during_set.views if not jobs.drawing(v, paced.windows)])
    answered_429 = during_set.count(429)
    ratio = during_set.p95_ms / idle_set.p95_ms
    own_429 = max(0, answered_429 - sandbox_429)
    rows.append(Row(
        "page views during the job: answered 429",
        f"{answered_429} of {during_set.n}"
        + (f" ({own_429} the dashboard's own: a user's share spent)" if own_429 else "")
        + (f", {during_set.other_failures} other failures" if during_set.other_failures else ""),
        "0", answered_429 == 0 and during_set.other_failures == 0,
    ))  # fmt: skip
    rows.append(Row(
        "page views during the job: p95 ÷ p95 with no job",
        f"{ratio:.2f} ({during_set.p95_ms:.0f} / {idle_set.p95_ms:.0f} ms, "
        f"n = {len(during_set.ok)} / {len(idle_set.ok)})",
        "<= 1.2", ratio <= 1.2 and idle_set.count(429) == 0 and idle_set.other_failures == 0,
    ))  # fmt: skip

    # The setup notes say how each number was read.
    per_window = "; ".join(
        f"{i + 1}{'*' if i in paced.full else ''}: {w.invites} + {w.others} "
        f"({w.others_before_last_invite()})" for i, w in enumerate(paced.windows))
    view_calls = sum(1 for t, method, target, _ in log.lines
                     if t > started.started and method == "GET" and "limit=50" in target)
    answered = sum(1 for v in [*during.views, *after.views] if v.status == 200)
    setup += [
        f"7: dashboard and one `manage.py db_worker` (as `make worker`) on one temp SQLite, "
        f"TASKIP_RATE_LIMIT={JOB_RATE_LIMIT}, TASKIP_INTERACTIVE_RESERVE={JOB_RESERVE}, "
        f"TASKIP_USER_SHARE={JOB_USER_SHARE}; sandbox `--rate-limit {JOB_RATE_LIMIT} "
        f"--latency-ms {LATENCY_MS} --seed {JOB_ROWS}`",
        f"7: {STAFF_USER} (contact admin) opened /contacts/, POSTed /contacts/bulk-invite/ "
        f"select_all=1 (dialog: {started.dialog_status}, count {started.count}), then with "
        f"confirmed=1, count, send_again=on, access_level=basic (-> {started.confirm_status} "
        f"/jobs/{started.job_id}/), and polled the job's progress partial every "
        f"{jobs.JOB_POLL_SECONDS:.0f} s as its page does ({watched.polls} polls, "
        f"{watched.poll_errors} failed)",
        "7: throughput = the sandbox's access-log invite lines (POST /contact/invite-client/<id>)"
        " per TaskIP window, each line stamped as the bench read it (every 5 ms); windows "
        "replayed with sandbox/ratelimit.py's rule (a window opens with the key's first request "
        "and lasts 60 s, the next opens with the first request after it); counted: the windows "
        "after the one that carries the start of the job (the list, the dialog's and the "
        "confirmation's select-all walks) and before the one with the job's last call (which it "
        f"only partly used); {allowed} = {JOB_RATE_LIMIT} − {JOB_RESERVE:g} × {JOB_RATE_LIMIT}",
        "7: per TaskIP window of the run (* counted), invites + other calls (of those, how many "
        f"came before the job's last call of the window, i.e. out of its {allowed}): "
        f"{per_window}",
        "7: the wall-clock diagnostic divides the same calls by the time from the first counted "
        "window's start to the start of the window after the last, so it also charges the "
        "seconds between one window's close and the next call; the dashboard waits for TaskIP's "
        "X-RateLimit-Reset, which is whole seconds",
        f"8: {VIEW_USERS} staff ({', '.join(name for name, _ in viewers)}, contact admins) took "
        f"turns viewing full list pages, one every {VIEW_SPACING:g} ± {VIEW_JITTER:g} s "
        f"(uniform, seeded; at most {during.most_per_minute} calls in any 60 s: inside the "
        f"reserve of {round(JOB_RESERVE * JOB_RATE_LIMIT)} and each user's share of "
        f"{round(JOB_USER_SHARE * JOB_RATE_LIMIT)}), each a different 50-row page (search, "
        "sort, order, page varied; never repeated), so each view answered 200 made its own API "
        f"call ({view_calls} 50-row list calls for {answered} such views); p95 by nearest rank",
        f"8: during the job (views started before its last call): n = {during_set.n}, p50 "
        f"{during_set.p50_ms:.0f} ms, p95 {during_set.p95_ms:.0f} ms; with no job (half "
        "before it, half after; same users, spacing and kind of page, other pages): n = "
        f"{idle_set.n}, p50 "
        f"{idle_set.p50_ms:.0f} ms, p95 {idle_set.p95_ms:.0f} ms; on a machine this busy a "
        "sample this small moves by tens of ms from run to run",
        f"8: of the views during the job, those that overlapped the job's calls (it spends its "
        f"{allowed} at the start of each window, then waits): n = {beside.n}, p50 "
        f"{beside.p50_ms:.0f} ms, p95 {beside.p95_ms:.0f} ms; those while it waited: n = "
        f"{waiting.n}, p50 {waiting.p50_ms:.0f} ms, p95 {waiting.p95_ms:.0f} ms",
        f"8: cores busy while the job ran ({job_seconds:.0f} s): "
        + ", ".join(f"{n} {c:.2f}" for n, c in cores.items())
        + f"; other processes on the machine {max(0.0, others):.2f}"
        + "".join(f"; {name} logged {found}× 'database is locked'"
                  for name, found in (("gunicorn", _count_in(dashboard.process.stderr_path,
                                                             "database is locked")),
                                      ("db_worker", _count_in(worker.stderr_path,
                                                              "database is locked")))
                  if found),
    ]
    bench.notes.append(
        "7: the budget lets page views go first and keeps only its reserve from jobs, so a page "
        "view made while the job is still drawing in a window comes out of the job's "
        f"{allowed}; the per-window setup line says how many did")


# ---- figures 9-10: export and import (their own sandboxes; see tests/bench/transfer.py) --------


def part_transfer(bench: Bench) -> None:
    _step("9-10. export of 10,000 contacts, import dry run of 1,000 rows")
    # Its commands make no API call until transfer.py points them at its own sandboxes.
    env = bench.env(next(iter(bench.sandboxes.values())), bench.database("transfer"),
                    TASKIP_BASE_URL="http://127.0.0.1:9")
    rows, setup = transfer_figures.transfer_figures(bench.processes, bench.workdir, env=env,
                                                    owner=STAFF_USER)
    bench.rows.extend(rows)
    bench.setup.extend(setup)


# ---- the parts, in the order a full run takes them ----------------------------------------------

PARTS: dict[str, Part] = {
    "pages": Part("figures 1-4, a list page against its API call, calls per view, bytes",
                  ("sandbox-200",), part_pages),
    "staff": Part("figure 5, 32 staff on one host", ("sandbox-200",), part_staff),
    "hosts": Part("32 staff over two hosts on PostgreSQL + Redis (diagnostic)",
                  ("sandbox-200",), part_hosts),
    "delete": Part("figure 6, delete all 1,000 matching", (f"sandbox-{BIG_SEED}",), part_delete),
    "jobs": Part("figures 7-8, a bulk invite of 300 at 100/min and page views beside it",
                 (f"sandbox-{JOB_ROWS}-limited",), part_jobs),
    "transfer": Part("figures 9-10, an export of 10,000 contacts and a 1,000-row import dry "
                     "run", ("sandbox-200",), part_transfer),
}


def _load_summary(result: measure.Load, clients: int) -> str:
    cores = ", ".join(f"{name} {seconds / result.seconds:.2f}"
                      for name, seconds in result.cpu.items())
    per_request = ", ".join(f"{name} {result.cpu_ms_per_request(name):.1f}"
                            for name in result.cpu)
    total = sum(result.cpu_ms_per_request(name) for name in result.cpu)
    examples = f" {result.error_examples}" if result.errors else ""
    retried = f", {result.retried} resent after a connection reset" if result.retried else ""
    return (f"{clients} clients, {len(result.latencies)} OK in {result.seconds:.1f} s, "
            f"{result.errors} errors{examples}{retried}; CPU cores busy: {cores}; "
            f"CPU ms per request: {per_request} (total {total:.1f} ms, so "
            f"{report.cpu_count()} cores cap this at ~{report.cpu_count() * 1000 / total:.0f} "
            f"req/s{_sandbox_cap(result)}); other processes on the machine kept "
            f"{result.others_cores:.2f} cores busy")


def _sandbox_cap(result: measure.Load) -> str:
    if "sandbox" not in result.cpu or not result.cpu_ms_per_request("sandbox"):
        return ""
    # One process: its Python threads share one GIL, so it never uses more than one core.
    return (f", and the sandbox, one process, at ~{1000 / result.cpu_ms_per_request('sandbox'):.0f}"
            " req/s")


def _count_in(path: Path, text: str) -> int:
    try:
        return path.read_text(errors="replace").count(text)
    except OSError:
        return 0


def _first_contact_id(sandbox) -> int:
    response = sandbox.session().get(f"{sandbox.api_url}/contact", params={"limit": 1},
                                     timeout=measure.TIMEOUT)
    response.raise_for_status()
    return int(response.json()["data"][0]["id"])


# One process makes them all, copying the first user's password hash (hashing 32 passwords
# would take longer than the load test).
_MAKE_STAFF = """
from django.contrib.auth.models import Group, User
first = User.objects.get(username={first!r})
group = Group.objects.get(name={group!r})
for name in {names!r}:
    user, _ = User.objects.get_or_create(username=name)
    user.password = first.password
    user.save()
    user.groups.set([group])
"""


def staff_names(count: int) -> list[str]:
    return [f"{STAFF_USER}-{n:02d}" for n in range(1, count + 1)]


def make_staff(env: dict[str, str], count: int) -> None:
    """`count` more contact admins with the bench user's password, each its own staff member."""
    code = _MAKE_STAFF.format(first=STAFF_USER, group=ROLE_GROUPS["admin"],
                              names=staff_names(count))
    manage(env, "shell", "-c", code)


def _staff_sessions(base_urls: list[str], password: str, count: int) -> list[requests.Session]:
    """A login (a Django session) per simulated staff member, each a different user, in
    parallel: per-user state such as the one-second read memo is theirs alone, as in an office.
    Staff member i logs in on base_urls[i % len(base_urls)]."""
    with ThreadPoolExecutor(max_workers=min(count, 8)) as pool:
        futures = [pool.submit(measure.login, base_urls[i % len(base_urls)], name, password)
                   for i, name in enumerate(staff_names(count))]
        return [f.result(timeout=120) for f in futures]
