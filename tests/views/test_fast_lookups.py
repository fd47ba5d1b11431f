"""The session and user reads that skip the ORM behave exactly like Django's own."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from contacts.fast_lookups import SessionStore, user_by_id
from contacts.permission_cache import CachedPermissionsBackend


@pytest.mark.django_db
def test_a_saved_session_loads_with_its_data() -> None:
    store = SessionStore()
    store["colour"] = "green"
    store.save()
    assert SessionStore(store.session_key).load() == {"colour": "green"}


@pytest.mark.django_db
def test_an_expired_or_unknown_session_loads_empty_and_drops_its_key() -> None:
    store = SessionStore()
    store["colour"] = "green"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert SessionStore("x" * 32).load() == {}


@pytest.mark.django_db
def test_user_by_id_reads_the_whole_user() -> None:
    user = User.objects.create_user("reader", email="r@example.com", password="pw-123456789")
    found = user_by_id(str(user.pk))  # the session keeps the id as text
    assert found == user
    assert (found.username, found.email, found.password) == ("reader", "r@example.com",
                                                             user.password)
    assert found.date_joined == user.date_joined  # converted back to an aware datetime
    assert user_by_id(user.pk + 1000) is None
    assert user_by_id("not-a-number") is None


@pytest.mark.django_db
def test_the_backend_refuses_an_inactive_user() -> None:
    user = User.objects.create_user("sleeper", password="pw-123456789", is_active=False)
    assert CachedPermissionsBackend().get_user(user.pk) is None


@pytest.mark.django_db
def test_logout_ends_the_session_for_every_later_request() -> None:
    user = User.objects.create_user("leaver", password="pw-123456789")
    client = Client()
    client.force_login(user)
    stolen = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    replay = Client()
    replay.cookies["sessionid"] = stolen
    assert replay.get("/contacts/").status_code == 302  # back to the login page
