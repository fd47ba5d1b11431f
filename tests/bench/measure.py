"""The §8 figures, each measured over real HTTP against the processes in `servers`.

Every loop here is bounded twice: by a count and by a wall-clock limit.
"""

from __future__ import annotations

import gzip
import http.client
import math
import os
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

from .servers import Dashboard, Process, Sandbox

TIMEOUT = 10.0  # per request
LIST_PATH = "/contacts/"


# ---- sessions ------------------------------------------------------------------------------


LOGIN_TIMEOUT = 60.0  # setup, not measured: a password hash on a busy machine can take seconds


def login(base_url: str, username: str, password: str) -> requests.Session:
    """A keep-alive session logged in the way a browser does it (CSRF cookie, then POST)."""
    session = requests.Session()
    response = session.get(f"{base_url}/accounts/login/", timeout=LOGIN_TIMEOUT)
    response.raise_for_status()
    token = session.cookies.get("csrftoken")
    if not token:
        raise RuntimeError("the login page set no csrftoken cookie")
    response = session.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base_url}/accounts/login/"},
        allow_redirects=False, timeout=LOGIN_TIMEOUT,
    )  # fmt: skip
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"login failed: HTTP {response.status_code}")
    return session


def clone_session(template: requests.Session) -> requests.Session:
    """A new connection pool carrying the same cookies (the same logged-in staff session)."""
    session = requests.Session()
    session.cookies.update(template.cookies)
    return session


def _get(session: requests.Session, url: str, **kwargs) -> requests.Response:
    response = session.get(url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def _timed_get(session: requests.Session, url: str, **kwargs) -> float:
    started = time.perf_counter()
    response = session.get(url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
    _ = response.content
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return elapsed


# ---- 1. list page time / the API call it wraps ------------------------------------------------


@dataclass
class Ratio:
    page_ms: float
    api_ms: float
    api_target: str
    runs: int
    page_p90_ms: float = 0.0
    api_p90_ms: float = 0.0

    @property
    def ratio(self) -> float:
        return self.page_ms / self.api_ms


def api_calls_during(sandbox: Sandbox, action) -> list[tuple[str, str, int]]:
    """The sandbox requests made while `action()` ran (nothing else may talk to it meanwhile)."""
    before = len(sandbox.access_log())
    action()
    return sandbox.access_log()[before:]


def list_page_vs_api(dashboard: Dashboard, staff: requests.Session, sandbox: Sandbox, *,
                     runs: int = 30, warmup: int = 5, time_limit: float = 40.0,
                     new_answers: bool = False) -> Ratio:
    """Median page time against median API time, interleaved.

    `new_answers`: before each timed pair, edit a contact on the page through the API, so the
    dashboard never sees an answer twice and decodes, parses and renders every one afresh.
    """
    page_url = f"{dashboard.url}{LIST_PATH}?limit=50"
    page_session = clone_session(staff)
    # The API call the page wraps, exactly as the dashboard sent it (from the sandbox's log).
    calls = api_calls_during(sandbox, lambda: _get(page_session, page_url))
    targets = [target for method, target, _ in calls if method == "GET"]
    if len(targets) != 1:
        raise RuntimeError(f"the list page made {len(calls)} API calls: {calls}")
    api_url = f"{sandbox.url}{targets[0]}"
    api_session = sandbox.session()
    edited = _get(api_session, api_url).json()["data"][0]["id"] if new_answers else None

    def change(run: int) -> None:
        if edited is not None:
            response = api_session.put(f"{sandbox.api_url}/contact/{edited}",
                                       json={"position": f"Bench run {run}"}, timeout=TIMEOUT)
            response.raise_for_status()

    for _ in range(warmup):
        _timed_get(page_session, page_url)
        _timed_get(api_session, api_url)
    pages, apis = [], []
    deadline = time.monotonic() + time_limit
    for run in range(runs):
        if time.monotonic() > deadline:
            break
        change(run)
        # Interleaved, alternating which goes first, so drift hits both sides alike.
        if run % 2:
            apis.append(_timed_get(api_session, api_url))
            pages.append(_timed_get(page_session, page_url))
        else:
            pages.append(_timed_get(page_session, page_url))
            apis.append(_timed_get(api_session, api_url))
    return Ratio(
        page_ms=statistics.median(pages) * 1000,
        api_ms=statistics.median(apis) * 1000,
        api_target=targets[0],
        runs=len(pages),
        page_p90_ms=percentile(pages, 90) * 1000,
        api_p90_ms=percentile(apis, 90) * 1000,
    )


# ---- 2. API calls per page view ----------------------------------------------------------------


def calls_per_view(dashboard: Dashboard, staff: requests.Session, sandbox: Sandbox,
                   contact_id: int) -> dict[str, list[tuple[str, str, int]]]:
    views = {
        "list": (f"{LIST_PATH}?limit=50", {}),
        "list (htmx partial)": (f"{LIST_PATH}?search=example",
                                {"HX-Request": "true", "HX-Target": "results"}),
        "detail": (f"/contacts/{contact_id}/", {}),
        "edit form": (f"/contacts/{contact_id}/edit/", {}),
    }
    counted = {}
    for name, (path, headers) in views.items():
        url = f"{dashboard.url}{path}"
        counted[name] = api_calls_during(sandbox, lambda u=url, h=headers: _get(staff, u,
                                                                                  headers=h))
    return counted


# ---- 3. first load bytes -------------------------------------------------------------------


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.css: list[str] = []
        self.js: list[str] = []
        self.icons: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        rel = (attributes.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel and attributes.get("href"):
            self.css.append(attributes["href"])
        elif tag == "link" and "icon" in rel and attributes.get("href"):
            self.icons.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.js.append(attributes["src"])


_CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)""")


@dataclass
class Transfer:
    url: str
    kind: str
    raw_bytes: int  # uncompressed
    wire_bytes: int  # gzip as served (or as we compressed it)
    served_gzip: bool


@dataclass
class FirstLoad:
    files: list[Transfer] = field(default_factory=list)
    icon_bytes: int = 0

    @property
    def wire_bytes(self) -> int:
        return sum(f.wire_bytes for f in self.files)

    @property
    def raw_bytes(self) -> int:
        return sum(f.raw_bytes for f in self.files)


def _fetch_gzip(session: requests.Session, url: str, kind: str) -> tuple[Transfer, bytes]:
    response = session.get(url, headers={"Accept-Encoding": "gzip"}, stream=True,
                           timeout=TIMEOUT, allow_redirects=False)
    try:
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        wire = response.raw.read(decode_content=False)
    finally:
        response.close()
    served_gzip = response.headers.get("Content-Encoding", "").lower() == "gzip"
    body = gzip.decompress(wire) if served_gzip else wire
    if not served_gzip and kind == "html":
        # The dashboard sends HTML uncompressed; count it as a gzip front end would send it.
        wire = gzip.compress(body, compresslevel=6, mtime=0)
    return Transfer(url, kind, len(body), len(wire), served_gzip), body


def first_load(dashboard: Dashboard, staff: requests.Session) -> FirstLoad:
    session = clone_session(staff)
    page_url = f"{dashboard.url}{LIST_PATH}"
    html, body = _fetch_gzip(session, page_url, "html")
    result = FirstLoad([html])
    parser = _Assets()
    parser.feed(body.decode("utf-8", "replace"))
    queue = [(urljoin(page_url, u), "css") for u in parser.css]
    queue += [(urljoin(page_url, u), "js") for u in parser.js]
    seen = set()
    while queue and len(seen) < 50:
        url, kind = queue.pop(0)
        if url in seen or urlsplit(url).netloc != urlsplit(page_url).netloc:
            continue
        seen.add(url)
        transfer, content = _fetch_gzip(session, url, kind)
        result.files.append(transfer)
        if kind == "css":
            text = content.decode("utf-8", "replace")
            queue += [(urljoin(url, u), "css") for u in _CSS_IMPORT.findall(text)]
    for icon in parser.icons:
        transfer, _ = _fetch_gzip(session, urljoin(page_url, icon), "icon")
        result.icon_bytes += transfer.wire_bytes
    return result


# ---- 4. htmx partial vs full page -------------------------------------------------------------


@dataclass
class PartialSize:
    search: str
    full_bytes: int
    partial_bytes: int
    full_gzip: int
    partial_gzip: int

    @property
    def ratio(self) -> float:
        return self.partial_bytes / self.full_bytes


def partial_vs_full(dashboard: Dashboard, staff: requests.Session, search: str) -> PartialSize:
    url = f"{dashboard.url}{LIST_PATH}?search={search}"
    full = _get(staff, url).content
    partial = _get(staff, url, headers={"HX-Request": "true", "HX-Target": "results"}).content
    if b"<html" in partial.lower():
        raise RuntimeError("the htmx request got a full page back")
    return PartialSize(search, len(full), len(partial), len(gzip.compress(full, 6, mtime=0)),
                       len(gzip.compress(partial, 6, mtime=0)))


# ---- 5. concurrent staff ------------------------------------------------------------------


@dataclass
class Load:
    label: str
    clients: int
    seconds: float
    latencies: list[float]
    errors: int
    error_examples: list[str]
    cpu: dict[str, float]  # process name -> CPU seconds used during the window
    retried: int = 0  # requests resent once after a connection error
    machine_busy_cores: float = 0.0  # all processes, from /proc/stat

    @property
    def others_cores(self) -> float:
        """Cores kept busy by processes this bench did not start (noise in every figure)."""
        ours = sum(self.cpu.values()) / self.seconds
        return max(0.0, self.machine_busy_cores - ours)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def cpu_ms_per_request(self, name: str) -> float:
        return self.cpu[name] / max(1, len(self.latencies)) * 1000

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile(self.latencies, 95) * 1000


class LeanClient:
    """One simulated staff member: a keep-alive connection and the cookies of a logged-in session.

    The load generator shares the server's two cores, so it is plain http.client rather than
    requests: about a quarter of the CPU per request, leaving the cores to what is measured.
    """

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {"Connection": "keep-alive", **headers}
        self.connection: http.client.HTTPConnection | None = None
        self.resent = 0  # requests sent again after the server closed a kept-alive connection

    @classmethod
    def for_session(cls, base_url: str, session: requests.Session) -> LeanClient:
        cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        return cls(base_url, {"Cookie": cookies} if cookies else {})

    def get(self, path: str) -> int:
        """GET `path`, read the whole answer; its status. Raises OSError/HTTPException."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port,
                                                             timeout=TIMEOUT)
            try:
                self.connection.request("GET", path, headers=self.headers)
                response = self.connection.getresponse()
                response.read()
                if response.will_close:
                    self.close()
                return response.status
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server closed just as we reused it: resent once
                # on a new connection, as browsers do; counted, and timed in full.
                self.close()
                if attempt == 2:
                    raise
                self.resent += 1
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def concurrent_load(path: str, clients: list[LeanClient], *, label: str,
                    duration: float = 15.0, max_per_client: int = 5000, warmup: int = 3,
                    watch: dict[str, Process] | None = None) -> Load:
    """Each client loops GET `path` on its own keep-alive connection until the window closes.

    Only requests both started and finished inside the window count; the warm-up requests
    (which open the connections) happen before it opens.
    """
    count = len(clients)
    watch = watch or {}
    window: dict[str, float] = {}
    cpu_before: dict[str, float] = {}

    def open_window() -> None:  # runs once, when every client is warm, before any is released
        cpu_before.update({name: p.children_cpu_seconds() for name, p in watch.items()})
        cpu_before["bench client"] = time.process_time()
        cpu_before["machine"] = machine_busy_seconds()
        window["start"] = time.perf_counter()
        window["end"] = window["start"] + duration

    ready = threading.Barrier(count + 1, action=open_window, timeout=120)
    latencies: list[list[float]] = [[] for _ in range(count)]
    errors: list[list[str]] = [[] for _ in range(count)]

    def run(index: int) -> None:
        client = clients[index]
        try:
            for _ in range(warmup):
                client.get(path)
        except (OSError, http.client.HTTPException) as exc:
            errors[index].append(f"warm-up: {type(exc).__name__}")
        client.resent = 0
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            return
        end = window["end"]
        mine, failed = latencies[index], errors[index]
        for _ in range(max_per_client):
            started = time.perf_counter()
            if started >= end:
                break
            try:
                status = client.get(path)
                finished, ok, reason = time.perf_counter(), status == 200, f"HTTP {status}"
            except (OSError, http.client.HTTPException) as exc:
                client.close()
                finished, ok, reason = time.perf_counter(), False, type(exc).__name__
            if finished > end:
                break
            if ok:
                mine.append(finished - started)
            else:
                failed.append(reason)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    try:
        ready.wait()
    except threading.BrokenBarrierError as exc:
        raise RuntimeError("the load clients did not all get ready") from exc
    for thread in threads:
        thread.join(timeout=duration + TIMEOUT + 5)
    elapsed = min(time.perf_counter(), window["end"]) - window["start"]
    cpu = {name: p.children_cpu_seconds() - cpu_before[name] for name, p in watch.items()}
    cpu["bench client"] = time.process_time() - cpu_before["bench client"]
    machine = machine_busy_seconds() - cpu_before["machine"]
    for client in clients:
        client.close()
    all_errors = [e for per in errors for e in per]
    return Load(
        label=label, clients=count, seconds=elapsed,
        latencies=[t for per in latencies for t in per],
        errors=len(all_errors), error_examples=sorted(set(all_errors))[:5], cpu=cpu,
        retried=sum(c.resent for c in clients),
        machine_busy_cores=machine / elapsed if elapsed > 0 else 0.0,
    )  # fmt: skip


# ---- 6. delete everything matching a search --------------------------------------------------


@dataclass
class BulkDelete:
    matching_before: int
    matching_after: int
    status: int
    seconds: float
    calls: list[tuple[str, str, int]]


def matching_total(sandbox: Sandbox, search: str) -> int:
    response = sandbox.session().get(f"{sandbox.api_url}/contact",
                                     params={"search": search, "limit": 1}, timeout=TIMEOUT)
    response.raise_for_status()
    return int(response.json()["meta"]["total"])


def delete_all_matching(dashboard: Dashboard, staff: requests.Session, sandbox: Sandbox,
                        search: str) -> BulkDelete:
    before_total = matching_total(sandbox, search)
    _get(staff, f"{dashboard.url}{LIST_PATH}?search={search}")  # as staff would: list first
    # The dialog names the count it will delete; the confirmation carries it back.
    data = {"select_all": "1", "search": search, "confirmed": "1", "count": str(before_total),
            "csrfmiddlewaretoken": staff.cookies.get("csrftoken", "")}
    outcome = {}

    def post() -> None:
        started = time.perf_counter()
        # A plain form POST (the no-JS path): the answer is the redirect back to the list.
        response = staff.post(f"{dashboard.url}/contacts/bulk-delete/", data=data,
                              headers={"Referer": f"{dashboard.url}{LIST_PATH}"},
                              allow_redirects=False, timeout=30)
        outcome["seconds"] = time.perf_counter() - started
        outcome["status"] = response.status_code

    calls = api_calls_during(sandbox, post)
    return BulkDelete(before_total, matching_total(sandbox, search), outcome["status"],
                      outcome["seconds"], calls)


# ---- helpers -------------------------------------------------------------------------------


def machine_busy_seconds() -> float:
    """CPU seconds all processes have used since boot (the 'cpu' line of /proc/stat)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = math.ceil(pct / 100 * len(ordered)) - 1  # nearest rank
    return ordered[max(0, min(len(ordered) - 1, rank))]
