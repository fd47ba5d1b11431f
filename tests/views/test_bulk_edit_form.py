"""The bulk edit dialog on the in-process fake: what it offers, what it refuses and the job params
it starts with (the sandbox tests in test_bulk_jobs.py run the job itself)."""

from contacts.models import Job
from tests.views.dom import Page


def _confirm(client, **fields):
    return client.post("/contacts/bulk-edit/", {"contact_ids": [3, 4], "confirmed": "1",
                                                **fields})


def test_the_dialog_offers_to_leave_each_choice_as_it_is(fake_taskip, login_as):
    page = Page(login_as("editor").post("/contacts/bulk-edit/", {"contact_ids": [3, 4]}))
    company = page.find("select", name="company_id")
    assert page.options(company)[0] == ("", "Leave as it is", True)
    assert ("5", "Acme Corp", False) in page.options(company)
    zones = page.options(page.find("select", name="timezone"))
    assert zones[0] == ("", "Leave as it is", True)
    assert zones[1][0] == "Africa/Abidjan"
    assert page.field("Position")  # labels carry no suffix
    assert "Position:" not in page.text


def test_a_field_a_bulk_edit_may_not_set_is_named(fake_taskip, login_as):
    response = _confirm(login_as("editor"), email="x@example.com", first_name="X",
                        position="CEO")
    assert response.status_code == 422
    assert Page(response).alerts() == ["A bulk edit can't set email, first_name."]
    assert not Job.objects.exists()


def test_a_custom_value_without_a_name_is_refused_on_the_name(fake_taskip, login_as):
    client = login_as("editor")
    for extra in ({"custom_field_value": "gold"}, {"remove_custom_field": "on"}):
        response = _confirm(client, position="CEO", **extra)
        assert response.status_code == 422
        assert Page(response).field_errors("Custom field name") == [
            "Name the custom field to set or remove."]
    assert not Job.objects.exists()


def test_nothing_chosen_says_so(fake_taskip, login_as):
    response = _confirm(login_as("editor"), custom_field_key="   ")
    assert response.status_code == 422
    assert Page(response).alerts() == ["Choose at least one field to change."]


def test_a_custom_field_alone_starts_a_job(fake_taskip, login_as):
    response = _confirm(login_as("editor"), custom_field_key=" tier ", custom_field_value="gold")
    assert response.status_code == 303
    assert Job.objects.get().params == {"fields": {},
                                        "custom_field": {"key": "tier", "value": "gold"}}


def test_a_chosen_field_with_a_name_is_not_an_error(fake_taskip, login_as):
    response = _confirm(login_as("editor"), position="CEO", custom_field_key="tier",
                        remove_custom_field="on")
    assert response.status_code == 303
    assert Job.objects.get().params == {"fields": {"position": "CEO"},
                                        "custom_field": {"key": "tier", "remove": True}}


def test_the_chosen_fields_alone_start_a_job_with_exactly_them(fake_taskip, login_as):
    response = _confirm(login_as("editor"), company_id="5", timezone="Europe/Oslo",
                        access_portal="0")
    assert response.status_code == 303
    assert Job.objects.get().params == {
        "fields": {"company_id": 5, "timezone": "Europe/Oslo", "access_portal": 0}}


def test_a_custom_field_set_to_nothing_is_set_empty(fake_taskip, login_as):
    assert _confirm(login_as("editor"), custom_field_key="tier").status_code == 303
    assert Job.objects.get().params == {"fields": {},
                                        "custom_field": {"key": "tier", "value": ""}}
