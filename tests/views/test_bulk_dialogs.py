"""The bulk invite and bulk edit dialogs on the in-process fake: how long they say the job takes
at the API budget, the htmx fragment, and the recount that refuses a stale "all matching"."""

import pytest

from contacts.models import Job
from tests.views.dom import Page


@pytest.fixture
def ten_a_minute(settings):
    # Jobs may spend 8 calls a window: 20% of 10 is kept for people.
    settings.TASKIP_RATE_LIMIT = 10
    return settings


def said(response, start: str) -> str:
    """The sentence of the dialog's text that begins with `start`, up to its full stop."""
    words = Page(response).text
    assert start in words, words
    return start + words.split(start, 1)[1].split(" at the API's rate limit")[0]


@pytest.mark.parametrize(("contacts", "estimate"), [
    (8, "under a minute"), (9, "about 1 minute"), (17, "about 2 minutes"),
])
def test_the_invite_dialog_says_how_long_sending_takes(fake_taskip, login_as, ten_a_minute,
                                                        contacts, estimate):
    ids = list(range(3, 3 + contacts))  # none of these has portal access
    response = login_as("editor").post("/contacts/bulk-invite/", {"contact_ids": ids})
    assert response.status_code == 200
    assert said(response, "Sending takes") == f"Sending takes {estimate}"


def test_an_edit_with_a_custom_field_counts_two_calls_a_contact(fake_taskip, login_as,
                                                                 ten_a_minute):
    response = login_as("editor").post("/contacts/bulk-edit/",
                                       {"contact_ids": list(range(3, 13))})
    assert said(response, "It takes") == "It takes about 2 minutes"  # 20 calls, 8 a minute


def test_a_long_edit_is_counted_in_whole_minutes(fake_taskip, login_as, settings):
    settings.TASKIP_RATE_LIMIT = 5  # 4 a minute for jobs: 200 contacts, 400 calls
    response = login_as("editor").post("/contacts/bulk-edit/", {"select_all": "1"})
    assert said(response, "It takes") == "It takes about 99 minutes"  # 4 now, 99 windows more


def test_htmx_gets_the_dialog_alone(fake_taskip, login_as):
    response = login_as("editor").post("/contacts/bulk-invite/", {"contact_ids": [3, 4]},
                                       headers={"HX-Request": "true"})
    page = Page(response)
    assert page.by_role("dialog")
    assert page.find_all("title") == []
    assert page.by_role("heading", "Invite 2 contacts as clients")


def _confirm_all(client, url: str, count: str, **fields):
    return client.post(url, {"select_all": "1", "count": count, "confirmed": "1", **fields})


@pytest.mark.parametrize(("url", "fields"), [
    ("/contacts/bulk-invite/", {"access_level": "basic"}),
    ("/contacts/bulk-edit/", {"position": "CEO"}),
])
def test_all_matching_goes_ahead_only_while_the_count_still_holds(fake_taskip, login_as, url,
                                                                  fields):
    client = login_as("editor")
    stale = _confirm_all(client, url, "199", **fields)
    assert stale.status_code == 409
    assert Page(stale).alerts() == ["The matching contacts changed since this dialog counted "
                                    "them; check the new count."]
    assert not Job.objects.exists()
    assert _confirm_all(client, url, "200", **fields).status_code == 303
    assert Job.objects.count() == 1


def test_ticked_contacts_need_no_recount(fake_taskip, login_as):
    response = login_as("editor").post("/contacts/bulk-edit/", {
        "contact_ids": [3, 4], "count": "7", "confirmed": "1", "position": "CEO"})
    assert response.status_code == 303


def test_an_htmx_confirmation_sends_the_whole_page_to_the_job(fake_taskip, login_as):
    response = login_as("editor").post(
        "/contacts/bulk-edit/", {"contact_ids": [3], "confirmed": "1", "position": "CEO"},
        headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == f"/jobs/{Job.objects.get().pk}/"


@pytest.mark.parametrize("url", ["/contacts/bulk-invite/", "/contacts/bulk-edit/"])
def test_without_htmx_the_dialog_comes_in_a_whole_page_with_its_csrf_token(fake_taskip, login_as,
                                                                           url):
    response = login_as("editor").post(url, {"contact_ids": [3, 4]})
    assert response.status_code == 200
    page = Page(response)
    assert len(page.find_all("title")) == 1
    form = page.find("form", within=page.by_role("dialog"))
    assert dict(page.form_data(form))["csrfmiddlewaretoken"]
