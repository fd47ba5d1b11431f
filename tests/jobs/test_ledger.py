"""A job's ledger and the rules for steering it: create, counts, time left, pause, resume,
cancel, retry. Rows run in this process, against a live sandbox."""

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from contacts import job_runner, jobs
from contacts.models import AuditEntry, Job, JobRow
from contacts.taskip import budget
from tests.jobs.conftest import queued, run_task, sandbox_contacts

State = JobRow.State
INVITE = {"message": "Welcome", "send_email": False, "access_level": "basic"}


def make_invite_job(owner, server, n=5, skipped=()):
    rows = [(cid, name, None) for cid, name in sandbox_contacts(server, n)]
    return jobs.create_job(owner, "invite", INVITE, rows=rows, skipped=skipped)


def states(job):
    return [row.state for row in job.rows.order_by("position")]


@pytest.mark.django_db
def test_create_job_writes_the_ledger_and_queues_a_run_and_one_watchdog(owner, shared_api):
    rows = [(cid, name, None) for cid, name in sandbox_contacts(shared_api, 3)]
    calls_before = len(shared_api.api_calls())
    job = jobs.create_job(owner, "invite", INVITE, rows=rows,
                          skipped=[(77, "Ann Other", "No email address.")])
    assert len(shared_api.api_calls()) == calls_before

    rows = list(job.rows.order_by("position"))
    assert [(r.contact_id, r.state) for r in rows[:3]] == [
        (cid, State.PENDING) for cid, _ in sandbox_contacts(shared_api, 3)
    ]
    assert rows[0].label  # the name, so the job page never asks TaskIP
    assert (rows[3].contact_id, rows[3].label, rows[3].state, rows[3].message) == (
        77, "Ann Other", State.SKIPPED, "No email address.")
    assert job.status == Job.Status.QUEUED
    tasks = queued(job)
    assert len(tasks) == 2
    watchdog = DBTaskResult.objects.get(id=job.watchdog_task_id)
    assert watchdog.task.run_after is not None  # deferred until a lease could lapse
    assert [t for t in tasks if t.id != watchdog.id][0].task.run_after is None
    entry = AuditEntry.objects.get(action=AuditEntry.Action.JOB)
    assert entry.detail == f"job {job.pk} (invite) created: 3 to do, 1 skipped"
    assert entry.username == "job-owner"


@pytest.mark.django_db
def test_create_job_refuses_unknown_kinds_and_bad_params(owner):
    with pytest.raises(ValueError, match="no row handler"):
        jobs.create_job(owner, "frobnicate", {}, rows=[])
    with pytest.raises(ValueError, match="portal access off"):
        jobs.create_job(owner, "edit", {"fields": {"access_portal": 1}}, rows=[(1, "A", None)])
    with pytest.raises(ValueError, match="sets only"):
        jobs.create_job(owner, "edit", {"fields": {"email": "x@example.com"}})
    with pytest.raises(ValueError, match="change something"):
        jobs.create_job(owner, "edit", {"fields": {}})
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_run_does_every_row_then_finishes_and_lets_go(owner, shared_api):
    job = make_invite_job(owner, shared_api, 4, skipped=[(99, "Skipped One", "No email.")])

    job_runner.run(job.pk)

    job.refresh_from_db()
    assert states(job) == [State.DONE] * 4 + [State.SKIPPED]
    assert job.status == Job.Status.FINISHED
    assert job.started_at and job.finished_at
    assert (job.lease_token, job.lease_until) == ("", None)
    assert job.counts() == jobs.JobCounts(done=4, skipped=1)
    assert job.counts().percent == 100
    assert jobs.time_left(job) == 0


@pytest.mark.django_db
def test_counts_and_time_left_come_from_the_ledger(owner, shared_api):
    job = make_invite_job(owner, shared_api, 6)
    job.rows.filter(position__in=[0, 1]).update(state=State.DONE)
    job.rows.filter(position=2).update(state=State.FAILED)

    before = len(shared_api.api_calls())
    c = job.counts()
    assert (c.pending, c.done, c.failed, c.total, c.finished, c.percent) == (3, 2, 1, 6, 3, 50)
    assert jobs.time_left(job) == budget.estimate_seconds(3)
    assert len(shared_api.api_calls()) == before  # pages poll these: no API budget spent

    edit = jobs.create_job(owner, "edit", {"custom_field": {"key": "tier", "value": "gold"}},
                           rows=[(1, "A", None), (2, "B", None)])
    assert jobs.time_left(edit) == budget.estimate_seconds(4)  # a read and a write per row


@pytest.mark.django_db
def test_pause_before_a_worker_starts_keeps_every_row_pending(owner, shared_api, invited):
    job = make_invite_job(owner, shared_api, 3)
    assert jobs.pause(job, owner) is True
    assert jobs.pause(job, owner) is False  # already paused

    job_runner.run(job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.PAUSED
    assert states(job) == [State.PENDING] * 3
    assert not invited()


@pytest.mark.django_db
def test_pause_stops_after_the_row_in_flight_and_resume_goes_on(
    owner, shared_api, invited, monkeypatch
):
    job = make_invite_job(owner, shared_api, 4)
    real = jobs.ROW_HANDLERS["invite"]

    def invite_then_pause(job_, row):
        done = real.process(job_, row)
        if row.position == 1:
            jobs.pause(job_, owner)  # someone clicks Pause while row 1 is in flight
        return done

    monkeypatch.setitem(jobs.ROW_HANDLERS, "invite",
                        jobs.RowHandler(process=invite_then_pause, audit_action="invite"))
    job_runner.run(job.pk)

    job.refresh_from_db()
    assert states(job) == [State.DONE, State.DONE, State.PENDING, State.PENDING]
    assert job.status == Job.Status.PAUSED
    assert job.lease_token == ""  # let go, so any worker can resume it

    monkeypatch.setitem(jobs.ROW_HANDLERS, "invite", real)
    assert jobs.resume(job, owner) is True
    assert jobs.resume(job, owner) is False
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    ready_now = [t for t in queued(job) if t.task.run_after is None]
    run_task(ready_now[-1].id)

    job.refresh_from_db()
    assert states(job) == [State.DONE] * 4
    assert job.status == Job.Status.FINISHED
    assert set(invited().values()) == {1} and len(invited()) == 4


@pytest.mark.django_db
def test_cancel_skips_pending_rows_and_nothing_more_is_sent(owner, shared_api, invited):
    job = make_invite_job(owner, shared_api, 3)
    job.rows.filter(position=0).update(state=State.DONE)

    assert jobs.cancel(job, owner) is True
    assert jobs.cancel(job, owner) is False
    assert jobs.pause(job, owner) is False
    assert jobs.resume(job, owner) is False
    job_runner.run(job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.finished_at
    assert states(job) == [State.DONE, State.SKIPPED, State.SKIPPED]
    assert job.rows.get(position=1).message == "Cancelled by job-owner."
    assert not invited()


@pytest.mark.django_db
def test_retry_reruns_failed_rows_but_unknown_ones_only_when_named(owner, shared_api, invited):
    job = make_invite_job(owner, shared_api, 4)
    job_runner.run(job.pk)
    failed, unknown, other_unknown = job.rows.order_by("position")[1:4]
    JobRow.objects.filter(pk=failed.pk).update(state=State.FAILED, message="Server error.")
    JobRow.objects.filter(pk__in=[unknown.pk, other_unknown.pk]).update(state=State.UNKNOWN)
    sent_before = invited()

    assert jobs.retry(job, owner) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.finished_at is None
    assert states(job) == [State.DONE, State.PENDING, State.UNKNOWN, State.UNKNOWN]
    job_runner.run(job.pk)
    assert states(job) == [State.DONE, State.DONE, State.UNKNOWN, State.UNKNOWN]
    assert invited() - sent_before == {failed.contact_id: 1}

    assert jobs.retry(job, owner) == 0  # nothing failed: unknown rows are never assumed
    assert jobs.retry(job, owner, unknown_rows=[unknown.pk]) == 1
    job_runner.run(job.pk)
    assert states(job) == [State.DONE, State.DONE, State.DONE, State.UNKNOWN]
    assert invited() - sent_before == {failed.contact_id: 1, unknown.contact_id: 1}
    assert other_unknown.contact_id not in invited() - sent_before


@pytest.mark.django_db
def test_resume_never_resends_unknown_rows(owner, shared_api, invited):
    job = make_invite_job(owner, shared_api, 3)
    unknown = job.rows.get(position=0)
    JobRow.objects.filter(pk=unknown.pk).update(state=State.UNKNOWN)
    jobs.pause(job, owner)
    jobs.resume(job, owner)

    job_runner.run(job.pk)

    assert states(job) == [State.UNKNOWN, State.DONE, State.DONE]
    assert unknown.contact_id not in invited()


@pytest.mark.django_db
def test_each_row_outcome_and_the_job_are_in_the_audit_log(owner, shared_api):
    ((good, name),) = sandbox_contacts(shared_api, 1)
    job = jobs.create_job(owner, "invite", INVITE,
                          rows=[(good, name, None), (999999, "Gone Person", None)])

    job_runner.run(job.pk)

    rows = list(AuditEntry.objects.filter(action=AuditEntry.Action.INVITE).order_by("id"))
    assert [(e.contact_ids, e.outcome, e.username) for e in rows] == [
        ([good], AuditEntry.Outcome.SUCCESS, "job-owner"),
        ([999999], AuditEntry.Outcome.FAILURE, "job-owner"),
    ]
    assert rows[0].detail == f"job {job.pk}: done: Invitation sent."
    assert rows[1].detail.startswith(f"job {job.pk}: failed: ")
    details = list(AuditEntry.objects.filter(action=AuditEntry.Action.JOB)
                   .order_by("id").values_list("detail", flat=True))
    assert details == [
        f"job {job.pk} (invite) created: 2 to do, 0 skipped",
        f"job {job.pk} (invite) finished: 1 done, 1 failed, 0 skipped, 0 unknown",
    ]
    jobs.retry(job, owner)
    jobs.pause(job, owner)
    jobs.cancel(job, owner)
    details = list(AuditEntry.objects.filter(action=AuditEntry.Action.JOB, user=owner)
                   .order_by("id").values_list("detail", flat=True))[2:]
    assert details == [f"job {job.pk} (invite) retried 1 rows", f"job {job.pk} (invite) paused",
                       f"job {job.pk} (invite) cancelled (1 rows not done)"]


@pytest.mark.django_db
def test_a_deleted_job_is_no_work(owner, shared_api, invited):
    job = make_invite_job(owner, shared_api, 2)
    watchdog = job.watchdog_task_id
    job.delete()
    run_task(watchdog)
    assert not invited()
    assert DBTaskResult.objects.get(id=watchdog).status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db
def test_a_kind_plugs_in_a_handler_whose_finish_runs_once_the_rows_are_done(owner, monkeypatch):
    seen = []

    def note(job_, row):
        seen.append(("row", row.position, row.data["page"]))
        return jobs.RowDone(message="page written", data={"lines": 100})

    def close_file(job_):
        seen.append(("finish", job_.counts().pending))

    monkeypatch.setitem(jobs.ROW_HANDLERS, "export", jobs.RowHandler(
        process=note, audit_action=None, finish=close_file))
    job = jobs.create_job(owner, "export", {"columns": ["email"]},
                          rows=[(None, f"Page {n}", {"page": n}) for n in (1, 2)])

    job_runner.run(job.pk)

    assert seen == [("row", 0, 1), ("row", 1, 2), ("finish", 0)]
    row = job.rows.get(position=1)
    assert (row.state, row.message, row.data) == (State.DONE, "page written",
                                                  {"page": 2, "lines": 100})
    assert not AuditEntry.objects.exclude(action=AuditEntry.Action.JOB).exists()
    job.refresh_from_db()
    assert job.status == Job.Status.FINISHED
