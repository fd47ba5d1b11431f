"""Leases and watchdogs in one process: a worker that died mid-row, one that lost its lease while
still alive, waits for the API budget. Queued tasks are run here as `db_worker` would run them;
a lapsed lease is a lease_until set in the past (the clock moved on)."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from contacts import job_runner, jobs
from contacts.models import AuditEntry, Job, JobRow
from contacts.taskip import (
    TaskipBadResponse,
    TaskipNotFound,
    TaskipRateLimited,
    TaskipTimeout,
    TaskipUnavailable,
    TaskipValidationError,
    budget,
)
from tests.jobs.conftest import queued, run_task, sandbox_contacts

State = JobRow.State


def make_job(owner, server, n=5):
    rows = [(cid, name, None) for cid, name in sandbox_contacts(server, n)]
    return jobs.create_job(owner, "invite", {"send_email": False}, rows=rows)


def states(job):
    return [row.state for row in job.rows.order_by("position")]


def ids(job):
    return [row.contact_id for row in job.rows.order_by("position")]


def lapse(job):
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))


def deferred(job):
    return [t for t in queued(job) if t.task.run_after is not None]


def crash_mid_row(job):
    """A worker picks the job's run, takes the lease, commits row 0 in flight, then dies."""
    run = next(t for t in queued(job) if t.task.run_after is None)
    run.claim("worker-that-dies")  # django-tasks-db leaves it RUNNING for ever
    token = job_runner.claim(job.pk)
    JobRow.objects.filter(job=job, position=0).update(state=State.IN_FLIGHT, claim_token=token)
    return token


@pytest.mark.django_db
def test_a_watchdog_takes_over_a_dead_workers_job_and_never_resends_its_row(owner, shared_api,
                                                                            invited):
    job = make_job(owner, shared_api)
    dead_token = crash_mid_row(job)
    watchdog = Job.objects.get(pk=job.pk).watchdog_task_id
    lapse(job)

    run_task(watchdog)

    job.refresh_from_db()
    assert states(job) == [State.UNKNOWN] + [State.DONE] * 4
    assert job.rows.get(position=0).message == job_runner.UNKNOWN_AFTER_TAKEOVER
    assert invited() == {cid: 1 for cid in ids(job)[1:]}
    assert job.status == Job.Status.FINISHED
    # The takeover queued the next watchdog before it started work.
    assert job.watchdog_task_id != watchdog and len(deferred(job)) == 1
    assert AuditEntry.objects.get(action="invite", contact_ids=[ids(job)[0]]).outcome == "failure"

    # Were the dead worker only slow, it could start no row with its lapsed lease.
    job_runner.process(job.pk, dead_token)
    assert invited() == {cid: 1 for cid in ids(job)[1:]}


@pytest.mark.django_db
def test_a_watchdog_finding_the_lease_alive_only_defers_itself(owner, shared_api, invited,
                                                               settings):
    job = make_job(owner, shared_api)
    token = job_runner.claim(job.pk)
    job.refresh_from_db()
    first = job.watchdog_task_id

    run_task(first)

    job.refresh_from_db()
    assert job.lease_token == token
    assert states(job) == [State.PENDING] * 5 and not invited()
    (pending,) = deferred(job)  # exactly one watchdog waits
    assert str(pending.id) == job.watchdog_task_id != first
    lapses_plus_half = job.lease_until + timedelta(seconds=settings.JOB_LEASE_SECONDS / 2)
    assert pending.task.run_after == lapses_plus_half


@pytest.mark.django_db
def test_a_watchdog_of_a_paused_job_retires_and_resume_sets_a_new_one(owner, shared_api,
                                                                      invited):
    job = make_job(owner, shared_api)
    watchdog = job.watchdog_task_id
    jobs.pause(job, owner)

    run_task(watchdog)

    job.refresh_from_db()
    assert job.watchdog_task_id == "" and not deferred(job)
    jobs.resume(job, owner)
    job.refresh_from_db()
    assert [str(t.id) for t in deferred(job)] == [job.watchdog_task_id]
    assert not invited()


@pytest.mark.django_db
def test_a_second_run_of_a_claimed_job_does_nothing(owner, shared_api, invited):
    job = make_job(owner, shared_api, 3)
    token = job_runner.claim(job.pk)

    job_runner.run(job.pk)  # another worker picks up a run of the same job
    assert not invited()
    assert job_runner.claim(job.pk) is None

    job_runner.process(job.pk, token)
    assert invited() == {cid: 1 for cid in ids(job)}


@pytest.mark.django_db
def test_a_worker_that_lost_its_lease_mid_call_still_records_what_happened(
    owner, shared_api, invited, monkeypatch
):
    job = make_job(owner, shared_api, 4)
    real = jobs.ROW_HANDLERS["invite"]
    taken_over = []

    def slow_invite(job_, row):
        done = real.process(job_, row)
        if not taken_over:
            # The call took longer than the lease: another worker's watchdog took the job over
            # (and marked this row unknown) before this one got its answer.
            taken_over.append(row.position)
            lapse(job_)
            run_task(Job.objects.get(pk=job_.pk).watchdog_task_id)
            assert JobRow.objects.get(pk=row.pk).state == State.UNKNOWN
        return done

    monkeypatch.setitem(jobs.ROW_HANDLERS, "invite", jobs.RowHandler(
        process=slow_invite, audit_action="invite"))
    job_runner.run(job.pk)

    assert states(job) == [State.DONE] * 4  # row 0: the first worker knew, and said so
    assert invited() == {cid: 1 for cid in ids(job)}


class WaitingBudget:
    """The API budget holding a job back: the call waits and `on_wait` runs before it is made.
    (The stand-in budget never waits, so this stands in for the busy one.)"""

    def __init__(self, before_wait):
        self.before_wait = before_wait
        self.estimate_seconds = budget.estimate_seconds

    @contextmanager
    def background(self, *, on_wait=None):
        self.before_wait()
        on_wait(5.0)
        yield


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["pause", "cancel"])
def test_pause_or_cancel_during_a_budget_wait_stops_before_the_call(owner, shared_api, invited,
                                                                   monkeypatch, action):
    job = make_job(owner, shared_api, 3)
    rows_started = []

    def second_row_waits_and_staff_click():
        rows_started.append(1)
        if len(rows_started) == 2:
            getattr(jobs, action)(job, owner)

    monkeypatch.setattr(job_runner, "budget", WaitingBudget(second_row_waits_and_staff_click))
    job_runner.run(job.pk)

    job.refresh_from_db()
    assert invited() == {ids(job)[0]: 1}
    assert job.lease_token == ""
    if action == "pause":
        assert states(job) == [State.DONE, State.PENDING, State.PENDING]
        assert job.rows.get(position=1).claim_token == ""
    else:
        assert states(job) == [State.DONE, State.SKIPPED, State.SKIPPED]
        assert job.rows.get(position=1).message == "Cancelled."


@pytest.mark.django_db
def test_waiting_for_the_budget_renews_the_lease_and_notices_a_takeover(owner, shared_api,
                                                                        settings):
    job = make_job(owner, shared_api, 1)
    token = job_runner.claim(job.pk)
    lease = job_runner.Lease(job.pk, token)
    full = timedelta(seconds=settings.JOB_LEASE_SECONDS)

    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() + full * 0.9)
    unchanged = Job.objects.get(pk=job.pk).lease_until
    lease.on_wait(3.0)
    assert Job.objects.get(pk=job.pk).lease_until == unchanged  # no write while it's fresh

    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() + full * 0.1)
    lease.on_wait(3.0)
    assert Job.objects.get(pk=job.pk).lease_until > timezone.now() + full * 0.9

    Job.objects.filter(pk=job.pk).update(lease_token="another-worker")
    with pytest.raises(job_runner.Interrupted):
        lease.on_wait(3.0)


@pytest.mark.django_db
def test_a_rate_limited_row_is_tried_again_not_failed(owner, shared_api, invited, monkeypatch):
    job = make_job(owner, shared_api, 2)
    real = jobs.ROW_HANDLERS["invite"]
    refused = []

    def refused_once(job_, row):
        if not refused:
            refused.append(row.position)
            raise TaskipRateLimited(retry_after=0, status=429, method="POST", path="/x")
        return real.process(job_, row)

    monkeypatch.setitem(jobs.ROW_HANDLERS, "invite", jobs.RowHandler(
        process=refused_once, audit_action="invite"))
    job_runner.run(job.pk)

    assert states(job) == [State.DONE, State.DONE]
    assert invited() == {cid: 1 for cid in ids(job)}


@pytest.mark.django_db
def test_a_finished_jobs_watchdog_retires(owner, shared_api):
    job = make_job(owner, shared_api, 1)
    job_runner.run(job.pk)
    job.refresh_from_db()

    task = run_task(job.watchdog_task_id)

    job.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert job.watchdog_task_id == "" and not deferred(job)
    assert DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("error", "state"), [
    (TaskipValidationError("Invalid.", status=422, method="POST"), State.FAILED),
    (TaskipUnavailable("Down.", status=503, method="POST"), State.FAILED),
    (TaskipUnavailable("Bad gateway.", status=502, method="POST"), State.UNKNOWN),
    (TaskipUnavailable("Server error.", status=500, method="PUT"), State.UNKNOWN),
    (TaskipTimeout("No answer.", method="POST"), State.UNKNOWN),
    (TaskipBadResponse("Not JSON.", status=200, method="POST"), State.UNKNOWN),
    (TaskipNotFound("No such contact.", status=404, method="GET"), State.FAILED),
    (TaskipTimeout("No answer.", method="GET"), State.FAILED),
])
def test_a_rows_outcome_follows_what_the_error_says_taskip_did(owner, monkeypatch, error,
                                                               state):
    def failing(job_, row):
        raise error

    monkeypatch.setitem(jobs.ROW_HANDLERS, "invite", jobs.RowHandler(
        process=failing, audit_action="invite"))
    job = jobs.create_job(owner, "invite", {}, rows=[(1, "One", None)])

    job_runner.run(job.pk)

    row = job.rows.get()
    assert (row.state, row.message) == (state, error.message)


@pytest.mark.django_db
def test_a_dashboard_bug_fails_a_row_that_sent_nothing_and_leaves_one_that_did_unknown(
    owner, shared_api, invited, monkeypatch
):
    job = make_job(owner, shared_api, 2)
    real = jobs.ROW_HANDLERS["invite"]

    def buggy(job_, row):
        if row.position == 1:
            real.process(job_, row)
        raise RuntimeError("bug")

    monkeypatch.setitem(jobs.ROW_HANDLERS, "invite", jobs.RowHandler(
        process=buggy, audit_action="invite"))
    job_runner.run(job.pk)

    assert states(job) == [State.FAILED, State.UNKNOWN]
    assert job.rows.get(position=0).message == (
        "The dashboard failed before calling TaskIP (RuntimeError).")
    assert invited() == {ids(job)[1]: 1}
    job.refresh_from_db()
    assert job.status == Job.Status.FINISHED
