"""Hostile data, secrets, headers, lockout and the audit trail."""

import logging
import os
import subprocess
import sys

import pytest
import requests
from django.conf import settings
from django.test import Client

from contacts.models import AuditEntry

HOSTILE = {
    "first_name": "<script>alert('first')</script>",
    "last_name": '<img src=x onerror="alert(1)">',
    "email": "hostile@example.org",
    "position": "javascript:alert(2)",
    "custom_fields": {"<b>key</b>": '<a href="javascript:alert(3)">v</a>'},
}


@pytest.fixture
def hostile_id(api):
    response = requests.post(
        f"{api.url}/api/public-v1/contact",
        headers={"X-Secret-Key": api.secret_key},
        json=HOSTILE,
        timeout=5,
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


@pytest.mark.parametrize(
    "url", ["/contacts/?search=hostile", "/contacts/{id}/", "/contacts/{id}/edit/"]
)
def test_hostile_fields_render_as_inert_text(api, login_as, hostile_id, url):
    html = login_as("admin").get(url.format(id=hostile_id)).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html
    assert "<b>key</b>" not in html
    assert "&lt;script&gt;" in html or "&lt;img" in html


def test_non_https_images_are_not_shown(api, login_as, hostile_id):
    html = login_as("viewer").get(f"/contacts/{hostile_id}/").content.decode()
    assert "<img" not in html


def test_secret_key_appears_in_no_page_or_log(api, login_as, caplog, settings):
    client = login_as("admin")
    with caplog.at_level(logging.DEBUG):
        pages = [
            client.get(url).content.decode()
            for url in ("/contacts/", "/contacts/1/", "/contacts/1/edit/", "/contacts/new/")
        ]
        settings.TASKIP_SECRET_KEY = "a-wrong-key-that-must-not-show"
        pages.append(client.get("/contacts/").content.decode())
    for secret in (api.secret_key, "a-wrong-key-that-must-not-show"):
        assert all(secret not in page for page in pages)
        assert all(secret not in record.getMessage() for record in caplog.records)


def test_security_headers_on_every_page(shared_api, login_as):
    client = login_as("admin")
    for url in ("/contacts/", "/contacts/1/", "/contacts/1/edit/", "/audit/", "/accounts/login/"):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "base-uri 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]


def test_repeated_failed_logins_lock_the_account(db, django_user_model):
    django_user_model.objects.create_user("victim", password="the-right-password-1")
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "victim", "password": "wrong"})
    locked = client.post(
        "/accounts/login/", {"username": "victim", "password": "the-right-password-1"}
    )
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_the_right_password_works(db, django_user_model):
    django_user_model.objects.create_user("staff", password="the-right-password-1")
    response = Client().post(
        "/accounts/login/", {"username": "staff", "password": "the-right-password-1"}
    )
    assert response.status_code == 302 and response["Location"] == "/contacts/"


def test_the_audit_log_records_each_action(api, login_as):
    client = login_as("admin")
    client.post("/contacts/new/", {"first_name": "Au", "email": "au.dit@example.org"})
    client.post("/contacts/4/delete/", {"confirmed": "1"})
    client.post("/contacts/bulk-delete/", {"contact_ids": [5, 6], "confirmed": "1"})
    client.post("/contacts/8/invite/", {"access_level": "basic", "send_email": "on"})
    edit = client.get("/contacts/9/edit/").context
    client.post(
        "/contacts/9/edit/",
        {
            "first_name": edit["form"]["first_name"].value(),
            "email": edit["form"]["email"].value(),
            "password": "new-password-1",
            "access_portal": "on",
            "custom_key": [k for k, _ in edit["custom_rows"]],
            "custom_value": [v for _, v in edit["custom_rows"]],
            "original": edit["original"],
        },
    )
    entries = {e.action: e for e in AuditEntry.objects.all()}
    assert set(entries) == {"create", "delete", "bulk_delete", "invite", "update"}
    assert entries["delete"].contact_ids == [4]
    assert entries["bulk_delete"].contact_ids == [5, 6]
    assert entries["invite"].contact_ids == [8]
    assert "password" in entries["update"].changed_fields
    assert all(e.username == "admin-user" and e.outcome == "success" for e in entries.values())
    assert "new-password-1" not in str(list(AuditEntry.objects.values()))

    page = client.get("/audit/?action=bulk_delete").content.decode()
    assert "Bulk delete" in page and "5, 6" in page
    by_contact = client.get("/audit/?contact=5")
    assert [e.action for e in by_contact.context["page"]] == ["bulk_delete"]


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
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_secrets():
    env = {k: v for k, v in os.environ.items() if not k.endswith("SECRET_KEY")}
    env.update(DJANGO_SETTINGS_MODULE="taskip_admin.settings", DJANGO_DEBUG="false")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_login_attempts_and_permission_denials_are_logged(db, django_user_model, caplog):
    django_user_model.objects.create_user("logged", password="the-right-password-1")
    client = Client()
    with caplog.at_level(logging.INFO):
        client.post("/accounts/login/", {"username": "logged", "password": "nope"})
        client.post("/accounts/login/", {"username": "logged", "password": "the-right-password-1"})
        client.get("/audit/")
    messages = [r.getMessage() for r in caplog.records]
    assert any("login failed user=logged" in m for m in messages)
    assert any("login ok user=logged" in m for m in messages)
    assert any("Forbidden" in m and "/audit/" in m for m in messages)
    assert all("the-right-password-1" not in m for m in messages)
