"""Bench figures for export and import (docs/architecture.md, "Export and import").

    transfer_figures(processes, workdir, env=env, owner=STAFF_USER) -> (rows, setup)

`env` is a dashboard environment whose database is migrated and holds the user `owner`
(run.py's `env` and STAFF_USER). It starts its own sandboxes (10,000 and 1,000 contacts, no
latency: these figures count calls and bytes, not time) and runs each measured step in a child
process of its own, so the memory measured is a worker's doing only that:

- export of 10,000 contacts: the list calls the job makes (budget ceil(N/100)), and the growth
  of the worker's peak resident memory (VmHWM) while it runs (budget 50 MB), with tracemalloc's
  peak beside it;
- the import dry run of 1,000 rows against 1,000 contacts: the API calls (budget 11) and writes
  (budget 0).

`python -m tests.bench.transfer` runs just these, with a fresh database, and prints the table.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .report import Row, table
from .servers import (
    PROJECT_ROOT,
    Processes,
    dashboard_env,
    manage,
    start_sandbox,
    wait_for_sandbox,
)

EXPORT_SEED = 10_000
DRY_RUN_SEED = 1_000
DRY_RUN_ROWS = 1_000
SANDBOX_KEY = "bench-transfer-secret"
MEMORY_BUDGET_MB = 50
CHILD_TIMEOUT = 600


def transfer_figures(processes: Processes, workdir: Path, *, env: dict[str, str],
                     owner: str) -> tuple[list[Row], list[str]]:
    big = start_sandbox(processes, workdir, name="sandbox-export", seed=EXPORT_SEED,
                        latency_ms=0, secret_key=SANDBOX_KEY)
    small = start_sandbox(processes, workdir, name="sandbox-dry-run", seed=DRY_RUN_SEED,
                          latency_ms=0, secret_key=SANDBOX_KEY)
    wait_for_sandbox(big)
    wait_for_sandbox(small)
    rows: list[Row] = []
    setup: list[str] = []

    total = big.session().get(f"{big.api_url}/contact", params={"limit": 1},
                              timeout=30).json()["meta"]["total"]
    before = len(big.access_log())
    child = _child(env, big, workdir, "export", owner, str(total))
    calls = big.access_log()[before:]
    pages = math.ceil(total / 100)
    lists = [c for c in calls if c[0] == "GET" and c[1].startswith("/api/public-v1/contact?")]
    complete = child["rows"] == total
    rows.append(Row(f"export of {total:,} contacts: list calls", str(len(calls)),
                    f"ceil(N/100) = {pages}", len(calls) == len(lists) == pages and complete))
    rows.append(Row(f"export of {total:,} contacts: worker memory growth (peak RSS)",
                    f"{child['rss_growth_mb']:.1f} MB", f"<= {MEMORY_BUDGET_MB} MB",
                    child["rss_growth_mb"] <= MEMORY_BUDGET_MB and complete))
    rows.append(Row(f"(diagnostic) export of {total:,} contacts: tracemalloc peak, time",
                    f"{child['tracemalloc_peak_mb']:.1f} MB, {child['seconds']:.1f} s", "—",
                    None))
    setup.append(f"export: `{owner}` exports all {len(child['columns'])} fields of "
                 f"{total:,} contacts (sandbox --seed {EXPORT_SEED}, no latency, rate limit "
                 f"off, TASKIP_RATE_LIMIT raised so the budget never waits); the job runs in a "
                 f"child process; file {child['bytes'] / 1e6:.1f} MB, {child['rows']:,} rows; "
                 f"peak RSS {child['rss_before_mb']:.1f} -> {child['rss_after_mb']:.1f} MB")

    data = _dry_run_file(small)
    path = workdir / "dry-run.csv"
    path.write_bytes(data)
    before = len(small.access_log())
    child = _child(env, small, workdir, "dry-run", owner, str(path))
    calls = small.access_log()[before:]
    writes = [c for c in calls if c[0] != "GET"]
    rows.append(Row(f"import dry run of {DRY_RUN_ROWS:,} rows against {DRY_RUN_SEED:,} "
                    "contacts: API calls", f"{len(calls)} ({len(writes)} writes)",
                    "<= 11, no writes", len(calls) <= 11 and not writes))
    setup.append(f"dry run: {DRY_RUN_ROWS:,} rows, half with emails TaskIP has; it found "
                 f"{child['new']} new, {child['matched']} existing, {child['invalid']} invalid "
                 f"in {child['seconds']:.2f} s; calls: "
                 + ", ".join(f"`{m} {t.split('?')[0]}`" for m, t, _ in calls[:3])
                 + (" …" if len(calls) > 3 else ""))
    return rows, setup


def _dry_run_file(sandbox) -> bytes:
    session = sandbox.session()
    emails = []
    for page in range(1, 6):
        body = session.get(f"{sandbox.api_url}/contact", params={"page": page, "limit": 100},
                           timeout=30).json()
        emails += [c["email"] for c in body["data"]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["First Name", "Last Name", "E-mail", "Mobile", "Company"])
    for i in range(DRY_RUN_ROWS):
        email = emails[i // 2] if i % 2 else f"new{i}@bench.test"
        writer.writerow([f"Person{i}", "Bench", email, f"555-{i:04d}", ""])
    return out.getvalue().encode()


def _child(env: dict[str, str], sandbox, workdir: Path, *args: str) -> dict:
    child_env = {
        **env, "TASKIP_BASE_URL": sandbox.url, "TASKIP_SECRET_KEY": sandbox.secret_key,
        "JOB_FILES_DIR": str(workdir / "job-files"),
        # The budget's job would be to spread calls over minutes; here only the count matters.
        "TASKIP_RATE_LIMIT": "1000000",
    }  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "tests.bench.transfer", "--child", *args], cwd=PROJECT_ROOT,
        env=child_env, capture_output=True, text=True, timeout=CHILD_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"bench transfer child {args[0]} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---- the child process: one measured step, with Django set up ------------------------------

def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child_export(owner_name: str, count: str) -> dict:
    import time
    import tracemalloc

    from django.contrib.auth import get_user_model

    from contacts import export, job_files
    from contacts.job_runner import run

    owner = get_user_model().objects.get(username=owner_name)
    columns = list(export.COLUMNS) + ["custom_fields.department", "custom_fields.lead_source"]
    rss_before = _peak_rss_mb()
    tracemalloc.start()
    started = time.monotonic()
    job = export.start_export(owner, columns=columns, count=int(count))
    run(job.pk)  # the stand-in runs inside start_export; the real runner runs here
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    job.refresh_from_db()
    path = job_files.path_of(job.result_file.name)
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = sum(1 for _ in csv.reader(file)) - 1
    return {"rows": rows, "bytes": path.stat().st_size, "columns": columns,
            "seconds": seconds, "rss_before_mb": rss_before, "rss_after_mb": _peak_rss_mb(),
            "rss_growth_mb": _peak_rss_mb() - rss_before,
            "tracemalloc_peak_mb": peak / 1024 / 1024}


def _child_dry_run(owner_name: str, path: str) -> dict:
    import time

    from contacts import imports

    started = time.monotonic()
    parsed = imports.read_csv(Path(path).read_bytes())
    mapping, _ = imports.auto_mapping(parsed.header)
    result = imports.dry_run(parsed, mapping)
    return {"new": len(result.new), "matched": len(result.matched),
            "invalid": len(result.invalid), "calls": result.calls,
            "seconds": time.monotonic() - started}


def _child_main(step: str, *args: str) -> int:
    import django

    django.setup()
    result = {"export": _child_export, "dry-run": _child_dry_run}[step](*args)
    print(json.dumps(result))
    return 0


def main() -> int:
    """These figures alone: a fresh database and staff user, then the table."""
    workdir = Path(tempfile.mkdtemp(prefix="taskip-bench-transfer-"))
    processes = Processes()
    try:
        placeholder = type("S", (), {"url": "http://127.0.0.1:9", "secret_key": "-"})()
        env = dashboard_env(database_url=f"sqlite:///{workdir / 'dashboard.sqlite3'}",
                            secret_key=secrets.token_urlsafe(50), sandbox=placeholder)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "createstaff", "bench", "--role", "admin", "--password",
               secrets.token_urlsafe(16))
        rows, setup = transfer_figures(processes, workdir, env=env, owner="bench")
    finally:
        processes.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    print(table(rows))
    for line in setup:
        print(f"  {line}")
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskip_admin.settings")
        sys.exit(_child_main(*sys.argv[2:]))
    sys.exit(main())
