"""A one-second, per-user memo of list pages.

Double-clicks, Back/Forward and a second tab otherwise each spend one of the API's 100 requests
a minute on an identical read. A user's own writes bump a generation kept in their session (so
every worker process sees it), which makes everything cached before that write unreachable:
nobody is shown a list from before their own change.
"""

from django.conf import settings
from django.core.cache import cache

from . import taskip

GENERATION_KEY = "contacts_generation"


def list_contacts(request, **query) -> taskip.ContactPage:
    ttl = settings.CONTACTS_LIST_MEMO_SECONDS
    if not ttl:
        return taskip.list_contacts(**query)
    generation = request.session.get(GENERATION_KEY, 0)
    key = "contacts:list:{}:{}:{}".format(
        request.user.pk, generation, "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    )
    page = cache.get(key)
    if page is None:
        page = taskip.list_contacts(**query)
        cache.set(key, page, ttl)
    return page


def forget_reads_before_this_write(request) -> None:
    request.session[GENERATION_KEY] = request.session.get(GENERATION_KEY, 0) + 1
