"""The machine a run happened on, and the one table of results (stdout and RESULTS.md)."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"


@dataclass
class Row:
    figure: str
    measured: str
    budget: str
    ok: bool | None  # None: information only

    @property
    def verdict(self) -> str:
        return "—" if self.ok is None else ("yes" if self.ok else "**NO**")


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine() -> dict[str, str]:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        meminfo = Path("/proc/meminfo").read_text()
        if match := re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M):
            memory = f"{int(match[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        nproc = str(len(os.sched_getaffinity(0)))
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": nproc,
        "cpu": cpu_model or platform.processor() or "?",
        "memory": memory or "?",
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def table(rows: list[Row]) -> str:
    header = ("figure", "measured", "budget", "ok?")
    cells = [header] + [(r.figure, r.measured, r.budget, r.verdict) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]

    def line(values):
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(c) for c in cells[1:]]
    return "\n".join(out)


def results_markdown(rows: list[Row], info: dict[str, str], setup: list[str],
                     notes: list[str]) -> str:
    parts = [
        "# `make bench` results",
        "",
        f"Run {info['date']} on {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"{info['os']}, Python {info['python']}; load average {info['load']}.",
        "",
        table(rows),
        "",
        "Setup:",
        "",
        *[f"- {s}" for s in setup],
    ]
    if notes:
        parts += ["", "Notes:", "", *[f"- {n}" for n in notes]]
    return "\n".join(parts) + "\n"
