"""STAND-IN for the jobs branch's contacts/jobs.py (branch `transfer` only; the lead replaces it).

The same interface, so export and import are built against it: `create_job(owner, kind, params,
rows, skipped)` makes the job and its ledger. Here it then runs the rows at once, in the calling
thread (contacts/job_runner.py's stand-in `run`), with no lease, budget or watchdog.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from .job_handlers import ROW_HANDLERS, RowDone, RowHandler, SkipRow
from .job_runner import audit, run
from .models import AuditEntry, Job, JobRow

Status = Job.Status
State = JobRow.State

__all__ = ["ROW_HANDLERS", "RowDone", "RowHandler", "SkipRow", "create_job"]


def create_job(
    owner,
    kind: str,
    params: Mapping[str, Any],
    rows: Iterable[tuple[int | None, str, Mapping[str, Any] | None]] = (),
    skipped: Iterable[tuple[int | None, str, str]] = (),
) -> Job:
    handler = ROW_HANDLERS[kind]
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
        audit(owner, AuditEntry.Action.JOB,
               f"job {job.pk} ({kind}) created: {len(rows)} to do, {len(skipped)} skipped")
    run(job.pk)
    job.refresh_from_db()
    return job
