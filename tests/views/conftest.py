import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from contacts.roles import ROLE_GROUPS


def point_dashboard_at(settings, server):
    settings.TASKIP_BASE_URL = server.url
    settings.TASKIP_SECRET_KEY = server.secret_key
    settings.TASKIP_TIMEOUT = (1.0, 5.0)


@pytest.fixture
def shared_api(sandbox, settings):
    """The session's sandbox: for tests that only read."""
    point_dashboard_at(settings, sandbox)
    return sandbox


@pytest.fixture
def api(start_sandbox, settings):
    """A fresh sandbox of its own: for tests that change contacts."""
    server = start_sandbox()
    point_dashboard_at(settings, server)
    return server


@pytest.fixture
def login_as(db):
    def login(role: str, *, client: Client | None = None) -> Client:
        user = User.objects.create_user(f"{role}-user", password="correct-horse-9")
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
        client = client or Client()
        client.force_login(user)
        return client

    return login
