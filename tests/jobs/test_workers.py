"""Real `manage.py db_worker` processes on this test's database file, against a live sandbox:
a worker killed mid-row is replaced, and two workers at once never share a row. The tests share
one slow sandbox (each call takes 80 ms, so a row stays in flight long enough to kill a worker
then) and invite different contacts."""

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from contacts import jobs
from contacts.models import Job, JobRow
from contacts.tasks import run_job
from tests.jobs.conftest import invite_calls, sandbox_contacts, wait_for

State = JobRow.State
sandbox_options = {"latency_ms": 80}


def finished(*jobs_):
    return lambda: all(j.status == Job.Status.FINISHED
                       for j in Job.objects.filter(pk__in=[j.pk for j in jobs_]))


def started(worker):
    return lambda: "Starting worker" in worker.output()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_row_is_replaced_and_nobody_is_invited_twice(
    owner, module_api, start_worker, settings
):
    settings.JOB_LEASE_SECONDS = 1
    server, since = module_api, len(module_api.api_calls())
    people = sandbox_contacts(server, 20)
    job = jobs.create_job(owner, "invite", {"send_email": False},
                          rows=[(cid, name, None) for cid, name in people])
    first = start_worker(server)

    in_flight = wait_for(
        lambda: JobRow.objects.filter(job=job, state=State.IN_FLIGHT, position__gte=3).first(),
        what="a row in flight", workers=(first,))
    first.kill()
    second = start_worker(server)
    wait_for(finished(job), what="the job to finish", workers=(first, second))

    rows = {row.contact_id: row for row in job.rows.all()}
    # Its call may have reached TaskIP before the kill: never repeated by itself.
    assert rows[in_flight.contact_id].state == State.UNKNOWN
    assert all(row.state == State.DONE for cid, row in rows.items()
               if cid != in_flight.contact_id)
    sent = invite_calls(server, since=since)
    assert set(sent) | {in_flight.contact_id} == set(rows)
    assert max(sent.values()) == 1
    # django-tasks-db itself never recovers the killed worker's task (the watchdog did the
    # work): once the replacement's run is recorded, that one is still RUNNING.
    wait_for(lambda: DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count() == 1,
             what="the replacement's run to be recorded", workers=(first, second))


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_process_each_row_exactly_once(owner, module_api, start_worker,
                                                          settings):
    settings.JOB_LEASE_SECONDS = 1
    server, since = module_api, len(module_api.api_calls())
    people = sandbox_contacts(server, 32, skip=20)
    workers = (start_worker(server), start_worker(server))
    for worker in workers:
        wait_for(started(worker), what="the worker to start", workers=workers)

    long_job = jobs.create_job(owner, "invite", {"send_email": False},
                               rows=[(cid, name, None) for cid, name in people[:24]])
    short_job = jobs.create_job(owner, "invite", {"send_email": False},
                                rows=[(cid, name, None) for cid, name in people[24:]])
    # Runs of a job already being worked on (a double-clicked Resume, say).
    extra = [run_job.enqueue(long_job.pk) for _ in range(2)]
    wait_for(finished(long_job, short_job), what="both jobs to finish", workers=workers)

    assert invite_calls(server, since=since) == {cid: 1 for cid, _ in people}
    assert set(JobRow.objects.values_list("state", flat=True)) == {State.DONE}
    for result in extra:
        wait_for(lambda r=result: DBTaskResult.objects.get(id=r.id).status
                 == TaskResultStatus.SUCCESSFUL, what="the extra runs", workers=workers)
    ran = DBTaskResult.objects.exclude(status=TaskResultStatus.READY)
    assert not ran.filter(status=TaskResultStatus.FAILED).exists()
    assert len({w for task in ran for w in task.worker_ids}) == 2  # both took part
