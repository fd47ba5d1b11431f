import pytest
import requests
from django.test import Client

PAGES = [
    "/contacts/",
    "/contacts/new/",
    "/contacts/1/",
    "/contacts/1/edit/",
    "/contacts/1/invite/",
    "/audit/",
]
CHANGES = [
    ("get", "/contacts/new/"),
    ("post", "/contacts/new/"),
    ("get", "/contacts/1/edit/"),
    ("post", "/contacts/1/edit/"),
    ("post", "/contacts/1/delete/"),
    ("post", "/contacts/bulk-delete/"),
    ("get", "/contacts/1/invite/"),
    ("post", "/contacts/1/invite/"),
    ("get", "/audit/"),
]


@pytest.mark.parametrize("url", PAGES + ["/contacts/1/delete/", "/contacts/bulk-delete/"])
def test_anonymous_visitors_are_sent_to_login(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(("method", "url"), CHANGES)
def test_viewers_get_403_on_every_change_endpoint(api, login_as, method, url):
    client = login_as("viewer")
    data = {"contact_ids": [1], "confirmed": "1", "first_name": "X", "email": "x@example.com"}
    response = getattr(client, method)(url, data if method == "post" else None)
    assert response.status_code == 403
    assert "permission" in response.content.decode().lower()
    r = requests.get(
        f"{api.url}/api/public-v1/contact/1", headers={"X-Secret-Key": api.secret_key}, timeout=5
    )
    assert r.json()["data"]["first_name"] != "X"


def test_viewers_see_no_change_buttons(shared_api, login_as):
    html = login_as("viewer").get("/contacts/").content.decode()
    for control in ("New contact", "Delete selected", ">Edit<", ">Invite<"):
        assert control not in html


def test_editors_can_edit_but_not_delete(shared_api, login_as):
    client = login_as("editor")
    assert client.get("/contacts/1/edit/").status_code == 200
    assert client.post("/contacts/1/delete/").status_code == 403


@pytest.mark.parametrize(
    "url",
    ["/contacts/1/delete/", "/contacts/bulk-delete/", "/contacts/new/", "/contacts/1/invite/"],
)
def test_csrf_is_enforced_on_every_post(api, login_as, url):
    client = login_as("admin", client=Client(enforce_csrf_checks=True))
    response = client.post(url, {"contact_ids": [1], "confirmed": "1"})
    assert response.status_code == 403


@pytest.mark.parametrize("url", ["/contacts/1/delete/", "/contacts/bulk-delete/"])
def test_get_never_changes_anything(shared_api, login_as, url):
    assert login_as("admin").get(url).status_code == 405
