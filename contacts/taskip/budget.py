"""One API budget per deployment: every TaskIP request, from every process on every host, draws
one unit from it first, and every answer feeds it (docs/architecture.md, "The API budget").

The key allows `TASKIP_RATE_LIMIT` requests a minute; TaskIP's `X-RateLimit-*` headers correct
that whenever they are sent. Two kinds of calls share it:

- interactive (page views, the default): never wait, may use the whole window, but one user may
  take at most `TASKIP_USER_SHARE` of it; past that `BudgetExceeded` is raised before any call;
- background (jobs, inside `with background():`): never take the last
  `TASKIP_INTERACTIVE_RESERVE` share of a window, and stop while TaskIP's last 429 lasts; they
  wait (in slices of at most a second, asking `on_wait` each time) until they may go.

The count lives in a store every process shares: Redis when `REDIS_URL` is set
(budget_redis.py), else the dashboard's database (budget_db.py). Each draw is one short
transaction or one Redis round trip; an answer costs nothing more unless it tells the budget
something new (a 429, a lower count, another window).

A window opens with the first draw after the last one closed and lasts a minute, as TaskIP's
does. Answers may arrive out of order, so a header only ever lowers the count of the window it
belongs to, and an answer about a window that has already closed is ignored.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from .errors import TaskipRateLimited, retry_after_seconds

logger = logging.getLogger("contacts.taskip")

WINDOW_SECONDS = 60.0
WAIT_SLICE = 1.0  # longest single sleep, so a paused or cancelled job stops waiting promptly
DEFAULT_PAUSE = WINDOW_SECONDS  # a 429 that doesn't say how long
# A Reset this much later than the window the count holds belongs to TaskIP's next window.
NEW_WINDOW_AFTER = WINDOW_SECONDS / 2
# 100 * 0.07 is 7.000000000000001 and 100 * 0.29 is 28.999999999999996 in floating point; shares
# are rounded with this much slack so "7% of 100" is 7 units, not 8, and "29%" is 29, not 28.
EPSILON = 1e-9


class BudgetExceeded(TaskipRateLimited):
    """One user's page views took their share of this minute's budget; no call was made."""

    default_message = "You have used your share of the dashboard's TaskIP requests for now."

    def __init__(self, *, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            "You have made your share of this minute's TaskIP requests. This is the dashboard's "
            "own limit, which keeps the API key's budget available for your colleagues. "
            f"Try again in {seconds} seconds.",
            retry_after=retry_after,
        )


# ---- who is calling: per thread (gunicorn's gthread workers) or per task --------------------


@dataclass(frozen=True)
class _Background:
    on_wait: Callable[[float], object] | None


_background: ContextVar[_Background | None] = ContextVar("taskip_budget_background", default=None)
_user: ContextVar[str | None] = ContextVar("taskip_budget_user", default=None)


@contextmanager
def background(*, on_wait: Callable[[float], object] | None = None) -> Iterator[None]:
    """Calls this thread makes inside the block are a job's: they leave the reserve alone and
    wait for the window to reopen. Before each wait slice `on_wait(seconds_left)` is called; it
    may raise (a paused or cancelled job) to abandon the wait, and that exception propagates
    from the API call."""
    token = _background.set(_Background(on_wait))
    try:
        yield
    finally:
        _background.reset(token)


@contextmanager
def acting_user(user_key: str) -> Iterator[None]:
    """Attribute this thread's interactive calls inside the block to `user_key`."""
    token = _user.set(str(user_key))
    try:
        yield
    finally:
        _user.reset(token)


# ---- the rules and the state every store keeps -----------------------------------------------


@dataclass(frozen=True)
class Rules:
    per_minute: int  # until TaskIP's headers say otherwise
    reserve: float  # share of a window background calls leave alone
    user_share: float  # share of a window one user's interactive calls may take

    def __post_init__(self) -> None:
        if self.per_minute < 1:
            raise ImproperlyConfigured("TASKIP_RATE_LIMIT must be at least 1.")
        if not 0 <= self.reserve < 1:
            raise ImproperlyConfigured("TASKIP_INTERACTIVE_RESERVE must be >= 0 and < 1.")
        if not 0 < self.user_share <= 1:
            raise ImproperlyConfigured("TASKIP_USER_SHARE must be > 0 and <= 1.")


def reserve_units(limit: int, reserve: float) -> int:
    # Jobs always get at least one call a window, however small TaskIP's limit.
    return min(math.ceil(limit * reserve - EPSILON), limit - 1)


def user_units(limit: int, share: float) -> int:
    return max(1, math.floor(limit * share + EPSILON))


@dataclass
class State:
    """The shared count. `reset_at` and `paused_until` are epoch seconds; a window is open while
    now < reset_at."""

    limit: int
    remaining: int
    reset_at: float = 0.0
    paused_until: float = 0.0
    users: dict[str, int] = field(default_factory=dict)  # interactive draws in this window

    @classmethod
    def fresh(cls, rules: Rules) -> State:
        return cls(limit=rules.per_minute, remaining=rules.per_minute)

    def _open_window_if_closed(self, now: float) -> None:
        if now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = now + WINDOW_SECONDS
            self.users = {}

    def take(self, *, now: float, background: bool, user: str | None, rules: Rules) -> Outcome:
        """Spend one unit if this kind of call may; else say how long to wait (or refuse).

        Redis runs the same rules in Lua (budget_redis.py); the shared tests hold both to them.
        """
        self._open_window_if_closed(now)
        if background:
            if self.paused_until > now:
                return Outcome.wait(self, self.paused_until - now)
            if self.remaining - 1 < reserve_units(self.limit, rules.reserve):
                return Outcome.wait(self, self.reset_at - now)
        elif user is not None:
            if self.users.get(user, 0) >= user_units(self.limit, rules.user_share):
                return Outcome(self.limit, self.remaining, self.reset_at,
                               user_retry_after=self.reset_at - now)
            self.users[user] = self.users.get(user, 0) + 1
        # Interactive calls go even when the count says nothing is left: TaskIP has the last
        # word, and a person is never queued.
        self.remaining = max(0, self.remaining - 1)
        return Outcome(self.limit, self.remaining, self.reset_at, granted=True)

    def learn(self, news: News, *, now: float) -> None:
        """Fold what one answer said into the count."""
        if news.paused_until is not None and news.paused_until > self.paused_until:
            self.paused_until = news.paused_until
        if news.reset_at is None or news.reset_at <= now or news.remaining is None:
            return  # nothing said about a window that is still open
        self._open_window_if_closed(now)
        if news.reset_at > self.reset_at + NEW_WINDOW_AFTER:
            # TaskIP has opened a window this count doesn't know yet (its Reset is whole seconds,
            # so a call drawn just before our window closed can reach TaskIP after its window
            # did): take TaskIP's count for it instead of carrying the old window's low one over.
            self.remaining = news.remaining
            self.users = {}
        # Only ever lower: this answer may have left TaskIP before draws the count already holds.
        self.remaining = min(self.remaining, news.remaining)
        self.reset_at = news.reset_at
        if news.limit is not None:
            self.limit = news.limit


@dataclass(frozen=True)
class Outcome:
    limit: int
    remaining: int
    reset_at: float
    granted: bool = False
    wait_seconds: float = 0.0  # background: how long until it may try again
    user_retry_after: float | None = None  # interactive: this user's share is spent

    @classmethod
    def wait(cls, state: State, seconds: float) -> Outcome:
        return cls(state.limit, state.remaining, state.reset_at, wait_seconds=max(0.0, seconds))


@dataclass(frozen=True)
class News:
    """What one answer says about the budget; None where it says nothing."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    paused_until: float | None = None


@dataclass(frozen=True)
class Grant:
    """A spent unit: the count right after it was taken, and how long the draw waited."""

    limit: int
    remaining: int
    reset_at: float
    waited: float = 0.0


class Store(Protocol):
    def take(self, *, now: float, background: bool, user: str | None,
             rules: Rules) -> Outcome: ...

    def learn(self, news: News, *, now: float, rules: Rules) -> None: ...

    def peek(self, *, rules: Rules) -> State: ...


# ---- the budget ------------------------------------------------------------------------------


class Budget:
    def __init__(self, *, store: Store, rules: Rules, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.store = store
        self.rules = rules
        self._clock = clock  # wall-clock epoch seconds: shared by hosts, and TaskIP's Reset is one
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"<Budget {self.store!r}>"

    def draw(self) -> Grant:
        """Spend one unit for the call this thread is about to make, waiting first if it is a
        background call that may not go yet. Raises BudgetExceeded (no call may be made) when
        the acting user's share is spent."""
        job = _background.get()
        user = None if job is not None else _user.get()
        waited = 0.0
        while True:
            outcome = self.store.take(now=self._clock(), background=job is not None, user=user,
                                      rules=self.rules)
            if outcome.granted:
                return Grant(outcome.limit, outcome.remaining, outcome.reset_at, waited)
            if outcome.user_retry_after is not None:
                raise BudgetExceeded(retry_after=outcome.user_retry_after)
            left = outcome.wait_seconds
            if job is not None and job.on_wait is not None:
                job.on_wait(left)
            pause = min(WAIT_SLICE, left)
            self._sleep(pause)
            waited += pause

    def observe(self, grant: Grant, response: Any) -> None:
        """Feed one answer (anything with `status_code` and `headers`) into the count.

        Never raises: the call has been made, and losing its answer to a budget problem could
        make someone repeat a POST that worked.
        """
        try:
            now = self._clock()
            news = read_news(response.status_code, response.headers, now=now)
            if _tells_something(news, grant, now=now):
                self.store.learn(news, now=now, rules=self.rules)
        except Exception:
            logger.exception("The API budget could not record an answer")

    def estimate_seconds(self, calls: int) -> float:
        """How long `calls` background calls take at the current budget: what the window has
        left above the reserve goes now (after any pause), the rest at (limit minus reserve)
        a minute."""
        if calls <= 0:
            return 0.0
        now = self._clock()
        state = self.store.peek(rules=self.rules)
        per_window = max(1, state.limit - reserve_units(state.limit, self.rules.reserve))
        start = max(now, state.paused_until)
        if start < state.reset_at:  # this window is still open when calls may start
            available = max(0, state.remaining - reserve_units(state.limit, self.rules.reserve))
            next_window = state.reset_at
        else:
            available, next_window = per_window, start + WINDOW_SECONDS
        if calls <= available:
            return start - now
        windows_after = math.ceil((calls - available) / per_window)
        return next_window - now + (windows_after - 1) * WINDOW_SECONDS

    def snapshot(self) -> dict[str, Any]:
        """limit, remaining and reset_at of the open window (remaining = limit and reset_at None
        when none is open) and paused_until (None unless background calls are paused)."""
        now = self._clock()
        state = self.store.peek(rules=self.rules)
        window_open = now < state.reset_at
        return {
            "limit": state.limit,
            "remaining": state.remaining if window_open else state.limit,
            "reset_at": state.reset_at if window_open else None,
            "paused_until": state.paused_until if state.paused_until > now else None,
        }


def read_news(status: int, headers: Mapping[str, str], *, now: float) -> News:
    limit = _header_int(headers, "X-RateLimit-Limit")
    remaining = _header_int(headers, "X-RateLimit-Remaining")
    reset = _header_float(headers, "X-RateLimit-Reset")
    if reset is not None and reset < 1_000_000_000:
        reset = now + reset  # documented as epoch seconds; a small number can only be a delay
    if limit is not None and (limit < 1 or reset is None or reset - now > WINDOW_SECONDS + 1):
        # Near the hourly cap TaskIP reports that window (1000 an hour); its limit is not a
        # minute's, though its remaining count and reset still bind.
        limit = None
    paused_until = None
    if status == 429:
        wait = retry_after_seconds(headers, now=now)
        paused_until = now + (DEFAULT_PAUSE if wait is None else wait)
    return News(limit=limit, remaining=remaining, reset_at=reset, paused_until=paused_until)


def _tells_something(news: News, grant: Grant, *, now: float) -> bool:
    # The common answer agrees with the count the draw left (same window, no lower count), so
    # it costs no write.
    if news.paused_until is not None:
        return True
    if news.reset_at is None or news.reset_at <= now or news.remaining is None:
        return False
    return (news.reset_at != grant.reset_at or news.remaining < grant.remaining
            or (news.limit is not None and news.limit != grant.limit))


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = _header_float(headers, name)
    return None if value is None or value < 0 else int(value)


def _header_float(headers: Mapping[str, str], name: str) -> float | None:
    try:
        value = float((headers.get(name) or "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class LocalStore:
    """The count in this process only: for tests and one-process scripts. A deployment shares
    its budget through the database or Redis instead."""

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._state: State | None = None

    def __repr__(self) -> str:
        return "<LocalStore>"

    def _current(self, rules: Rules) -> State:
        if self._state is None:
            self._state = State.fresh(rules)
        return self._state

    def take(self, *, now: float, background: bool, user: str | None, rules: Rules) -> Outcome:
        with self._lock:
            return self._current(rules).take(now=now, background=background, user=user,
                                             rules=rules)

    def learn(self, news: News, *, now: float, rules: Rules) -> None:
        with self._lock:
            self._current(rules).learn(news, now=now)

    def peek(self, *, rules: Rules) -> State:
        with self._lock:
            state = self._current(rules)
            return State(state.limit, state.remaining, state.reset_at, state.paused_until,
                         dict(state.users))


# ---- the deployment's budget -------------------------------------------------------------------


@functools.cache
def default_budget() -> Budget:
    """This deployment's budget, from settings; `default_budget.cache_clear()` resets."""
    rules = Rules(
        per_minute=settings.TASKIP_RATE_LIMIT,
        reserve=settings.TASKIP_INTERACTIVE_RESERVE,
        user_share=settings.TASKIP_USER_SHARE,
    )
    # One budget per API key; the base URL names it without putting the key in the store.
    scope = settings.TASKIP_BASE_URL
    store: Store
    if getattr(settings, "REDIS_URL", ""):
        from .budget_redis import RedisStore

        store = RedisStore(url=settings.REDIS_URL, scope=scope)
    else:
        from .budget_db import DatabaseStore

        store = DatabaseStore(scope=scope)
    return Budget(store=store, rules=rules)


@receiver(setting_changed)
def _forget_budget_when_settings_change(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("TASKIP_") or setting in ("REDIS_URL", "DATABASES"):
        default_budget.cache_clear()


class _Deployment:
    """What the process-wide client draws from: always the current `default_budget()`."""

    def draw(self) -> Grant:
        return default_budget().draw()

    def observe(self, grant: Grant, response: Any) -> None:
        default_budget().observe(grant, response)

    def __repr__(self) -> str:
        return "<the deployment's API budget>"


deployment = _Deployment()


class _Unlimited:
    """A bare TaskipClient's budget (tests, one-off scripts): nothing is counted."""

    _grant = Grant(limit=0, remaining=0, reset_at=0.0)

    def draw(self) -> Grant:
        return self._grant

    def observe(self, grant: Grant, response: Any) -> None:
        return None


UNLIMITED = _Unlimited()


def estimate_seconds(calls: int) -> float:
    return default_budget().estimate_seconds(calls)


def snapshot() -> dict[str, Any]:
    return default_budget().snapshot()
