"""Writes the audit log of staff actions: who did what to which contact, and how it went."""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from . import list_cache, taskip
from .models import AuditEntry

logger = logging.getLogger("contacts.audit")


def record(
    request,
    action: str,
    contact_ids: Iterable[int],
    *,
    changed_fields: Iterable[str] = (),
    ok: bool = True,
    detail: str = "",
) -> AuditEntry:
    entry = AuditEntry.objects.create(
        user=request.user if request.user.is_authenticated else None,
        username=request.user.get_username(),
        action=action,
        contact_ids=sorted(int(i) for i in contact_ids),
        # Only the names of changed fields, never their values (a password among them).
        changed_fields=sorted(changed_fields),
        outcome=AuditEntry.Outcome.SUCCESS if ok else AuditEntry.Outcome.FAILURE,
        detail=detail[:300],
    )
    logger.info(
        "audit user=%s action=%s contacts=%s outcome=%s",
        entry.username, action, entry.contact_ids[:20], entry.outcome,
    )  # fmt: skip
    return entry


@dataclass
class Outcome:
    """What the audited block tells the record: ids learnt during it (a created contact's)."""

    contact_ids: list[int] = field(default_factory=list)
    detail: str = ""


@contextmanager
def audited(
    request, action: str, contact_ids: Iterable[int] = (), *, changed_fields: Iterable[str] = ()
) -> Iterator[Outcome]:
    """Record the TaskIP write made inside the block: a success, or a failure naming the error.

    Every write, even a failed one (it may have half happened), retires the cached list pages,
    so nobody is shown a list from before their own change.
    """
    outcome = Outcome(contact_ids=list(contact_ids))
    changed_fields = list(changed_fields)
    try:
        yield outcome
    except taskip.TaskipError as error:
        list_cache.forget_reads_before_this_write(request)
        record(request, action, outcome.contact_ids, changed_fields=changed_fields, ok=False,
               detail=type(error).__name__)
        raise
    list_cache.forget_reads_before_this_write(request)
    record(request, action, outcome.contact_ids, changed_fields=changed_fields,
           detail=outcome.detail)
