"""The import pages on the in-process fake: the mapping table, the dry run's page and starting
the job (tests/transfer/test_import.py runs the same steps against the sandbox, job included)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts import imports
from contacts.models import Job
from tests.views.dom import Page, as_post, text


@pytest.fixture(autouse=True)
def job_files_dir(settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "job-files"


def to_csv(rows, header=("First Name", "Email", "Position")) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(client, data: bytes, name: str = "people.csv"):
    return client.post("/contacts/import/", {"file": SimpleUploadedFile(name, data, "text/csv")})


def submit(client, response, **changes):
    """Send the mapping form as the page shows it, with `changes` made to it."""
    page = Page(response)
    data = as_post(page.form_data(page.form(action="/contacts/import/")))
    data.update({name: [value] for name, value in changes.items()})
    return client.post("/contacts/import/", data, follow=True)


def columns(response) -> list[dict[str, str]]:
    """The mapping table: each column's name, first values and note."""
    page = Page(response)
    found = []
    for tr in page.find_all("tr", within=page.find("tbody",
                                                   within=page.find("table", class_="mapping"))):
        cells = page.find_all("td", within=tr)
        notes = page.find_all("p", within=cells[1], class_="help")
        found.append({"column": text(page.find("th", within=tr)), "first values": text(cells[0]),
                      "note": text(notes[0]) if notes else ""})
    return found


def counts(response) -> dict[str, str]:
    page = Page(response)
    return page.definitions(within=page.section("Dry run"))


def test_each_column_shows_its_first_three_values_trimmed_and_cut_short(fake_taskip, login_as):
    long = "x" * 70
    data = to_csv([["  Ann ", "ann@import.test", long], ["Bob", "bob@import.test", ""],
                   ["Cy", "cy@import.test", "Chef"], ["Dee", "dee@import.test", "Cook"]])
    response = upload(login_as("editor"), data)
    assert response.status_code == 200
    assert columns(response) == [
        {"column": "First Name", "first values": "Ann, Bob, Cy", "note": ""},
        {"column": "Email", "first values": "ann@import.test, bob@import.test, cy@import.test",
         "note": ""},
        {"column": "Position", "first values": f"{'x' * 60}, Chef", "note": ""},
    ]


def test_notes_show_beside_their_column(fake_taskip, login_as):
    data = (b"First Name,Email,id,Mobile,Phone\r\n"
            b"Ann,ann@import.test,7,555,556\r\nBob,bob@import.test,,,\r\n")
    response = upload(login_as("editor"), data)
    assert response.status_code == 200
    shown = columns(response)
    assert [c["first values"] for c in shown] == [
        "Ann, Bob", "ann@import.test, bob@import.test", "7", "555", "556"]
    assert "can't be imported" in shown[2]["note"]
    assert "already goes there" in shown[4]["note"]
    assert shown[0]["note"] == shown[1]["note"] == shown[3]["note"] == ""


def test_a_mapping_without_an_email_column_is_shown_with_its_values_and_a_422(fake_taskip,
                                                                              login_as):
    response = upload(login_as("editor"), b"First Name,Phone\r\nAnn,555\r\n")
    assert response.status_code == 422
    assert [c["first values"] for c in columns(response)] == ["Ann", "555"]
    assert "Choose the column that holds the email address." in " ".join(Page(response).alerts())
    assert fake_taskip.calls == []


def test_the_dry_run_page_counts_each_kind_of_row(fake_taskip, login_as):
    data = to_csv([["Ann", "ann@import.test", "Chef"], ["John", "JOHN.DOE@example.com", "CEO"],
                   ["", "nobody@import.test", ""]])
    response = upload(login_as("editor"), data, name="spring fair.csv")
    assert response.status_code == 200
    assert "Import spring fair.csv" in Page(response).headings()
    shown = counts(response)
    assert (shown["Rows in the file"], shown["New contacts"], shown["Emails already in TaskIP"],
            shown["Rows with problems"]) == ("3", "1", "1", "1")
    problems = Page(response).table("Rows with problems; they are not imported and come back in "
                                    "the failed-rows file")
    assert [text(th) for th in Page(response).find_all("th", within=problems, scope="row")] == [
        "4"]


def test_at_most_100_problems_are_listed(fake_taskip, login_as):
    rows = [["", f"p{i}@import.test", ""] for i in range(101)] + [["Ann", "a@import.test", ""]]
    response = upload(login_as("editor"), to_csv(rows))
    assert response.status_code == 200
    page = Page(response)
    problems = page.table("Rows with problems (the first 100 of 101); they are not imported and "
                          "come back in the failed-rows file")
    assert len(page.find_all("th", within=problems, scope="row")) == 100


def test_updating_is_offered_only_to_those_who_may_edit(fake_taskip, login_as, login_with):
    data = to_csv([["Ann", "ann@import.test", "Chef"]])
    editor = Page(upload(login_as("editor"), data))
    assert [attrs_value(r) for r in editor.all_by_role("radio")] == ["create", "create_update"]
    creator = Page(upload(login_with("contacts.view_contact", "contacts.add_contact"), data))
    assert [attrs_value(r) for r in creator.all_by_role("radio")] == ["create"]
    assert "Updating existing contacts needs the permission to edit contacts." in creator.text


def attrs_value(element) -> str:
    return dict(element.attributes)["value"]


def test_confirming_starts_the_import_job_and_says_so(fake_taskip, login_as):
    client = login_as("editor")
    dry = upload(client, to_csv([["Ann", "ann@import.test", "Chef"],
                                 ["John", "john.doe@example.com", "CEO"]]), name="fair.csv")
    calls = len(fake_taskip.calls)
    done = submit(client, dry, mode="create_update", confirmed="1")
    job = Job.objects.get()
    assert done.redirect_chain == [(f"/jobs/{job.pk}/", 303)]
    assert Page(done).messages() == ["The import of 2 rows has started."]
    assert (job.kind, job.params["mode"], job.params["filename"]) == ("import", "create_update",
                                                                      "fair.csv")
    assert [row.data["action"] for row in job.rows.order_by("position")] == ["create", "update"]
    assert fake_taskip.calls[calls:] == []  # the dry run's answers were kept, not asked again
    again = submit(client, dry, mode="create", confirmed="1")
    assert again.status_code == 410
    assert Job.objects.count() == 1


def test_a_file_another_confirm_claims_meanwhile_is_not_imported_twice(fake_taskip, login_as,
                                                                         monkeypatch):
    client = login_as("editor")
    dry = upload(client, to_csv([["Ann", "ann@import.test", "Chef"]]))
    load_plan = imports.load_plan

    def load_plan_while_another_confirm_claims(upload_, mapping):
        plan = load_plan(upload_, mapping)
        assert imports.claim_upload(upload_)  # a double click's other request wins the race
        return plan

    monkeypatch.setattr(imports, "load_plan", load_plan_while_another_confirm_claims)
    response = submit(client, dry, mode="create", confirmed="1")
    assert response.status_code == 409
    assert Page(response).messages() == [
        "That file has already been imported. Upload it again to import it once more."]
    assert Page(response).field("CSV file")["type"] == "file"  # the upload page again
    assert not Job.objects.exists()


def test_a_changed_mapping_is_checked_again_before_anything_starts(fake_taskip, login_as):
    client = login_as("editor")
    dry = upload(client, to_csv([["Ann", "ann@import.test", "Chef"]]))
    response = submit(client, dry, mode="create", confirmed="1", target_2="")
    assert response.status_code == 200
    assert Page(response).messages() == [
        "The mapping changed since the dry run; check this one first."]
    assert counts(response)["New contacts"] == "1"
    assert not Job.objects.exists()


def test_each_column_offers_a_custom_field_name_filled_from_the_guess(fake_taskip, login_as):
    response = upload(login_as("editor"), to_csv([["Ann", "ann@import.test", "fair"]],
                                                 header=("First Name", "Email", "Source")))
    page = Page(response)
    assert [page.field(f"Custom field name for column {i}")["value"] for i in (1, 2, 3)] == [
        "First Name", "Email", "Source"]
    assert page.field("Column 3: Source")["value"] == "custom"


def test_confirming_reuses_the_company_names_the_dry_run_found(fake_taskip, login_as):
    client = login_as("editor")
    dry = upload(client, to_csv([["Ann", "ann@import.test", "acme corp"]],
                                header=("First Name", "Email", "Company")))
    assert len(fake_taskip.calls_to("list_companies")) == 1
    calls = len(fake_taskip.calls)
    submit(client, dry, mode="create", confirmed="1")
    assert fake_taskip.calls[calls:] == []
    [row] = Job.objects.get().rows.all()
    assert row.data["fields"]["company_id"] == 5  # Acme Corp


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "The submitted file is empty."),
    (b"\r\n  \r\n", "The file is empty."),
    (b"first_name,email\r\n", "The file has column names but no rows to import."),
])
def test_a_bad_file_is_named_on_the_upload_field_and_sends_nothing(fake_taskip, login_as,
                                                                    data, problem):
    response = upload(login_as("editor"), data)
    assert response.status_code == 422
    page = Page(response)
    assert page.field_errors("CSV file") == [problem]
    assert page.field("CSV file")["type"] == "file"
    assert dict(page.form_data(page.form(action="/contacts/import/")))["csrfmiddlewaretoken"]
    assert fake_taskip.calls == []
