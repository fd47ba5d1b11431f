"""The API budget's rules, held to every store: this process only, SQLite, PostgreSQL, Redis.

A fake wall clock stands in for time; its sleep only moves the clock. `redis_url` and
`postgres_url` start real servers for this module (suite-wide fixtures in tests/stores.py may
replace them).
"""

from __future__ import annotations

import copy
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from email.utils import formatdate
from types import SimpleNamespace
from typing import Any

import environ
import pytest
from django.db import connections

from contacts import taskip
from contacts.models import ApiBudget
from contacts.taskip import budget
from contacts.taskip.budget import Budget, BudgetExceeded, LocalStore, Rules
from contacts.taskip.budget_db import DatabaseStore
from contacts.taskip.budget_redis import RedisStore

from .conftest import BASE, SECRET, contact_json, url

START = 1_800_000_000.25  # epoch seconds, off the whole second like a real clock


class WallClock:
    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class JobStopped(Exception):
    pass


def stop_job(seconds_left: float) -> None:
    raise JobStopped(seconds_left)


def answer(status: int = 200, **headers: Any) -> SimpleNamespace:
    names = {"limit": "X-RateLimit-Limit", "remaining": "X-RateLimit-Remaining",
             "reset": "X-RateLimit-Reset", "retry_after": "Retry-After"}
    return SimpleNamespace(status_code=status,
                           headers={names[k]: str(v) for k, v in headers.items()})


# ---- real servers: the suite's PostgreSQL and Redis (tests/stores/servers.py) ----------------


@pytest.fixture(scope="module")
def postgres_alias(postgres_server, django_db_blocker) -> Iterator[str]:
    """A database of its own on the suite's PostgreSQL, holding the budget's table."""
    alias = f"budget_{uuid.uuid4().hex[:12]}"  # a new alias: connections are cached per alias
    postgres_url = postgres_server.create_database(alias)
    yield from _budget_database(alias, {**copy.deepcopy(connections.settings["default"]),
                                        **environ.Env.db_url_config(postgres_url),
                                        "OPTIONS": {}, "TEST": {}}, django_db_blocker)


@pytest.fixture(scope="module")
def sqlite_alias(tmp_path_factory, django_db_blocker) -> Iterator[str]:
    """A SQLite file of its own, as the dashboard's settings open one, holding the budget's
    table: the store's rules don't need the test database (nor wait for it to be made)."""
    alias = f"budget_{uuid.uuid4().hex[:12]}"
    path = tmp_path_factory.mktemp("budget-sqlite") / "budget.sqlite3"
    settings_dict = copy.deepcopy(connections.settings["default"])
    if settings_dict["ENGINE"] != "django.db.backends.sqlite3":  # --dashboard-db=postgres
        settings_dict.update(ENGINE="django.db.backends.sqlite3", OPTIONS={
            "transaction_mode": "IMMEDIATE", "timeout": 10,
            "init_command": "PRAGMA journal_mode=WAL;"})
    yield from _budget_database(alias, {**settings_dict, "NAME": str(path), "TEST": {}},
                                django_db_blocker)


def _budget_database(alias: str, settings_dict: dict, django_db_blocker) -> Iterator[str]:
    """Registers `alias`, makes the budget's table there, and removes both afterwards."""
    connections.settings[alias] = settings_dict
    with django_db_blocker.unblock(), connections[alias].schema_editor() as editor:
        editor.create_model(ApiBudget)
    try:
        yield alias
    finally:
        with django_db_blocker.unblock():
            connections[alias].close()
        del connections[alias]  # this thread's wrapper, so the alias is gone for good
        del connections.settings[alias]


# ---- every store, and budgets over them ---------------------------------------------------------


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


@pytest.fixture(params=["local", "sqlite", "postgres", "redis"])
def make_store(request: pytest.FixtureRequest) -> Callable[[], Any]:
    """Each call is another process's view of one shared count."""
    scope = f"http://taskip-{uuid.uuid4().hex}.test"
    if request.param in ("postgres", "redis") and "MUTANT_UNDER_TEST" in os.environ:
        # Asked for here, not by name, so tests/conftest.py can't see these need a server.
        pytest.skip("needs a real store server; not under mutmut")
    if request.param == "local":
        shared = LocalStore()
        return lambda: shared
    if request.param == "sqlite":
        alias = request.getfixturevalue("sqlite_alias")
        blocker = request.getfixturevalue("django_db_blocker")
        blocker.unblock()  # only this alias is used
        request.addfinalizer(blocker.restore)
        return lambda: DatabaseStore(scope=scope, using=alias)
    if request.param == "postgres":
        alias = request.getfixturevalue("postgres_alias")
        blocker = request.getfixturevalue("django_db_blocker")
        blocker.unblock()  # only this alias is used: the test database is not set up for it
        request.addfinalizer(blocker.restore)
        return lambda: DatabaseStore(scope=scope, using=alias)
    url_ = request.getfixturevalue("redis_url")
    return lambda: RedisStore(url=url_, scope=scope)


@pytest.fixture
def make_budget(make_store, wall) -> Callable[..., Budget]:
    def make(*, per_minute: int = 10, reserve: float = 0.2, user_share: float = 0.25,
             store: Any = None) -> Budget:
        return Budget(store=store or make_store(), clock=wall.clock, sleep=wall.sleep,
                      rules=Rules(per_minute=per_minute, reserve=reserve, user_share=user_share))

    return make


def background_draws_until_told_to_wait(meter: Budget) -> int:
    drawn = 0
    with budget.background(on_wait=stop_job):
        while True:
            try:
                meter.draw()
            except JobStopped:
                return drawn
            drawn += 1


# ---- the rules ---------------------------------------------------------------------------------


def test_background_calls_leave_the_reserve(make_budget, wall) -> None:
    meter = make_budget(per_minute=10, reserve=0.2)
    assert background_draws_until_told_to_wait(meter) == 8
    assert meter.snapshot()["remaining"] == 2
    assert wall.sleeps == []


def test_shares_are_exact_despite_floating_point(make_budget) -> None:
    # 100 * 0.07 is 7.000000000000001 and 100 * 0.29 is 28.999999999999996 in floating point.
    meter = make_budget(per_minute=100, reserve=0.07, user_share=0.29)
    with budget.acting_user("user:1"):
        for _ in range(29):
            meter.draw()
        with pytest.raises(BudgetExceeded):
            meter.draw()
    assert background_draws_until_told_to_wait(meter) == 71 - 7


def test_jobs_get_one_call_a_window_however_small_the_limit(make_budget, wall) -> None:
    meter = make_budget(per_minute=1, reserve=0.5)
    assert background_draws_until_told_to_wait(meter) == 1


def test_background_waits_in_short_slices_then_goes_when_the_window_reopens(make_budget,
                                                                            wall) -> None:
    meter = make_budget(per_minute=10, reserve=0.2)
    reset_at = wall.now + 60
    with budget.background():
        for _ in range(8):
            meter.draw()
    wall.now += 20.5
    told: list[float] = []
    with budget.background(on_wait=told.append):
        grant = meter.draw()
    assert wall.now == pytest.approx(reset_at)
    assert told[0] == pytest.approx(39.5) and len(told) == 40
    assert all(0 < pause <= 1.0 for pause in wall.sleeps)
    assert grant.waited == pytest.approx(39.5)
    assert grant.remaining == 9  # a fresh window, this call taken from it


def test_on_wait_may_abandon_the_wait_without_spending(make_budget, wall) -> None:
    meter = make_budget(per_minute=10, reserve=0.2)
    assert background_draws_until_told_to_wait(meter) == 8
    with pytest.raises(JobStopped), budget.background(on_wait=stop_job):
        meter.draw()
    assert meter.snapshot()["remaining"] == 2


def test_interactive_calls_use_the_reserve_and_never_wait(make_budget, wall) -> None:
    meter = make_budget(per_minute=10, reserve=0.2)
    background_draws_until_told_to_wait(meter)
    for _ in range(5):  # the 2 reserved, then past the count: TaskIP has the last word
        meter.draw()
    assert wall.sleeps == []
    assert meter.snapshot()["remaining"] == 0


def test_a_429_pauses_background_calls_in_every_process(make_budget, wall) -> None:
    web, worker = make_budget(), make_budget()  # two processes, one shared store
    grant = web.draw()
    web.observe(grant, answer(429, retry_after=30))
    assert worker.snapshot()["paused_until"] == pytest.approx(wall.now + 30)
    worker.draw()  # a page view in the other process still goes at once
    assert wall.sleeps == []
    with budget.background():
        worker.draw()
    assert sum(wall.sleeps) == pytest.approx(30)


def test_a_jobs_wait_for_a_429_ends_when_the_pause_does(make_budget, wall) -> None:
    meter = make_budget()
    meter.observe(meter.draw(), answer(429, retry_after=2.5))
    told: list[float] = []
    with budget.background(on_wait=told.append):
        meter.draw()
    assert wall.sleeps == [1.0, 1.0, 0.5]
    assert told == pytest.approx([2.5, 1.5, 0.5])


def test_a_429_without_retry_after_pauses_for_a_minute(make_budget, wall) -> None:
    meter = make_budget()
    meter.observe(meter.draw(), answer(429))
    assert meter.snapshot()["paused_until"] == pytest.approx(wall.now + 60)


def test_taskip_headers_lower_the_count(make_budget, wall) -> None:
    meter = make_budget(per_minute=10, reserve=0.2)
    grant = meter.draw()
    reset = int(wall.now) + 61
    meter.observe(grant, answer(limit=10, remaining=3, reset=reset))
    assert meter.snapshot() == {"limit": 10, "remaining": 3, "reset_at": reset,
                                "paused_until": None}
    assert background_draws_until_told_to_wait(meter) == 1


def test_taskip_headers_set_the_limit_and_when_the_window_reopens(make_budget, wall) -> None:
    meter = make_budget(per_minute=100, reserve=0.2)
    reset = int(wall.now) + 45
    meter.observe(meter.draw(), answer(limit=20, remaining=19, reset=reset))
    assert meter.snapshot() == {"limit": 20, "remaining": 19, "reset_at": reset,
                                "paused_until": None}
    assert background_draws_until_told_to_wait(meter) == 15  # down to the 4 reserved
    told: list[float] = []
    with budget.background(on_wait=told.append):
        meter.draw()
    assert told[0] == pytest.approx(reset - START)
    assert meter.snapshot()["remaining"] == 19  # the next window: 20 by TaskIP's own count


def test_an_answer_from_taskips_next_window_takes_its_count(make_budget, wall) -> None:
    """TaskIP's Reset is whole seconds: a call drawn just before our window closed can reach
    TaskIP after its window did and open the next one. Its answer names that window; carrying
    the old window's low count over would keep jobs waiting a whole extra minute."""
    meter = make_budget(per_minute=100, reserve=0.2)
    reset = int(wall.now) + 61
    meter.observe(meter.draw(), answer(limit=100, remaining=99, reset=reset))
    assert background_draws_until_told_to_wait(meter) == 79  # 80 for jobs in all
    wall.now = reset - 0.5  # a page view just before our window closes...
    grant = meter.draw()
    # ...and opens TaskIP's next one.
    meter.observe(grant, answer(limit=100, remaining=99, reset=reset + 60))
    assert meter.snapshot()["remaining"] == 99
    assert background_draws_until_told_to_wait(meter) == 79


def test_answers_out_of_order_never_raise_the_count(make_budget, wall) -> None:
    meter = make_budget(per_minute=10, reserve=0.0)
    reset = int(wall.now) + 60
    grants = [meter.draw() for _ in range(3)]
    meter.observe(grants[2], answer(limit=10, remaining=7, reset=reset))
    meter.observe(grants[0], answer(limit=10, remaining=9, reset=reset))
    meter.observe(grants[1], answer(limit=10, remaining=8, reset=reset))
    assert meter.snapshot()["remaining"] == 7
    meter.draw()  # drawn after the answers: counted on top of them
    meter.observe(grants[0], answer(limit=10, remaining=9, reset=reset))
    assert meter.snapshot()["remaining"] == 6


def test_an_answer_about_a_window_that_has_closed_is_ignored(make_budget, wall) -> None:
    meter = make_budget(per_minute=10, reserve=0.0)
    old = meter.draw()
    wall.now += 61  # that window closed; the next draw opens another
    meter.draw()
    meter.observe(old, answer(limit=10, remaining=0, reset=int(START) + 60))
    assert meter.snapshot()["remaining"] == 9


def test_the_hourly_window_near_its_end_binds_without_becoming_the_minute_limit(make_budget,
                                                                                wall) -> None:
    meter = make_budget(per_minute=100, reserve=0.2)
    reset = int(wall.now) + 1800
    meter.observe(meter.draw(), answer(limit=1000, remaining=5, reset=reset))
    assert meter.snapshot() == {"limit": 100, "remaining": 5, "reset_at": reset,
                                "paused_until": None}


def test_estimate_counts_what_is_left_then_limit_minus_reserve_a_minute(make_budget,
                                                                       wall) -> None:
    meter = make_budget(per_minute=100, reserve=0.2)
    assert meter.estimate_seconds(0) == 0
    assert meter.estimate_seconds(80) == 0  # no window open: 80 may go now
    assert meter.estimate_seconds(81) == pytest.approx(60)
    assert meter.estimate_seconds(300) == pytest.approx(180)  # 80 now, then 80 a minute
    for _ in range(50):
        meter.draw()
    wall.now += 10
    assert meter.estimate_seconds(30) == 0
    assert meter.estimate_seconds(31) == pytest.approx(50)  # when this window reopens
    meter.observe(meter.draw(), answer(429, retry_after=20))
    assert meter.estimate_seconds(1) == pytest.approx(20)


def test_no_calls_take_no_time_even_while_jobs_are_paused(make_budget, wall) -> None:
    meter = make_budget(per_minute=100, reserve=0.2)
    meter.observe(meter.draw(), answer(429, retry_after=20))
    assert meter.estimate_seconds(0) == 0
    assert meter.estimate_seconds(1) == pytest.approx(20)


def test_estimate_when_only_the_reserve_is_left_waits_for_the_next_window(make_budget,
                                                                          wall) -> None:
    meter = make_budget(per_minute=10, reserve=0.2)
    assert background_draws_until_told_to_wait(meter) == 8  # 2 left: the reserve
    wall.now += 15
    assert meter.estimate_seconds(1) == pytest.approx(45)
    assert meter.estimate_seconds(9) == pytest.approx(105)  # 8 then 1 more window


def test_estimate_with_a_limit_of_one_is_a_window_per_call(make_budget, wall) -> None:
    meter = make_budget(per_minute=1, reserve=0.5)
    assert meter.estimate_seconds(1) == 0
    assert meter.estimate_seconds(3) == pytest.approx(120)


def test_snapshot_of_a_new_budget(make_budget) -> None:
    assert make_budget(per_minute=40).snapshot() == {
        "limit": 40, "remaining": 40, "reset_at": None, "paused_until": None}


def test_a_snapshot_after_the_window_closed_shows_the_whole_limit(make_budget, wall) -> None:
    meter = make_budget(per_minute=10)
    for _ in range(3):
        meter.draw()
    wall.now += 61
    assert meter.snapshot() == {"limit": 10, "remaining": 10, "reset_at": None,
                                "paused_until": None}


def test_a_reset_sent_as_a_delay_counts_from_now(make_budget, wall) -> None:
    meter = make_budget(per_minute=10)
    meter.observe(meter.draw(), answer(limit=10, remaining=3, reset=30))
    assert meter.snapshot() == {"limit": 10, "remaining": 3,
                                "reset_at": pytest.approx(wall.now + 30, abs=0.001),
                                "paused_until": None}


def test_a_limit_of_one_a_minute_is_taken(make_budget, wall) -> None:
    meter = make_budget(per_minute=10)
    reset = int(wall.now) + 30
    meter.observe(meter.draw(), answer(limit=1, remaining=0, reset=reset))
    assert meter.snapshot()["limit"] == 1


def test_a_limit_whose_reset_is_over_61_seconds_away_is_not_a_minutes(make_budget,
                                                                      wall) -> None:
    meter = make_budget(per_minute=100)
    reset = int(wall.now) + 62  # 61.75 s away
    meter.observe(meter.draw(), answer(limit=1000, remaining=5, reset=reset))
    assert meter.snapshot()["limit"] == 100


def test_a_429_with_a_limit_but_no_reset_still_pauses(make_budget, wall) -> None:
    meter = make_budget()
    meter.observe(meter.draw(), answer(429, limit=10, retry_after=30))
    assert meter.snapshot()["paused_until"] == pytest.approx(wall.now + 30, abs=0.001)


def _count_writes(meter: Budget) -> list[object]:
    writes: list[object] = []
    learn = meter.store.learn

    def counted(news, **kwargs):
        writes.append(news)
        return learn(news, **kwargs)

    meter.store.learn = counted
    return writes


def test_an_answer_that_tells_nothing_new_costs_no_write(make_budget, wall, caplog) -> None:
    meter = make_budget(per_minute=10)
    grant = meter.draw()
    writes = _count_writes(meter)
    for said in (answer(limit=10, remaining=9, reset=grant.reset_at),  # what the count holds
                 answer(limit=10, remaining=9, reset=int(wall.now) - 5),  # a closed window
                 answer(remaining=9),  # no window named
                 answer()):
        meter.observe(grant, said)
    assert writes == []
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


def test_an_answer_that_only_moves_the_windows_end_is_learned(make_budget, wall) -> None:
    meter = make_budget(per_minute=10)
    reset = int(wall.now) + 45
    meter.observe(meter.draw(), answer(limit=10, remaining=9, reset=reset))
    assert meter.snapshot()["reset_at"] == reset


def test_a_lower_count_for_the_same_window_is_learned(make_budget) -> None:
    meter = make_budget(per_minute=10)
    grant = meter.draw()
    meter.observe(grant, answer(remaining=3, reset=grant.reset_at))
    assert meter.snapshot()["remaining"] == 3


def test_a_new_limit_for_the_same_window_and_count_is_learned(make_budget) -> None:
    meter = make_budget(per_minute=10)
    grant = meter.draw()
    meter.observe(grant, answer(limit=20, remaining=9, reset=grant.reset_at))
    assert meter.snapshot()["limit"] == 20


def test_a_429_retry_after_given_as_a_date_pauses_until_then(make_budget, wall) -> None:
    meter = make_budget()
    until = int(wall.now) + 31
    meter.observe(meter.draw(), answer(429, retry_after=formatdate(until, usegmt=True)))
    # abs: pytest.approx's default relative tolerance is half an hour at today's epoch
    assert meter.snapshot()["paused_until"] == pytest.approx(until, abs=0.001)


def test_a_count_of_none_left_is_learned(make_budget, wall) -> None:
    meter = make_budget(per_minute=10)
    meter.observe(meter.draw(), answer(limit=10, remaining=0, reset=int(wall.now) + 30))
    assert meter.snapshot()["remaining"] == 0


def test_headers_that_are_not_finite_numbers_are_ignored(make_budget, wall) -> None:
    meter = make_budget(per_minute=10)
    grant = meter.draw()
    before = meter.snapshot()
    meter.observe(grant, answer(limit=10, remaining=3, reset="inf"))
    meter.observe(grant, answer(limit=10, remaining="nan", reset=int(wall.now) + 30))
    assert meter.snapshot() == before


def test_a_429_with_a_reset_but_no_remaining_count_still_pauses(make_budget, wall) -> None:
    meter = make_budget()
    meter.observe(meter.draw(), answer(429, reset=int(wall.now) + 30, retry_after=30))
    assert meter.snapshot()["paused_until"] == pytest.approx(wall.now + 30, abs=0.001)


def test_a_sqlite_database_without_immediate_transactions_is_refused(tmp_path) -> None:
    from django.core.exceptions import ImproperlyConfigured

    # SQLite's default (deferred) transactions read the count without the write lock.
    alias = f"deferred_{uuid.uuid4().hex[:12]}"
    connections.settings[alias] = {
        **copy.deepcopy(connections.settings["default"]),
        "ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "deferred.sqlite3"),
        "OPTIONS": {}, "TEST": {}}
    try:
        with pytest.raises(ImproperlyConfigured) as refused:
            DatabaseStore(scope="http://taskip.test", using=alias)
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
    assert str(refused.value) == ("The API budget needs SQLite's transaction_mode IMMEDIATE "
                                  "(taskip_admin/settings.py sets it).")


# ---- per-user share -----------------------------------------------------------------------------


def test_one_user_takes_at_most_their_share_and_others_are_unaffected(make_budget, wall) -> None:
    meter = make_budget(per_minute=20, user_share=0.25)
    with budget.acting_user("user:1"):
        for _ in range(5):
            meter.draw()
        with pytest.raises(BudgetExceeded) as caught:
            meter.draw()
    assert caught.value.retry_after == pytest.approx(60)
    assert caught.value.message == (
        "You have made your share of this minute's TaskIP requests. This is the dashboard's "
        "own limit, which keeps the API key's budget available for your colleagues. "
        "Try again in 60 seconds.")
    assert isinstance(caught.value, taskip.TaskipRateLimited)
    with budget.acting_user("user:2"):
        meter.draw()
    meter.draw()  # no acting user: not counted against anyone
    assert meter.snapshot()["remaining"] == 13
    wall.now += 60
    with budget.acting_user("user:1"):
        meter.draw()  # a new window, a new share


def test_background_calls_are_not_counted_against_the_user(make_budget) -> None:
    meter = make_budget(per_minute=20, reserve=0.0, user_share=0.25)
    with budget.acting_user("user:1"), budget.background():
        for _ in range(10):
            meter.draw()
    with budget.acting_user("user:1"):
        meter.draw()


def test_each_thread_has_its_own_kind_and_user(make_budget) -> None:
    meter = make_budget(per_minute=20, reserve=0.0, user_share=0.05)  # one call per user
    inside = threading.Event()
    release = threading.Event()
    outcome: dict[str, object] = {}

    def job() -> None:
        with budget.background(), budget.acting_user("user:job"):
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=job)
    worker.start()
    inside.wait(5)
    try:
        with budget.acting_user("user:7"):
            meter.draw()
            with pytest.raises(BudgetExceeded):  # interactive here, whatever the job does
                meter.draw()
        outcome["kind"] = budget._background.get()
    finally:
        release.set()
        worker.join()
    assert outcome["kind"] is None


# ---- through the transport ----------------------------------------------------------------------


@pytest.fixture
def metered_client(make_client, make_budget, wall):
    def make(**rules: Any) -> tuple[taskip.TaskipClient, Budget]:
        meter = make_budget(**rules)
        client = make_client(budget=meter, sleep=wall.sleep, clock=wall.clock, now=wall.clock)
        return client, meter

    return make


def listing() -> dict[str, Any]:
    return {"data": [contact_json(1)],
            "meta": {"current_page": 1, "per_page": 50, "total": 1, "total_pages": 1}}


def test_a_user_past_their_share_gets_budget_exceeded_before_any_call(metered_client,
                                                                     rsps) -> None:
    client, _ = metered_client(per_minute=8, user_share=0.25)
    rsps.add("GET", url("/contact/1"), json={"success": True, "data": contact_json(1)})
    with budget.acting_user("user:1"):
        client.get_contact(contact_id=1)
        client.get_contact(contact_id=1)
        with pytest.raises(BudgetExceeded):
            client.get_contact(contact_id=1)
    assert len(rsps.calls) == 2
    with budget.acting_user("user:2"):
        client.get_contact(contact_id=1)
    assert len(rsps.calls) == 3


def test_every_attempt_draws_and_every_answer_feeds_the_budget(metered_client, rsps,
                                                               wall) -> None:
    client, meter = metered_client(per_minute=100, reserve=0.0)
    reset = int(wall.now) + 60
    rsps.add("GET", url("/contact/1"), status=503, json={"message": "down"},
             headers={"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "40",
                      "X-RateLimit-Reset": str(reset)})
    rsps.add("GET", url("/contact/1"), json={"success": True, "data": contact_json(1)},
             headers={"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "39",
                      "X-RateLimit-Reset": str(reset)})
    client.get_contact(contact_id=1)
    assert len(rsps.calls) == 2
    assert meter.snapshot() == {"limit": 50, "remaining": 39, "reset_at": reset,
                                "paused_until": None}


def test_a_short_429_the_transport_waits_for_still_pauses_jobs(metered_client, rsps,
                                                               wall) -> None:
    client, meter = metered_client()
    rsps.add("GET", url("/contact/1"), status=429, json={"message": "slow down"},
             headers={"Retry-After": "1"})
    rsps.add("GET", url("/contact/1"), json={"success": True, "data": contact_json(1)})
    started = wall.now
    client.get_contact(contact_id=1)
    assert len(rsps.calls) == 2
    assert meter.snapshot()["paused_until"] is None  # it has passed: the transport waited it
    assert meter.store.peek(rules=meter.rules).paused_until == pytest.approx(started + 1)


def test_a_jobs_wait_for_the_window_is_not_its_calls_deadline(metered_client, rsps,
                                                              wall) -> None:
    client, _ = metered_client(per_minute=10, reserve=0.2)
    rsps.add("GET", url("/contact/1"), json={"success": True, "data": contact_json(1)})
    with budget.background():
        for _ in range(9):  # the 9th waits most of a minute; the deadline is 15 s
            client.get_contact(contact_id=1)
    assert len(rsps.calls) == 9
    assert sum(wall.sleeps) == pytest.approx(60)


def test_a_job_abandoning_its_wait_makes_no_call(metered_client, rsps) -> None:
    client, _ = metered_client(per_minute=10, reserve=0.2)
    rsps.add("GET", url("/contact/1"), json={"success": True, "data": contact_json(1)})
    with budget.background(on_wait=stop_job):
        for _ in range(8):
            client.get_contact(contact_id=1)
        with pytest.raises(JobStopped):
            client.get_contact(contact_id=1)
    assert len(rsps.calls) == 8


def test_a_budget_that_cannot_record_an_answer_does_not_lose_it(metered_client, rsps,
                                                                caplog) -> None:
    client, meter = metered_client()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("store down")

    meter.store.learn = broken
    rsps.add("POST", url("/contact/invite-client/1"), json={"msg": "Invitation sent success"},
             headers={"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "1",
                      "X-RateLimit-Reset": str(int(START) + 60)})
    rsps.add("POST", url("/contact/invite-client/2"), status=429, json={"message": "slow"},
             headers={"Retry-After": "30"})
    client.invite_client(contact_id=1)
    with pytest.raises(taskip.TaskipRateLimited):
        client.invite_client(contact_id=2)
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "The API budget could not record an answer"] * 2


# ---- the deployment's budget ---------------------------------------------------------------------


@pytest.fixture
def deployment_settings(settings):
    settings.TASKIP_BASE_URL = BASE
    settings.TASKIP_SECRET_KEY = SECRET
    settings.REDIS_URL = ""
    budget.default_budget.cache_clear()
    yield settings
    budget.default_budget.cache_clear()
    taskip.default_client.cache_clear()


def test_the_deployment_budget_follows_settings(deployment_settings, redis_url, db) -> None:
    deployment_settings.TASKIP_RATE_LIMIT = 30
    assert isinstance(budget.default_budget().store, DatabaseStore)
    assert budget.snapshot()["limit"] == 30
    assert budget.estimate_seconds(24) == 0 and budget.estimate_seconds(25) == pytest.approx(60)
    deployment_settings.REDIS_URL = redis_url
    assert isinstance(budget.default_budget().store, RedisStore)


@pytest.mark.parametrize(("name", "value"), [
    ("TASKIP_RATE_LIMIT", 0), ("TASKIP_INTERACTIVE_RESERVE", 1.0),
    ("TASKIP_USER_SHARE", 0), ("TASKIP_USER_SHARE", 1.5),
])
def test_impossible_budget_settings_are_improperly_configured(deployment_settings, name,
                                                              value) -> None:
    from django.core.exceptions import ImproperlyConfigured

    setattr(deployment_settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        budget.default_budget()


@pytest.mark.parametrize(("name", "value", "message"), [
    ("TASKIP_RATE_LIMIT", 0, "TASKIP_RATE_LIMIT must be at least 1."),
    ("TASKIP_INTERACTIVE_RESERVE", -0.1, "TASKIP_INTERACTIVE_RESERVE must be >= 0 and < 1."),
    ("TASKIP_USER_SHARE", 0, "TASKIP_USER_SHARE must be > 0 and <= 1."),
])
def test_an_impossible_budget_setting_says_what_it_must_be(deployment_settings, name, value,
                                                            message) -> None:
    from django.core.exceptions import ImproperlyConfigured

    setattr(deployment_settings, name, value)
    with pytest.raises(ImproperlyConfigured) as refused:
        budget.default_budget()
    assert str(refused.value) == message


def test_each_budget_setting_at_its_edge_is_allowed(deployment_settings, db) -> None:
    deployment_settings.TASKIP_RATE_LIMIT = 1
    deployment_settings.TASKIP_INTERACTIVE_RESERVE = 0
    deployment_settings.TASKIP_USER_SHARE = 1
    assert budget.default_budget().rules == Rules(per_minute=1, reserve=0, user_share=1)


def test_the_process_wide_client_draws_from_the_deployment_budget(deployment_settings, rsps,
                                                                  db) -> None:
    deployment_settings.TASKIP_RATE_LIMIT = 8
    rsps.add("GET", url("/contact"), json=listing())
    with budget.acting_user("user:1"):
        taskip.list_contacts(search="a")
        taskip.list_contacts(search="b")
        with pytest.raises(BudgetExceeded):
            taskip.list_contacts(search="c")
    assert len(rsps.calls) == 2
    assert budget.snapshot()["remaining"] == 6


def test_the_process_wide_client_feeds_each_answer_to_the_deployment_budget(
    deployment_settings, rsps, db
) -> None:
    reset = int(time.time()) + 30  # the deployment's budget runs on the wall clock
    rsps.add("GET", url("/contact"), json=listing(),
             headers={"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "7",
                      "X-RateLimit-Reset": str(reset)})
    taskip.list_contacts(search="a")
    assert budget.snapshot()["remaining"] == 7
    assert budget.snapshot()["reset_at"] == reset
