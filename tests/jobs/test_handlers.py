"""The invite and edit row handlers against a live sandbox, checked over raw HTTP and through
the sandbox's access log. Edits go to this module's own sandbox, each test to other contacts."""

import uuid

import pytest

from contacts import job_runner, jobs
from contacts.models import Job, JobRow
from tests.jobs.conftest import invite_calls, invites, sandbox_contacts, wait_for

State = JobRow.State
# Change on every GET of the same contact: not a field anyone set.
VOLATILE = {"updated_at"}


def contact(server, contact_id):
    answer = server.session().get(f"{server.api_url}/contact/{contact_id}")
    answer.raise_for_status()
    return answer.json()["data"]


def put(server, contact_id, changes):
    server.session().put(f"{server.api_url}/contact/{contact_id}", json=changes).raise_for_status()


def differences(before, after):
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)} - VOLATILE


def states(job):
    return [row.state for row in job.rows.order_by("position")]


def edit_job(owner, server, params, ids):
    return jobs.create_job(owner, "edit", params, rows=[(i, f"Contact {i}", None) for i in ids])


@pytest.mark.django_db
def test_invite_sends_each_contact_one_invitation_with_the_jobs_options(owner, shared_api,
                                                                        invited):
    people = sandbox_contacts(shared_api, 6)
    message = f"Welcome aboard {uuid.uuid4()}"
    job = jobs.create_job(owner, "invite",
                          {"message": message, "send_email": True, "access_level": "premium"},
                          rows=[(cid, name, None) for cid, name in people])

    job_runner.run(job.pk)

    assert invited() == {cid: 1 for cid, _ in people}
    assert states(job) == [State.DONE] * 6
    assert job.rows.first().message == "Invitation sent."
    emails = shared_api.stderr_text()  # the sandbox's console email backend
    assert emails.count(message) == 6
    assert "with premium access" in emails


@pytest.mark.django_db
def test_a_refused_row_fails_with_the_apis_message_and_field_errors(owner, shared_api, invited):
    ((cid, name),) = sandbox_contacts(shared_api, 1)
    job = jobs.create_job(owner, "invite", {"access_level": "gold"}, rows=[(cid, name, None)])

    job_runner.run(job.pk)

    row = job.rows.get()
    assert row.state == State.FAILED
    assert row.message == ("Some fields are invalid; see errors. "
                           "access_level: Must be one of: basic, standard, premium.")
    assert not invited()
    job.refresh_from_db()
    assert job.status == Job.Status.FINISHED


@pytest.mark.django_db
def test_edit_sends_only_the_chosen_fields_and_merges_the_custom_field(owner, module_api):
    api = module_api
    ids = [cid for cid, _ in sandbox_contacts(api, 3)]
    for i in ids:
        put(api, i, {"custom_fields": {"source": "fair", "size": "L"}})
    before = {i: contact(api, i) for i in ids}
    since = len(api.api_calls())
    params = {"fields": {"position": "Head of Tests", "company_id": 5, "timezone": "Asia/Tokyo"},
              "custom_field": {"key": "tier", "value": "gold"}}
    job = edit_job(owner, api, params, ids)

    job_runner.run(job.pk)
    made = sorted((c.method, c.path) for c in api.api_calls()[since:])

    assert states(job) == [State.DONE] * 3
    for i in ids:
        after = contact(api, i)
        assert differences(before[i], after) <= {"position", "company_id", "company", "timezone",
                                                 "custom_fields"}
        assert after["position"] == "Head of Tests" and after["company_id"] == 5
        assert after["timezone"] == "Asia/Tokyo"
        assert after["custom_fields"] == {"source": "fair", "size": "L", "tier": "gold"}
    # Per contact: one read of its custom fields, one write; no other call.
    assert made == sorted([("GET", f"/api/public-v1/contact/{i}") for i in ids]
                          + [("PUT", f"/api/public-v1/contact/{i}") for i in ids])


@pytest.mark.django_db
def test_edit_without_custom_fields_is_one_write_per_contact(owner, module_api):
    api = module_api
    ids = [cid for cid, _ in sandbox_contacts(api, 2, skip=3)]
    put(api, ids[0], {"access_portal": 1, "password": "s3cret-pass"})
    before = {i: contact(api, i) for i in ids}
    since = len(api.api_calls())

    job_runner.run(edit_job(owner, api, {"fields": {"access_portal": 0}}, ids).pk)

    assert [(c.method, c.path) for c in api.api_calls()[since:]] == [
        ("PUT", f"/api/public-v1/contact/{i}") for i in ids]
    for i in ids:
        after = contact(api, i)
        assert not after["access_portal"]
        assert differences(before[i], after) <= {"access_portal"}


@pytest.mark.django_db
def test_edit_removes_one_custom_field_key_and_skips_contacts_without_it(owner, module_api):
    api = module_api
    has_it, lacks_it = [cid for cid, _ in sandbox_contacts(api, 2, skip=5)]
    put(api, has_it, {"custom_fields": {"source": "fair", "size": "L"}})
    put(api, lacks_it, {"custom_fields": {"size": "M"}})
    since = len(api.api_calls())

    job = edit_job(owner, api, {"custom_field": {"key": "source", "remove": True}},
                   [has_it, lacks_it])
    job_runner.run(job.pk)

    assert states(job) == [State.DONE, State.SKIPPED]
    assert job.rows.get(contact_id=lacks_it).message == "Has no custom field “source”."
    writes = [c for c in api.api_calls()[since:] if c.method == "PUT"]
    assert [c.path for c in writes] == [f"/api/public-v1/contact/{has_it}"]
    assert contact(api, has_it)["custom_fields"] == {"size": "L"}
    assert contact(api, lacks_it)["custom_fields"] == {"size": "M"}


@pytest.mark.django_db
def test_an_unavailable_api_fails_the_row_without_sending_it_again(owner, start_sandbox,
                                                                   settings):
    server = start_sandbox(fail_rate=1.0)
    settings.TASKIP_BASE_URL, settings.TASKIP_SECRET_KEY = server.url, server.secret_key
    job = jobs.create_job(owner, "invite", {}, rows=[(1, "One", None), (2, "Two", None)])

    job_runner.run(job.pk)

    assert states(job) == [State.FAILED, State.FAILED]
    assert {r.message for r in job.rows.all()} == {
        "The sandbox injected a failure (--fail-rate); try again."}
    # A 503 is an answer (TaskIP did nothing), so failed, and a POST is never retried.
    assert invite_calls(server) == {1: 1, 2: 1}
    assert not invites(server)


@pytest.mark.django_db
def test_a_write_whose_answer_never_came_is_unknown(owner, start_sandbox, settings):
    server = start_sandbox(latency_ms=600)
    settings.TASKIP_BASE_URL, settings.TASKIP_SECRET_KEY = server.url, server.secret_key
    settings.TASKIP_TIMEOUT = (1.0, 0.2)
    ((cid, name),) = sandbox_contacts(server, 1)
    job = jobs.create_job(owner, "invite", {}, rows=[(cid, name, None)])

    job_runner.run(job.pk)

    row = job.rows.get()
    assert row.state == State.UNKNOWN
    assert "did not answer in time" in row.message
    # TaskIP did act: the sandbox answers (and logs) once its latency is over.
    assert wait_for(lambda: invite_calls(server), what="the invitation") == {cid: 1}
