"""Every validation rule of the create table, at its limit and just past it."""

import pytest
from sandbox_http import assert_error, new_contact

# (field, value that is just allowed, value that is just too much)
LENGTH_LIMITS = [
    ("phone_code", "+1234", "+12345"),
    ("phone_number", "1" * 18, "1" * 19),
    ("zip_code", "12345678", "123456789"),
    ("first_name", "F" * 191, "F" * 192),
    ("last_name", "L" * 191, "L" * 192),
    ("position", "P" * 191, "P" * 192),
    ("address", "A" * 191, "A" * 192),
    ("reference", "R" * 191, "R" * 192),
    ("reference_name", "N" * 191, "N" * 192),
]


@pytest.mark.parametrize(("field", "allowed", "too_long"), LENGTH_LIMITS)
def test_length_limits_on_create(wapi, field, allowed, too_long):
    created = wapi.post("/contact", json=new_contact(**{field: allowed}))
    assert created.status_code == 201, created.text
    assert created.json()["data"][field] == allowed
    assert_error(wapi.post("/contact", json=new_contact(**{field: too_long})), 422, field)


@pytest.mark.parametrize(("field", "allowed", "too_long"), LENGTH_LIMITS)
def test_length_limits_on_update(wapi, field, allowed, too_long):
    assert wapi.put("/contact/10", json={field: allowed}).status_code == 200
    assert wapi.contact(10)[field] == allowed
    assert_error(wapi.put("/contact/10", json={field: too_long}), 422, field)
    assert wapi.contact(10)[field] == allowed


@pytest.mark.parametrize(
    ("password", "status"),
    [("12345", 422), ("123456", 201), ("p" * 191, 201), ("p" * 192, 422)],
)
def test_password_length_when_portal_access_is_on(wapi, password, status):
    response = wapi.post("/contact", json=new_contact(access_portal=1, password=password))
    if status == 201:
        assert response.status_code == 201, response.text
        assert password not in response.text and "password" not in response.json()["data"]
    else:
        assert_error(response, 422, "password")


def test_password_is_required_for_portal_access_on_create(wapi):
    assert_error(wapi.post("/contact", json=new_contact(access_portal=1)), 422, "password")
    assert_error(
        wapi.post("/contact", json=new_contact(access_portal=1, password="")), 422, "password"
    )
    assert wapi.post("/contact", json=new_contact(access_portal=0)).status_code == 201


def test_password_is_required_when_turning_the_portal_on_without_one(wapi):
    contact = wapi.create(access_portal=0)
    path = f"/contact/{contact['id']}"
    assert_error(wapi.put(path, json={"access_portal": 1}), 422, "password")
    assert wapi.put(path, json={"access_portal": 1, "password": "s3cret!"}).status_code == 200
    assert wapi.contact(contact["id"])["access_portal"] == 1
    # Once a password is stored, switching the portal off and on again needs no new one.
    assert wapi.put(path, json={"access_portal": 0}).status_code == 200
    assert wapi.put(path, json={"access_portal": 1}).status_code == 200


@pytest.mark.parametrize("value", [2, -1, "1", True, None, 1.0])
def test_access_portal_is_0_or_1(wapi, value):
    body = new_contact(access_portal=value, password="secure123")
    assert_error(wapi.post("/contact", json=body), 422, "access_portal")


@pytest.mark.parametrize(
    "email", ["not-an-email", "a@", "@example.com", "a b@example.com", "", "   ", 12, None]
)
def test_email_must_be_a_valid_address(wapi, email):
    assert_error(wapi.post("/contact", json=new_contact(email=email)), 422, "email")


def test_email_longer_than_191_is_rejected(wapi):
    long_email = "e" * 180 + "@example.test"
    assert_error(wapi.post("/contact", json=new_contact(email=long_email)), 422, "email")


@pytest.mark.parametrize("missing", ["first_name", "email"])
def test_required_fields(wapi, missing):
    body = new_contact()
    del body[missing]
    assert_error(wapi.post("/contact", json=body), 422, missing)


@pytest.mark.parametrize("first_name", ["", "   ", None, 7, ["Ann"]])
def test_first_name_must_be_non_empty_text(wapi, first_name):
    assert_error(wapi.post("/contact", json=new_contact(first_name=first_name)), 422, "first_name")
    assert_error(wapi.put("/contact/11", json={"first_name": first_name}), 422, "first_name")


def test_all_problems_are_reported_together(wapi):
    response = wapi.post("/contact", json={"phone_code": "+123456", "zip_code": "123456789"})
    body = assert_error(response, 422, "first_name", "email", "phone_code", "zip_code")
    assert body["error"] == "Validation Error"


@pytest.mark.parametrize("custom_fields", [[], "department=Sales", 5, True, ["a", "b"]])
def test_custom_fields_must_be_an_object(wapi, custom_fields):
    body = new_contact(custom_fields=custom_fields)
    assert_error(wapi.post("/contact", json=body), 422, "custom_fields")


@pytest.mark.parametrize("value", [{"nested": "object"}, ["a", "list"]])
def test_custom_field_values_must_be_scalars(wapi, value):
    body = new_contact(custom_fields={"key": value})
    assert_error(wapi.post("/contact", json=body), 422, "custom_fields")


def test_custom_fields_accept_scalars_and_null_clears_them(wapi):
    fields = {"text": "x", "int": 3, "float": 2.5, "flag": False, "none": None}
    contact = wapi.create(custom_fields=fields)
    assert contact["custom_fields"] == fields
    wapi.put(f"/contact/{contact['id']}", json={"custom_fields": None})
    assert wapi.contact(contact["id"])["custom_fields"] == {}


@pytest.mark.parametrize("field", ["company_id", "country_id", "state_id", "city_id", "image"])
def test_reference_ids_must_exist(wapi, field):
    assert_error(wapi.post("/contact", json=new_contact(**{field: 99999})), 422, field)
    assert_error(wapi.post("/contact", json=new_contact(**{field: 2**70})), 422, field)
    assert_error(wapi.put("/contact/12", json={field: 99999}), 422, field)


@pytest.mark.parametrize("value", ["7", 7.0, True, {"id": 7}])
def test_reference_ids_must_be_integers(wapi, value):
    assert_error(wapi.post("/contact", json=new_contact(company_id=value)), 422, "company_id")


def test_timezone_must_be_an_iana_name(wapi):
    assert_error(wapi.post("/contact", json=new_contact(timezone="Mars/Olympus")), 422, "timezone")
    assert_error(wapi.post("/contact", json=new_contact(timezone=3)), 422, "timezone")
    created = wapi.create(timezone="Asia/Kolkata")
    assert created["timezone"] == "Asia/Kolkata"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("last_name", 5),
        ("position", ["CTO"]),
        ("details", {"a": 1}),
        ("phone_number", 5550123),
        ("invite_client", "yes"),
        ("invite_client", 1),
        ("password", 123456),
    ],
)
def test_wrong_json_types_are_422_on_that_field(wapi, field, value):
    body = new_contact(**{field: value})
    if field == "password":
        body["access_portal"] = 1
    assert_error(wapi.post("/contact", json=body), 422, field)


def test_update_rules_only_apply_to_the_fields_sent(wapi):
    assert wapi.put("/contact/13", json={"zip_code": "1234"}).status_code == 200
    assert_error(wapi.put("/contact/13", json={"phone_code": "+123456"}), 422, "phone_code")
    assert_error(wapi.put("/contact/13", json={"email": "nope"}), 422, "email")
    assert_error(wapi.put("/contact/13", json={"email": None}), 422, "email")


def test_rejected_writes_change_nothing(wapi):
    before = wapi.contact(14)
    body = {"position": "New", "phone_code": "+1234567"}
    assert_error(wapi.put("/contact/14", json=body), 422, "phone_code")
    assert wapi.contact(14) == before


@pytest.mark.parametrize("path", ["/contact", "/contact/15", "/contact/bulk-delete"])
@pytest.mark.parametrize(
    "raw", [b"{not json", b'{"a": 1,}', b"\xff\xfe{", b"[1, 2]", b'"text"', b"5", b"NaN"]
)
def test_malformed_or_non_object_bodies_are_400(wapi, path, raw):
    method = "PUT" if path == "/contact/15" else "POST"
    headers = {"Content-Type": "application/json"}
    assert_error(wapi.request(method, path, data=raw, headers=headers), 400)


def test_malformed_invite_body_is_400(wapi):
    assert_error(wapi.post("/contact/invite-client/16", data=b"{oops"), 400)
