"""The export dialog on the in-process fake: the count it names, the columns it offers and ticks,
and what starting it sends to the job (tests/transfer/test_export.py runs the job on a sandbox)."""

from contacts.models import Job
from tests.views.dom import Page, attrs


def ticked(page: Page, legend: str) -> dict[str, bool]:
    """{column value: ticked} of the checkboxes in the fieldset named `legend`."""
    group = page.by_role("group", legend)
    return {attrs(box)["value"]: "checked" in attrs(box)
            for box in page.all_by_role("checkbox", within=group)}


def test_the_dialog_counts_the_matching_contacts_and_ticks_the_default_columns(fake_taskip,
                                                                               login_as):
    page = Page(login_as("editor").get("/contacts/export/", {"search": "Jane"}))
    matching = fake_taskip.list_contacts(search="Jane").total
    assert page.by_role("heading", f"Export {matching} contact{'s' * (matching != 1)} to CSV")
    columns = ticked(page, "Columns")
    assert {name for name, on in columns.items() if on} == {
        "full_name", "email", "company.name", "position", "phone_code", "phone_number",
        "country", "access_portal"}
    assert columns["id"] is False
    assert fake_taskip.calls_to("list_contacts")[-1] == {
        "page": 1, "limit": 50, "search": "Jane", "sort": None, "order": None}


def test_the_custom_fields_of_the_page_are_offered_unticked(fake_taskip, login_as):
    page = Page(login_as("editor").get("/contacts/export/"))
    assert ticked(page, "Custom fields") == {"custom_fields.source": False,
                                              "custom_fields.tier": False}


def test_ticked_contacts_are_counted_and_carried(fake_taskip, login_as):
    page = Page(login_as("editor").post("/contacts/export/", {"contact_ids": ["4", "3"]}))
    assert page.by_role("heading", "Export 2 contacts to CSV")
    form = page.form(action="/contacts/export/")
    sent = page.form_data(form)
    assert [v for k, v in sent if k == "contact_ids"] == ["3", "4"]
    assert "count" not in dict(sent)


def test_a_refused_choice_comes_back_with_the_columns_that_were_ticked(fake_taskip, login_as):
    response = login_as("editor").post("/contacts/export/", {
        "columns": ["email", "custom_fields.tier", "no_such_column"], "count": "200"})
    assert response.status_code == 422
    page = Page(response)
    assert page.alerts()
    assert [name for name, on in ticked(page, "Columns").items() if on] == ["email"]
    assert ticked(page, "Custom fields") == {"custom_fields.source": False,
                                              "custom_fields.tier": True}
    assert not Job.objects.exists()


def test_htmx_gets_the_dialog_alone(fake_taskip, login_as):
    response = login_as("editor").get("/contacts/export/", headers={"HX-Request": "true"})
    page = Page(response)
    assert page.by_role("dialog")
    assert page.find_all("title") == []
    assert [h for h in page.headings() if h.startswith("Export")] == ["Export 200 contacts to CSV"]


def test_starting_names_the_job_and_says_the_file_comes_later(fake_taskip, login_as):
    response = login_as("editor").post("/contacts/export/", {
        "columns": ["email", "custom_fields.tier"], "count": "200", "search": "a"},
        follow=True)
    job = Job.objects.get()
    assert response.redirect_chain == [(f"/jobs/{job.pk}/", 303)]
    assert Page(response).messages() == [
        "The export has started; its file appears here when it is done."]
    assert job.params == {"columns": ["email", "custom_fields.tier"], "search": "a",
                          "sort": "", "order": "asc"}


def test_the_dialog_keeps_the_lists_search_and_sort_for_the_job(fake_taskip, login_as):
    page = Page(login_as("editor").get("/contacts/export/",
                                       {"search": "Jane", "sort": "email", "order": "desc"}))
    sent = dict(page.form_data(page.form(action="/contacts/export/")))
    assert (sent["search"], sent["sort"], sent["order"]) == ("Jane", "email", "desc")
    assert sent["csrfmiddlewaretoken"]
    assert "Every contact matching “Jane”, sorted as the list is." in page.text
    assert page.link("Cancel")["href"] == "/contacts/?search=Jane&sort=email&order=desc"


def test_without_htmx_the_dialog_comes_in_a_whole_page(fake_taskip, login_as):
    page = Page(login_as("editor").get("/contacts/export/"))
    assert len(page.find_all("title")) == 1
    assert "open" in attrs(page.by_role("dialog"))
