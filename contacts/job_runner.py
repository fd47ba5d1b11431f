"""STAND-IN for the jobs branch's contacts/job_runner.py (branch `transfer` only; the lead
replaces it): `run(job_id)` works a job's pending rows in the calling thread, calls the handler's
`finish`, and records outcomes and audit entries as the real runner does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from .job_handlers import ROW_HANDLERS, RowDone, SkipRow
from .models import AuditEntry, Job, JobRow
from .taskip import TaskipError

Status = Job.Status
State = JobRow.State


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
            audit(job.owner, handler.audit_action,
                   f"job {job.pk}: {update['state']}: {update['message']}",
                   contact_ids=[i for i in ids if i is not None],
                   ok=update["state"] == State.DONE)
    if handler.finish is not None:
        handler.finish(job)
    Job.objects.filter(pk=job.pk).update(status=Status.FINISHED, finished_at=timezone.now())
    audit(job.owner, AuditEntry.Action.JOB, f"job {job.pk} ({job.kind}) finished")


def api_message(exc: TaskipError) -> str:
    parts = [exc.message]
    for name, messages in exc.field_errors.items():
        label = "" if name == "__all__" else f"{name}: "
        parts.append(label + " ".join(messages))
    return " ".join(p if p.endswith(".") else p + "." for p in parts if p)


def audit(user, action: str, detail: str, *, contact_ids: Iterable[int] = (),
           ok: bool = True) -> None:
    AuditEntry.objects.create(
        user=user, username=user.get_username(), action=action,
        contact_ids=sorted(int(i) for i in contact_ids),
        outcome=AuditEntry.Outcome.SUCCESS if ok else AuditEntry.Outcome.FAILURE,
        detail=detail[:300],
    )
