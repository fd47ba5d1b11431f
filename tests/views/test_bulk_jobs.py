"""Bulk invite and bulk edit through their dialogs, and the job pages that follow them."""

import html

import pytest
from django.contrib.auth.models import User
from django.test import Client

from contacts.models import AuditEntry, Job, JobRow
from tests.jobs.conftest import invites, queued, run_task
from tests.roles import staff_group

State = JobRow.State


def run_job(job: Job) -> Job:
    """Run the job's queued work in this process, as a worker would."""
    work = [t for t in queued(job) if str(t.id) != job.watchdog_task_id]
    for task in work:
        run_task(str(task.id))
    job.refresh_from_db()
    return job


def portal_ids(server) -> set[int]:
    answer = server.session().get(f"{server.api_url}/contact", params={"limit": 100})
    return {c["id"] for c in answer.json()["data"] if c.get("access_portal")}


def test_the_invite_dialog_names_the_count_who_is_skipped_and_the_time(api, login_as):
    with_portal = sorted(portal_ids(api))[:1]
    ids = [*with_portal, 3, 4]
    response = login_as("editor").post("/contacts/bulk-invite/", {"contact_ids": ids})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Invite 3 contacts as clients" in page
    if with_portal:
        assert "1 already has portal access and will be skipped" in page
    assert "Sending takes under a minute" in page
    assert not Job.objects.exists()  # nothing starts before the user confirms


def test_confirming_a_bulk_invite_starts_a_job_that_invites_each_contact_once(api, login_as):
    client = login_as("editor")
    ids = [i for i in range(1, 30) if i not in portal_ids(api)][:5]
    before = len(api.api_calls())
    response = client.post("/contacts/bulk-invite/", {
        "contact_ids": ids, "confirmed": "1", "message": "Welcome aboard",
        "access_level": "premium", "send_email": "on",
    })
    job = Job.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.params) == ("invite", {
        "message": "Welcome aboard", "send_email": True, "access_level": "premium"})
    run_job(job)
    assert job.status == Job.Status.FINISHED
    assert invites(api, since=before) == {i: 1 for i in ids}
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'role="progressbar"' in page and 'aria-valuenow="100"' in page
    assert "<dt>Done</dt><dd>5</dd>" in page


def test_htmx_confirmation_redirects_the_whole_page_to_the_job(api, login_as):
    response = login_as("editor").post(
        "/contacts/bulk-invite/",
        {"contact_ids": [5], "confirmed": "1", "access_level": "basic", "send_again": "on"},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == f"/jobs/{Job.objects.get().pk}/"


def test_bad_bulk_invites_get_a_clear_message_and_start_nothing(api, login_as):
    client = login_as("editor")
    empty = client.post("/contacts/bulk-invite/", {"confirmed": "1"}, follow=True)
    assert "Select at least one contact to invite." in empty.content.decode()
    level = client.post("/contacts/bulk-invite/",
                        {"contact_ids": [3], "confirmed": "1", "access_level": "root"})
    assert level.status_code == 422
    assert "Select a valid choice" in level.content.decode()
    changed = client.post("/contacts/bulk-invite/", {
        "select_all": "1", "search": "smith", "confirmed": "1", "count": "999",
        "access_level": "basic",
    })
    assert changed.status_code == 409
    assert "changed since this dialog counted them" in changed.content.decode()
    assert not Job.objects.exists()


def test_a_viewer_may_not_bulk_invite_or_edit(api, login_as):
    client = login_as("viewer")
    assert client.post("/contacts/bulk-invite/", {"contact_ids": [3]}).status_code == 403
    assert client.post("/contacts/bulk-edit/", {"contact_ids": [3]}).status_code == 403


def test_bulk_edit_of_50_changes_exactly_the_chosen_field_on_each_contact(api, login_as):
    session = api.session()
    listed = session.get(f"{api.api_url}/contact", params={"limit": 50}).json()["data"]
    before = {c["id"]: session.get(f"{api.api_url}/contact/{c['id']}").json()["data"]
              for c in listed}
    ids = sorted(before)
    client = login_as("editor")
    dialog = client.post("/contacts/bulk-edit/", {"contact_ids": ids})
    assert "Edit 50 contacts" in dialog.content.decode()
    response = client.post("/contacts/bulk-edit/", {
        "contact_ids": ids, "confirmed": "1", "position": "Head of Partnerships",
    })
    job = Job.objects.get()
    assert response.status_code == 303 and job.params == {
        "fields": {"position": "Head of Partnerships"}}
    updates_before = len(api.api_calls())
    run_job(job)
    puts = [c for c in api.api_calls()[updates_before:] if c.method == "PUT"]
    assert sorted(int(c.path.rsplit("/", 1)[1]) for c in puts) == ids  # one PUT each
    for i in ids:
        after = session.get(f"{api.api_url}/contact/{i}").json()["data"]
        assert after["position"] == "Head of Partnerships"
        changed = {k for k in after if after[k] != before[i][k] and k != "updated_at"}
        assert changed <= {"position"}


def test_bulk_edit_sets_and_removes_a_custom_field_key(api, login_as):
    session = api.session()
    client = login_as("editor")
    client.post("/contacts/bulk-edit/", {"contact_ids": [20, 21], "confirmed": "1",
                                         "custom_field_key": "lead_source",
                                         "custom_field_value": "trade fair"})
    run_job(Job.objects.get())
    for i in (20, 21):
        custom = session.get(f"{api.api_url}/contact/{i}").json()["data"]["custom_fields"]
        assert custom["lead_source"] == "trade fair"
    client.post("/contacts/bulk-edit/", {"contact_ids": [20], "confirmed": "1",
                                         "custom_field_key": "lead_source",
                                         "remove_custom_field": "on"})
    run_job(Job.objects.order_by("-pk").first())
    custom = session.get(f"{api.api_url}/contact/20").json()["data"]["custom_fields"]
    assert "lead_source" not in custom


def test_bulk_edit_refuses_a_field_it_may_not_set(api, login_as):
    response = login_as("editor").post("/contacts/bulk-edit/", {
        "contact_ids": [3], "confirmed": "1", "email": "x@example.com", "position": "CEO",
    })
    assert response.status_code == 422
    assert "A bulk edit can't set email." in html.unescape(response.content.decode())
    assert not Job.objects.exists()


def test_bulk_edit_with_nothing_chosen_says_so(api, login_as):
    response = login_as("editor").post("/contacts/bulk-edit/",
                                       {"contact_ids": [3], "confirmed": "1"})
    assert response.status_code == 422
    assert "Choose at least one field to change." in response.content.decode()


@pytest.fixture
def someone_elses_job(db, api):
    other = User.objects.create_user("other-editor", password="correct-horse-9")
    other.groups.add(staff_group("editor"))
    from contacts import jobs

    return jobs.create_job(other, "invite", {"access_level": "basic"}, rows=[(3, "Ann", None)])


def test_another_users_job_is_a_404_for_its_pages_and_controls(someone_elses_job, login_as):
    client = login_as("editor")
    job_id = someone_elses_job.pk
    assert client.get(f"/jobs/{job_id}/").status_code == 404
    for action in ("pause", "resume", "cancel", "retry"):
        assert client.post(f"/jobs/{job_id}/{action}/").status_code == 404
    assert client.get(f"/jobs/{job_id}/download/").status_code == 404
    assert f"/jobs/{job_id}/" not in client.get("/jobs/").content.decode()


def test_admins_see_and_steer_everyones_jobs(someone_elses_job, login_as):
    client = login_as("admin")
    assert f"/jobs/{someone_elses_job.pk}/" in client.get("/jobs/").content.decode()
    client.post(f"/jobs/{someone_elses_job.pk}/pause/")
    someone_elses_job.refresh_from_db()
    assert someone_elses_job.status == Job.Status.PAUSED


def test_the_job_page_polls_while_running_and_stops_when_ended(someone_elses_job, login_as):
    client = login_as("admin")
    url = f"/jobs/{someone_elses_job.pk}/"
    running = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in running and "<html" not in running
    client.post(f"{url}cancel/")
    ended = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' not in ended
    assert "Cancelled" in ended
    assert AuditEntry.objects.filter(action="job", detail__contains="cancelled").exists()


def test_job_pages_spend_no_api_budget(someone_elses_job, login_as, api):
    client = login_as("admin")
    before = len(api.api_calls())
    client.get(f"/jobs/{someone_elses_job.pk}/")
    client.get(f"/jobs/{someone_elses_job.pk}/", headers={"HX-Request": "true"})
    client.get("/jobs/")
    assert len(api.api_calls()) == before


def test_retrying_unknown_rows_takes_only_the_ticked_ones(someone_elses_job, login_as):
    someone_elses_job.rows.update(state=State.UNKNOWN)
    client = login_as("admin")
    row = someone_elses_job.rows.get()
    page = client.get(f"/jobs/{someone_elses_job.pk}/").content.decode()
    assert "Rows whose outcome is unknown" in page
    client.post(f"/jobs/{someone_elses_job.pk}/retry/", {"unknown_rows": ["x"]})
    row.refresh_from_db()
    assert row.state == State.UNKNOWN  # never repeated unless ticked
    client.post(f"/jobs/{someone_elses_job.pk}/retry/", {"unknown_rows": [str(row.pk)]})
    row.refresh_from_db()
    assert row.state == State.PENDING


def test_jobs_pages_work_for_a_signed_in_user_without_jobs(db):
    user = User.objects.create_user("nobody", password="correct-horse-9")
    client = Client()
    client.force_login(user)
    assert "No jobs yet" in client.get("/jobs/").content.decode()
