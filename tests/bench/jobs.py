"""A bulk invite job at the API budget's pace, and staff page views while it runs.

Everything goes through the real endpoints of separate processes: a staff member starts the job
with POST /contacts/bulk-invite/ (dialog, then `confirmed=1`) and watches /jobs/<id>/ as its page
polls itself; a `db_worker` does the rows; other staff view the list meanwhile; the sandbox
enforces TaskIP's rate limit and logs every call, which `servers.TimedLog` stamps with a time.

TaskIP's window (sandbox/ratelimit.py) opens with the key's first request and lasts 60 s; the
next opens with the first request after that. `windows()` replays that rule on the stamped log,
so calls are counted per window exactly as TaskIP counted them.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import requests

from .measure import LIST_PATH, TIMEOUT, percentile
from .servers import Dashboard

API_PREFIX = "/api/public-v1/"
INVITE_CALL = re.compile(r"^/api/public-v1/contact/invite-client/\d+")
WINDOW_SECONDS = 60.0
JOB_POLL_SECONDS = 2.0  # templates/contacts/job.html: hx-trigger="every 2s"

LogLine = tuple[float, str, str, int]  # (monotonic time, method, target, status)


# ---- starting and watching the job -----------------------------------------------------------


@dataclass
class StartedJob:
    job_id: int
    count: int  # what the dialog said it would invite
    dialog_status: int
    confirm_status: int
    started: float  # monotonic, when the confirming POST was answered


def _csrf(session: requests.Session) -> str:
    return session.cookies.get("csrftoken", "")


def start_bulk_invite(dashboard: Dashboard, owner: requests.Session, *,
                      access_level: str = "basic") -> StartedJob:
    """As staff do it: the list, "select all N matching", the dialog, then "Start sending"."""
    base = dashboard.url
    response = owner.get(f"{base}{LIST_PATH}", timeout=TIMEOUT)
    response.raise_for_status()
    headers = {"Referer": f"{base}{LIST_PATH}"}
    data = {"select_all": "1", "csrfmiddlewaretoken": _csrf(owner)}
    dialog = owner.post(f"{base}/contacts/bulk-invite/", data=data, headers=headers,
                        allow_redirects=False, timeout=30)
    found = re.search(r'name="count" value="(\d+)"', dialog.text)
    if dialog.status_code != 200 or not found:
        raise RuntimeError(f"the bulk-invite dialog answered {dialog.status_code} without a count")
    count = int(found[1])
    confirm = {**data, "confirmed": "1", "count": str(count), "send_again": "on",
               "access_level": access_level, "message": ""}
    answer = owner.post(f"{base}/contacts/bulk-invite/", data=confirm, headers=headers,
                        allow_redirects=False, timeout=30)
    started = time.monotonic()
    job = re.search(r"/jobs/(\d+)/", answer.headers.get("Location", ""))
    if answer.status_code != 303 or not job:
        raise RuntimeError(f"confirming the bulk invite answered {answer.status_code} "
                           f"(Location {answer.headers.get('Location')!r})")
    return StartedJob(int(job[1]), count, dialog.status_code, answer.status_code, started)


_COUNT = re.compile(r"<dt>(Done|Failed|Skipped|Unknown|To do)</dt><dd>(\d+)</dd>")
_STATUS = re.compile(r'<p class="job-status">\s*<strong>([^<]+)</strong>')


@dataclass
class JobWatch:
    status: str
    counts: dict[str, int]
    polls: int
    poll_errors: int
    finished: float  # monotonic: the poll that first saw it end, or the bench gave up
    gave_up: str = ""  # why the bench stopped watching a job that had not ended

    @property
    def ended(self) -> bool:
        return self.status in ("Finished", "Cancelled")


def watch_job(dashboard: Dashboard, owner: requests.Session, job_id: int, *,
              time_limit: float, stall_limit: float, on_poll=None) -> JobWatch:
    """Poll the job's progress partial every 2 s, as its page does, until the job has ended,
    no row has finished for `stall_limit` seconds, or `time_limit` has passed."""
    url = f"{dashboard.url}/jobs/{job_id}/"
    headers = {"HX-Request": "true", "HX-Target": "job", "HX-Current-URL": url}
    started = time.monotonic()
    deadline = started + time_limit
    polls = errors = 0
    status, counts = "", {}
    progress, progressed = -1, started
    next_poll = started
    while True:
        time.sleep(max(0.0, next_poll - time.monotonic()))
        next_poll += JOB_POLL_SECONDS
        polls += 1
        try:
            response = owner.get(url, headers=headers, timeout=TIMEOUT)
            ok = response.status_code == 200
        except requests.RequestException:
            ok = False
        if ok:
            if found := _STATUS.search(response.text):
                status = found[1].strip()
            counts = {name.lower(): int(n) for name, n in _COUNT.findall(response.text)}
            if on_poll is not None:
                on_poll(status, counts)
        else:
            errors += 1
        now = time.monotonic()
        if status in ("Finished", "Cancelled"):
            return JobWatch(status, counts, polls, errors, now)
        finished = sum(counts.get(k, 0) for k in ("done", "failed", "skipped", "unknown"))
        if finished != progress:
            progress, progressed = finished, now
        gave_up = ""
        if now - progressed > stall_limit:
            gave_up = f"no row finished for {now - progressed:.0f} s"
        elif now > deadline:
            gave_up = f"not ended after {now - started:.0f} s"
        if gave_up:
            return JobWatch(status, counts, polls, errors, now, gave_up)


@dataclass
class Ledger:
    states: dict[str, int]
    failed_messages: list[str]
    seconds: float  # created -> finished, from the job's own timestamps

    def failed_by_429(self) -> int:
        pattern = re.compile(r"429|too many|rate limit", re.I)
        return sum(1 for m in self.failed_messages if pattern.search(m))


def read_ledger(database: Path, job_id: int) -> Ledger:
    """The job's rows as the worker recorded them, read from the dashboard's SQLite file once
    every process that writes it is idle (read-only: the bench changes nothing)."""
    uri = f"file:{database}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=10)) as db:
        states = dict(db.execute("SELECT state, COUNT(*) FROM contacts_jobrow WHERE job_id = ?"
                                 " GROUP BY state", (job_id,)).fetchall())
        failed = [m for (m,) in db.execute("SELECT message FROM contacts_jobrow WHERE job_id = ?"
                                           " AND state = 'failed'", (job_id,))]
        (seconds,) = db.execute(
            "SELECT (julianday(finished_at) - julianday(created_at)) * 86400"
            " FROM contacts_job WHERE id = ?", (job_id,)).fetchone()
    return Ledger(states, failed, float(seconds or 0.0))


# ---- page views ------------------------------------------------------------------------------


def list_queries(seed: int = 7) -> list[str]:
    """Distinct 50-row list pages of the seeded contacts (every seeded email is at
    example.com/.org/.net, so each of these searches matches them all and pages 1-6 are full):
    no query repeats, so the one-second list cache never answers one for another."""
    searches = ("", "example", "@example", "example.", "xample", "ample")
    queries = []
    for search, sort, order, page in itertools.product(
            searches, ("name", "email", "created_at"), ("asc", "desc"), range(1, 7)):
        params = {"search": search} if search else {}
        params.update(sort=sort, order=order, page=str(page), limit="50")
        queries.append(f"{LIST_PATH}?{urlencode(params)}")
    random.Random(seed).shuffle(queries)
    return queries


@dataclass
class View:
    started: float
    seconds: float
    status: int  # 0: no answer
    user: str


@dataclass
class PageViews:
    """Staff viewing the list, the users taking turns, one view every `spacing` ± `jitter`
    seconds (uniform, from a seeded generator, so every run makes the same views).

    People don't click on a metronome; views exactly every 4 s would also fall at the same
    point of every 60 s window, a coincidence no office produces. The jitter keeps the most
    views any 60 s can hold at 60 / (spacing - jitter)."""

    base_url: str
    users: list[tuple[str, requests.Session]]
    queries: Iterable[str]
    spacing: float
    jitter: float = 0.0
    seed: int = 1
    views: list[View] = field(default_factory=list)

    @property
    def most_per_minute(self) -> int:
        return int(60 // (self.spacing - self.jitter)) + 1

    def run(self, *, until: threading.Event | None = None, count: int | None = None,
            time_limit: float = 900.0) -> list[View]:
        queries: Iterator[str] = itertools.cycle(self.queries)  # 108 distinct: minutes apart
        turns = itertools.cycle(self.users)
        gaps = random.Random(self.seed)
        start = time.monotonic()
        deadline = start + time_limit
        due = start
        for k in itertools.count():
            if count is not None and k >= count:
                break
            if k:
                due += self.spacing + gaps.uniform(-self.jitter, self.jitter)
            while (wait := due - time.monotonic()) > 0:
                if until is not None and until.wait(min(wait, 0.5)):
                    break
                if until is None:
                    time.sleep(wait)
            if (until is not None and until.is_set()) or time.monotonic() > deadline:
                break
            name, session = next(turns)
            query = next(queries)
            at, began = time.monotonic(), time.perf_counter()
            status = 0
            with contextlib.suppress(requests.RequestException):
                response = session.get(f"{self.base_url}{query}", timeout=TIMEOUT,
                                       allow_redirects=False)
                _ = response.content
                status = response.status_code
            self.views.append(View(at, time.perf_counter() - began, status, name))
        return self.views


@dataclass
class ViewSet:
    views: list[View]

    @property
    def ok(self) -> list[float]:
        return [v.seconds for v in self.views if v.status == 200]

    @property
    def n(self) -> int:
        return len(self.views)

    def count(self, status: int) -> int:
        return sum(1 for v in self.views if v.status == status)

    @property
    def other_failures(self) -> int:
        return sum(1 for v in self.views if v.status not in (200, 429))

    @property
    def p95_ms(self) -> float:
        return percentile(self.ok, 95) * 1000

    @property
    def p50_ms(self) -> float:
        return percentile(self.ok, 50) * 1000


# ---- TaskIP's windows --------------------------------------------------------------------------


@dataclass
class Window:
    start: float
    calls: list[LogLine]

    @property
    def invites(self) -> int:
        return sum(1 for _, method, target, _ in self.calls
                   if method == "POST" and INVITE_CALL.match(target))

    @property
    def others(self) -> int:
        return len(self.calls) - self.invites

    def others_before_last_invite(self) -> int:
        """Calls by page views made while the job was still drawing in this window: the budget
        lets people's calls go first, so these come out of what the job could take."""
        last = max((t for t, method, target, _ in self.calls
                    if method == "POST" and INVITE_CALL.match(target)), default=None)
        if last is None:
            return 0
        return sum(1 for t, method, target, _ in self.calls
                   if t < last and not (method == "POST" and INVITE_CALL.match(target)))


def drawing(view: View, windows: list[Window], margin: float = 0.5) -> bool:
    """Whether a page view overlapped the job's calls of some window (from its first call to its
    last, widened by `margin`), rather than the wait for the next window."""
    for window in windows:
        times = [t for t, method, target, _ in window.calls
                 if method == "POST" and INVITE_CALL.match(target)]
        if times and view.started < times[-1] + margin and \
                view.started + view.seconds > times[0] - margin:
            return True
    return False


def windows(lines: Iterable[LogLine]) -> list[Window]:
    """TaskIP's per-key windows over the API calls of `lines` (sandbox/ratelimit.py's rule)."""
    out: list[Window] = []
    for line in lines:
        if not line[2].startswith(API_PREFIX):
            continue
        if not out or line[0] - out[-1].start >= WINDOW_SECONDS:
            out.append(Window(line[0], []))
        out[-1].calls.append(line)
    return out


@dataclass
class Pace:
    """The job's calls per full window against what the budget lets jobs take per window."""

    windows: list[Window]
    full: list[int]  # indexes of the windows counted: after the first, before the job's last
    allowed: int  # limit minus reserve

    @property
    def invites(self) -> int:
        return sum(self.windows[i].invites for i in self.full)

    @property
    def ratio(self) -> float:
        return self.invites / (self.allowed * len(self.full)) if self.full else float("nan")

    @property
    def per_wall_minute(self) -> float:
        """The same calls over the wall-clock time from the first counted window's start to the
        next window's start: also charges the gaps in which no window was open."""
        if not self.full:
            return float("nan")
        first, last = self.full[0], self.full[-1]
        span = self.windows[last + 1].start - self.windows[first].start
        return self.invites / span * 60


def pace(lines: Iterable[LogLine], *, allowed: int, since: float = 0.0) -> Pace:
    """Count the windows after the one holding the first call made at or after `since` (the
    job's start: the list, the dialog's and the confirmation's walks), and before the one with
    the job's last call (which it only partly used)."""
    found = windows(lines)
    first = next((i for i, w in enumerate(found) if any(t >= since for t, *_ in w.calls)), 0)
    with_invites = [i for i, w in enumerate(found) if w.invites]
    last = with_invites[-1] if with_invites else 0
    return Pace(found, list(range(first + 1, last)), allowed)
