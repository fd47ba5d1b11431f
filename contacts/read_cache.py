"""A one-second, per-user memo of list pages.

Double-clicks, Back/Forward, a second tab or a busy office otherwise each spend one of the API's
100 requests a minute on an identical read. A user's own writes bump a generation kept in their
session (so every worker process sees it), which makes everything cached before that write
unreachable: nobody is shown a list from before their own change.

When an entry is past the memo's lifetime but still young (under STALE_FOR lifetimes), it is
shown while a background thread refreshes it: a busy user never waits for a refresh, and still
makes at most one call per lifetime. An older entry is refreshed by the request itself; requests
arriving meanwhile get the previous answer for that moment instead of all calling the API.
"""

import logging
import secrets
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings

from . import taskip

GENERATION_KEY = "contacts_generation"
# A stale entry is kept this many lifetimes, to answer while its refresh is under way.
KEEP_FOR_LIFETIMES = 5
# An entry younger than this many lifetimes is shown while a background refresh runs.
STALE_FOR = 2
REFRESH_THREADS = 4

logger = logging.getLogger("contacts.read_cache")

MAX_ENTRIES = 2000
clock = time.monotonic  # replaced in tests

# Hand-written rather than Django's cache framework: the cache backends pickle every value, and
# unpickling 50 contacts cost more than the rest of a memo hit. A one-second memo gains nothing
# from being shared between processes, so a dict per process (guarded by a lock) is enough.
_entries: dict[str, tuple[float, taskip.ContactPage]] = {}
_refreshing: set[str] = set()
_lock = threading.Lock()
_refresher: ThreadPoolExecutor | None = None
_running: set[Future] = set()


def clear() -> None:
    settle()
    with _lock:
        _entries.clear()
        _refreshing.clear()


def settle(timeout: float = 30.0) -> None:
    """Wait for background refreshes under way (tests, and before clearing)."""
    wait(list(_running), timeout=timeout)


def _refresh_in_background(key: str, query: dict, lifetime: float) -> bool:
    """Start refreshing `key`; False if no thread can take it (the process is shutting down)."""
    global _refresher
    with _lock:
        if _refresher is None:
            _refresher = ThreadPoolExecutor(REFRESH_THREADS, thread_name_prefix="list-refresh")
    try:
        future = _refresher.submit(_refresh, key, query, lifetime)
    except RuntimeError:  # "cannot schedule new futures after interpreter shutdown"
        return False
    _running.add(future)
    future.add_done_callback(_running.discard)
    return True


def _refresh(key: str, query: dict, lifetime: float) -> None:
    try:
        _store(key, taskip.list_contacts(**query), lifetime)
    except taskip.TaskipError as exc:
        # Nobody is waiting for this answer; the request that next finds the entry too old
        # fetches the list itself and shows the error in the page.
        logger.warning("background refresh of a list failed: %s", type(exc).__name__)
    finally:
        with _lock:
            _refreshing.discard(key)


def _store(key: str, page: taskip.ContactPage, lifetime: float) -> None:
    now = clock()
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            keep_after = now - lifetime * KEEP_FOR_LIFETIMES
            for old in [k for k, (at, _) in _entries.items() if at < keep_after]:
                del _entries[old]
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
        _entries[key] = (now, page)


def list_contacts(request, **query) -> taskip.ContactPage:
    lifetime = settings.CONTACTS_LIST_MEMO_SECONDS
    if not lifetime:
        return taskip.list_contacts(**query)
    key = "contacts:list:{}:{}:{}".format(
        request.user.pk,
        request.session.get(GENERATION_KEY, 0),
        "&".join(f"{k}={v}" for k, v in sorted(query.items())),
    )
    entry = _entries.get(key)
    if entry is not None and clock() - entry[0] >= lifetime * KEEP_FOR_LIFETIMES:
        entry = None
    if entry is None:
        page = taskip.list_contacts(**query)
    else:
        fetched_at, page = entry
        age = clock() - fetched_at
        if age < lifetime:
            return page
        with _lock:
            if key in _refreshing:
                return page
            _refreshing.add(key)
        if age < lifetime * STALE_FOR and _refresh_in_background(key, query, lifetime):
            return page
        try:
            page = taskip.list_contacts(**query)
        finally:
            with _lock:
                _refreshing.discard(key)
    _store(key, page, lifetime)
    return page


def forget_reads_before_this_write(request) -> None:
    # A fresh random token (not a counter: two sessions of one user would share counters), saved
    # at once because Django skips saving the session on a 5xx answer, and a write that timed
    # out may still have happened.
    request.session[GENERATION_KEY] = secrets.token_hex(8)
    request.session.save()
