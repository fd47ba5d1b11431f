"""View-test fixtures.

    fake_taskip -> FakeTaskip   200 contacts in memory, swapped in for `contacts.taskip`'s
                                functions (tests/views/fake_taskip.py); no HTTP at all
    login_as(role) -> Client    a logged-in client in the role's group (viewer, editor, admin)
    login_with(*perms) -> Client  a logged-in client holding exactly these permissions
    audit_entries() -> list     every audit entry, oldest first, as comparable tuples
    backoff_waits -> list       the dashboard's client backs off into this list, not real time

Tests that talk to a live sandbox (`api`, `shared_api`, `start_sandbox`, `sandbox`) are marked
`sandbox`, so the fast ones can run alone: `pytest tests/views -m "not sandbox"` (make mutate).
"""

import functools
import itertools

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from contacts import taskip
from contacts.models import AuditEntry
from tests.roles import staff_group
from tests.views.fake_taskip import FakeTaskip

SANDBOX_FIXTURES = {"api", "shared_api", "start_sandbox", "sandbox"}
_user_numbers = itertools.count(1)


def pytest_collection_modifyitems(items):
    for item in items:
        if SANDBOX_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.sandbox)


@pytest.fixture
def fake_taskip(monkeypatch, settings):
    # Long enough that no test depends on requests landing inside one real second.
    settings.CONTACTS_LIST_MEMO_SECONDS = 60
    return FakeTaskip.seeded(200).install(monkeypatch)


@pytest.fixture
def login_as(db):
    def login(role: str, *, client: Client | None = None) -> Client:
        user = User.objects.create_user(f"{role}-user", password="correct-horse-9")
        user.groups.add(staff_group(role))
        client = client or Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def login_with(db):
    """A client logged in as a user holding exactly `perms` ("contacts.view_contact", ...)."""

    def login(*perms: str, client: Client | None = None) -> Client:
        user = User.objects.create_user(f"staff-{next(_user_numbers)}")
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        client = client or Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def audit_entries(db):
    def entries() -> list[tuple]:
        return [
            (e.username, e.action, e.contact_ids, e.changed_fields, e.outcome, e.detail)
            for e in AuditEntry.objects.order_by("id")
        ]

    return entries


@pytest.fixture
def backoff_waits(monkeypatch) -> list[float]:
    """The delays the dashboard's client would have slept between retries. Its sleep is
    injectable, so a live failure test learns that it backed off without waiting seconds."""
    waits: list[float] = []
    monkeypatch.setattr(taskip.default, "TaskipClient",
                        functools.partial(taskip.TaskipClient, sleep=waits.append))
    taskip.default.default_client.cache_clear()
    yield waits
    taskip.default.default_client.cache_clear()
