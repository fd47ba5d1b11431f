"""Create, edit, lost-update protection, invitations, the detail page and the company picker.

The fake (`fake_taskip`) shows exactly what each save sends; the tests named "live" repeat the
validation failures against a sandbox and read the contact back over raw HTTP
(`server.session()`), so "nothing was saved" is checked where TaskIP keeps it.
"""

import pytest
from django.core import signing

from contacts import taskip
from contacts.views.edit import ORIGINAL_SALT
from tests.views.dom import Page, as_post, attrs, text, triggered
from tests.views.fake_taskip import make_contact

pytestmark = pytest.mark.slow  # seconds of work: started first, beside the rest

SECRET_PASSWORD = "pw-Zq8!never-shown"


def _edit_form(client, contact_id: int, query: str = "", **changes) -> tuple[str, dict]:
    """(action, data): what the browser posts from the rendered edit form after the user's
    changes. Custom field rows may be changed through `custom_key`/`custom_value` lists."""
    page = Page(client.get(f"/contacts/{contact_id}/edit/{query}"))
    form = page.form(class_="contact-form")
    data = as_post(page.form_data(form))
    data.update({k: v if isinstance(v, list) else [v] for k, v in changes.items()})
    return attrs(form)["action"], data


def _error_summary(page: Page) -> list[tuple[str | None, str]]:
    """The items of the "There is a problem" summary atop a failed form: (link, message)."""
    summary = page.by_role("alert", "There is a problem")
    items = []
    for item in page.find_all("li", within=summary):
        links = page.find_all("a", within=item)
        items.append((attrs(links[0])["href"] if links else None, text(item)))
    return items


# ---- edit ----------------------------------------------------------------------------------------


def test_edit_form_shows_the_contact_and_costs_two_calls(fake_taskip, login_as):
    page = Page(login_as("editor").get("/contacts/2/edit/"))
    assert page.field("First name")["value"] == "Jane"
    assert page.field("Email")["value"] == "jane.smith@example.com"
    assert page.field("Company")["value"] == "5"
    assert "checked" in page.field("Client portal access")
    assert page.by_role("group", "Custom fields")
    assert [page.field(f"Name {n}")["value"] for n in (1, 2)] == ["tier", "source"]
    assert [page.field(f"Value {n}")["value"] for n in (1, 2)] == ["silver", "fair"]
    assert [c.name for c in fake_taskip.calls] == ["get_contact", "list_companies"]


def test_edit_sends_only_changed_fields(fake_taskip, login_as, audit_entries):
    client = login_as("editor")
    action, data = _edit_form(client, 2, "?search=smith", position="Head of Product")
    assert action == "/contacts/2/edit/?search=smith"
    data["custom_key"] += ["shoe_size"]
    data["custom_value"] += ["42"]
    response = client.post(action, data)
    assert response.status_code == 302
    assert response["Location"] == "/contacts/?search=smith"
    assert fake_taskip.calls_to("update_contact") == [{
        "contact_id": 2,
        "changes": {"position": "Head of Product",
                    "custom_fields": {"tier": "silver", "source": "fair", "shoe_size": "42"}},
    }]  # fmt: skip
    assert Page(client.get(response["Location"])).messages() == ["Saved Jane Smith."]
    assert audit_entries() == [
        ("editor-user", "update", [2], ["custom_fields", "position"], "success", "")
    ]


def test_a_new_password_is_sent_but_not_audited_by_value(fake_taskip, login_as, audit_entries):
    client = login_as("editor")
    action, data = _edit_form(client, 2, password=SECRET_PASSWORD)
    assert client.post(action, data).status_code == 302
    assert fake_taskip.calls_to("update_contact") == [
        {"contact_id": 2, "changes": {"password": SECRET_PASSWORD}}
    ]
    assert audit_entries() == [("editor-user", "update", [2], ["password"], "success", "")]


def test_saving_an_untouched_form_makes_no_call(fake_taskip, login_as, audit_entries):
    client = login_as("editor")
    action, data = _edit_form(client, 2)
    response = client.post(action, data)
    assert response["Location"] == "/contacts/"
    assert fake_taskip.writes() == [] and audit_entries() == []
    assert Page(client.get("/contacts/")).messages() == ["Nothing was changed."]


def test_line_breaks_and_edge_spaces_are_not_edits(fake_taskip, login_as):
    fake_taskip.change(2, details="line one\nline two")
    client = login_as("editor")
    action, data = _edit_form(client, 2, details="line one\r\nline two", position="  CTO ")
    client.post(action, data)
    assert fake_taskip.writes() == []


def test_concurrent_change_to_the_same_field_is_not_overwritten(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="Mine")
    fake_taskip.change(2, position="Theirs")
    response = client.post(action, data)
    page = Page(response)
    assert response.status_code == 409
    assert fake_taskip.writes() == []
    assert page.messages() == [
        "Someone else changed this contact while you were editing. Nothing was saved."
    ]
    choice = page.by_role("group", "Position was changed by someone else")
    mine = page.by_role("radio", "Keep mine: “Mine”", within=choice)
    theirs = page.by_role("radio", "Take theirs: “Theirs”", within=choice)
    assert "checked" in attrs(mine) and "checked" not in attrs(theirs)

    # Taking theirs leaves their value, and nothing else changed: no call at all.
    retry = as_post(page.form_data(page.form(class_="contact-form")))
    retry["resolve_position"] = ["theirs"]
    assert client.post(action, retry).status_code == 302
    assert fake_taskip.writes() == []
    assert fake_taskip.contacts[2].position == "Theirs"


def test_the_conflict_page_is_still_the_edit_form_of_what_is_saved_now(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 3, position="Mine")
    fake_taskip.change(3, position="Theirs", access_portal=True)
    page = Page(client.post(action, data))
    assert "checked" in page.field("Client portal access")
    assert page.all_by_role("checkbox", "Invite client") == []
    assert page.button("Save changes")


def test_the_conflict_page_shows_portal_access_turned_off_meanwhile(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="Mine")  # Jane has portal access
    fake_taskip.change(2, position="Theirs", access_portal=False)
    page = Page(client.post(action, data))
    assert "checked" not in page.field("Client portal access")


def test_keep_mine_after_a_conflict_saves_mine(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="Mine")
    fake_taskip.change(2, position="Theirs")
    page = Page(client.post(action, data))
    retry = as_post(page.form_data(page.form(class_="contact-form")))
    assert retry["resolve_position"] == ["mine"]
    assert client.post(action, retry).status_code == 302
    assert fake_taskip.calls_to("update_contact") == [
        {"contact_id": 2, "changes": {"position": "Mine"}}
    ]


def test_someone_elses_change_to_another_field_is_kept(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="Mine")
    fake_taskip.change(2, address="1 Their Street")
    assert client.post(action, data).status_code == 302
    assert fake_taskip.calls_to("update_contact") == [
        {"contact_id": 2, "changes": {"position": "Mine"}}
    ]
    assert fake_taskip.contacts[2].address == "1 Their Street"


def test_resolving_a_conflict_keeps_the_other_users_other_changes(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="Mine")
    fake_taskip.change(2, position="Theirs", phone_number="555-9999")
    page = Page(client.post(action, data))
    assert page.field("Phone number")["value"] == "555-9999"
    assert page.field("Position")["value"] == "Mine"
    retry = as_post(page.form_data(page.form(class_="contact-form")))
    assert client.post(action, retry).status_code == 302
    assert fake_taskip.calls_to("update_contact") == [
        {"contact_id": 2, "changes": {"position": "Mine"}}
    ]
    assert fake_taskip.contacts[2].phone_number == "555-9999"


def test_tampered_original_is_refused(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="X")
    data["original"] = [signing.dumps({"position": "X"}, salt="someone-else")]
    response = client.post(action, data)
    assert response.status_code == 302 and response["Location"] == action
    assert fake_taskip.writes() == []
    assert Page(client.get(action)).messages() == [
        "The form had expired; here is the contact as it is now."
    ]


def test_custom_field_rows_can_be_added_and_removed_without_saving(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="Unsaved")
    added = Page(client.post(action, {**data, "add_custom_field": ["1"]}))
    assert [added.field(f"Name {n}")["value"] for n in (1, 2, 3)] == ["tier", "source", ""]
    assert added.field("Value 3")["value"] == ""
    assert added.all_by_role("checkbox", "Invite client") == []  # still the edit form
    assert added.field("Position")["value"] == "Unsaved"
    assert added.alerts() == []  # adding a row is not a save: no errors yet
    removed = Page(client.post(action, {**data, "remove_custom_field": ["0"]}))
    assert removed.field("Name 1")["value"] == "source"
    assert removed.find_all("input", id="custom-key-1") == []
    assert fake_taskip.writes() == []


@pytest.mark.parametrize("index", ["x", "99", "-9"])
def test_removing_a_row_that_is_not_there_changes_nothing(fake_taskip, login_as, index):
    client = login_as("editor")
    action, data = _edit_form(client, 2)
    response = client.post(action, {**data, "remove_custom_field": [index]})
    page = Page(response)
    assert response.status_code == 200
    assert [page.field(f"Name {n}")["value"] for n in (1, 2)] == ["tier", "source"]
    assert fake_taskip.writes() == []


def test_adding_a_row_to_a_new_contact_keeps_the_create_form(fake_taskip, login_as):
    response = login_as("editor").post("/contacts/new/", {**NEW_CONTACT,
                                                          "add_custom_field": "1"})
    page = Page(response)
    assert response.status_code == 200
    assert page.field("Invite client")["type"] == "checkbox"
    assert page.field("First name")["value"] == "Ngozi"
    assert page.field("Value 2")["value"] == ""
    assert page.button("Create contact")
    assert fake_taskip.writes() == []


def test_duplicate_custom_field_names_are_rejected(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, custom_key=["a", "a"], custom_value=["1", "2"])
    response = client.post(action, data)
    page = Page(response)
    assert response.status_code == 422
    assert "The name “a” is used twice." in page.alerts()
    assert fake_taskip.writes() == []


# ---- what the edit form checks before any call ------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "values", "sent"),
    [
        (["tier", "", "source"], ["silver", "", "fair"], None),  # a blank row is left out
        (["tier", "source", "flag"], ["silver", "fair", ""],
         {"tier": "silver", "source": "fair", "flag": ""}),  # a name without a value is kept
        (["tier", "source", "x"], ["silver", "fair"], {"tier": "silver", "source": "fair",
                                                      "x": ""}),  # fewer values than names
        (["k" * 191], ["v"], {"k" * 191: "v"}),
        (["tier", "source"], ["silver", "fair", "stray"], None),  # more values than names
    ],
    ids=["blank row", "empty value", "missing value", "longest name", "stray value"],
)
def test_custom_field_rows_become_what_is_sent(fake_taskip, login_as, keys, values, sent):
    client = login_as("editor")
    action, data = _edit_form(client, 2, custom_key=keys, custom_value=values)
    assert client.post(action, data).status_code == 302
    expected = [] if sent is None else [{"contact_id": 2, "changes": {"custom_fields": sent}}]
    assert fake_taskip.calls_to("update_contact") == expected


@pytest.mark.parametrize(
    ("keys", "values", "problem"),
    [
        (["tier", ""], ["silver", "orphan value"], "The value “orphan value” needs a name."),
        ([""], ["y" * 50], f"The value “{'y' * 40}” needs a name."),
        (["k" * 192], ["v"], "Custom field names are at most 191 characters."),
    ],
    ids=["value without a name", "long value without a name", "name too long"],
)
def test_bad_custom_field_rows_are_named_and_nothing_is_sent(fake_taskip, login_as, keys,
                                                             values, problem):
    client = login_as("editor")
    action, data = _edit_form(client, 2, custom_key=keys, custom_value=values)
    response = client.post(action, data)
    page = Page(response)
    assert response.status_code == 422
    # The summary links the row's problem to the custom fields; the fieldset repeats it.
    assert _error_summary(page) == [("#custom-fields", problem)]
    assert problem in page.alerts()
    assert "Fix the custom fields below." not in page.text
    assert fake_taskip.writes() == []


def test_a_custom_field_name_of_191_characters_is_kept(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, custom_key=["k" * 191], custom_value=["v"])
    assert client.post(action, data).status_code == 302
    assert fake_taskip.calls_to("update_contact") == [
        {"contact_id": 2, "changes": {"custom_fields": {"k" * 191: "v"}}}]


def test_a_value_posted_without_a_name_row_is_ignored(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, custom_key=["tier"], custom_value=["gold", "stray"])
    assert client.post(action, data).status_code == 302
    assert fake_taskip.calls_to("update_contact") == [
        {"contact_id": 2, "changes": {"custom_fields": {"tier": "gold"}}}]


def test_turning_portal_access_on_needs_a_password(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 3, access_portal="on")  # contact 3 has no portal yet
    response = client.post(action, data)
    page = Page(response)
    assert response.status_code == 422
    assert page.field_errors("Password") == ["A password is needed to give portal access."]
    assert page.field_help("Password").startswith("6 to 191 characters.")
    assert fake_taskip.writes() == []


def test_keeping_portal_access_needs_no_new_password(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="Chief")  # Jane already has portal access
    assert client.post(action, data).status_code == 302
    assert fake_taskip.calls_to("update_contact") == [
        {"contact_id": 2, "changes": {"position": "Chief"}}]


def test_turning_portal_access_off_sends_zero(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2)
    del data["access_portal"]
    client.post(action, data)
    assert fake_taskip.calls_to("update_contact") == [
        {"contact_id": 2, "changes": {"access_portal": 0}}]
    sent = fake_taskip.calls_to("update_contact")[0]["changes"]["access_portal"]
    assert type(sent) is int  # the API's 0|1, not JSON false


def test_a_typed_password_is_asked_for_again_after_a_refusal(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, password=SECRET_PASSWORD, zip_code="123456789")
    page = Page(client.post(action, data))
    assert page.field_help("Password") == (
        "For safety the password is not shown again: type it again to save it.")


def test_line_breaks_typed_in_details_are_sent_as_newlines(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, details="first\r\nsecond")
    client.post(action, data)
    assert fake_taskip.calls_to("update_contact") == [
        {"contact_id": 2, "changes": {"details": "first\nsecond"}}]


def test_line_breaks_saved_as_crlf_are_not_an_edit(fake_taskip, login_as):
    fake_taskip.change(2, details="first\r\nsecond")
    client = login_as("editor")
    action, data = _edit_form(client, 2, details="first\r\nsecond")
    client.post(action, data)
    assert fake_taskip.writes() == []


def test_a_custom_field_without_a_value_shows_empty(fake_taskip, login_as):
    fake_taskip.contacts[3] = make_contact(3, "Ann", "Lee", custom_fields={"note": None})
    page = Page(login_as("editor").get("/contacts/3/edit/"))
    assert (page.field("Name 1")["value"], page.field("Value 1")["value"]) == ("note", "")


def test_spaces_around_a_saved_value_are_not_an_edit(fake_taskip, login_as):
    fake_taskip.change(2, position=" CTO ")
    client = login_as("editor")
    action, data = _edit_form(client, 2)
    client.post(action, data)
    assert fake_taskip.writes() == []


def test_someone_else_making_the_same_change_is_no_conflict(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="Chief")
    fake_taskip.change(2, position="Chief")
    assert client.post(action, data).status_code == 302


def test_a_company_missing_from_the_picker_stays_selectable(fake_taskip, login_as):
    fake_taskip.contacts[3] = make_contact(3, "Ann", "Lee", company_id=9)
    page = Page(login_as("editor").get("/contacts/3/edit/"))
    assert page.options(page.find("select", id="id_company_id")) == [
        ("", "—", False), ("3", "Tech Solutions", False), ("5", "Acme Corp", False),
        ("7", "Marketing Pro", False), ("9", "Company 9", True)]  # fmt: skip


def test_a_refused_new_contact_keeps_its_unlisted_company(fake_taskip, login_as):
    response = login_as("editor").post("/contacts/new/", {"first_name": "A", "email": "bad",
                                                          "company_id": "9"})
    page = Page(response)
    assert ("9", "Company 9", True) in page.options(page.find("select", id="id_company_id"))


def test_the_edit_form_links_back_to_the_list_it_came_from(fake_taskip, login_as):
    page = Page(login_as("editor").get("/contacts/2/edit/?search=an&sort=name&order=desc"))
    back = "/contacts/?search=an&sort=name&order=desc"
    assert page.link("← Back to contacts")["href"] == back
    assert page.link("Cancel")["href"] == back


def test_a_new_contact_form_carries_no_original(fake_taskip, login_as):
    page = Page(login_as("editor").get("/contacts/new/"))
    assert "original" not in dict(page.form_data(page.form(class_="contact-form")))


def test_an_original_that_is_not_a_contact_is_refused(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="X")
    data["original"] = [signing.dumps(["not", "a", "dict"], salt=ORIGINAL_SALT)]
    response = client.post(action, data)
    assert response.status_code == 302 and response["Location"] == action
    assert fake_taskip.writes() == []


def test_an_api_refusal_without_field_errors_is_shown_above_the_form(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="Kept")
    fake_taskip.fail("update_contact", taskip.TaskipValidationError(
        "The contact is locked.", status=422))
    response = client.post(action, data)
    assert response.status_code == 422
    assert _error_summary(Page(response)) == [(None, "The contact is locked.")]


def test_an_api_refusal_on_save_lands_on_its_field(fake_taskip, login_as, audit_entries):
    client = login_as("editor")
    action, data = _edit_form(client, 2, company_id="99", position="Kept")
    response = client.post(action, data)
    page = Page(response)
    assert response.status_code == 422
    assert page.field_errors("Company") == ["The selected company id is invalid."]
    assert page.field("Position")["value"] == "Kept"
    assert audit_entries() == [("editor-user", "update", [2], ["company_id", "position"],
                                "failure", "TaskipValidationError")]


def test_an_api_error_for_an_unknown_field_is_shown_with_its_name(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="Kept")
    fake_taskip.fail("update_contact", taskip.TaskipValidationError(
        "Invalid", status=422, field_errors={"billing_zip": ["Too long."]}))
    page = Page(client.post(action, data))
    assert "billing_zip: Too long." in " ".join(page.alerts())


def test_failed_save_when_the_api_is_down_keeps_the_form(fake_taskip, login_as, audit_entries):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="Typed while down")
    fake_taskip.fail("update_contact", taskip.TaskipUnavailable())
    response = client.post(action, data)
    page = Page(response)
    assert response.status_code == 503
    assert page.field("Position")["value"] == "Typed while down"
    assert any("The TaskIP API is unavailable. Nothing was saved;" in a
               for a in page.alerts())  # fmt: skip
    assert audit_entries() == [
        ("editor-user", "update", [2], ["position"], "failure", "TaskipUnavailable")
    ]


# ---- create --------------------------------------------------------------------------------------

NEW_CONTACT = {
    "first_name": "Ngozi", "last_name": "Okafor", "email": "ngozi.okafor@example.org",
    "position": "CFO", "timezone": "Africa/Lagos", "company_id": "5", "access_portal": "on",
    "password": SECRET_PASSWORD, "custom_key": ["tier"], "custom_value": ["gold"],
}  # fmt: skip


def test_create_sends_what_was_typed_and_returns_to_the_list(
    fake_taskip, login_as, audit_entries
):
    client = login_as("editor")
    response = client.post("/contacts/new/?sort=name&order=asc", NEW_CONTACT)
    assert response.status_code == 302
    assert response["Location"] == "/contacts/?sort=name&order=asc"
    assert fake_taskip.calls_to("create_contact") == [{"fields": {
        "first_name": "Ngozi", "last_name": "Okafor", "email": "ngozi.okafor@example.org",
        "company_id": 5, "position": "CFO", "timezone": "Africa/Lagos", "access_portal": 1,
        "custom_fields": {"tier": "gold"}, "password": SECRET_PASSWORD, "invite_client": False,
    }}]  # fmt: skip
    assert Page(client.get(response["Location"])).messages() == ["Created Ngozi Okafor."]
    [entry] = audit_entries()
    assert entry[:2] == ("editor-user", "create") and entry[2] == [201]
    assert entry[3] == sorted(fake_taskip.calls_to("create_contact")[0]["fields"])
    assert entry[4] == "success"


def test_create_can_invite_at_once(fake_taskip, login_as):
    client = login_as("editor")
    response = client.post("/contacts/new/", {**NEW_CONTACT, "invite_client": "on"})
    assert fake_taskip.calls_to("create_contact")[0]["fields"]["invite_client"] is True
    assert Page(client.get(response["Location"])).messages() == [
        "Created Ngozi Okafor and invited."
    ]


def test_create_form_offers_every_section(fake_taskip, login_as):
    page = Page(login_as("editor").get("/contacts/new/"))
    groups = [page.name_of(g) for g in page.all_by_role("group")]
    assert groups == ["Person", "Phone and time zone", "Company and role", "Address", "Notes",
                      "Client portal", "Custom fields"]
    assert page.field("Invite client")["type"] == "checkbox"
    assert ("Africa/Lagos", "Africa/Lagos", False) in page.options(
        page.find("select", id="id_timezone"))
    assert [o[1] for o in page.options(page.find("select", id="id_company_id"))] == [
        "—", "Tech Solutions", "Acme Corp", "Marketing Pro"]


def test_create_form_still_shows_when_companies_cannot_be_listed(fake_taskip, login_as):
    fake_taskip.fail("list_companies", taskip.TaskipUnavailable())
    client = login_as("editor")
    page = Page(client.get("/contacts/new/"))
    assert page.options(page.find("select", id="id_company_id")) == [("", "—", True)]
    fake_taskip.fail("list_companies", taskip.TaskipUnavailable())
    edit = Page(client.get("/contacts/2/edit/"))
    assert edit.options(edit.find("select", id="id_company_id")) == [
        ("", "—", False), ("5", "Company 5", True)]


@pytest.mark.parametrize(
    ("fail_with", "status"),
    [
        (None, 422),  # the form refuses it (zip code too long) before any call
        (taskip.TaskipConflict("Email already exists", status=409), 409),
        (taskip.TaskipValidationError("Invalid", status=422,
                                      field_errors={"email": ["Bad"]}), 422),
    ],
    ids=["form 422", "api 409", "api 422"],
)
def test_the_portal_password_never_comes_back_in_the_page(fake_taskip, login_as, fail_with,
                                                           status):
    data = dict(NEW_CONTACT)
    if fail_with is None:
        data["zip_code"] = "123456789"
    else:
        fake_taskip.fail("create_contact", fail_with)
    response = login_as("editor").post("/contacts/new/", data)
    assert response.status_code == status
    assert SECRET_PASSWORD.encode() not in response.content
    page = Page(response)
    assert page.field("Password")["type"] == "password" and "value" not in page.field("Password")
    assert page.field("First name")["value"] == "Ngozi"  # everything else survives


def test_the_password_never_comes_back_after_an_edit_conflict(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, position="Mine", password=SECRET_PASSWORD)
    fake_taskip.change(2, position="Theirs")
    response = client.post(action, data)
    assert response.status_code == 409
    assert SECRET_PASSWORD.encode() not in response.content


# ---- invite --------------------------------------------------------------------------------------


def test_invite_dialog_offers_the_apis_choices(fake_taskip, login_as):
    page = Page(login_as("editor").get("/contacts/2/invite/", headers={"HX-Request": "true"}))
    dialog = page.by_role("dialog", "Invite Jane Smith as a client")
    assert page.field("Message", within=dialog)["value"] == ""
    assert page.field("Access level", within=dialog)["value"] == "basic"
    assert [o[0] for o in page.options(dialog)] == ["basic", "standard", "premium"]
    assert "checked" in page.field("Send email", within=dialog)
    assert page.find_all("html") == []


@pytest.mark.parametrize(
    ("query", "cancel"),
    [("?search=an", "/contacts/?search=an"), ("?from=detail&search=an", "/contacts/3/?search=an")],
)
def test_cancelling_an_invitation_goes_back_where_it_came_from(fake_taskip, login_as, query,
                                                                cancel):
    page = Page(login_as("editor").get(f"/contacts/3/invite/{query}",
                                       headers={"HX-Request": "true"}))
    assert page.link("Cancel")["href"] == cancel
    assert attrs(page.form())["action"] == f"/contacts/3/invite/{query}"


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ({"message": "Welcome!", "send_email": "on", "access_level": "premium"},
         {"message": "Welcome!", "send_email": True, "access_level": "premium"}),
        ({"message": "", "access_level": "standard"},
         {"message": "", "send_email": False, "access_level": "standard"}),
    ],
    ids=["all chosen", "no email"],
)
def test_the_whole_invitation_reaches_the_api(fake_taskip, login_as, audit_entries, typed, sent):
    response = login_as("editor").post(
        "/contacts/3/invite/", {**typed, "name": "Anna"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert fake_taskip.calls_to("invite_client") == [{"contact_id": 3, **sent}]
    assert triggered(response) == {"dialog:close"} and response["HX-Reswap"] == "none"
    assert Page(response).messages() == ["Invitation sent to Anna."]
    assert audit_entries() == [("editor-user", "invite", [3], [], "success",
                                f"access_level={sent['access_level']}")]


@pytest.mark.parametrize(
    ("query", "back"),
    [("?search=an", "/contacts/?search=an"), ("?from=detail&search=an", "/contacts/3/?search=an")],
)
def test_invite_without_javascript_goes_back_where_it_came_from(fake_taskip, login_as, query,
                                                                 back):
    response = login_as("editor").post(f"/contacts/3/invite/{query}", {"access_level": "basic"})
    assert response.status_code == 302 and response["Location"] == back


def test_invite_with_a_bad_access_level_stays_in_the_dialog(fake_taskip, login_as):
    response = login_as("editor").post(
        "/contacts/3/invite/", {"access_level": "platinum"}, headers={"HX-Request": "true"}
    )
    page = Page(response)
    assert response.status_code == 422
    # Only the form comes back: it replaces itself inside the dialog that is already open.
    assert page.find_all("dialog") == [] and page.find_all("html") == []
    assert attrs(page.form())["hx-swap"] == "outerHTML"
    assert page.field_errors("Access level") == [
        "Select a valid choice. platinum is not one of the available choices."
    ]
    assert fake_taskip.writes() == []


# ---- detail --------------------------------------------------------------------------------------


def test_detail_shows_every_field(fake_taskip, login_as):
    fake_taskip.contacts[2] = make_contact(
        2, "Jane", "Smith", email="jane.smith@example.com", company_id=5, position="CTO",
        billing=taskip.Billing(city="Springfield", tax_number="TX-1"), timezone="Europe/Paris",
        languages=(taskip.Language(id=1, code="es", name="Spanish", is_default=True),),
        custom_fields={"tier": "silver", "<b>x</b>": "y"}, details="first\nsecond",
    )
    page = Page(login_as("viewer").get("/contacts/2/"))
    person = page.definitions(page.section("Person"))
    assert person["Email"] == "jane.smith@example.com" and person["Time zone"] == "Europe/Paris"
    assert page.definitions(page.section("Company and role"))["Company"] == "Acme Corp"
    billing = page.definitions(page.section("Billing"))
    assert billing["City"] == "Springfield" and billing["Tax number"] == "TX-1"
    assert "Spanish (es) — default" in page.text
    assert page.definitions(page.section("Custom fields")) == {"tier": "silver",
                                                              "<b>x</b>": "y"}
    assert page.find_all("br", within=page.section("Details"))


@pytest.mark.parametrize(
    ("url", "shown_as"),
    [
        ("https://taskip.net/photos/jane.png", "img"),
        ("https://tracker.example/pixel.png", "link"),
        ("https://taskip.net.tracker.example/p.png", "link"),
        ("https://taskip.net:8443/photos/jane.png", "link"),
        ("http://taskip.net/photos/jane.png", "link"),
        ("javascript:alert(1)", None),
        ("data:image/png;base64,iVBORw0KGgo=", None),
        ("https://[bad/", None),
    ],
)
def test_images_load_only_over_https_from_trusted_hosts(fake_taskip, login_as, url, shown_as):
    fake_taskip.contacts[2] = make_contact(2, "Jane", "Smith", image=taskip.Image(id=1, url=url))
    page = Page(login_as("viewer").get("/contacts/2/"))
    images = [attrs(img) for img in page.find_all("img")]
    links = page.all_by_role("link", lambda name: name.startswith("Photo"))
    if shown_as == "img":
        assert [(i["src"], i["alt"]) for i in images] == [(url, "Photo of Jane Smith")]
        assert links == []
    elif shown_as == "link":
        assert images == []
        [link] = links
        assert attrs(link)["href"] == url and "noreferrer" in attrs(link)["rel"]
    else:
        assert images == [] and links == []


def test_trusted_image_hosts_come_from_the_setting(fake_taskip, login_as, settings):
    settings.TASKIP_IMAGE_HOSTS = ["cdn.example"]
    fake_taskip.contacts[2] = make_contact(
        2, "Jane", "Smith", image=taskip.Image(id=1, url="https://cdn.example/j.png"))
    fake_taskip.contacts[3] = make_contact(
        3, "Ann", "Lee", image=taskip.Image(id=2, url="https://taskip.net/a.png"))
    client = login_as("viewer")
    assert [attrs(i)["src"] for i in Page(client.get("/contacts/2/")).find_all("img")] == [
        "https://cdn.example/j.png"]
    assert Page(client.get("/contacts/3/")).find_all("img") == []


# ---- the company picker --------------------------------------------------------------------------


def test_company_picker_filters_by_search_and_keeps_the_choice(fake_taskip, login_as):
    response = login_as("editor").get("/contacts/companies/?company_search=acme&company_id=3")
    assert Page(response).options() == [
        ("", "—", False), ("3", "Company 3", True), ("5", "Acme Corp", False)]
    assert fake_taskip.calls_to("list_companies") == [{"search": "acme", "page": 1, "limit": 100}]


def test_company_picker_without_search_lists_all(fake_taskip, login_as):
    response = login_as("editor").get("/contacts/companies/?company_id=5")
    assert Page(response).options() == [
        ("", "—", False), ("3", "Tech Solutions", False), ("5", "Acme Corp", True),
        ("7", "Marketing Pro", False)]  # fmt: skip
    assert fake_taskip.calls_to("list_companies") == [{"search": None, "page": 1, "limit": 100}]


def test_the_edit_form_asks_for_one_full_page_of_companies(fake_taskip, login_as):
    login_as("editor").get("/contacts/2/edit/")
    assert fake_taskip.calls_to("list_companies") == [{"search": None, "page": 1, "limit": 100}]


# ---- validation failures against the live service: the contact is left alone ----------------


def _raw_contact(api, contact_id: int) -> dict:
    response = api.session().get(f"{api.api_url}/contact/{contact_id}", timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _raw_search(api, email: str) -> list[dict]:
    response = api.session().get(f"{api.api_url}/contact", params={"search": email}, timeout=5)
    return response.json()["data"]


def test_live_taken_email_lands_on_the_field_and_nothing_is_saved(api, login_as):
    client = login_as("editor")
    before = _raw_contact(api, 2)
    other = _raw_contact(api, 1)["email"]
    action, data = _edit_form(client, 2, email=other.upper(), position="Typed but not saved")
    response = client.post(action, data)
    page = Page(response)
    assert response.status_code == 409
    assert page.field_errors("Email")
    assert page.field("Position")["value"] == "Typed but not saved"
    assert _raw_contact(api, 2) == before


def test_live_invalid_input_keeps_what_was_typed_and_saves_nothing(api, login_as):
    client = login_as("editor")
    before = _raw_contact(api, 2)
    action, data = _edit_form(client, 2, zip_code="123456789", position="Kept")
    response = client.post(action, data)
    page = Page(response)
    assert response.status_code == 422
    assert page.field_errors("ZIP code") == [
        "Ensure this value has at most 8 characters (it has 9)."]
    assert page.field("Position")["value"] == "Kept"
    assert _raw_contact(api, 2) == before


def test_live_duplicate_custom_field_names_save_nothing(api, login_as):
    client = login_as("editor")
    before = _raw_contact(api, 2)
    action, data = _edit_form(client, 2, custom_key=["a", "a"], custom_value=["1", "2"],
                              position="Not saved")
    assert client.post(action, data).status_code == 422
    assert _raw_contact(api, 2) == before


def test_live_tampered_original_saves_nothing(api, login_as):
    client = login_as("editor")
    before = _raw_contact(api, 2)
    action, data = _edit_form(client, 2, position="X")
    data["original"] = [signing.dumps({"position": "X"}, salt="someone-else")]
    assert client.post(action, data).status_code == 302
    assert _raw_contact(api, 2) == before


def test_live_portal_access_without_a_password_creates_nothing(api, login_as):
    data = {"first_name": "A", "email": "a.portal@example.org", "access_portal": "on"}
    response = login_as("editor").post("/contacts/new/", data)
    assert response.status_code == 422
    assert Page(response).field_errors("Password") == [
        "A password is needed to give portal access."]
    assert _raw_search(api, "a.portal@example.org") == []


def test_live_create_with_a_taken_email_creates_nothing(api, login_as):
    taken = _raw_contact(api, 1)["email"]
    response = login_as("editor").post("/contacts/new/", {"first_name": "Dup", "email": taken})
    page = Page(response)
    assert response.status_code == 409
    assert page.field_errors("Email") and page.field("First name")["value"] == "Dup"
    assert [c["first_name"] for c in _raw_search(api, taken)] == [
        _raw_contact(api, 1)["first_name"]]


def _raw_invitations(api, contact_id: int) -> list[dict]:
    response = api.session().get(f"{api.url}/_sandbox/invitations",
                                 params={"contact_id": contact_id}, timeout=5)
    return response.json()["data"]


def test_live_invitation_carries_the_whole_payload(api, login_as):
    response = login_as("editor").post(
        "/contacts/3/invite/",
        {"message": "Welcome aboard!", "access_level": "premium", "name": "Anna"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    [invitation] = _raw_invitations(api, 3)
    assert {k: invitation[k] for k in ("message", "send_email", "access_level")} == {
        "message": "Welcome aboard!", "send_email": False, "access_level": "premium"}


def test_live_bad_access_level_sends_no_invitation(api, login_as):
    response = login_as("editor").post(
        "/contacts/3/invite/", {"access_level": "platinum"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert _raw_invitations(api, 3) == []
