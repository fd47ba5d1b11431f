"""Hostile data, secrets, headers, lockout, logs and the audit trail."""

import io
import logging
import os
import re
import subprocess
import sys
from contextlib import contextmanager

import pytest
import responses
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from contacts.models import AuditEntry
from tests.views.dom import Page, as_post, attrs, text, walk
from tests.views.fake_taskip import make_contact

HOSTILE = {
    "first_name": "<script>alert('first')</script>",
    "last_name": '<img src=x onerror="alert(1)">',
    "email": "hostile@example.org",
    "position": "javascript:alert(2)",
    "custom_fields": {"<b>key</b>": '<a href="javascript:alert(3)">v</a>'},
}
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


@pytest.mark.parametrize("url", ["/contacts/?search=hostile", "/contacts/99/",
                                 "/contacts/99/edit/"])
def test_hostile_fields_render_as_inert_text(fake_taskip, login_as, url):
    fake_taskip.contacts[99] = make_contact(99, **HOSTILE)
    page = Page(login_as("admin").get(url))
    elements = list(walk(page.root))
    assert all("src" in attrs(e) for e in elements if e.name == "script")  # only our own files
    assert not [e for e in elements if e.name in ("img", "b")]
    assert not [name for e in elements for name in attrs(e) if name.startswith("on")]
    assert not [value for e in elements for name, value in attrs(e).items()
                if name in ("href", "src", "action", "formaction")
                and value and value.strip().lower().startswith("javascript:")]
    shown = page.text + " ".join(str(attrs(e).get("value")) for e in elements if e.name == "input")
    assert "<script>alert('first')</script>" in shown


def test_hostile_custom_fields_are_text_on_the_detail_page(fake_taskip, login_as):
    fake_taskip.contacts[99] = make_contact(99, **HOSTILE)
    page = Page(login_as("viewer").get("/contacts/99/"))
    assert page.definitions(page.section("Custom fields")) == {
        "<b>key</b>": '<a href="javascript:alert(3)">v</a>'
    }


def test_secret_key_appears_in_no_page_or_log(shared_api, login_as, caplog, settings):
    client = login_as("admin")
    with caplog.at_level(logging.DEBUG):
        pages = [
            client.get(url).content.decode()
            for url in ("/contacts/", "/contacts/1/", "/contacts/1/edit/", "/contacts/new/")
        ]
        settings.TASKIP_SECRET_KEY = "a-wrong-key-that-must-not-show"
        refused = client.get("/contacts/?page=2")  # not a cached page
        pages.append(refused.content.decode())
    assert refused.status_code == 502
    for secret in (shared_api.secret_key, "a-wrong-key-that-must-not-show"):
        assert all(secret not in page for page in pages)
        assert all(secret not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    "url", ["/contacts/", "/contacts/1/", "/contacts/1/edit/", "/audit/", "/accounts/login/"]
)
def test_security_headers_on_every_page(fake_taskip, login_as, url):
    client = Client() if url == "/accounts/login/" else login_as("admin")
    response = client.get(url)
    assert response.status_code == 200
    csp = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, _, value = directive.strip().partition(" ")
        csp[name] = value
    assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert re.fullmatch(r"'self' 'nonce-[\w+/=-]+'", csp["script-src"])
    assert "unsafe" not in response["Content-Security-Policy"]
    assert csp["img-src"] == "'self' data: https://taskip.net"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    policy = {}
    for directive in response["Permissions-Policy"].split(","):
        feature, _, allowed = directive.partition("=")
        policy[feature.strip()] = allowed.strip()
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert policy[feature] == "()"


# ---- logins and lockout --------------------------------------------------------------------------


def _login(client: Client, username: str, password: str, *, remote: str = "10.0.0.1",
           forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=remote, headers=headers)


def _locked(response) -> bool:
    return response.status_code == 429 and "Too many failed logins" in Page(response).headings()


def test_repeated_failed_logins_lock_the_account(db, django_user_model):
    django_user_model.objects.create_user("victim", password="the-right-password-1")
    client = Client()
    for _ in range(4):
        assert not _locked(_login(client, "victim", "wrong"))
    assert _locked(_login(client, "victim", "wrong"))  # the fifth failure locks
    locked = _login(client, "victim", "the-right-password-1")
    assert _locked(locked)
    assert "_auth_user_id" not in client.session


def test_login_with_the_right_password_works(db, django_user_model):
    django_user_model.objects.create_user("staff", password="the-right-password-1")
    response = _login(Client(), "staff", "the-right-password-1")
    assert response.status_code == 302 and response["Location"] == "/contacts/"


def test_behind_one_proxy_the_lockout_falls_on_the_real_client(db, django_user_model, settings,
                                                               caplog):
    settings.PROXY_COUNT = 1
    django_user_model.objects.create_user("shared", password="the-right-password-1")
    with caplog.at_level(logging.WARNING, logger="contacts.auth"):
        for _ in range(5):
            _login(Client(), "shared", "wrong", forwarded="203.0.113.7")
    assert [r.getMessage() for r in caplog.records if r.name == "contacts.auth"] == [
        "login failed user=shared ip=203.0.113.7"
    ] * 5
    # The attacker stays locked, even when writing another address in front of their own.
    assert _locked(_login(Client(), "shared", "the-right-password-1", forwarded="203.0.113.7"))
    assert _locked(_login(Client(), "shared", "the-right-password-1",
                          forwarded="198.51.100.9, 203.0.113.7"))
    # Another person behind the same proxy still gets in.
    other = _login(Client(), "shared", "the-right-password-1", forwarded="198.51.100.9")
    assert other.status_code == 302 and other["Location"] == "/contacts/"


def test_without_trusted_proxies_the_forwarded_header_is_ignored(db, django_user_model,
                                                                 settings):
    settings.PROXY_COUNT = 0
    django_user_model.objects.create_user("shared", password="the-right-password-1")
    for n in range(5):  # a new made-up address each time does not dodge the count
        _login(Client(), "shared", "wrong", remote="192.0.2.10", forwarded=f"203.0.113.{n}")
    assert _locked(_login(Client(), "shared", "the-right-password-1", remote="192.0.2.10",
                          forwarded="198.51.100.9"))
    elsewhere = _login(Client(), "shared", "the-right-password-1", remote="192.0.2.99")
    assert elsewhere.status_code == 302


@contextmanager
def _console_output():
    """What the project's configured console handler (with its filters) writes."""
    handlers = {h for name in ("contacts", "axes") for h in logging.getLogger(name).handlers
                if isinstance(h, logging.StreamHandler)}  # fmt: skip
    assert handlers, "settings.LOGGING gives the contacts logger a console handler"
    buffer = io.StringIO()
    # Swapped by hand, not with setStream(): that flushes the old stream, which may be a
    # capture some earlier pytest run (mutmut's, say) has closed since logging was configured.
    previous = {h: h.stream for h in handlers}
    for handler in handlers:
        handler.stream = buffer
    try:
        yield buffer
    finally:
        for handler, stream in previous.items():
            handler.stream = stream


def test_a_newline_in_a_username_cannot_forge_a_log_line(db):
    forged = "2026-01-01 00:00:00,000 INFO contacts.auth login ok user=admin ip=10.0.0.1"
    hostile = f"mallory\n{forged}\r\x1b[2J\u2028end"
    with _console_output() as output:
        _login(Client(), hostile, "wrong")
    lines = output.getvalue().splitlines()
    assert lines and all(LOG_LINE.match(line) for line in lines), lines
    [failure] = [line for line in lines if "contacts.auth login failed" in line]
    assert "user=mallory\\n2026-01-01" in failure and "\\x1b[2J" in failure
    assert "\\u2028end" in failure
    assert "\x1b" not in output.getvalue() and "\u2028" not in output.getvalue()


def test_login_attempts_and_permission_denials_are_logged(db, django_user_model, caplog):
    django_user_model.objects.create_user("logged", password="the-right-password-1")
    client = Client()
    with caplog.at_level(logging.INFO):
        _login(client, "logged", "nope")
        _login(client, "logged", "the-right-password-1")
        client.get("/audit/")
    messages = [r.getMessage() for r in caplog.records]
    assert "login failed user=logged ip=10.0.0.1" in messages
    assert "login ok user=logged ip=10.0.0.1" in messages
    assert "Forbidden (Permission denied): /audit/" in messages
    assert all("the-right-password-1" not in m for m in messages)


# ---- personal data stays out of the logs -------------------------------------------------------

LIST_ANSWER = {
    "message": "All contacts fetched successfully",
    "data": [{"id": 1, "first_name": "Ana", "last_name": "Lima", "email": "ana@example.org"}],
    "meta": {"search": "x", "current_page": 1, "per_page": 50, "total": 1, "total_pages": 1},
}


@pytest.fixture
def taskip_http(settings):
    """The real service module against `responses` instead of a server."""
    settings.TASKIP_BASE_URL = "http://taskip.test"
    settings.TASKIP_SECRET_KEY = "test-secret"
    with responses.RequestsMock() as mock:
        yield mock


@pytest.mark.parametrize("status", [200, 422])
def test_search_terms_stay_out_of_info_logs(taskip_http, login_as, caplog, monkeypatch, status):
    term = "carla.personal@example.org"
    body = LIST_ANSWER if status == 200 else {
        "success": False, "message": "The search may not be greater than 191 characters.",
        "errors": {"search": ["Too long."]}, "status_code": 422,
    }  # fmt: skip
    taskip_http.get("http://taskip.test/api/public-v1/contact", json=body, status=status)
    monkeypatch.setattr(logging.getLogger("contacts"), "level", logging.INFO)
    with caplog.at_level(logging.INFO):
        response = login_as("viewer").get(f"/contacts/?search={term}")
    assert response.status_code == status
    assert caplog.records  # the call was logged, only without its query
    assert any("taskip GET /api/public-v1/contact" in r.getMessage() for r in caplog.records)
    # The local part has nothing to percent-encode, so it shows however the query was written.
    assert all("carla.personal" not in r.getMessage() for r in caplog.records)


def test_search_terms_reach_the_log_at_debug_only(taskip_http, login_as, caplog, monkeypatch):
    taskip_http.get("http://taskip.test/api/public-v1/contact", json=LIST_ANSWER)
    monkeypatch.setattr(logging.getLogger("contacts"), "level", logging.DEBUG)
    with caplog.at_level(logging.DEBUG, logger="contacts"):
        login_as("viewer").get("/contacts/?search=findme")
    assert any("search=findme" in r.getMessage() for r in caplog.records)


def test_an_api_422_reaching_a_page_names_the_problem(taskip_http, login_as):
    taskip_http.get("http://taskip.test/api/public-v1/contact", status=422, json={
        "success": False, "error": "Validation Error", "message": "The given data was invalid.",
        "errors": {"sort": ["The selected sort is invalid."]}, "status_code": 422,
    })  # fmt: skip
    response = login_as("viewer").get("/contacts/")
    page = Page(response)
    assert response.status_code == 422
    [alert] = page.all_by_role("alert")
    assert text(page.find("h2", within=alert)) == "TaskIP refused the request"
    assert "sort: The selected sort is invalid." in text(alert)


def test_a_malformed_api_answer_is_a_502_page(taskip_http, login_as):
    taskip_http.get("http://taskip.test/api/public-v1/contact", body="<html>oops</html>",
                    content_type="text/html")
    response = login_as("viewer").get("/contacts/")
    assert response.status_code == 502
    assert "TaskIP gave an unexpected answer" in Page(response).text


# ---- the audit trail ---------------------------------------------------------------------------


def test_the_audit_log_records_each_action_in_order(fake_taskip, login_as, audit_entries):
    client = login_as("admin")
    client.post("/contacts/new/", {"first_name": "Au", "email": "au.dit@example.org"})
    client.post("/contacts/4/delete/", {"confirmed": "1"})
    client.post("/contacts/bulk-delete/", {"contact_ids": [5, 6], "confirmed": "1"})
    client.post("/contacts/8/invite/", {"access_level": "basic", "send_email": "on"})
    client.post("/contacts/8/invite/", {"access_level": "premium", "send_email": "on"})
    edit = Page(client.get("/contacts/9/edit/"))
    data = as_post(edit.form_data(edit.form(class_="contact-form")))
    client.post("/contacts/9/edit/", {**data, "password": "new-password-1",
                                      "access_portal": "on"})
    assert audit_entries() == [
        ("admin-user", "create", [201], ["access_portal", "email", "first_name", "invite_client"],
         "success", ""),
        ("admin-user", "delete", [4], [], "success", ""),
        ("admin-user", "bulk_delete", [5, 6], [], "success", ""),
        ("admin-user", "invite", [8], [], "success", "access_level=basic"),
        ("admin-user", "invite", [8], [], "success", "access_level=premium"),
        ("admin-user", "update", [9], ["access_portal", "password"], "success", ""),
    ]
    assert "new-password-1" not in str(list(AuditEntry.objects.values()))


def test_the_audit_page_filters_by_action_and_contact(fake_taskip, login_as):
    client = login_as("admin")
    client.post("/contacts/4/delete/", {"confirmed": "1"})
    client.post("/contacts/bulk-delete/", {"contact_ids": [5, 6], "confirmed": "1"})
    page = Page(client.get("/audit/?action=bulk_delete"))
    [row] = page.rows(page.find("table"))
    assert (row["Who"], row["Action"], row["Contacts"], row["Outcome"]) == (
        "admin-user", "Bulk delete", "5, 6", "Success")
    by_contact = Page(client.get("/audit/?contact=4"))
    assert [r["Action"] for r in by_contact.rows(by_contact.find("table"))] == ["Delete"]


@pytest.mark.parametrize("contact", ["²", "٣", "-1", "4 OR 1=1"])
def test_a_contact_filter_that_is_no_id_is_ignored(fake_taskip, login_as, contact):
    client = login_as("admin")
    client.post("/contacts/4/delete/", {"confirmed": "1"})
    client.post("/contacts/bulk-delete/", {"contact_ids": [5, 6], "confirmed": "1"})
    response = client.get("/audit/", {"contact": contact})
    page = Page(response)
    assert response.status_code == 200
    assert len(page.rows(page.find("table"))) == 2


# ---- the staff command -------------------------------------------------------------------------


def test_createstaff_never_prints_a_chosen_password(db):
    out = io.StringIO()
    call_command("createstaff", "sam", "--role", "viewer", "--password", "Chosen-pw-8812",
                 stdout=out)
    assert "Chosen-pw-8812" not in out.getvalue()
    assert out.getvalue().strip() == "sam (viewer) saved."
    user = User.objects.get(username="sam")
    assert user.check_password("Chosen-pw-8812")
    assert [g.name for g in user.groups.all()] == ["Contact viewers"]


def test_createstaff_prints_a_generated_password_once(db):
    out = io.StringIO()
    call_command("createstaff", "kim", "--role", "editor", stdout=out)
    match = re.fullmatch(r"kim \(editor\) password: (\S{12,})\n", out.getvalue())
    assert match
    assert User.objects.get(username="kim").check_password(match[1])


# ---- production settings -----------------------------------------------------------------------


def test_deploy_checks_are_clean_in_production_settings(tmp_path):
    # The test run sets DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests; production does not.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "taskip_admin.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "true",
        "DJANGO_SECRET_KEY": "a-long-production-like-secret-" + "q" * 40,
        "TASKIP_SECRET_KEY": "x",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dashboard.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_secrets():
    env = {k: v for k, v in os.environ.items() if not k.endswith("SECRET_KEY")}
    env.update(DJANGO_SETTINGS_MODULE="taskip_admin.settings", DJANGO_DEBUG="false")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr
