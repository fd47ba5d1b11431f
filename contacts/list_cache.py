"""List pages read within CONTACTS_LIST_MEMO_SECONDS share one API call (docs/architecture.md,
"Caching").

Entries are keyed by the query alone: every staff member reads through the same API key and so
sees the same data, and two people opening the same page cost one call instead of two. Views
check permissions before they ask. Any write made through the dashboard retires every cached
list page: it bumps the list version in Django's cache (for every process and host when the
cache is Redis) and stamps the writer's session, so that even a process with its own local cache
never shows that user a page fetched before their own change.
"""

import time

from django.conf import settings
from django.core.cache import cache

from . import places, taskip

VERSION_KEY = "contacts:list:version"
WRITTEN_AT_KEY = "contacts_written_at"


def list_contacts(request, **query) -> taskip.ContactPage:
    lifetime = settings.CONTACTS_LIST_MEMO_SECONDS
    if not lifetime:
        return _read(query)
    version = cache.get_or_set(VERSION_KEY, 1, None)
    key = "contacts:list:" + "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    entry = cache.get(key, version=version)
    if entry is not None:
        fetched_at, page = entry
        if fetched_at > request.session.get(WRITTEN_AT_KEY, 0):
            return page
    fetched_at = time.time()
    page = _read(query)
    cache.set(key, (fetched_at, page), lifetime, version=version)
    return page


def _read(query) -> taskip.ContactPage:
    page = taskip.list_contacts(**query)
    # Every answer names places; the edit form offers them (contacts/places.py).
    places.remember(page.contacts)
    return page


def forget_reads_before_this_write(request) -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted or never set: any new version retires the old entries
        cache.set(VERSION_KEY, int(time.time() * 1000), None)
    # Saved at once: Django skips saving the session on a 5xx answer, and a write that timed
    # out may still have happened.
    request.session[WRITTEN_AT_KEY] = time.time()
    request.session.save()
