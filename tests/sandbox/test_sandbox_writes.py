"""Creating, updating, deleting and inviting contacts (the lent sandbox, reset for each test)."""

import time

from sandbox_http import CONTACT_FIELDS, Client, assert_error, new_contact

# ---- create --------------------------------------------------------------------------------


def test_create_answers_201_with_the_new_contact(wapi):
    body = new_contact(
        phone_code="+44",
        phone_number="20 7946 0958",
        company_id=7,
        country_id=1,
        state_id=6,
        city_id=11,
        timezone="Europe/London",
        image=42,
        access_portal=1,
        password="secret-pass",
        custom_fields={"tier": "gold", "score": 7, "vip": True, "note": None},
    )
    response = wapi.post("/contact", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"success", "message", "data"}
    assert created["success"] is True and created["message"] == "Contact created successfully"
    contact = created["data"]
    assert set(contact) == CONTACT_FIELDS and "password" not in response.text
    assert contact["id"] > 200 and contact["email"] == body["email"]
    assert contact["full_name"] == f"Test {body['last_name']}"
    assert contact["company"] == {
        "id": 7,
        "name": "Marketing Pro",
        "domain": "marketingpro.com",
        "email": "info@marketingpro.com",
    }
    assert (contact["country"], contact["state"], contact["city"]) == (
        "United States",
        "New York",
        "New York",
    )
    assert contact["image"]["id"] == 42 and contact["access_portal"] == 1
    assert contact["custom_fields"] == body["custom_fields"]
    assert contact["languages"] == [] and contact["billings"]["contact_id"] == contact["id"]
    assert contact["billings"]["billing_address"] is None
    assert contact["created_at"] == contact["updated_at"]
    assert wapi.contact(contact["id"]) == contact


def test_create_with_only_the_required_fields(wapi):
    contact = wapi.post("/contact", json={"first_name": "Solo", "email": "solo@example.test"})
    assert contact.status_code == 201
    data = contact.json()["data"]
    assert data["last_name"] is None and data["full_name"] == "Solo"
    assert data["company"] is None and data["access_portal"] == 0 and data["custom_fields"] == {}


# ---- update --------------------------------------------------------------------------------


def test_update_changes_only_the_fields_sent(wapi):
    before = wapi.contact(30)
    response = wapi.put(
        "/contact/30",
        json={"position": "Chief Listener", "phone_number": "555-0199", "notes": "ignored"},
    )
    assert response.status_code == 200
    assert response.json() == {"msg": "Contact Updated"}
    after = wapi.contact(30)
    changed = {k for k in CONTACT_FIELDS if before[k] != after[k]}
    assert changed <= {"position", "phone_number", "updated_at"}
    assert after["position"] == "Chief Listener" and after["phone_number"] == "555-0199"
    assert after["updated_at"] >= before["updated_at"]


def test_update_with_unknown_fields_only_changes_nothing(wapi):
    before = wapi.contact(31)
    response = wapi.put("/contact/31", json={"phone": "+1-555-0126", "notes": "n", "status": "x"})
    assert response.status_code == 200 and response.json() == {"msg": "Contact Updated"}
    assert wapi.contact(31) == before


def test_update_with_null_or_empty_clears_optional_fields(wapi):
    wapi.put("/contact/32", json={"company_id": 5, "position": "Lead", "details": "Some"})
    assert wapi.contact(32)["company"]["id"] == 5
    wapi.put("/contact/32", json={"company_id": None, "position": None, "details": ""})
    after = wapi.contact(32)
    assert after["company"] is None and after["company_id"] is None
    assert after["position"] is None and after["details"] is None


def test_update_replaces_custom_fields_and_name_parts(wapi):
    wapi.put("/contact/33", json={"custom_fields": {"only": "this"}, "first_name": "Zoë"})
    after = wapi.contact(33)
    assert after["custom_fields"] == {"only": "this"}
    assert after["first_name"] == "Zoë" and after["full_name"].startswith("Zoë ")
    found = wapi.get("/contact", params={"search": "ZOË"}).json()["data"]
    assert 33 in [c["id"] for c in found]


def test_update_unknown_contact_is_404(wapi):
    assert_error(wapi.put("/contact/99999", json={"position": "x"}), 404)


# ---- email uniqueness ----------------------------------------------------------------------


def test_create_with_a_taken_email_in_another_case_is_409(wapi):
    taken = wapi.contact(1)["email"]
    response = wapi.post("/contact", json=new_contact(email=taken.upper()))
    body = assert_error(response, 409, "email")
    assert body["error"] == "Conflict"


def test_update_to_a_taken_email_in_another_case_is_409(wapi):
    other = wapi.contact(2)["email"]
    assert_error(wapi.put("/contact/40", json={"email": other.swapcase()}), 409, "email")


def test_update_may_keep_its_own_email_in_another_case(wapi):
    own = wapi.contact(41)["email"]
    assert wapi.put("/contact/41", json={"email": own.upper()}).status_code == 200
    assert wapi.contact(41)["email"] == own.upper()


def test_a_freed_email_can_be_used_again(wapi):
    created = wapi.create()
    assert wapi.delete(f"/contact/{created['id']}").status_code == 200
    again = wapi.post("/contact", json=new_contact(email=created["email"]))
    assert again.status_code == 201


# ---- delete --------------------------------------------------------------------------------


def test_delete_then_the_contact_is_gone(wapi):
    response = wapi.delete("/contact/50")
    assert response.status_code == 200 and response.json() == {"msg": "Contact Deleted"}
    assert_error(wapi.get("/contact/50"), 404)
    assert_error(wapi.delete("/contact/50"), 404)


# ---- bulk delete ---------------------------------------------------------------------------


def test_bulk_delete_removes_every_listed_contact(wapi):
    response = wapi.post("/contact/bulk-delete", json={"contact_ids": [60, 61, 62, 61]})
    assert response.status_code == 200 and response.json() == {"msg": "Contacts Deleted"}
    for contact_id in (60, 61, 62):
        assert_error(wapi.get(f"/contact/{contact_id}"), 404)


def test_bulk_delete_with_one_missing_id_deletes_nothing(wapi):
    response = wapi.post("/contact/bulk-delete", json={"contact_ids": [70, 71, 987654]})
    body = assert_error(response, 422, "contact_ids")
    assert "987654" in " ".join(body["errors"]["contact_ids"])
    assert wapi.contact(70) and wapi.contact(71)


def test_bulk_delete_input_rules(wapi):
    for body in (
        {},
        {"contact_ids": []},
        {"contact_ids": None},
        {"contact_ids": "70,71"},
        {"contact_ids": [70, "71"]},
        {"contact_ids": [70, True]},
        {"contact_ids": [70.0]},
        {"contact_ids": {"a": 70}},
    ):
        assert_error(wapi.post("/contact/bulk-delete", json=body), 422, "contact_ids")
    assert wapi.contact(70)


def test_bulk_delete_of_a_thousand_contacts_in_one_call(start_sandbox):
    client = Client(start_sandbox(seed=1000))
    started = time.monotonic()
    response = client.post("/contact/bulk-delete", json={"contact_ids": list(range(1, 1001))})
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert elapsed < 5, f"bulk delete of 1000 took {elapsed:.2f}s"
    assert client.get("/contact").json()["meta"]["total"] == 0


# ---- invitations ---------------------------------------------------------------------------


def invitations(client, contact_id):
    response = client.session.get(
        f"{client.server.url}/_sandbox/invitations", params={"contact_id": contact_id}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_invite_sends_an_email_and_records_the_invitation(wapi, writable):
    contact = wapi.contact(80)
    response = wapi.post(
        "/contact/invite-client/80", json={"message": "Welcome aboard!", "access_level": "premium"}
    )
    assert response.status_code == 200 and response.json() == {"msg": "Invitation sent success"}
    [recorded] = invitations(wapi, 80)
    assert recorded["contact_id"] == 80 and recorded["email"] == contact["email"]
    assert recorded["message"] == "Welcome aboard!" and recorded["access_level"] == "premium"
    assert recorded["send_email"] is True and recorded["email_sent"] is True
    mail = writable.stderr_text()
    assert f"To: {contact['email']}" in mail and "Welcome aboard!" in mail


def test_invite_respects_send_email_false(wapi, writable):
    contact = wapi.contact(81)
    response = wapi.post("/contact/invite-client/81", json={"send_email": False})
    assert response.status_code == 200
    [recorded] = invitations(wapi, 81)
    assert recorded["send_email"] is False and recorded["email_sent"] is False
    assert recorded["access_level"] == "basic" and recorded["message"] is None
    assert f"To: {contact['email']}" not in writable.stderr_text()


def test_invite_with_an_empty_body_uses_the_defaults(wapi):
    assert wapi.post("/contact/invite-client/82").status_code == 200
    [recorded] = invitations(wapi, 82)
    assert (recorded["access_level"], recorded["send_email"]) == ("basic", True)


def test_invite_input_rules(wapi):
    for body, field in (
        ({"access_level": "platinum"}, "access_level"),
        ({"send_email": "yes"}, "send_email"),
        ({"message": 42}, "message"),
        ({"message": "x" * 2001}, "message"),
    ):
        assert_error(wapi.post("/contact/invite-client/83", json=body), 422, field)
    assert invitations(wapi, 83) == []
    assert_error(wapi.post("/contact/invite-client/987654", json={}), 404)


def test_create_with_invite_client_sends_the_invitation(wapi):
    created = wapi.create(invite_client=True)
    [recorded] = invitations(wapi, created["id"])
    assert recorded["email"] == created["email"] and recorded["email_sent"] is True


def test_invitation_listing_needs_the_key(writable):
    response = Client(writable, secret_key="wrong").session.get(
        f"{writable.url}/_sandbox/invitations", timeout=10
    )
    assert response.status_code == 401
