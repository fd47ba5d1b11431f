"""Writes the audit log of staff actions: who did what to which contact, and how it went."""

import logging
from collections.abc import Iterable

from . import read_cache
from .models import AuditEntry

logger = logging.getLogger("contacts.audit")

# Never record what a secret was changed to; its name is enough to say it changed.
SECRET_FIELDS = frozenset({"password"})


def record(
    request,
    action: str,
    contact_ids: Iterable[int],
    *,
    changed_fields: Iterable[str] = (),
    ok: bool = True,
    detail: str = "",
) -> AuditEntry:
    # Every write (even a failed one, which may have half-happened) is recorded here, which
    # makes this the one place that must retire the user's cached reads.
    read_cache.forget_reads_before_this_write(request)
    entry = AuditEntry.objects.create(
        user=request.user if request.user.is_authenticated else None,
        username=request.user.get_username(),
        action=action,
        contact_ids=sorted(int(i) for i in contact_ids),
        changed_fields=sorted(changed_fields),
        outcome=AuditEntry.Outcome.SUCCESS if ok else AuditEntry.Outcome.FAILURE,
        detail=detail[:300],
    )
    logger.info(
        "audit user=%s action=%s contacts=%s outcome=%s",
        entry.username,
        action,
        entry.contact_ids[:20],
        entry.outcome,
    )
    return entry
