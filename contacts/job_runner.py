"""The worker's side of background jobs: a lease per job, rows one by one, and a watchdog task
per active job (docs/architecture.md, "Background jobs").

Recovery with no queue of our own. django-tasks-db leaves the task of a worker that died RUNNING
forever, so nothing re-runs it. Instead:
- The run working on a job holds its lease (a token and an expiry, renewed as rows finish and
  while the budget holds it back). Only the holder starts rows, so each row has one worker.
- Every active job has one pending *watchdog*: a run of the same task deferred until the lease
  should have lapsed (expiry + half a lease). A watchdog that finds the lease renewed defers
  itself again; one that finds it lapsed takes the job over; one that finds the job paused or
  ended exits. A freshly started `db_worker` picks it up like any other task.
- A row is marked in flight, and committed, before its API call. A run taking a job over marks
  rows still in flight `unknown`: their call may have reached TaskIP, so they are never sent
  again unless a person asks for them (retry with their ids).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone

from .job_handlers import ROW_HANDLERS, RowDone, RowHandler, SkipRow
from .models import AuditEntry, Job, JobRow
from .taskip import TaskipError, TaskipRateLimited, budget, calls_made

logger = logging.getLogger("contacts.jobs")

Status = Job.Status
State = JobRow.State

UNKNOWN_AFTER_TAKEOVER = (
    "The worker handling this row stopped mid-call; TaskIP may or may not have done it."
)


# ---- working on a job --------------------------------------------------------------------

def run(job_id: int, *, task_id: str = "") -> None:
    """The task's body: work on the job, or, when this run is its watchdog, check on it."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return
    if task_id and task_id == job.watchdog_task_id and not _watch(job_id, task_id):
        return
    token = claim(job_id)
    if token is not None:
        process(job_id, token)


def claim(job_id: int) -> str | None:
    """Take the job's lease if it is free or has lapsed; the new token, or None.

    Taking it over from a worker that died turns that worker's in-flight rows `unknown`.
    """
    token = secrets.token_hex(16)
    now = timezone.now()
    with transaction.atomic():
        won = Job.objects.filter(
            Q(lease_token="") | Q(lease_until__lt=now), pk=job_id, status__in=Job.ACTIVE
        ).update(lease_token=token, lease_until=now + lease_length(), status=Status.RUNNING)
        if not won:
            return None
        job = locked_job(job_id)
        if job.started_at is None:
            save_fields(job, started_at=now)
        handler = handler_for(job.kind)
        for row in job.rows.filter(state=State.IN_FLIGHT):
            _record(job, row, handler, row.claim_token, State.UNKNOWN, UNKNOWN_AFTER_TAKEOVER)
        _ensure_watchdog(job)
    logger.info("job %s claimed", job_id)
    return token


def process(job_id: int, token: str) -> None:
    """Work on rows while this token holds the lease and the job is active."""
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None:
        return  # deleted (with its owner, say) since it was claimed
    handler = handler_for(job.kind)
    lease = Lease(job_id, token)
    while True:
        row = _start_next_row(job, token)
        if row is _NO_ROW_LEFT:
            if handler.finish is not None:
                try:
                    with budget.background(on_wait=lease.on_wait):
                        handler.finish(job)
                except Interrupted:
                    continue  # paused or cancelled meanwhile: the next step lets go
            if _finish(job, token):
                return
            continue  # a retry added rows meanwhile
        if row is None:
            return
        _process_row(job, row, handler, lease)


class Interrupted(Exception):  # noqa: N818
    """The job was paused or cancelled, or its lease lost, while its worker waited."""


class Lease:
    """A running worker's hold on one job."""

    def __init__(self, job_id: int, token: str) -> None:
        self.job_id, self.token = job_id, token

    def renew(self) -> bool:
        return bool(Job.objects.filter(
            pk=self.job_id, lease_token=self.token, status__in=Job.ACTIVE
        ).update(lease_until=timezone.now() + lease_length()))

    def on_wait(self, seconds_left: float) -> None:
        """Called about once a second while the budget holds the job back: a read to notice a
        pause, cancel or takeover at once, and a write only once half the lease is gone."""
        now = timezone.now()
        state = Job.objects.filter(pk=self.job_id).values(
            "status", "lease_token", "lease_until").first()
        if not state or state["lease_token"] != self.token or state["status"] not in Job.ACTIVE:
            raise Interrupted
        if state["lease_until"] - now < lease_length() / 2 and not self.renew():
            raise Interrupted

    def wait(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.on_wait(left)
            time.sleep(min(1.0, left))


_NO_ROW_LEFT = object()


def _start_next_row(job: Job, token: str) -> JobRow | object | None:
    """Mark the next pending row in flight (committed before its call): the row, None when
    this run must stop, or _NO_ROW_LEFT."""
    with transaction.atomic():
        current = Job.objects.select_for_update().filter(pk=job.pk, lease_token=token).first()
        if current is None:
            logger.warning("job %s: lease lost to another worker; stopping", job.pk)
            return None
        if current.status not in Job.ACTIVE:
            save_fields(current, lease_token="", lease_until=None)  # paused or cancelled: let go
            return None
        row = current.rows.filter(state=State.PENDING).order_by("position").first()
        if row is None:
            return _NO_ROW_LEFT
        row.state, row.claim_token = State.IN_FLIGHT, token
        row.save(update_fields=["state", "claim_token"])
        save_fields(current, status=Status.RUNNING, lease_until=timezone.now() + lease_length())
    return row


def _process_row(job: Job, row: JobRow, handler: RowHandler, lease: Lease) -> None:
    token = lease.token
    try:
        with calls_made() as calls, budget.background(on_wait=lease.on_wait):
            done = handler.process(job, row) or RowDone()
    except Interrupted:
        _put_back(row, token)
    except SkipRow as why:
        _record(job, row, handler, token, State.SKIPPED, str(why))
    except TaskipRateLimited as exc:
        # Refused before any work: the row is simply tried again once TaskIP allows.
        _put_back(row, token)
        with contextlib.suppress(Interrupted):
            lease.wait(exc.retry_after if exc.retry_after is not None else 1.0)
    except TaskipError as exc:
        state = State.UNKNOWN if _may_have_happened(exc) else State.FAILED
        _record(job, row, handler, token, state, api_message(exc))
    except Exception as exc:
        # A bug, or the budget's store failing. Not tried again by itself either way: an
        # error that repeats would otherwise loop on this row.
        logger.exception("job %s row %s: the handler failed", job.pk, row.pk)
        if calls.count:
            _record(job, row, handler, token, State.UNKNOWN,
                    f"The dashboard failed while handling this row ({type(exc).__name__}); "
                    "TaskIP may or may not have done it.")
        else:
            _record(job, row, handler, token, State.FAILED,
                    f"The dashboard failed before calling TaskIP ({type(exc).__name__}).")
    else:
        _record(job, row, handler, token, State.DONE, done.message,
                contact_id=done.contact_id, data=done.data)
    lease.renew()


# Answers to a write after which TaskIP may have acted: a success whose body we couldn't read,
# an internal error, a gateway's error or timeout. A 4xx or a 503 says it refused.
MAYBE_DONE_STATUSES = frozenset({500, 502, 504})


def _may_have_happened(exc: TaskipError) -> bool:
    if exc.method == "GET":
        return False  # reads change nothing
    status = exc.status
    return (status is None or 200 <= status < 300 or status in MAYBE_DONE_STATUSES
            or getattr(exc, "is_timeout", False))


def api_message(exc: TaskipError) -> str:
    """The API's message with its field errors, as a row's outcome."""
    parts = [exc.message]
    for name, messages in exc.field_errors.items():
        label = "" if name == "__all__" else f"{name}: "
        parts.append(label + " ".join(messages))
    return " ".join(p if p.endswith(".") else p + "." for p in parts if p)


def _put_back(row: JobRow, token: str) -> None:
    """Nothing was sent for this row: pending again (or skipped if the job was cancelled)."""
    with transaction.atomic():
        job = locked_job(row.job_id)
        if job.status == Status.CANCELLED:
            update = {"state": State.SKIPPED, "message": "Cancelled.",
                      "finished_at": timezone.now()}
        else:
            update = {"state": State.PENDING}
        JobRow.objects.filter(pk=row.pk, claim_token=token, state=State.IN_FLIGHT).update(
            claim_token="", **update)


def _record(job: Job, row: JobRow, handler: RowHandler, token: str, state: str, message: str,
            *, contact_id: int | None = None, data: Mapping[str, Any] | None = None) -> None:
    """A row's outcome, recorded by the run that started it, even after a takeover marked it
    unknown (this run knows better); never over a row someone has since retried."""
    update: dict[str, Any] = {"state": state, "message": message, "finished_at": timezone.now()}
    if contact_id is not None:
        update["contact_id"] = contact_id
    if data:
        update["data"] = {**row.data, **data}
    with transaction.atomic():
        written = JobRow.objects.filter(
            pk=row.pk, claim_token=token, state__in=[State.IN_FLIGHT, State.UNKNOWN]
        ).update(**update)
        if written and handler.audit_action and state != State.SKIPPED:
            ids = [update.get("contact_id", row.contact_id)]
            _audit(job.owner, handler.audit_action,
                   f"job {job.pk}: {state}: {message}",
                   contact_ids=[i for i in ids if i is not None],
                   changed_fields=handler.changed_fields(job.params), ok=state == State.DONE)


def _finish(job: Job, token: str) -> bool:
    """Mark the job finished; False if rows became pending again meanwhile (a retry)."""
    with transaction.atomic():
        current = Job.objects.select_for_update().filter(pk=job.pk, lease_token=token).first()
        if current is None or current.status not in Job.ACTIVE:
            return True  # taken over, paused or cancelled: not this run's to finish
        if current.rows.filter(state=State.PENDING).exists():
            return False
        save_fields(current, status=Status.FINISHED, finished_at=timezone.now(), lease_token="",
              lease_until=None)
        c = current.counts()
        audit_job(current, current.owner,
                   f"finished: {c.done} done, {c.failed} failed, {c.skipped} skipped, "
                   f"{c.unknown} unknown")
    logger.info("job %s finished", job.pk)
    return True


# ---- the watchdog -------------------------------------------------------------------------

def _watch(job_id: int, task_id: str) -> bool:
    """This run is the job's watchdog: True if the lease has lapsed and it should take over."""
    with transaction.atomic():
        job = locked_job(job_id)
        if job.watchdog_task_id != task_id:
            return False  # a newer watchdog replaced this one
        if job.status not in Job.ACTIVE:
            save_fields(job, watchdog_task_id="")  # resume or retry will start a new one
            return False
        if job.lease_token and job.lease_until >= timezone.now():
            _ensure_watchdog(job)  # alive: look again when the renewed lease should lapse
            return False
    return True


def _ensure_watchdog(job: Job) -> None:
    """Keep exactly one watchdog pending for the job (inside the caller's transaction)."""
    from .tasks import run_job

    if job.watchdog_task_id and _is_pending(run_job, job.watchdog_task_id):
        return
    lease = lease_length()
    lapses = job.lease_until or timezone.now() + lease
    result = run_job.using(run_after=lapses + lease / 2).enqueue(job.pk)
    save_fields(job, watchdog_task_id=str(result.id))


def _is_pending(task, task_id: str) -> bool:
    try:
        return task.get_result(task_id).status == TaskResultStatus.READY
    except TaskResultDoesNotExist:
        return False


def start(job: Job) -> None:
    from .tasks import run_job

    _ensure_watchdog(job)
    run_job.enqueue(job.pk)


# ---- small pieces -------------------------------------------------------------------------

def lease_length() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "JOB_LEASE_SECONDS", 30)))


def handler_for(kind: str) -> RowHandler:
    try:
        return ROW_HANDLERS[kind]
    except KeyError:
        raise ValueError(f"no row handler for {kind!r} jobs") from None


def locked_job(job_id: int) -> Job:
    # Only the job's row is locked (no select_related): the owner's row must stay free.
    return Job.objects.select_for_update().get(pk=job_id)


def save_fields(job: Job, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(job, name, value)
    job.save(update_fields=list(changes))


def audit_job(job: Job, user, what: str) -> None:
    _audit(user, AuditEntry.Action.JOB, f"job {job.pk} ({job.kind}) {what}")


def _audit(user, action: str, detail: str, *, contact_ids: Iterable[int] = (),
           changed_fields: Iterable[str] = (), ok: bool = True) -> None:
    # Written directly: jobs run outside any request, in a worker.
    AuditEntry.objects.create(
        user=user, username=user.get_username(), action=action,
        contact_ids=sorted(int(i) for i in contact_ids), changed_fields=sorted(changed_fields),
        outcome=AuditEntry.Outcome.SUCCESS if ok else AuditEntry.Outcome.FAILURE,
        detail=detail[:300],
    )
