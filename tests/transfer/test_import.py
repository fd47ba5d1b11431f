"""Import: upload, mapping, dry run and the job, against the live sandbox, checked over raw HTTP."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts import imports
from contacts.models import AuditEntry, Job, JobRow

from .conftest import api_pages, csv_rows, run_job

HEADER = ["First Name", "Last Name", "E-mail", "Phone Code", "Mobile", "Position", "Time zone",
          "ZIP", "Source"]
INVALID = {  # column -> bad value, one invalid row each
    "E-mail": "not-an-email",
    "First Name": "",
    "Mobile": "1" * 20,  # phone_number is at most 18
    "Time zone": "Mars/Olympus",
    "ZIP": "123456789",  # zip_code is at most 8
}


def to_csv(rows: list[list[str]], header=HEADER, delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def good_row(i: int, email: str | None = None) -> list[str]:
    return [f"New{i}", "Person", email or f"new{i}@import.test", "+1", f"555-01{i:02d}",
            "Imported", "Europe/Paris", "75001", "spring fair"]


def hundred_rows(server) -> tuple[list[list[str]], list[dict]]:
    """85 new contacts, 10 with emails TaskIP has, 5 invalid; mixed up as a real file is."""
    existing = api_pages(server)[40:50]
    rows = [good_row(i) for i in range(85)]
    rows += [good_row(100 + n, email=c["email"].upper()) for n, c in enumerate(existing)]
    for n, (column, bad) in enumerate(INVALID.items()):
        row = good_row(200 + n, email=f"bad{n}@import.test")
        row[HEADER.index(column)] = bad
        rows.append(row)
    rows = rows[::3] + rows[1::3] + rows[2::3]
    return rows, existing


def upload(client, data: bytes, name: str = "contacts.csv"):
    return client.post("/contacts/import/", {"file": SimpleUploadedFile(name, data, "text/csv")})


def confirm(client, dry_run_response, mode: str = "create", **changes):
    data = dry_run_response.context["form"].data.copy()
    data.update({"mode": mode, "confirmed": "1", **changes})
    return client.post("/contacts/import/", data)


def contact_by_email(server, email: str) -> dict | None:
    body = server.session().get(f"{server.api_url}/contact",
                                params={"search": email, "limit": 100}, timeout=10).json()
    return next((c for c in body["data"] if c["email"].casefold() == email.casefold()), None)


def total(server) -> int:
    body = server.session().get(f"{server.api_url}/contact", params={"limit": 1},
                                timeout=10).json()
    return body["meta"]["total"]


def test_the_dry_run_counts_new_existing_and_invalid_rows_and_writes_nothing(api, login_as):
    rows, _ = hundred_rows(api)
    client = login_as("editor")
    before = len(api.api_calls())
    response = upload(client, to_csv(rows))
    calls = api.api_calls()[before:]
    assert response.status_code == 200
    result = response.context["result"]
    assert (len(result.new), len(result.matched), len(result.invalid)) == (85, 10, 5)
    assert [c.method for c in calls] == ["GET", "GET"]  # 200 contacts: one walk of 2 pages
    assert result.calls == 2
    html = response.content.decode()
    assert "API calls for this check</dt><dd>2" in html
    problems = {r.line: " ".join(r.problems) for r in result.invalid}
    assert any("E-mail: Enter a valid email address." in p for p in problems.values())
    assert any("First Name: This field is required." in p for p in problems.values())
    assert any("Mobile:" in p and "18" in p for p in problems.values())
    assert any("Time zone:" in p for p in problems.values())
    assert any("ZIP:" in p and "8" in p for p in problems.values())
    assert total(api) == 200
    assert not Job.objects.exists()


def test_mode_create_creates_the_new_rows_and_skips_existing_emails(api, login_as):
    rows, existing = hundred_rows(api)
    client = login_as("editor")
    job = run_job(confirm(client, upload(client, to_csv(rows)), mode="create"))

    assert total(api) == 285
    jane = contact_by_email(api, "new7@import.test")
    assert (jane["first_name"], jane["last_name"], jane["phone_code"], jane["phone_number"],
            jane["position"], jane["timezone"], jane["zip_code"]) == (
        "New7", "Person", "+1", "555-0107", "Imported", "Europe/Paris", "75001")
    assert jane["custom_fields"] == {"Source": "spring fair"}
    for contact in existing:
        assert contact_by_email(api, contact["email"]) == contact  # untouched
    for n in range(5):
        assert contact_by_email(api, f"bad{n}@import.test") is None

    states = list(job.rows.values_list("state", flat=True))
    assert states.count(JobRow.State.DONE) == 85
    assert states.count(JobRow.State.SKIPPED) == 15
    assert job.rows.count() == 100  # one ledger row per CSV row
    skipped = job.rows.filter(state=JobRow.State.SKIPPED, data__invalid__isnull=True)
    assert {r.contact_id for r in skipped} == {c["id"] for c in existing}
    assert all("Already in TaskIP" in r.message for r in skipped)
    created = AuditEntry.objects.filter(action=AuditEntry.Action.CREATE)
    assert created.count() == 85
    assert {e.contact_ids[0] for e in created} == set(
        job.rows.filter(state=JobRow.State.DONE).values_list("contact_id", flat=True))


def test_mode_create_update_also_updates_existing_emails_keeping_their_other_fields(
    api, login_as
):
    rows, existing = hundred_rows(api)
    client = login_as("editor")
    job = run_job(confirm(client, upload(client, to_csv(rows)), mode="create_update"))

    assert total(api) == 285
    for n, before in enumerate(existing):
        after = contact_by_email(api, before["email"])
        assert after["id"] == before["id"]
        assert after["first_name"] == f"New{100 + n}"
        assert after["position"] == "Imported"
        assert after["custom_fields"] == {**before["custom_fields"], "Source": "spring fair"}
        assert after["email"] == before["email"]  # matched without regard to case, not changed
        assert after["city_id"] == before["city_id"]  # not in the file: left alone
    states = list(job.rows.values_list("state", flat=True))
    assert states.count(JobRow.State.DONE) == 95
    assert states.count(JobRow.State.SKIPPED) == 5
    assert AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).count() == 10


def test_the_failed_rows_file_once_fixed_imports_cleanly(api, login_as):
    rows, _ = hundred_rows(api)
    client = login_as("editor")
    job = run_job(confirm(client, upload(client, to_csv(rows))))

    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    failed = csv_rows(download)
    assert len(failed) == 5
    assert list(failed[0]) == [*HEADER, "error"]
    assert all(row["error"] for row in failed)
    fixed = []
    for row in failed:
        n = int(row["E-mail"][3]) if row["E-mail"].startswith("bad") else 0
        row.update({"E-mail": f"bad{n}@import.test", "First Name": row["First Name"] or "Fixed",
                    "Mobile": "555-0100", "Time zone": "Europe/Paris", "ZIP": "75001"})
        fixed.append([row[h] for h in [*HEADER, "error"]])  # the error column stays in

    again = upload(client, to_csv(fixed, header=[*HEADER, "error"]))
    assert again.status_code == 200
    result = again.context["result"]
    assert (len(result.new), len(result.matched), len(result.invalid)) == (5, 0, 0)
    second = run_job(confirm(client, again))
    assert second.rows.filter(state=JobRow.State.DONE).count() == 5
    assert not second.result_file  # nothing failed this time
    assert total(api) == 290


BAD_FILES = {
    "not UTF-8": (
        "\n".join(["first_name;last_name;email"] + [
            f"{a};{b};{a.lower()}{i}@example.com" for i, (a, b) in enumerate(
                [("José", "Gómez"), ("Zoë", "Müller"), ("François", "Lefèvre"),
                 ("Renée", "Straße")] * 4)
        ]).encode("cp1252"),
        "isn't UTF-8; it looks like cp1252",
    ),
    "a workbook": (b"PK\x03\x04" + bytes(range(256)) * 4, "spreadsheet workbook"),
    "no header": (b"jane@example.com,Jane,Doe\njohn@example.com,John,Doe\n",
                  "first row should name the columns"),
    "unknown delimiter": (b"first_name|email\nJane|jane@example.com\n",
                          "separated by commas, semicolons or tabs"),
    "blank": (b"\r\n\r\n  \r\n", "The file is empty."),
    "empty": (b"", "The submitted file is empty."),
    "header only": (b"first_name,email\r\n", "no rows to import"),
    "too large": (b"first_name,email\n" + b"Jane,jane@example.com\n" * 240_000,
                  "the most an import takes is 5 MB"),
    "too many rows": (b"first_name,email\n" + b"".join(
        b"J,j%d@example.com\n" % i for i in range(10_001)), "10,001 rows"),
    "no email column": (b"first_name,phone\nJane,555\n",
                        "Choose the column that holds the email address."),
    "no first name column": (b"email,phone\njane@example.com,555\n",
                             "Choose the column that holds the first name"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_names_its_problem_and_sends_nothing(shared_api, login_as, case):
    data, message = BAD_FILES[case]
    client = login_as("editor")
    before = len(shared_api.api_calls())
    response = upload(client, data)
    assert response.status_code == 422
    assert message in response.content.decode().replace("&#x27;", "'")
    assert shared_api.api_calls()[before:] == []
    assert not Job.objects.exists()


def test_semicolons_tabs_and_a_byte_order_mark_are_understood(shared_api, login_as):
    client = login_as("editor")
    for delimiter in (";", "\t"):
        data = "\ufeff".encode() + to_csv([good_row(1), good_row(2)], delimiter=delimiter)
        response = upload(client, data)
        assert response.status_code == 200, delimiter
        assert len(response.context["result"].new) == 2
        assert response.context["form"].mapping.targets[:3] == (
            "first_name", "last_name", "email")


def test_headers_are_mapped_through_aliases_and_other_columns_go_to_custom_fields():
    mapping, notes = imports.auto_mapping(
        ["Given name", "Surname", "Email Address", "Mobile", "Company", "Job title",
         "custom_fields.tier", "Favourite colour", "id", "error", "Phone"])
    assert mapping.targets == (
        "first_name", "last_name", "email", "phone_number", "company.name", "position",
        "custom_fields.tier", "custom_fields.Favourite colour", "", "", "",
    )
    assert "already goes there" in notes[10]
    assert "can't be imported" in notes[8]
    assert "failed before" in notes[9]


def test_the_mapping_can_be_changed_and_the_dry_run_follows_it(shared_api, login_as):
    client = login_as("editor")
    data = to_csv([good_row(1)], header=["First Name", "Last Name", "E-mail", "Phone Code",
                                         "Mobile", "Position", "Time zone", "ZIP", "Source"])
    first = upload(client, data)
    changed = first.context["form"].data.copy()
    changed.update({"target_8": "", "target_5": "custom", "key_5": "Role"})
    second = client.post("/contacts/import/", changed)
    assert second.status_code == 200
    [plan] = second.context["result"].rows
    assert plan.fields["custom_fields"] == {"Role": "Imported"}
    assert "position" not in plan.fields


def test_confirming_a_mapping_other_than_the_dry_runs_checks_it_again_instead(api, login_as):
    client = login_as("editor")
    dry = upload(client, to_csv([good_row(1)]))
    response = confirm(client, dry, target_5="")
    assert response.status_code == 200
    assert "check this one first" in response.content.decode()
    assert not Job.objects.exists()
    assert total(api) == 200


def test_a_double_confirm_starts_one_job(api, login_as):
    client = login_as("editor")
    dry = upload(client, to_csv([good_row(1)]))
    run_job(confirm(client, dry))
    again = confirm(client, dry)
    assert again.status_code == 410
    assert Job.objects.count() == 1
    assert total(api) == 201


def test_company_names_become_company_ids_and_unknown_ones_are_problems(api, login_as):
    client = login_as("editor")
    header = ["first_name", "email", "Company"]
    data = to_csv([["Ann", "ann@import.test", "acme corp"], ["Bob", "bob@import.test", "Nope"]],
                  header=header)
    before = len(api.api_calls())
    response = upload(client, data)
    calls = api.api_calls()[before:]
    assert sum("/company" in c.path for c in calls) == 1
    ann, bob = response.context["result"].rows
    assert ann.fields["company_id"] == 5  # Acme Corp in the document's examples
    assert bob.problems == ["Company: TaskIP has no company named “Nope”."]
    run_job(confirm(client, response))
    assert contact_by_email(api, "ann@import.test")["company"]["name"] == "Acme Corp"


def test_the_same_email_twice_in_the_file_is_a_problem_on_the_second(shared_api, login_as):
    client = login_as("editor")
    response = upload(client, to_csv([good_row(1), good_row(2, email="NEW1@import.test")]))
    first, second = response.context["result"].rows
    assert first.valid
    assert second.problems == ["The same email as row 2."]


def test_a_short_file_against_many_contacts_searches_per_email(start_sandbox, settings,
                                                               login_as):
    server = start_sandbox(seed=1000)
    settings.TASKIP_BASE_URL, settings.TASKIP_SECRET_KEY = server.url, server.secret_key
    known = api_pages(server)[500]["email"]
    client = login_as("editor")
    before = len(server.api_calls())
    response = upload(client, to_csv([good_row(1), good_row(2), good_row(3, email=known)]))
    calls = server.api_calls()[before:]
    assert len(calls) == 4  # the first page (for the total), then 3 searches instead of 9 pages
    result = response.context["result"]
    assert not result.scanned and len(result.matched) == 1


def test_a_dry_run_of_1000_rows_against_1000_contacts_makes_at_most_11_calls_and_no_writes(
    start_sandbox, settings, login_as
):
    server = start_sandbox(seed=1000)
    settings.TASKIP_BASE_URL, settings.TASKIP_SECRET_KEY = server.url, server.secret_key
    emails = [c["email"] for c in api_pages(server)]
    rows = [good_row(i, email=emails[i] if i % 2 else None) for i in range(1000)]
    client = login_as("editor")
    before = len(server.api_calls())
    response = upload(client, to_csv(rows))
    calls = server.api_calls()[before:]
    assert response.status_code == 200
    assert len(calls) <= 11
    assert {c.method for c in calls} == {"GET"}
    result = response.context["result"]
    assert (len(result.new), len(result.matched)) == (500, 500)


def test_viewers_get_403_on_import(shared_api, login_as):
    client = login_as("viewer")
    before = len(shared_api.api_calls())
    assert client.get("/contacts/import/").status_code == 403
    assert upload(client, to_csv([good_row(1)])).status_code == 403
    assert shared_api.api_calls()[before:] == []


def test_updating_existing_contacts_needs_the_change_permission(api, login_as):
    client = login_as("creator", permissions=["view_contact", "add_contact"])
    dry = upload(client, to_csv([good_row(1)]))
    assert dry.status_code == 200
    assert 'value="create_update"' not in dry.content.decode()
    assert confirm(client, dry, mode="create_update").status_code == 403
    assert not Job.objects.exists()
    run_job(confirm(client, dry, mode="create"))
    assert total(api) == 201


def test_an_exported_file_imports_into_another_taskip_as_it_was(api, start_sandbox, settings,
                                                                login_as):
    client = login_as("admin")
    columns = ["first_name", "last_name", "email", "phone_code", "phone_number",
               "company.name", "custom_fields.department"]
    exported = run_job(client.post("/contacts/export/", {"columns": columns, "count": 200}))
    data = b"".join(client.get(f"/jobs/{exported.pk}/download/").streaming_content)
    assert b"'+" in data  # phone codes were made inert on the way out

    other = start_sandbox(seed=0)
    settings.TASKIP_BASE_URL = other.url
    job = run_job(confirm(client, upload(client, data)))
    assert job.rows.filter(state=JobRow.State.DONE).count() == 200
    source = {c["email"]: c for c in api_pages(api)}
    for contact in api_pages(other):
        original = source[contact["email"]]
        for field in ("first_name", "last_name", "phone_code", "phone_number", "company_id"):
            assert contact[field] == original[field], field
        department = original["custom_fields"].get("department")
        assert contact["custom_fields"] == ({"department": department} if department else {})


def test_rows_taskip_refuses_come_back_in_the_failed_rows_file_with_its_message(api, login_as):
    client = login_as("editor")
    data = to_csv([["Ann", "ann@import.test", "99999"], ["Bob", "bob@import.test", "5"]],
                  header=["first_name", "email", "company_id"])
    job = run_job(confirm(client, upload(client, data)))
    failed_row = job.rows.get(state=JobRow.State.FAILED)
    assert "company" in failed_row.message.lower()
    [row] = csv_rows(client.get(f"/jobs/{job.pk}/download/"))
    assert (row["first_name"], row["company_id"]) == ("Ann", "99999")
    assert row["error"] == failed_row.message
    failure = AuditEntry.objects.get(action=AuditEntry.Action.CREATE,
                                     outcome=AuditEntry.Outcome.FAILURE)
    assert failure.detail == f"job {job.pk} (import) row 2: TaskipValidationError"
    assert contact_by_email(api, "bob@import.test")["company_id"] == 5
