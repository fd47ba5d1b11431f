"""A one-second, per-user memo of list pages.

Double-clicks, Back/Forward, a second tab or a busy office otherwise each spend one of the API's
100 requests a minute on an identical read. A user's own writes bump a generation kept in their
session (so every worker process sees it), which makes everything cached before that write
unreachable: nobody is shown a list from before their own change.

When an entry is older than the memo's lifetime, one request refreshes it while concurrent
identical requests keep getting the previous answer for that moment, instead of all of them
calling the API at once (and all of them waiting).
"""

import secrets
import threading
import time

from django.conf import settings

from . import taskip

GENERATION_KEY = "contacts_generation"
# A stale entry is kept this many lifetimes, to answer while its refresh is under way.
KEEP_FOR_LIFETIMES = 5

MAX_ENTRIES = 2000
clock = time.monotonic  # replaced in tests

# Hand-written rather than Django's cache framework: the cache backends pickle every value, and
# unpickling 50 contacts cost more than the rest of a memo hit. A one-second memo gains nothing
# from being shared between processes, so a dict per process (guarded by a lock) is enough.
_entries: dict[str, tuple[float, taskip.ContactPage]] = {}
_refreshing: set[str] = set()
_lock = threading.Lock()


def clear() -> None:
    with _lock:
        _entries.clear()
        _refreshing.clear()


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
        if clock() - fetched_at < lifetime:
            return page
        with _lock:
            if key in _refreshing:
                return page
            _refreshing.add(key)
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
