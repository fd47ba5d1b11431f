"""Export: the dialog, the job, its file, checked against the live sandbox's own answers."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

from django.utils import timezone

from contacts import export, job_files
from contacts.models import AuditEntry, Job, JobRow

from .conftest import api_pages, csv_rows, job_of, pages_of, run_job

SEARCH = "example"  # every seeded email is at example.com, .org or .net
COLUMNS = [
    "id", "full_name", "email", "company.name", "phone_code", "phone_number", "access_portal",
    "billing.city", "languages", "created_at", "custom_fields.department",
    "custom_fields.lead_source",
]  # fmt: skip


def expected_cell(raw: dict, column: str) -> str:
    """What the API itself says for a column, read straight from its JSON."""
    if column.startswith("custom_fields."):
        value = (raw.get("custom_fields") or {}).get(column.split(".", 1)[1])
    elif column == "languages":
        value = ", ".join(language["code"] for language in raw["languages"])
    elif column.startswith("billing."):
        part = column.split(".", 1)[1]
        billing = raw.get("billings") or {}
        value = billing.get(part if part == "tax_number" else f"billing_{part}")
    elif "." in column:
        outer, inner = column.split(".", 1)
        value = (raw.get(outer) or {}).get(inner)
    else:
        value = raw[column]
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def start(client, **data):
    return client.post("/contacts/export/", {"search": SEARCH, **data})


def test_export_of_all_matching_contacts_equals_the_api_row_by_row(api, login_as):
    client = login_as("editor")
    dialog = client.get("/contacts/export/", {"search": SEARCH, "sort": "name", "order": "desc"})
    assert dialog.status_code == 200
    count = dialog.context["count"]
    truth = api_pages(api, search=SEARCH, sort="name", order="desc")
    assert count == len(truth) > 100  # several pages

    before = len(api.api_calls())
    response = start(client, sort="name", order="desc", columns=COLUMNS, count=count)
    assert response.status_code == 303
    job = run_job(response)
    calls = api.api_calls()[before:]

    assert [c.method for c in calls] == ["GET"] * pages_of(count)
    assert all(c.path.startswith("/api/public-v1/contact?") and "limit=100" in c.path
               for c in calls)
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(download)
    assert list(rows[0]) == COLUMNS
    assert len(rows) == len(truth)
    for row, raw in zip(rows, truth, strict=True):
        assert row == {column: expected_cell(raw, column) for column in COLUMNS}


def test_export_walks_on_when_more_contacts_match_than_the_dialog_counted(api, login_as):
    client = login_as("editor")
    truth = api_pages(api, search=SEARCH)
    job = run_job(start(client, columns=["id", "email"], count=30))  # one page row, 2+ pages
    assert job.rows.count() == 1
    rows = csv_rows(client.get(f"/jobs/{job.pk}/download/"))
    assert [int(r["id"]) for r in rows] == [c["id"] for c in truth]


def test_a_formula_in_a_contact_exports_inert(api, login_as):
    formula = '=HYPERLINK("http://x","y")'
    session = api.session()
    created = session.post(f"{api.api_url}/contact", json={
        "first_name": formula, "last_name": "-2+3", "email": "formula@example.com",
        "position": "@SUM(A1)", "phone_code": "+44",
        "custom_fields": {"note": "\tTabbed", "plain": "safe"},
    }, timeout=10)
    assert created.status_code == 201
    client = login_as("editor")
    columns = ["first_name", "last_name", "email", "position", "phone_code",
               "custom_fields.note", "custom_fields.plain"]
    job = run_job(client.post("/contacts/export/",
                              {"search": "formula@", "columns": columns, "count": 1}))
    [row] = csv_rows(client.get(f"/jobs/{job.pk}/download/"))
    assert row == {
        "first_name": "'" + formula, "last_name": "'-2+3", "email": "formula@example.com",
        "position": "'@SUM(A1)", "phone_code": "'+44", "custom_fields.note": "'\tTabbed",
        "custom_fields.plain": "safe",
    }


def test_exporting_ticked_contacts_exports_those_in_the_lists_order_with_one_call(
    api, login_as
):
    client = login_as("editor")
    page = api_pages(api, sort="email")[:20]
    ticked = [page[3]["id"], page[0]["id"], page[17]["id"]]
    before = len(api.api_calls())
    response = client.post("/contacts/export/", {
        "contact_ids": ticked, "sort": "email", "order": "asc", "limit": "20",
        "columns": ["id", "email"],
    })  # fmt: skip
    job = run_job(response)
    assert len(api.api_calls()[before:]) == 1
    rows = csv_rows(client.get(f"/jobs/{job.pk}/download/"))
    assert [int(r["id"]) for r in rows] == [page[0]["id"], page[3]["id"], page[17]["id"]]


def test_the_dialog_offers_every_field_and_the_pages_custom_fields_with_the_lists_columns_ticked(
    shared_api, login_as
):
    response = login_as("editor").get("/contacts/export/", {"search": SEARCH})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<dialog" in html and " open" in html  # a page of its own without JavaScript
    for name in export.COLUMNS:
        assert f'value="{name}"' in html
    for key in ("department", "lead_source"):
        assert f'value="custom_fields.{key}"' in html
    for name in export.DEFAULT_COLUMNS:
        assert f'value="{name}" checked' in html
    assert 'value="id" checked' not in html


def test_the_dialog_for_htmx_is_the_dialog_alone(shared_api, login_as):
    response = login_as("editor").get("/contacts/export/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith("<dialog") and "<html" not in html


def test_an_export_without_columns_starts_nothing(shared_api, login_as):
    client = login_as("editor")
    response = client.post("/contacts/export/", {"columns": ["not_a_field"], "count": 3})
    assert response.status_code == 422
    assert "Choose at least one column" in response.content.decode() or "valid choice" in (
        response.content.decode())
    assert not Job.objects.exists()


def test_viewers_get_403_on_export(api, login_as):
    client = login_as("viewer")
    before = len(api.api_calls())
    assert client.get("/contacts/export/").status_code == 403
    assert client.post("/contacts/export/", {"columns": ["email"], "count": 5}).status_code == 403
    assert len(api.api_calls()) == before
    assert not Job.objects.exists()


def test_another_users_download_is_a_404_the_owners_and_an_admins_a_200(api, login_as):
    owner = login_as("editor")
    job = run_job(owner.post("/contacts/export/", {"columns": ["email"], "count": 200}))
    url = f"/jobs/{job.pk}/download/"
    assert login_as("editor", username="someone-else").get(url).status_code == 404
    assert login_as("viewer").get(url).status_code == 404
    assert owner.get(url).status_code == 200
    assert login_as("admin").get(url).status_code == 200
    assert owner.get(f"/jobs/{job.pk + 1000}/download/").status_code == 404


def test_the_file_is_private_and_goes_after_the_retention(api, login_as, settings):
    client = login_as("editor")
    job = run_job(client.post("/contacts/export/", {"columns": ["email"], "count": 200}))
    path = job_files.root() / job.result_file.name
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) & 0o077 == 0
    assert job.result_expires_at > timezone.now() + timedelta(hours=23)

    assert job_files.delete_expired_files() == 0
    assert path.exists()
    later = job.result_expires_at + timedelta(seconds=1)
    assert job_files.delete_expired_files(now=later) == 1
    assert not path.exists()
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_leftover_files_older_than_the_retention_are_swept(db, settings):
    upload = job_files.folder(job_files.UPLOADS) / "upload-old"
    upload.write_bytes(b"email\n")
    fresh = job_files.folder(job_files.UPLOADS) / "upload-new"
    fresh.write_bytes(b"email\n")
    day_ago = timezone.now().timestamp() - 25 * 3600
    os.utime(upload, (day_ago, day_ago))
    assert job_files.delete_expired_files() == 1
    assert not upload.exists() and fresh.exists()


def test_each_page_is_a_ledger_row_and_the_job_is_in_the_audit_log(api, login_as):
    client = login_as("editor")
    job = run_job(client.post("/contacts/export/", {"search": SEARCH, "columns": ["email"],
                                                    "count": 200}))
    rows = list(job.rows.order_by("position"))
    assert [r.state for r in rows] == [JobRow.State.DONE] * 2
    assert [r.label for r in rows] == ["Contacts 1–100", "Contacts 101–200"]
    details = list(AuditEntry.objects.filter(action=AuditEntry.Action.JOB)
                   .values_list("detail", flat=True))
    assert any(f"job {job.pk} (export) created" in d for d in details)
    assert any(f"job {job.pk} (export) finished" in d for d in details)


def test_htmx_start_redirects_the_whole_page_to_the_job(api, login_as):
    client = login_as("editor")
    response = client.post("/contacts/export/", {"columns": ["email"], "count": 1},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert job_of(response).kind == Job.Kind.EXPORT


def test_a_failed_page_leaves_no_file_until_it_is_retried(api, start_sandbox, settings,
                                                           login_as):
    from contacts.job_runner import run

    client = login_as("editor")
    settings.TASKIP_BASE_URL = start_sandbox(fail_rate=1.0).url  # every answer a 503
    job = run_job(client.post("/contacts/export/", {"columns": ["id"], "count": 200}))
    assert set(job.rows.values_list("state", flat=True)) == {JobRow.State.FAILED}
    assert not job.result_file
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404

    # Retry, as the job page's button does: the failed rows pending again, the job queued.
    settings.TASKIP_BASE_URL = api.url
    job.rows.update(state=JobRow.State.PENDING, message="")
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, finished_at=None)
    run(job.pk)
    rows = csv_rows(client.get(f"/jobs/{job.pk}/download/"))
    assert [int(r["id"]) for r in rows] == [c["id"] for c in api_pages(api)]
