"""GET /healthz: whether this process can reach the stores every request needs.

For a load balancer or a process supervisor: no login, no TaskIP call (it spends none of the
API budget), and a 503 that names the store that failed, so a host that lost its database or
its cache is taken out of rotation instead of answering every page with a 500.
"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

logger = logging.getLogger("contacts.health")

PROBE_KEY = "healthz"


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not healthy", never a 500
        logger.warning("health check: database failed: %s", type(exc).__name__)
        return False
    return True


def _cache_answers() -> bool:
    # A write, not a read: sessions and the API budget write to the cache on every request, and
    # a Redis that refuses writes (out of memory, a read-only replica) still answers reads.
    try:
        cache.set(PROBE_KEY, "ok", timeout=10)
    except Exception as exc:  # redis-py's errors share no base class with Django's
        logger.warning("health check: cache failed: %s", type(exc).__name__)
        return False
    return True


@login_not_required
@require_GET
def healthz(request):
    parts = {
        "database": "ok" if _database_answers() else "error",
        "cache": "ok" if _cache_answers() else "error",
    }
    healthy = all(state == "ok" for state in parts.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **parts}, status=200 if healthy else 503
    )
