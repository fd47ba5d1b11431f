"""Who may do what: login, each view's permission, CSRF and "no change on GET" for EVERY route.

The routes come from the URLconf itself (`django.urls.get_resolver()`), so a view added later is
covered, or fails `test_every_route_has_a_pinned_permission` until its rule is written down.
Django's own admin (`admin/`) is left to Django's tests.
"""

import json
import re
from typing import NamedTuple

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from contacts.models import AuditEntry
from contacts.views.edit import ORIGINAL_SALT
from tests.roles import staff_group
from tests.views.dom import Page, attrs

# The design's URL table: the permissions each named route needs (any one of a tuple will do).
PERMISSIONS = {
    "contact_list": ("contacts.view_contact",),
    "contact_detail": ("contacts.view_contact",),
    "contact_create": ("contacts.add_contact",),
    "contact_edit": ("contacts.change_contact",),
    "contact_delete": ("contacts.delete_contact",),
    "contact_bulk_delete": ("contacts.delete_contact",),
    "contact_invite": ("contacts.invite_contact",),
    "company_options": ("contacts.add_contact", "contacts.change_contact"),
    "audit_log": ("contacts.view_auditentry",),
    "contact_bulk_invite": ("contacts.invite_contact",),
    "contact_bulk_edit": ("contacts.change_contact",),
    "contact_export": ("contacts.export_contact",),
    "contact_import": ("contacts.add_contact",),
    "saved_views": ("contacts.view_contact",),
    "list_columns": ("contacts.view_contact",),
    "saved_view_open": ("contacts.view_contact",),
    "saved_view_delete": ("contacts.view_contact",),
}
# Any signed-in user: a job's pages are its owner's (and admins'); others get a 404.
SIGNED_IN = {"job_list", "job_detail", "job_pause", "job_resume", "job_cancel", "job_retry",
             "job_download"}
PUBLIC = {"login", "healthz"}  # reachable without logging in
ALL_PERMISSIONS = sorted({p for perms in PERMISSIONS.values() for p in perms})
CSRF_FAILURE = "CSRF verification failed"


class Route(NamedTuple):
    name: str | None
    path: str

    def __str__(self) -> str:
        return self.path


def _sample_path(route: str) -> str:
    def sample(match: re.Match) -> str:
        if match["converter"] != "int":
            raise AssertionError(f"no sample value for <{match[0]}> yet; add one here")
        return "1"

    return "/" + re.sub(r"<(?P<converter>\w+):\w+>", sample, route)


def _routes() -> list[Route]:
    found = []

    def visit(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name != "admin":
                    visit(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append(Route(pattern.name, _sample_path(prefix + str(pattern.pattern))))

    visit(get_resolver().url_patterns, "")
    return found


ROUTES = _routes()
LOGIN_REQUIRED = [r for r in ROUTES if r.name not in PUBLIC]
# The methods each route answers (anything else is a 405); checked against the views below.
METHODS = {
    "/": ("get", "post"),  # RedirectView answers any method with the redirect
    "/accounts/login/": ("get", "post"),
    "/accounts/logout/": ("post",),
    "/contacts/": ("get",),
    "/contacts/new/": ("get", "post"),
    "/contacts/bulk-delete/": ("post",),
    "/contacts/1/": ("get",),
    "/contacts/1/edit/": ("get", "post"),
    "/contacts/1/delete/": ("post",),
    "/contacts/1/invite/": ("get", "post"),
    "/contacts/companies/": ("get",),
    "/contacts/bulk-invite/": ("post",),
    "/contacts/bulk-edit/": ("post",),
    "/contacts/export/": ("get", "post"),
    "/contacts/import/": ("get", "post"),
    "/jobs/": ("get",),
    "/jobs/1/": ("get",),
    "/jobs/1/pause/": ("post",),
    "/jobs/1/resume/": ("post",),
    "/jobs/1/cancel/": ("post",),
    "/jobs/1/retry/": ("post",),
    "/jobs/1/download/": ("get",),
    "/views/": ("get", "post"),
    "/views/columns/": ("post",),
    "/views/1/open/": ("post",),
    "/views/1/delete/": ("post",),
    "/audit/": ("get",),
    "/healthz": ("get",),
}
GUARDED_CALLS = [
    (route, method) for route in ROUTES if route.name in PERMISSIONS
    for method in METHODS.get(route.path, ("get", "post"))
]  # fmt: skip


def _write_data(fake) -> dict:
    """POST data that makes each route write, if it lets the request through."""
    return {
        "contact_ids": ["1"], "confirmed": "1", "first_name": "X", "email": "x@example.com",
        "access_level": "basic", "send_email": "on",
        "original": signing.dumps(fake.contacts[1].editable_values(), salt=ORIGINAL_SALT),
    }  # fmt: skip


def test_every_route_has_a_pinned_permission():
    names = {r.name for r in ROUTES}
    assert names - set(PERMISSIONS) - SIGNED_IN - PUBLIC - {"logout", None} == set()
    assert set(PERMISSIONS) <= names  # and the table names no route that is gone
    assert len(ROUTES) >= 12


@pytest.mark.parametrize("route", LOGIN_REQUIRED, ids=str)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_login(fake_taskip, db, route, method):
    response = getattr(Client(), method)(route.path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert fake_taskip.calls == []


@pytest.mark.parametrize(("route", "method"), GUARDED_CALLS, ids=str)
def test_a_missing_permission_is_a_403_and_reaches_no_api(fake_taskip, login_with, route,
                                                          method):
    others = [p for p in ALL_PERMISSIONS if p not in PERMISSIONS[route.name]]
    response = getattr(login_with(*others), method)(route.path, _write_data(fake_taskip))
    assert response.status_code == 403
    assert "You don't have permission to do that" in Page(response).headings()
    assert fake_taskip.calls == []
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(("route", "method"), GUARDED_CALLS, ids=str)
def test_any_one_listed_permission_is_enough(fake_taskip, login_with, route, method):
    for perm in PERMISSIONS[route.name]:
        response = getattr(login_with(perm), method)(route.path, _write_data(fake_taskip))
        # A route naming an object that doesn't exist (saved view 1) gets past the check to 404.
        allowed = (200, 302, 303, 409, 422) + ((404,) if "/1/" in route.path else ())
        assert response.status_code in allowed, (perm, response.status_code)


def test_each_route_takes_the_methods_the_design_gives_it(fake_taskip, db):
    admin = User.objects.create_superuser("root")

    def answers(path: str, method: str) -> bool:
        client = Client()  # a fresh session each time: POST /accounts/logout/ ends one
        client.force_login(admin)
        return getattr(client, method)(path).status_code != 405

    allowed = {r.path: tuple(m for m in ("get", "post") if answers(r.path, m)) for r in ROUTES}
    assert allowed == {r.path: METHODS[r.path] for r in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_csrf_is_enforced_on_every_post(fake_taskip, db, route):
    admin = User.objects.create_superuser("root")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    client.get("/contacts/")  # sets the CSRF cookie, as any page does
    token = client.cookies["csrftoken"].value

    refused = client.post(route.path, _write_data(fake_taskip))
    assert refused.status_code == 403
    assert CSRF_FAILURE in Page(refused).text
    assert fake_taskip.writes() == []

    # The same request with the token is not refused for CSRF: the check is what refused it.
    accepted = client.post(route.path, _write_data(fake_taskip), headers={"X-CSRFToken": token})
    assert CSRF_FAILURE not in accepted.content.decode()


def test_no_view_is_exempt_from_csrf():
    exempt = [
        p.name for p in get_resolver().url_patterns
        if isinstance(p, URLPattern) and getattr(p.callback, "csrf_exempt", False)
    ] + [
        p.name for r in get_resolver().url_patterns if isinstance(r, URLResolver)
        for p in r.url_patterns
        if isinstance(p, URLPattern) and getattr(p.callback, "csrf_exempt", False)
    ]  # fmt: skip
    assert exempt == []


def test_htmx_requests_carry_the_csrf_token(fake_taskip, login_as):
    client = login_as("admin", client=Client(enforce_csrf_checks=True))
    page = Page(client.get("/contacts/"))
    token = json.loads(attrs(page.find("body"))["hx-headers"])["X-CSRFToken"]
    response = client.post("/contacts/bulk-delete/", {"contact_ids": [1]},
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 200
    assert Page(response).by_role("dialog", "Delete 1 contact?")


@pytest.mark.parametrize("route", LOGIN_REQUIRED, ids=str)
def test_get_never_changes_anything(fake_taskip, db, route):
    admin = User.objects.create_superuser("root")
    client = Client()
    client.force_login(admin)
    client.get(route.path, _write_data(fake_taskip))
    assert fake_taskip.writes() == []
    assert not AuditEntry.objects.exists()


# ---- roles -------------------------------------------------------------------------------------


def test_viewers_see_no_change_controls(fake_taskip, login_as):
    page = Page(login_as("viewer").get("/contacts/?search=jane"))
    assert page.all_by_role("link", "New contact") == []
    assert page.all_by_role("button", "Delete selected") == []
    # No row can be ticked (the column chooser's checkboxes are every reader's).
    assert [box for box in page.all_by_role("checkbox")
            if attrs(box).get("name") == "contact_ids" or attrs(box).get("id") == "select-page"
            ] == []  # fmt: skip
    for action in ("Edit", "Invite", "Delete"):
        assert page.all_by_role("link", f"{action} Jane Smith") == []
        assert page.all_by_role("button", f"{action} Jane Smith") == []
    assert page.all_by_role("link", "Audit log") == []


def test_admins_see_every_control(fake_taskip, login_as):
    page = Page(login_as("admin").get("/contacts/?search=jane"))
    assert page.link("New contact")["href"] == "/contacts/new/?search=jane"
    assert page.button("Delete selected")
    assert attrs(page.checkbox("Select Jane Smith"))["value"] == "2"
    assert page.link("Edit Jane Smith")["href"] == "/contacts/2/edit/?search=jane"
    assert page.link("Invite Jane Smith")["href"] == "/contacts/2/invite/?search=jane"
    assert page.button("Delete Jane Smith")
    assert page.link("Audit log")["href"] == "/audit/"


def test_editors_can_edit_and_invite_but_not_delete(fake_taskip, login_as):
    client = login_as("editor")
    page = Page(client.get("/contacts/?search=jane"))
    assert page.link("Edit Jane Smith") and page.link("Invite Jane Smith")
    assert page.all_by_role("button", "Delete Jane Smith") == []
    assert client.get("/contacts/1/edit/").status_code == 200
    assert client.post("/contacts/1/delete/").status_code == 403


def test_viewers_may_not_use_the_company_picker(fake_taskip, login_as):
    response = login_as("viewer").get("/contacts/companies/?company_search=acme")
    assert response.status_code == 403
    assert fake_taskip.calls == []


@pytest.mark.parametrize("redis_url", ["", "redis://shared-permission-cache"],
                         ids=["per request", "shared cache"])
def test_a_role_change_holds_on_the_very_next_request(fake_taskip, db, settings, redis_url):
    # With REDIS_URL set the backend keeps permission sets in Django's cache (locmem here);
    # the signals must drop them the moment the groups change.
    settings.REDIS_URL = redis_url
    user = User.objects.create_user("changing")
    editors = staff_group("editor")
    user.groups.add(editors)
    client = Client()
    client.force_login(user)
    assert client.get("/contacts/1/edit/").status_code == 200
    user.groups.remove(editors)
    assert client.get("/contacts/1/edit/").status_code == 403
    user.groups.add(staff_group("admin"))
    assert client.post("/contacts/1/delete/").status_code == 200
