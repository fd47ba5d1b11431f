"""Create, edit, lost-update protection and invitations, through the views and a live sandbox."""

import requests
from django.core import signing

from contacts import taskip


def _api_get(api, contact_id):
    response = requests.get(
        f"{api.url}/api/public-v1/contact/{contact_id}",
        headers={"X-Secret-Key": api.secret_key},
        timeout=5,
    )
    return response.json()["data"]


def _api_put(api, contact_id, changes):
    response = requests.put(
        f"{api.url}/api/public-v1/contact/{contact_id}",
        headers={"X-Secret-Key": api.secret_key},
        json=changes,
        timeout=5,
    )
    assert response.ok, response.text


def _edit_form_data(client, contact_id, **changes) -> dict:
    """What the browser would post: the form as rendered, with the user's changes applied."""
    response = client.get(f"/contacts/{contact_id}/edit/")
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name == "access_portal":
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    rows = response.context["custom_rows"]
    data["custom_key"] = [k for k, _ in rows]
    data["custom_value"] = [v for _, v in rows]
    data["original"] = response.context["original"]
    data.update(changes)
    return data


def test_edit_sends_only_changed_fields_and_keeps_custom_fields(api, login_as):
    client = login_as("editor")
    before = _api_get(api, 2)
    data = _edit_form_data(client, 2, position="Head of Product")
    data["custom_key"] = [*data["custom_key"], "shoe_size"]
    data["custom_value"] = [*data["custom_value"], "42"]
    calls_before = len(api.api_calls())
    response = client.post("/contacts/2/edit/?search=smith", data)
    assert response.status_code == 302
    assert response["Location"] == "/contacts/?search=smith"
    after = _api_get(api, 2)
    assert after["position"] == "Head of Product"
    assert after["custom_fields"] == {**before["custom_fields"], "shoe_size": "42"}
    assert after["email"] == before["email"]
    puts = [c for c in api.api_calls()[calls_before:] if c.method == "PUT"]
    assert len(puts) == 1
    assert "Saved" in client.get(response["Location"]).content.decode()


def test_taken_email_lands_on_the_email_field_and_nothing_is_saved(api, login_as):
    client = login_as("editor")
    other = _api_get(api, 1)["email"]
    data = _edit_form_data(client, 2, email=other.upper(), position="Typed but not saved")
    response = client.post("/contacts/2/edit/", data)
    assert response.status_code == 409
    form = response.context["form"]
    assert form.errors["email"]
    html = response.content.decode()
    assert 'value="Typed but not saved"' in html
    assert _api_get(api, 2)["position"] != "Typed but not saved"


def test_invalid_input_rerenders_everything_typed(api, login_as):
    client = login_as("editor")
    data = _edit_form_data(client, 2, zip_code="123456789", position="Kept")
    response = client.post("/contacts/2/edit/", data)
    assert response.status_code == 422
    assert "zip_code" in response.context["form"].errors
    assert 'value="Kept"' in response.content.decode()


def test_concurrent_change_to_the_same_field_is_not_overwritten(api, login_as):
    client = login_as("editor")
    data = _edit_form_data(client, 2, position="Mine")
    _api_put(api, 2, {"position": "Theirs"})
    response = client.post("/contacts/2/edit/", data)
    assert response.status_code == 409
    assert _api_get(api, 2)["position"] == "Theirs"
    html = response.content.decode()
    assert "Keep mine" in html and "Take theirs" in html and "“Theirs”" in html

    # Saving again with "take theirs" keeps their value and saves nothing else.
    retry = {**data, "original": response.context["original"], "resolve_position": "theirs"}
    assert client.post("/contacts/2/edit/", retry).status_code == 302
    assert _api_get(api, 2)["position"] == "Theirs"


def test_keep_mine_after_a_conflict_saves_mine(api, login_as):
    client = login_as("editor")
    data = _edit_form_data(client, 2, position="Mine")
    _api_put(api, 2, {"position": "Theirs"})
    conflict = client.post("/contacts/2/edit/", data)
    retry = {**data, "original": conflict.context["original"], "resolve_position": "mine"}
    assert client.post("/contacts/2/edit/", retry).status_code == 302
    assert _api_get(api, 2)["position"] == "Mine"


def test_someone_elses_change_to_another_field_is_merged(api, login_as):
    client = login_as("editor")
    data = _edit_form_data(client, 2, position="Mine")
    _api_put(api, 2, {"address": "1 Their Street"})
    assert client.post("/contacts/2/edit/", data).status_code == 302
    after = _api_get(api, 2)
    assert after["position"] == "Mine" and after["address"] == "1 Their Street"


def test_tampered_original_is_refused(api, login_as):
    client = login_as("editor")
    data = _edit_form_data(client, 2, position="X")
    data["original"] = signing.dumps({"position": "X"}, salt="someone-else")
    response = client.post("/contacts/2/edit/", data)
    assert response.status_code == 302
    assert _api_get(api, 2)["position"] != "X"


def test_custom_field_rows_can_be_added_and_removed_without_saving(api, login_as):
    client = login_as("editor")
    data = _edit_form_data(client, 2, position="Unsaved")
    rows = len(data["custom_key"])
    added = client.post("/contacts/2/edit/", {**data, "add_custom_field": "1"})
    assert added.status_code == 200
    assert len(added.context["custom_rows"]) == rows + 1
    assert 'value="Unsaved"' in added.content.decode()
    removed = client.post("/contacts/2/edit/", {**data, "remove_custom_field": "0"})
    assert len(removed.context["custom_rows"]) == rows - 1
    assert _api_get(api, 2)["position"] != "Unsaved"


def test_duplicate_custom_field_names_are_rejected(api, login_as):
    client = login_as("editor")
    data = _edit_form_data(client, 2)
    data["custom_key"] = ["a", "a"]
    data["custom_value"] = ["1", "2"]
    response = client.post("/contacts/2/edit/", data)
    assert response.status_code == 422
    assert "used twice" in response.content.decode()


def test_create_contact_reaches_the_api_and_returns_to_the_list(api, login_as):
    client = login_as("editor")
    data = {
        "first_name": "Ngozi",
        "last_name": "Okafor",
        "email": "ngozi.okafor@example.org",
        "position": "CFO",
        "timezone": "Africa/Lagos",
        "company_id": "5",
        "access_portal": "on",
        "password": "s3cret-pass",
        "custom_key": ["tier"],
        "custom_value": ["gold"],
    }
    response = client.post("/contacts/new/?sort=name&order=asc", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/contacts/?sort=name&order=asc"
    created = taskip.list_contacts(search="ngozi.okafor").contacts
    assert len(created) == 1
    contact = created[0]
    assert contact.company_id == 5 and contact.access_portal
    assert contact.custom_fields == {"tier": "gold"}


def test_create_requires_a_password_for_portal_access(api, login_as):
    data = {"first_name": "A", "email": "a.portal@example.org", "access_portal": "on"}
    response = login_as("editor").post("/contacts/new/", data)
    assert response.status_code == 422
    assert "password" in response.context["form"].errors


def test_create_with_taken_email_shows_it_on_the_field(api, login_as):
    data = {"first_name": "Dup", "email": _api_get(api, 1)["email"]}
    response = login_as("editor").post("/contacts/new/", data)
    assert response.status_code == 409
    assert response.context["form"].errors["email"]
    assert 'value="Dup"' in response.content.decode()


def test_failed_save_when_the_api_is_down_keeps_the_form(api, login_as):
    client = login_as("editor")
    data = _edit_form_data(client, 2, position="Typed while down")
    api.stop()
    response = client.post("/contacts/2/edit/", data)
    assert response.status_code == 503
    html = response.content.decode()
    assert 'value="Typed while down"' in html
    assert "Nothing was saved" in html


def test_invite_records_the_invitation(api, login_as):
    client = login_as("editor")
    dialog = client.get("/contacts/3/invite/", headers={"HX-Request": "true"})
    assert "<dialog" in dialog.content.decode()
    response = client.post(
        "/contacts/3/invite/",
        {"message": "Welcome!", "send_email": "on", "access_level": "premium", "name": "Anna"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "dialog:close" in response["HX-Trigger"]
    assert "Invitation sent to Anna." in response.content.decode()
    invitations = requests.get(
        f"{api.url}/_sandbox/invitations?contact_id=3",
        headers={"X-Secret-Key": api.secret_key},
        timeout=5,
    ).json()["data"]
    assert [i["access_level"] for i in invitations] == ["premium"]


def test_invite_with_a_bad_access_level_stays_in_the_dialog(api, login_as):
    response = login_as("editor").post(
        "/contacts/3/invite/", {"access_level": "platinum"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "<form" in response.content.decode() and "platinum" in response.content.decode()


def test_detail_shows_every_field_and_only_https_images(api, login_as):
    client = login_as("viewer")
    html = client.get("/contacts/2/").content.decode()
    jane = _api_get(api, 2)
    for value in (jane["email"], jane["position"], jane["billings"]["tax_number"], "Spanish"):
        assert value in html
    for key, value in jane["custom_fields"].items():
        assert f"<dt>{key}</dt><dd>{value}</dd>" in html


def test_company_picker_filters_by_search_and_keeps_the_choice(shared_api, login_as):
    client = login_as("editor")
    html = client.get("/contacts/companies/?company_search=acme&company_id=3").content.decode()
    assert '<option value="5">Acme Corp</option>' in html
    assert '<option value="3" selected>' in html
    assert "Marketing Pro" not in html


def test_resolving_a_conflict_keeps_the_other_users_other_changes(api, login_as):
    client = login_as("editor")
    data = _edit_form_data(client, 2, position="Mine")
    _api_put(api, 2, {"position": "Theirs", "phone_number": "555-9999"})
    conflict = client.post("/contacts/2/edit/", data)
    assert conflict.status_code == 409
    form = conflict.context["form"]
    assert form["phone_number"].value() == "555-9999"
    assert form["position"].value() == "Mine"
    retry = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    retry.pop("access_portal", None)
    if form["access_portal"].value():
        retry["access_portal"] = "on"
    retry["custom_key"] = [k for k, _ in conflict.context["custom_rows"]]
    retry["custom_value"] = [v for _, v in conflict.context["custom_rows"]]
    retry.update(original=conflict.context["original"], resolve_position="theirs")
    assert client.post("/contacts/2/edit/", retry).status_code == 302
    after = _api_get(api, 2)
    assert after["phone_number"] == "555-9999" and after["position"] == "Theirs"


def test_line_breaks_and_edge_spaces_are_not_edits(api, login_as):
    client = login_as("editor")
    _api_put(api, 2, {"details": "line one\nline two"})
    data = _edit_form_data(client, 2)
    data["details"] = "line one\r\nline two"
    calls = len(api.api_calls())
    response = client.post("/contacts/2/edit/", data, follow=True)
    assert "Nothing was changed." in response.content.decode()
    assert not [c for c in api.api_calls()[calls:] if c.method == "PUT"]
