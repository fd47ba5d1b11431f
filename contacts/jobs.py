"""STAND-IN for the jobs branch's runner (branch `transfer` only; the lead replaces this file).

The same interface as contacts/jobs.py on the jobs branch, so export and import are built against
it: `create_job(owner, kind, params, rows, skipped)` makes the job and its ledger, and
`run(job_id)` works on it. Here create_job runs the rows at once, in the calling thread, with no
lease, budget or watchdog; `run()` then finds nothing left to do. Row handlers, RowDone and SkipRow
come from contacts/job_handlers.py exactly as the runner uses them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from .job_handlers import ROW_HANDLERS, RowDone, RowHandler, SkipRow
from .models import AuditEntry, Job, JobRow
from .taskip import TaskipError

Status = Job.Status
State = JobRow.State

__all__ = ["ROW_HANDLERS", "RowDone", "RowHandler", "SkipRow", "api_message", "create_job", "run"]


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
        _audit(owner, AuditEntry.Action.JOB,
               f"job {job.pk} ({kind}) created: {len(rows)} to do, {len(skipped)} skipped")
    run(job.pk)
    job.refresh_from_db()
    return job


def run(job_id: int, *, task_id: str = "") -> None:
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.has_ended:
        return
    handler = ROW_HANDLERS[job.kind]
    Job.objects.filter(pk=job.pk).update(status=Status.RUNNING, started_at=timezone.now())
    for row in job.rows.filter(state=State.PENDING).order_by("position"):
        JobRow.objects.filter(pk=row.pk).update(state=State.IN_FLIGHT)
        update: dict[str, Any] = {"finished_at": timezone.now()}
        try:
            done = handler.process(job, row) or RowDone()
        except SkipRow as why:
            update.update(state=State.SKIPPED, message=str(why))
        except TaskipError as exc:
            update.update(state=State.FAILED, message=api_message(exc))
        else:
            update.update(state=State.DONE, message=done.message)
            if done.contact_id is not None:
                update["contact_id"] = done.contact_id
            if done.data:
                update["data"] = {**row.data, **done.data}
        JobRow.objects.filter(pk=row.pk).update(**update)
        if handler.audit_action and update["state"] != State.SKIPPED:
            ids = [update.get("contact_id", row.contact_id)]
            _audit(job.owner, handler.audit_action,
                   f"job {job.pk}: {update['state']}: {update['message']}",
                   contact_ids=[i for i in ids if i is not None],
                   ok=update["state"] == State.DONE)
    if handler.finish is not None:
        handler.finish(job)
    Job.objects.filter(pk=job.pk).update(status=Status.FINISHED, finished_at=timezone.now())
    _audit(job.owner, AuditEntry.Action.JOB, f"job {job.pk} ({job.kind}) finished")


def api_message(exc: TaskipError) -> str:
    parts = [exc.message]
    for name, messages in exc.field_errors.items():
        label = "" if name == "__all__" else f"{name}: "
        parts.append(label + " ".join(messages))
    return " ".join(p if p.endswith(".") else p + "." for p in parts if p)


def _audit(user, action: str, detail: str, *, contact_ids: Iterable[int] = (),
           ok: bool = True) -> None:
    AuditEntry.objects.create(
        user=user, username=user.get_username(), action=action,
        contact_ids=sorted(int(i) for i in contact_ids),
        outcome=AuditEntry.Outcome.SUCCESS if ok else AuditEntry.Outcome.FAILURE,
        detail=detail[:300],
    )
