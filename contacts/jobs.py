"""Background jobs as views use them: made with their ledger, paused, resumed, cancelled,
retried, and how long they have left (docs/architecture.md, "Background jobs").

Workers run them (job_runner.py, through the thin task in tasks.py); what each row does per kind
is in job_handlers.py, whose ROW_HANDLERS registry export and import extend.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from .job_handlers import ROW_HANDLERS, RowDone, RowHandler, SkipRow
from .job_runner import audit_job, handler_for, locked_job, save_fields, start
from .models import Job, JobCounts, JobRow
from .taskip import budget

logger = logging.getLogger("contacts.jobs")

Status = Job.Status
State = JobRow.State

__all__ = [
    "ROW_HANDLERS", "JobCounts", "RowDone", "RowHandler", "SkipRow", "cancel", "create_job",
    "pause", "resume", "retry", "time_left",
]


def create_job(
    owner,
    kind: str,
    params: Mapping[str, Any],
    rows: Iterable[tuple[int | None, str, Mapping[str, Any] | None]] = (),
    skipped: Iterable[tuple[int | None, str, str]] = (),
) -> Job:
    """Make a job and its ledger in one transaction and queue it for a worker.

    rows: (contact_id, label, data) to work on; skipped: (contact_id, label, why) shown as
    skipped from the start. Labels are the names the job page shows, so it never asks TaskIP.
    """
    handler = handler_for(kind)
    params = dict(params)
    handler.check_params(params)
    rows, skipped = list(rows), list(skipped)
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.create(owner=owner, kind=kind, params=params)
        ledger = [
            JobRow(job=job, position=i, contact_id=contact_id, label=(label or "")[:300],
                   data=dict(data or {}))
            for i, (contact_id, label, data) in enumerate(rows)
        ]
        ledger += [
            JobRow(job=job, position=i, contact_id=contact_id, label=(label or "")[:300],
                   state=State.SKIPPED, message=why, finished_at=now)
            for i, (contact_id, label, why) in enumerate(skipped, start=len(rows))
        ]
        JobRow.objects.bulk_create(ledger)
        audit_job(job, owner, f"created: {len(rows)} to do, {len(skipped)} skipped")
        # Queued inside the transaction rather than on commit: django-tasks-db keeps tasks in
        # this same database, so the job and its tasks commit together, and a crash right
        # after the commit can't leave a job that no task will ever look at.
        start(job)
    logger.info("job %s (%s) created with %d rows", job.pk, kind, len(rows))
    return job


def pause(job: Job, user) -> bool:
    """Stop after the row in flight; the worker then lets go of the job. False if not active."""
    with transaction.atomic():
        job = locked_job(job.pk)
        if job.status not in Job.ACTIVE:
            return False
        save_fields(job, status=Status.PAUSED)
        audit_job(job, user, "paused")
    return True


def resume(job: Job, user) -> bool:
    """Queue a paused job again. False if it wasn't paused."""
    with transaction.atomic():
        job = locked_job(job.pk)
        if job.status != Status.PAUSED:
            return False
        save_fields(job, status=Status.QUEUED)
        start(job)
        audit_job(job, user, "resumed")
    return True


def cancel(job: Job, user) -> bool:
    """End the job: pending rows become skipped; a row in flight still finishes."""
    with transaction.atomic():
        job = locked_job(job.pk)
        if job.has_ended:
            return False
        now = timezone.now()
        save_fields(job, status=Status.CANCELLED, finished_at=now)
        skipped = job.rows.filter(state=State.PENDING).update(
            state=State.SKIPPED, message=f"Cancelled by {user.get_username()}.", finished_at=now
        )
        audit_job(job, user, f"cancelled ({skipped} rows not done)")
    return True


def retry(job: Job, user, *, unknown_rows: Iterable[int] = ()) -> int:
    """Put failed rows back to pending, and the unknown rows whose ids are given (a person
    must choose those: their call may already have happened). Returns how many; a job that
    had ended or was paused is queued again."""
    unknown_rows = [int(pk) for pk in unknown_rows]
    with transaction.atomic():
        job = locked_job(job.pk)
        again = {"state": State.PENDING, "message": "", "claim_token": "", "finished_at": None}
        count = job.rows.filter(state=State.FAILED).update(**again)
        if unknown_rows:
            count += job.rows.filter(pk__in=unknown_rows, state=State.UNKNOWN).update(**again)
        if not count:
            return 0
        if job.status not in Job.ACTIVE:
            # An active job's worker (or its watchdog) finds the rows on its own.
            save_fields(job, status=Status.QUEUED, finished_at=None)
            start(job)
        audit_job(job, user, f"retried {count} rows")
    return count


def time_left(job: Job) -> float:
    """Seconds until the rows still to do are done at the rate the API budget lets jobs spend."""
    remaining = job.rows.filter(state__in=[State.PENDING, State.IN_FLIGHT]).count()
    handler = ROW_HANDLERS.get(job.kind)
    per_row = handler.calls_per_row(job.params) if handler else 1
    return budget.estimate_seconds(remaining * per_row)


