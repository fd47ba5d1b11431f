"""List pages read within CONTACTS_LIST_MEMO_SECONDS share one API call (docs/architecture.md,
"Caching").

Entries are keyed by the query alone: every staff member reads through the same API key and so
sees the same data, and two people opening the same page cost one call instead of two. Views
check permissions before they ask. Any write made through the dashboard retires every cached
list page: it bumps the list version in Django's cache (for every process and host when the
cache is Redis) and stamps the writer's session, so that even a process with its own local cache
never shows that user a page fetched before their own change.

When an entry runs out, the requests for it that arrive in one process while its API call is
under way wait for that call instead of each making their own (docs/architecture.md,
"Caching"): under 32 staff on 4 processes, each expiry otherwise sent about six calls at once,
which queued at TaskIP (in one bench run: 7 times fewer API calls, p95 364 -> 284 ms). Nobody
is shown a page older than its lifetime, and a request only joins a call that began after its
user's last write.

What is made from one TaskIP answer is kept apart, as one cached value per answer and query
(`Answer`): the page parsed from it, and its rendered rows for each way of showing them. It is
keyed by the answer's fingerprint, so it can never show an answer TaskIP no longer gives; its
lifetime only bounds memory. An answer seen again is neither parsed nor made into rows again.
"""

import hashlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from . import places, taskip
from .taskip import budget

VERSION_KEY = "contacts:list:version"
WRITTEN_AT_KEY = "contacts_written_at"
ANSWER_SECONDS = 60


def list_contacts(request, **query) -> taskip.ContactPage:
    lifetime = settings.CONTACTS_LIST_MEMO_SECONDS
    if not lifetime:
        return _read(query)
    version = cache.get_or_set(VERSION_KEY, 1, None)
    # "page", not the "list" of before: entries pickled by older code (a ContactPage without
    # custom_keys) must not be read by this code during a deploy, nor these by older processes.
    key = "contacts:page:" + _digest(query)
    written_at = request.session.get(WRITTEN_AT_KEY, 0)
    entry = cache.get(key, version=version)
    if entry is not None:
        fetched_at, page = entry
        if fetched_at > written_at:
            return page
    return _read_once(f"{key}|{version}", query, written_at,
                      lambda fetched_at, page: cache.set(key, (fetched_at, page), lifetime,
                                                         version=version))


# Calls under way in this process, by key: (when it began, its outcome). Hand-written: Django's
# cache has no lock or single-flight, and a library with one (dogpile.cache) would be a second
# cache layer.
_flights: dict[str, tuple[float, Future]] = {}
_flights_lock = threading.Lock()


def _read_once(flight_key: str, query, written_at: float, store) -> taskip.ContactPage:
    with _flights_lock:
        flight = _flights.get(flight_key)
        if flight is not None and flight[0] > written_at:
            joined = flight[1]
        else:
            joined, started_at, mine = None, time.time(), Future()
            _flights[flight_key] = (started_at, mine)
    if joined is not None:
        try:
            return joined.result()
        except budget.BudgetExceeded:
            # The share that ran out was the first caller's, not this user's: ask on its own.
            return _read_once(flight_key, query, time.time(), store)
    try:
        page = _read(query)
        store(started_at, page)
        mine.set_result(page)
        return page
    except BaseException as exc:
        mine.set_exception(exc)
        raise
    finally:
        with _flights_lock:
            if _flights.get(flight_key, (0, None))[1] is mine:
                del _flights[flight_key]


def _digest(query) -> str:
    # A digest: a search may be long, and Django warns of keys memcached would refuse.
    query_string = "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    return hashlib.blake2b(query_string.encode(), digest_size=16).hexdigest()


@dataclass
class Answer:
    """What the dashboard made from one TaskIP answer to one query: the page parsed from it, and
    its rendered rows by `rows_for`'s `variant`. Kept for ANSWER_SECONDS under the answer's
    fingerprint (docs/architecture.md, "Caching")."""

    page: taskip.ContactPage
    rows: dict[str, str] = field(default_factory=dict)


def _answer_key(fingerprint: str, query) -> str:
    return f"contacts:answer:{fingerprint}:{_digest(query)}"


def _read(query) -> taskip.ContactPage:
    seen: list[Answer] = []

    def known(fingerprint: str) -> taskip.ContactPage | None:
        answer = cache.get(_answer_key(fingerprint, query))
        if answer is not None:
            seen.append(answer)
        return answer.page if answer is not None else None

    page = taskip.list_contacts(**query, known=known)
    if not seen:
        # Every new answer names places; the edit form offers them (contacts/places.py). Its
        # Answer is stored by rows_for, with the first rows made from it.
        places.remember(page.contacts)
    return page


def rows_for(page: taskip.ContactPage, query, variant: str, make: Callable[[], str]) -> str:
    """The page's rendered rows for `variant` (what else they depend on: links, permissions,
    columns), made by `make` only the first time for this answer. An answer without a
    fingerprint is never cached."""
    if not page.fingerprint:
        return make()
    key = _answer_key(page.fingerprint, query)
    answer = cache.get(key) or Answer(page)
    rows = answer.rows.get(variant)
    if rows is None:
        rows = answer.rows[variant] = make()
        # Two requests adding rows at once may each drop the other's: made again next time.
        cache.set(key, answer, ANSWER_SECONDS)
    return rows


def forget_reads_before_this_write(request) -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted or never set: any new version retires the old entries
        cache.set(VERSION_KEY, int(time.time() * 1000), None)
    # Saved at once: Django skips saving the session on a 5xx answer, and a write that timed
    # out may still have happened.
    request.session[WRITTEN_AT_KEY] = time.time()
    request.session.save()
