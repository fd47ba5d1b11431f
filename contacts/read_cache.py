"""A one-second, per-user memo of list pages.

Double-clicks, Back/Forward, a second tab or a busy office otherwise each spend one of the API's
100 requests a minute on an identical read. A user's own writes bump a generation kept in their
session (so every worker process sees it), which makes everything cached before that write
unreachable: nobody is shown a list from before their own change.

When an entry is older than the memo's lifetime, one request refreshes it while concurrent
identical requests keep getting the previous answer for that moment, instead of all of them
calling the API at once (and all of them waiting).
"""

import threading
import time

from django.conf import settings
from django.core.cache import cache

from . import taskip

GENERATION_KEY = "contacts_generation"
# A stale entry is kept this many lifetimes, to answer while its refresh is under way.
KEEP_FOR_LIFETIMES = 5

clock = time.time  # replaced in tests

_refreshing: set[str] = set()
_refreshing_lock = threading.Lock()


def list_contacts(request, **query) -> taskip.ContactPage:
    lifetime = settings.CONTACTS_LIST_MEMO_SECONDS
    if not lifetime:
        return taskip.list_contacts(**query)
    key = "contacts:list:{}:{}:{}".format(
        request.user.pk,
        request.session.get(GENERATION_KEY, 0),
        "&".join(f"{k}={v}" for k, v in sorted(query.items())),
    )
    entry = cache.get(key)
    if entry is None:
        page = taskip.list_contacts(**query)
    else:
        fetched_at, page = entry
        if clock() - fetched_at < lifetime:
            return page
        with _refreshing_lock:
            if key in _refreshing:
                return page
            _refreshing.add(key)
        try:
            page = taskip.list_contacts(**query)
        finally:
            with _refreshing_lock:
                _refreshing.discard(key)
    cache.set(key, (clock(), page), lifetime * KEEP_FOR_LIFETIMES)
    return page


def forget_reads_before_this_write(request) -> None:
    request.session[GENERATION_KEY] = request.session.get(GENERATION_KEY, 0) + 1
