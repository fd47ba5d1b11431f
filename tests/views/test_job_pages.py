"""The job pages without a sandbox: what the page says about time left, what each control says
after it is used, and when the job's file may be downloaded (the sandbox twins in
test_bulk_jobs.py run real jobs)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from contacts import job_files, jobs
from contacts.models import Job, JobRow
from tests.roles import staff_group
from tests.views.dom import Page, text

State = JobRow.State


@pytest.fixture
def editor(login_as):
    return login_as("editor")


@pytest.fixture
def make_job(editor):
    """A bulk invite job owned by the logged-in editor, with `rows` contacts still to do."""
    owner = User.objects.get(username="editor-user")

    def make(rows: int = 1) -> Job:
        return jobs.create_job(owner, "invite", {"access_level": "basic"},
                               rows=[(3 + i, f"Contact {3 + i}", None) for i in range(rows)])

    return make


def time_left_said(client, job: Job) -> str | None:
    """What the job's status line says after "time left:", or None when it says nothing."""
    page = Page(client.get(f"/jobs/{job.pk}/"))
    status = text(page.find("p", class_="job-status"))
    if "time left:" not in status:
        return None
    return status.split("time left:")[1].split("·")[0].strip()


def steer(client, job: Job, action: str, data=None) -> list[str]:
    response = client.post(f"/jobs/{job.pk}/{action}/", data or {}, follow=True)
    assert response.redirect_chain == [(f"/jobs/{job.pk}/", 302)]
    return Page(response).messages()


@pytest.mark.parametrize(("seconds", "said"), [
    (0.99, "a moment"), (1.0, "about 1 seconds"), (89.2, "about 90 seconds"),
    (90.0, "about 2 minutes"), (181.0, "about 4 minutes"),
])
def test_time_left_is_said_in_seconds_under_a_minute_and_a_half_then_minutes(
    make_job, editor, monkeypatch, seconds, said
):
    job = make_job()
    monkeypatch.setattr(jobs, "time_left", lambda _job: seconds)
    assert time_left_said(editor, job) == said


def test_time_left_follows_the_api_budget(make_job, editor, settings):
    settings.TASKIP_RATE_LIMIT = 10  # jobs may spend 8 a minute (20% is kept for people)
    assert time_left_said(editor, make_job(rows=1)) == "a moment"
    # 8 go now; the other 92 take 12 more windows.
    assert time_left_said(editor, make_job(rows=100)) == "about 12 minutes"


def test_an_ended_job_says_no_time_left(make_job, editor):
    job = make_job()
    assert time_left_said(editor, job) == "a moment"
    steer(editor, job, "cancel")
    assert time_left_said(editor, job) is None


def test_each_control_says_what_it_did_or_that_it_could_not(make_job, editor):
    job = make_job()
    assert steer(editor, job, "resume") == ["That can't be done to the job as it is now."]
    assert steer(editor, job, "pause") == ["Paused. The row in progress still finishes."]
    assert steer(editor, job, "pause") == ["That can't be done to the job as it is now."]
    assert steer(editor, job, "resume") == ["Resumed."]
    assert steer(editor, job, "retry") == ["That can't be done to the job as it is now."]
    assert steer(editor, job, "cancel") == ["Cancelled. Rows not started were skipped."]
    assert steer(editor, job, "cancel") == ["That can't be done to the job as it is now."]
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


def test_retry_counts_the_rows_it_puts_back(make_job, editor):
    job = make_job(rows=3)
    first, second, third = job.rows.order_by("position")
    job.rows.filter(pk=first.pk).update(state=State.FAILED)
    assert steer(editor, job, "retry") == ["1 row will be tried again."]
    job.rows.filter(pk__in=[first.pk, second.pk]).update(state=State.FAILED)
    job.rows.filter(pk=third.pk).update(state=State.UNKNOWN)
    assert steer(editor, job, "retry", {"unknown_rows": [str(third.pk), "x", ""]}) == [
        "3 rows will be tried again."]
    assert set(job.rows.values_list("state", flat=True)) == {State.PENDING}


def test_only_ticked_unknown_rows_with_decimal_ids_are_retried(make_job, editor):
    job = make_job(rows=2)
    job.rows.update(state=State.UNKNOWN)
    first, second = job.rows.order_by("position")
    assert steer(editor, job, "retry", {"unknown_rows": [f"-{first.pk}", f"{first.pk}.0"]}) == [
        "That can't be done to the job as it is now."]
    assert steer(editor, job, "retry", {"unknown_rows": [str(second.pk)]}) == [
        "1 row will be tried again."]
    assert dict(job.rows.values_list("pk", "state")) == {first.pk: State.UNKNOWN,
                                                         second.pk: State.PENDING}


@pytest.fixture
def job_with_file(make_job, settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "job-files"
    job = make_job()
    name = f"{job_files.EXPORTS}/{job_files.new_name('export')}"
    path = job_files.path_of(name)
    path.parent.mkdir(parents=True)
    path.write_text("first_name\r\nAnn\r\n", encoding="utf-8")
    job.result_file.name = name
    job.kind = Job.Kind.EXPORT
    job.save()
    return job


def download_offered(client, job: Job) -> bool:
    page = Page(client.get(f"/jobs/{job.pk}/"))
    return bool(page.all_by_role("link", "Download the file"))


def test_a_file_without_an_expiry_is_offered_and_downloads(job_with_file, editor):
    assert download_offered(editor, job_with_file)
    response = editor.get(f"/jobs/{job_with_file.pk}/download/")
    assert response.status_code == 200
    stamp = timezone.localtime(job_with_file.created_at).strftime("%Y%m%d-%H%M")
    assert response["Content-Disposition"] == (
        f'attachment; filename="contacts-export-{stamp}.csv"')
    assert b"".join(response.streaming_content) == b"first_name\r\nAnn\r\n"


def test_a_file_is_offered_until_it_expires(job_with_file, editor):
    job_with_file.result_expires_at = timezone.now() + timedelta(hours=1)
    job_with_file.save()
    assert download_offered(editor, job_with_file)
    assert editor.get(f"/jobs/{job_with_file.pk}/download/").status_code == 200
    job_with_file.result_expires_at = timezone.now() - timedelta(seconds=1)
    job_with_file.save()
    assert not download_offered(editor, job_with_file)
    assert editor.get(f"/jobs/{job_with_file.pk}/download/").status_code == 404


def test_only_the_owner_and_admins_see_a_job(make_job, login_as):
    job = make_job()
    other = User.objects.create_user("other-editor")
    other.groups.add(staff_group("editor"))
    stranger = Client()
    stranger.force_login(other)
    assert stranger.get(f"/jobs/{job.pk}/").status_code == 404
    assert stranger.post(f"/jobs/{job.pk}/pause/").status_code == 404
    admin = login_as("admin")
    assert admin.get(f"/jobs/{job.pk}/").status_code == 200
    assert [h for h in Page(admin.get("/jobs/")).headings() if "jobs" in h] == ["All jobs"]
    assert [h for h in Page(stranger.get("/jobs/")).headings() if "jobs" in h] == ["Your jobs"]
