"""The process-wide client built from settings, and the module-level functions views call."""

from __future__ import annotations

import json

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from contacts import taskip

from .conftest import BASE, SECRET, contact_json, url


@pytest.fixture
def taskip_settings(settings):
    settings.TASKIP_BASE_URL = BASE
    settings.TASKIP_SECRET_KEY = SECRET
    settings.TASKIP_TIMEOUT = (1.5, 4.0)
    taskip.default_client.cache_clear()
    yield settings
    taskip.default_client.cache_clear()


def test_default_client_is_built_once_from_settings(taskip_settings) -> None:
    client = taskip.default_client()
    assert client is taskip.default_client()
    assert client.base_url == BASE
    assert client._transport._read_timeout == 4.0


def test_changing_a_taskip_setting_rebuilds_the_default_client(taskip_settings) -> None:
    before = taskip.default_client()
    taskip_settings.TASKIP_BASE_URL = "http://other.test/"
    after = taskip.default_client()
    assert after is not before and after.base_url == "http://other.test"


@pytest.mark.parametrize(("name", "value"), [
    ("TASKIP_SECRET_KEY", ""), ("TASKIP_SECRET_KEY", None), ("TASKIP_BASE_URL", ""),
    ("TASKIP_BASE_URL", "not a url"), ("TASKIP_TIMEOUT", (3.05,)), ("TASKIP_TIMEOUT", (-1, 5)),
])
def test_missing_or_invalid_settings_are_improperly_configured(taskip_settings, name,
                                                               value) -> None:
    setattr(taskip_settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        taskip.default_client()


@pytest.mark.parametrize(("base_url", "secret_key", "message"), [
    ("http://taskip.test", "", "TASKIP_SECRET_KEY must be a non-empty string."),
    ("http://taskip.test", "   ", "TASKIP_SECRET_KEY must be a non-empty string."),
    ("http://taskip.test", " key", "TASKIP_SECRET_KEY must be printable ASCII without "
                                   "surrounding spaces."),
    ("ftp://taskip.test", "key", "TASKIP_BASE_URL must be an http(s) URL, e.g. "
                                 "http://127.0.0.1:8001"),
])
def test_the_client_refuses_a_bad_key_or_url_at_startup(base_url, secret_key, message) -> None:
    # The client checks for itself, whoever builds it (default_client checks only presence).
    with pytest.raises(ImproperlyConfigured) as refused:
        taskip.TaskipClient(base_url=base_url, secret_key=secret_key)
    assert str(refused.value) == message


@pytest.mark.parametrize("limits", [{"deadline": 0}, {"deadline": -1.5}, {"max_retries": -1}])
def test_the_client_refuses_a_deadline_or_retries_it_cannot_keep(limits) -> None:
    with pytest.raises(ImproperlyConfigured) as refused:
        taskip.TaskipClient(base_url="http://taskip.test", secret_key="key", **limits)
    assert str(refused.value) == "The TaskIP deadline must be > 0 and max_retries >= 0."


def test_the_client_calls_through_the_session_it_is_given(rsps) -> None:
    class Recording(requests.Session):
        def __init__(self):
            super().__init__()
            self.sent: list[str] = []

        def request(self, method, url, *args, **kwargs):
            self.sent.append(f"{method} {url}")
            return super().request(method, url, *args, **kwargs)

    session = Recording()
    rsps.add("GET", url("/contact/1"), json={"success": True, "data": contact_json(1)})
    client = taskip.TaskipClient(base_url=BASE + "/", secret_key=SECRET, session=session)
    assert client.base_url == BASE  # the trailing slash goes, so paths don't double it
    assert client.get_contact(contact_id=1).id == 1
    assert session.sent == [f"GET {BASE}/api/public-v1/contact/1"]


def test_absent_setting_is_improperly_configured(taskip_settings) -> None:
    del taskip_settings.TASKIP_SECRET_KEY
    with pytest.raises(ImproperlyConfigured, match="TASKIP_SECRET_KEY"):
        taskip.default_client()


def test_module_functions_use_the_default_client(taskip_settings, rsps, db) -> None:
    listing = {"data": [contact_json(1), contact_json(2)],
               "meta": {"current_page": 1, "per_page": 100, "total": 2, "total_pages": 1}}
    rsps.add("GET", url("/contact"), json=listing)
    rsps.add("GET", url("/contact/1"), json={"success": True, "data": contact_json(1)})
    rsps.add("POST", url("/contact"), json={"success": True, "data": contact_json(3)},
             status=201)
    rsps.add("PUT", url("/contact/1"), json={"msg": "Contact Updated"})
    rsps.add("DELETE", url("/contact/1"), json={"msg": "Contact Deleted"})
    rsps.add("POST", url("/contact/bulk-delete"), json={"msg": "Contacts Deleted"})
    rsps.add("POST", url("/contact/invite-client/2"), json={"msg": "Invitation sent success"})
    rsps.add("GET", url("/company"), json={"data": [{"id": 5, "name": "Acme Corp"}]})

    with taskip.calls_made() as calls:
        assert len(taskip.list_contacts(search="j", sort="name", order="asc").contacts) == 2
        assert taskip.get_contact(contact_id=1).id == 1
        assert taskip.create_contact(fields={"first_name": "C", "email": "c@x.test"}).id == 3
        assert taskip.update_contact(contact_id=1, changes={"position": "CTO"}) is None
        assert taskip.delete_contact(contact_id=1) is None
        assert taskip.bulk_delete_contacts(contact_ids=[1, 2], batch_size=1) == 2
        assert taskip.invite_client(contact_id=2, message="Hi", send_email=False,
                                    access_level="basic") is None
        assert taskip.list_companies(search="ac").companies[0].name == "Acme Corp"
        assert taskip.contact_ids_matching(search="j") == [1, 2]
    assert calls.count == 10 == len(rsps.calls)
    assert all(c.request.headers["X-Secret-Key"] == SECRET for c in rsps.calls)
    assert rsps.calls[0].request.req_kwargs["timeout"] == (1.5, 4.0)
    assert json.loads(rsps.calls[7].request.body) == {
        "message": "Hi", "send_email": False, "access_level": "basic"}


def test_errors_form_one_hierarchy() -> None:
    for cls in (taskip.TaskipUnauthorized, taskip.TaskipNotFound, taskip.TaskipConflict,
                taskip.TaskipValidationError, taskip.TaskipRateLimited,
                taskip.TaskipUnavailable, taskip.TaskipBadResponse):
        assert issubclass(cls, taskip.TaskipError)
    assert issubclass(taskip.TaskipTimeout, taskip.TaskipUnavailable)
    error = taskip.TaskipNotFound("Contact not found", status=404, method="GET",
                                  path="/api/public-v1/contact/9")
    assert str(error) == "Contact not found (GET /api/public-v1/contact/9: HTTP 404)"
    assert error.message == "Contact not found" and error.args == ("Contact not found",)
    assert taskip.TaskipTimeout().is_timeout and not taskip.TaskipUnavailable().is_timeout
