"""Writes that fail: the page, its status, the audit entry, and the list cache after them.

A failed write may still have half happened (a bulk delete stops at its failed batch; a timed
out delete may have landed), so each must record a "failure" audit entry and retire the cached
list pages, exactly as a success does.
"""

import pytest

from contacts import taskip
from tests.views.dom import Page, as_post, text, triggered
from tests.views.fake_taskip import make_contact


def _alert(page: Page) -> tuple[str, str]:
    [alert] = page.all_by_role("alert")
    return text(page.find("h2", within=alert)), page.link("Try again", within=alert)["href"]


@pytest.fixture
def primed_list(fake_taskip, login_as):
    """A viewer who has the first list page cached; call it after the write to see whether the
    next look asked TaskIP again. Returns (caption shown, whether TaskIP was asked)."""
    viewer = login_as("viewer")
    viewer.get("/contacts/")
    viewer.get("/contacts/")
    assert len(fake_taskip.calls_to("list_contacts")) == 1  # cached, so retiring it shows

    def look_again() -> tuple[str, bool]:
        before = len(fake_taskip.calls_to("list_contacts"))
        page = Page(viewer.get("/contacts/"))
        return page.name_of(page.table()), len(fake_taskip.calls_to("list_contacts")) > before

    return look_again


def test_bulk_delete_failing_partway_is_a_503_recorded_as_a_failure(
    fake_taskip, login_as, audit_entries, primed_list
):
    for n in range(201, 1501):
        fake_taskip.contacts[n] = make_contact(n, "Bulk", f"Person{n}")
    admin = login_as("admin")
    confirm = Page(admin.post("/contacts/bulk-delete/", {"select_all": "1"}))
    assert confirm.by_role("dialog", "Delete 1500 contacts?")
    fake_taskip.fail("bulk_delete_contacts", taskip.TaskipUnavailable(), after=1)

    response = admin.post("/contacts/bulk-delete/",
                          as_post(confirm.form_data(confirm.form(action="/contacts/bulk-delete/"))))
    assert response.status_code == 503
    assert _alert(Page(response)) == ("The TaskIP API is unavailable", "/contacts/")
    assert len(fake_taskip.contacts) == 500  # the first batch of 1,000 went before the failure
    assert audit_entries() == [
        ("admin-user", "bulk_delete", list(range(1, 1501)), [], "failure", "TaskipUnavailable")
    ]
    assert primed_list() == ("500 contacts, page 1 of 10", True)


def test_htmx_bulk_delete_failure_closes_the_dialog_and_shows_the_problem(
    fake_taskip, login_as, audit_entries, primed_list
):
    fake_taskip.fail("bulk_delete_contacts", taskip.TaskipTimeout())
    response = login_as("admin").post(
        "/contacts/bulk-delete/", {"contact_ids": [3, 4], "confirmed": "1"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/contacts/?page=2"},
    )
    assert response.status_code == 504
    assert response["HX-Retarget"] == "#api-status" and triggered(response) == {"dialog:close"}
    assert _alert(Page(response)) == ("The TaskIP API is not answering",
                                      "http://testserver/contacts/?page=2")
    assert audit_entries() == [("admin-user", "bulk_delete", [3, 4], [], "failure",
                                "TaskipTimeout")]
    assert primed_list()[1] is True


def test_bulk_delete_refused_by_taskip_names_the_problem(fake_taskip, login_as, audit_entries):
    del fake_taskip.contacts[4]  # deleted by someone else after the list was shown
    response = login_as("admin").post("/contacts/bulk-delete/",
                                      {"contact_ids": [3, 4], "confirmed": "1"})
    assert response.status_code == 422
    assert "contact_ids: Unknown contact ids: [4]" in Page(response).text
    assert 3 in fake_taskip.contacts  # all or nothing, as TaskIP does
    assert audit_entries()[0][4:] == ("failure", "TaskipValidationError")


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        (taskip.TaskipUnavailable(), 503, "The TaskIP API is unavailable"),
        (taskip.TaskipNotFound(status=404), 404, "Contact not found"),
    ],
    ids=["unavailable", "gone"],
)
def test_single_delete_failing_is_recorded_as_a_failure(
    fake_taskip, login_as, audit_entries, primed_list, error, status, title
):
    fake_taskip.fail("delete_contact", error)
    response = login_as("admin").post("/contacts/7/delete/", {"confirmed": "1", "search": "a"})
    assert response.status_code == status
    # A link, so a failed POST is never repeated by following it; the list is safe to reload.
    assert _alert(Page(response)) == (title, "/contacts/")
    assert 7 in fake_taskip.contacts
    assert audit_entries() == [("admin-user", "delete", [7], [], "failure", type(error).__name__)]
    assert primed_list() == ("200 contacts, page 1 of 4", True)


def test_invite_refused_by_taskip_shows_it_on_the_field(
    fake_taskip, login_as, audit_entries, primed_list
):
    fake_taskip.fail("invite_client", taskip.TaskipValidationError(
        status=422, field_errors={"message": ["The message may not contain links."],
                                  "contact": ["Has no email address."]}))  # fmt: skip
    response = login_as("editor").post(
        "/contacts/3/invite/", {"message": "see http://x", "access_level": "basic",
                                "name": "Anna"}, headers={"HX-Request": "true"})  # fmt: skip
    page = Page(response)
    assert response.status_code == 422
    assert page.field_errors("Message") == ["The message may not contain links."]
    assert "Has no email address." in page.alerts()
    assert page.field("Message")["value"] == "see http://x"
    assert audit_entries() == [("editor-user", "invite", [3], [], "failure",
                                "TaskipValidationError")]
    assert primed_list()[1] is True


def test_invite_when_taskip_is_down_keeps_the_dialog_open(
    fake_taskip, login_as, audit_entries, primed_list
):
    fake_taskip.fail("invite_client", taskip.TaskipUnavailable())
    response = login_as("editor").post(
        "/contacts/3/invite/", {"message": "Hello", "access_level": "premium", "name": "Anna"},
        headers={"HX-Request": "true"},
    )
    page = Page(response)
    assert response.status_code == 503
    assert "HX-Trigger" not in response  # the dialog stays open, with what was typed
    assert page.alerts() == [
        "The TaskIP API is unavailable. The invitation was not sent. The TaskIP API can't be "
        "reached right now. Try again in a moment."
    ]
    assert page.field("Message")["value"] == "Hello"
    assert page.field("Access level")["value"] == "premium"
    assert audit_entries() == [("editor-user", "invite", [3], [], "failure",
                                "TaskipUnavailable")]
    assert primed_list()[1] is True


def test_create_failing_is_recorded_without_an_id(fake_taskip, login_as, audit_entries,
                                                  primed_list):
    fake_taskip.fail("create_contact", taskip.TaskipTimeout())
    response = login_as("editor").post("/contacts/new/",
                                       {"first_name": "Tim", "email": "tim@example.org"})
    assert response.status_code == 504
    assert Page(response).field("First name")["value"] == "Tim"
    assert audit_entries() == [("editor-user", "create", [],
                                ["access_portal", "email", "first_name", "invite_client"],
                                "failure", "TaskipTimeout")]
    assert primed_list()[1] is True


def test_a_malformed_answer_while_saving_is_a_502_keeping_the_form(fake_taskip, login_as):
    fake_taskip.fail("create_contact", taskip.TaskipBadResponse())
    response = login_as("editor").post("/contacts/new/",
                                       {"first_name": "Tim", "email": "tim@example.org"})
    assert response.status_code == 502
    assert any("TaskIP gave an unexpected answer. Nothing was saved;" in a
               for a in Page(response).alerts())  # fmt: skip


def test_retry_after_a_failed_post_points_at_the_list_not_the_post(fake_taskip, login_as):
    fake_taskip.fail("bulk_delete_contacts", taskip.TaskipUnavailable())
    response = login_as("admin").post("/contacts/bulk-delete/?search=a",
                                      {"contact_ids": [3], "confirmed": "1"})
    assert _alert(Page(response))[1] == "/contacts/"
