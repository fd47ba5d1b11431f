import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from contacts.roles import ROLE_GROUPS


@pytest.fixture
def login_as(db):
    def login(role: str, *, client: Client | None = None) -> Client:
        user = User.objects.create_user(f"{role}-user", password="correct-horse-9")
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
        client = client or Client()
        client.force_login(user)
        return client

    return login
