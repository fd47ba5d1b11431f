"""The module-level operations views call pass every argument to the default client, and leave
out nothing the client would default differently (contacts/taskip/default.py)."""

import inspect

import pytest

from contacts import taskip


def _known(fingerprint):
    return None


CALLS = {
    "list_contacts": {"page": 3, "limit": 20, "search": "s", "sort": "name", "order": "desc",
                      "known": _known},
    "get_contact": {"contact_id": 4},
    "create_contact": {"fields": {"first_name": "A"}},
    "update_contact": {"contact_id": 4, "changes": {"position": "X"}},
    "delete_contact": {"contact_id": 4},
    "bulk_delete_contacts": {"contact_ids": [1, 2], "batch_size": 7},
    "invite_client": {"contact_id": 4, "message": "m", "send_email": False,
                      "access_level": "premium"},
    "list_companies": {"search": "ac", "page": 2, "limit": 30},
    "contact_ids_matching": {"search": "s", "sort": "email", "order": "desc", "page_size": 25},
    "contacts_matching": {"search": "s", "sort": "email", "order": "desc", "page_size": 25},
}


class RecordingClient:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def __getattr__(self, name: str):
        def operation(**kwargs):
            self.calls.append((name, kwargs))

        return operation


@pytest.fixture
def client(monkeypatch) -> RecordingClient:
    recorder = RecordingClient()
    monkeypatch.setattr(taskip.default, "default_client", lambda: recorder)
    return recorder


def _client_defaults(name: str) -> dict:
    parameters = inspect.signature(getattr(taskip.TaskipClient, name)).parameters
    return {k: p.default for k, p in parameters.items()
            if k != "self" and p.default is not inspect.Parameter.empty}


def test_every_operation_is_covered():
    exported = {name for name in taskip.__all__ if name[0].islower()} - {"calls_made"}
    assert exported - {"default_client"} == set(CALLS)


@pytest.mark.parametrize("name", CALLS)
def test_every_argument_reaches_the_client(client, name):
    getattr(taskip.default, name)(**CALLS[name])
    assert client.calls == [(name, CALLS[name])]


@pytest.mark.parametrize("name", CALLS)
def test_arguments_left_out_get_the_clients_defaults(client, name):
    defaults = _client_defaults(name)
    required = {k: v for k, v in CALLS[name].items() if k not in defaults}
    getattr(taskip.default, name)(**required)
    assert client.calls == [(name, {**defaults, **required})]
