"""HTTP to TaskIP: one pooled session, timeouts always, retries where safe, one deadline per call.

Modelled on stripe-python's `_http_client.py`: urllib3's own retries are off so the rules below
(which methods, which failures, Retry-After, the overall deadline) live in one readable loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from .budget import UNLIMITED
from .errors import (
    TaskipError,
    TaskipTimeout,
    TaskipUnavailable,
    check_response,
    retry_after_seconds,
)

logger = logging.getLogger("contacts.taskip")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})
BACKOFF_BASE = 0.5
BACKOFF_CAP = 5.0
SHORT_RATE_LIMIT_WAIT = 2.0
POOL_SIZE = 32  # >= gunicorn threads per worker, so no request waits for a connection

# What a failed attempt tells us about whether TaskIP may have acted on it.
UNSENT = "unsent"  # never reached the server: any method may be retried
UNKNOWN = "unknown"  # may have been processed: only idempotent methods are retried
FATAL = "fatal"  # retrying cannot help (TLS, bad URL)


@dataclass
class CallCount:
    """HTTP requests made (retries included) inside a `calls_made()` block on this thread."""

    count: int = 0


_local = threading.local()


@contextmanager
def calls_made() -> Iterator[CallCount]:
    """Count the TaskIP requests this thread makes inside the block (for tests and the bench)."""
    counter = CallCount()
    stack: list[CallCount] = _local.__dict__.setdefault("counters", [])
    stack.append(counter)
    try:
        yield counter
    finally:
        stack.remove(counter)


def new_session() -> requests.Session:
    session = requests.Session()
    # max_retries=0: urllib3 must not retry behind our back (it would ignore the deadline).
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    # An API client has no use for cookies, and an unchanging session is safe to share
    # between gthread workers' threads.
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return session


class Transport:
    def __init__(
        self,
        *,
        base_url: str,
        secret_key: str,
        timeout: tuple[float, float],
        deadline: float,
        max_retries: int,
        sleep: Callable[[float], None],
        rand: Callable[[], float],
        clock: Callable[[], float],
        now: Callable[[], float],
        session: requests.Session | None,
        budget: Any = UNLIMITED,
    ) -> None:
        self.base_url = base_url
        self._headers = {
            "X-Secret-Key": secret_key,
            "Accept": "application/json",
            "User-Agent": "taskip-admin",
        }
        self._connect_timeout, self._read_timeout = timeout
        self._deadline = deadline
        self._max_retries = max_retries
        self._budget = budget  # budget.Budget or budget.deployment; see the attempt loop
        self._sleep, self._rand, self._clock, self._now = sleep, rand, clock, now
        self._session = session if session is not None else new_session()

    def __repr__(self) -> str:
        return f"<Transport {self.base_url}>"

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        missing_ok_after_retry: bool = False,
    ) -> dict[str, Any] | None:
        """The JSON object TaskIP answered (None if empty), or raise a TaskipError.

        `missing_ok_after_retry`: a 404 after an attempt that may have succeeded means that
        attempt did the work (a retried DELETE).
        """
        response, target = self._exchange(method, path, query=query, json=json,
                                          missing_ok_after_retry=missing_ok_after_retry)
        if response is None:
            return None
        return check_response(response, method=method, path=target, now=self._now())

    def _exchange(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        missing_ok_after_retry: bool = False,
    ) -> tuple[requests.Response | None, str]:
        """Send with retries; the final answer and the request target, or a TaskipError."""
        target = path + ("?" + urlencode(query, doseq=True) if query else "")
        url = self.base_url + target
        deadline_at = self._clock() + self._deadline
        retries = 0
        waited_for_rate_limit = False
        maybe_done = False
        attempt = 0
        while True:
            attempt += 1
            # docs/architecture.md, "The API budget": every attempt spends a unit first (a
            # job's call may wait here for the window to reopen: not the call's own time).
            grant = self._budget.draw()
            deadline_at += grant.waited
            remaining = deadline_at - self._clock()
            if remaining <= 0:
                raise TaskipTimeout("The TaskIP API did not answer in time.",
                                    method=method, path=target)
            timeout = (min(self._connect_timeout, remaining), min(self._read_timeout, remaining))
            started = self._clock()
            try:
                response = self._session.request(
                    method, url, json=json, headers=self._headers, timeout=timeout,
                    # Never follow redirects: requests would resend X-Secret-Key to the new host.
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                _forget_request(exc)
                self._log(method, target, type(exc).__name__, started, attempt, logging.WARNING)
                kind = _failure_kind(exc)
                retryable = kind == UNSENT or (kind == UNKNOWN and method in IDEMPOTENT_METHODS)
                if retryable and retries < self._max_retries:
                    delay = self._backoff(retries)
                    if self._clock() + delay < deadline_at:
                        retries += 1
                        maybe_done = maybe_done or kind == UNKNOWN
                        self._sleep(delay)
                        continue
                raise _transport_error(exc, method=method, path=target) from exc

            self._budget.observe(grant, response)  # every answer, 429s waited for included
            status = response.status_code
            level = logging.INFO if status < 500 and status != 429 else logging.WARNING
            self._log(method, target, status, started, attempt, level)
            if status == 404 and missing_ok_after_retry and maybe_done:
                return None, target
            if (status in RETRY_STATUSES and method in IDEMPOTENT_METHODS
                    and retries < self._max_retries):
                delay = self._backoff(retries)
                if self._clock() + delay < deadline_at:
                    retries += 1
                    maybe_done = True
                    self._sleep(delay)
                    continue
            if status == 429 and not waited_for_rate_limit:
                # A 429 was refused before any work, so even a POST may be sent again, once.
                wait = retry_after_seconds(response.headers, now=self._now())
                if (wait is not None and wait <= SHORT_RATE_LIMIT_WAIT
                        and self._clock() + wait < deadline_at):
                    waited_for_rate_limit = True
                    self._sleep(wait)
                    continue
            return response, target

    def _backoff(self, retries_done: int) -> float:
        # Exponential with "equal jitter": half fixed, half random, so retries spread out but
        # never come back instantly.
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2**retries_done)
        return ceiling / 2 + self._rand() * ceiling / 2

    def _log(self, method: str, target: str, outcome: int | str, started: float, attempt: int,
             level: int) -> None:
        for counter in _local.__dict__.get("counters", ()):
            counter.count += 1
        ms = round((self._clock() - started) * 1000)
        # A query string carries search terms, which can be personal data: DEBUG only.
        if not logger.isEnabledFor(logging.DEBUG):
            target = target.split("?", 1)[0]
        logger.log(
            level, "taskip %s %s -> %s in %d ms (attempt %d)", method, target, outcome, ms,
            attempt,
            extra={"taskip_method": method, "taskip_path": target, "taskip_outcome": outcome,
                   "taskip_ms": ms, "taskip_attempt": attempt},
        )


def _failure_kind(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return UNSENT
    if isinstance(exc, requests.exceptions.SSLError | requests.exceptions.InvalidURL
                  | requests.exceptions.MissingSchema | requests.exceptions.InvalidSchema):
        return FATAL
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        if isinstance(reason, NewConnectionError):  # refused, unreachable, DNS
            return UNSENT
    # Read timeouts, resets and truncated bodies: TaskIP may already have acted.
    return UNKNOWN


def _transport_error(exc: requests.RequestException, *, method: str, path: str) -> TaskipError:
    # Only the exception's class name goes into the message: requests' texts carry URLs and,
    # via the request, headers.
    what = type(exc).__name__
    if isinstance(exc, requests.Timeout):
        return TaskipTimeout(f"The TaskIP API did not answer in time ({what}).",
                             method=method, path=path)
    return TaskipUnavailable(f"The TaskIP API could not be reached ({what}).",
                             method=method, path=path)


def _forget_request(exc: requests.RequestException) -> None:
    # requests attaches the PreparedRequest (whose headers hold X-Secret-Key) to its exceptions;
    # they become our errors' __cause__, so drop it before anything can log or report it.
    exc.request = None
    exc.response = None
