"""A contact page read back from Django's cache: whole, with its contacts unpickled only when read.

The list memo keeps pages in Django's cache, which pickles them; reading a page back must give
the same page, and its counts and custom keys must not need its contacts (docs/architecture.md,
"Caching").
"""

from __future__ import annotations

import pickle

from django.core.cache import cache

from contacts import taskip

from .conftest import contact_json, url


def _page(client, rsps) -> taskip.ContactPage:
    rsps.add("GET", url("/contact"), json={
        "data": [contact_json(1, custom_fields={"tier": "gold"}),
                 contact_json(2, custom_fields={"region": "north", "tier": "silver"}),
                 contact_json(3, custom_fields={})],
        "meta": {"current_page": 1, "per_page": 3, "total": 7, "last_page": 3},
    })  # fmt: skip
    return client.list_contacts(page=1, limit=3)


def _round_trip(page: taskip.ContactPage) -> taskip.ContactPage:
    return pickle.loads(pickle.dumps(page))  # noqa: S301 (bytes this test just made)


def test_a_page_read_back_is_the_same_page(client, rsps) -> None:
    page = _page(client, rsps)
    cache.set("page", page)
    again = cache.get("page")
    assert again == page
    assert [c.custom_fields for c in again.contacts] == [c.custom_fields for c in page.contacts]
    assert again.contacts[1] == page.contacts[1] and list(again.contacts) == list(page.contacts)
    assert (again.total, again.total_pages, again.has_next, again.fingerprint) == (
        7, 3, True, page.fingerprint)


def test_counts_and_custom_keys_come_back_without_unpickling_the_contacts(client, rsps) -> None:
    page = _page(client, rsps)
    again = _round_trip(page)
    assert isinstance(again.contacts, taskip.models.PickledContacts)
    assert len(again.contacts) == 3 and bool(again.contacts)
    assert again.custom_keys == {"tier", "region"}
    assert again.contacts._contacts is None  # nothing so far read a contact
    assert again.contacts[0].id == 1
    assert again.contacts._contacts is not None


def test_a_page_pickled_twice_keeps_its_contacts(client, rsps) -> None:
    page = _round_trip(_round_trip(_page(client, rsps)))
    assert [c.id for c in page.contacts] == [1, 2, 3]
    empty = _round_trip(taskip.ContactPage(
        contacts=(), page=1, limit=50, total=0, total_pages=0, has_next=False))
    assert not empty.contacts and empty.custom_keys == frozenset()


def test_custom_keys_are_those_the_contacts_use() -> None:
    contact = taskip.Contact(id=1, first_name="A", last_name="B", full_name="A B",
                             email="a@example.com", custom_fields={"x": "1", "y": ""})
    page = taskip.ContactPage(contacts=(contact,), page=1, limit=50, total=1, total_pages=1,
                              has_next=False)
    assert page.custom_keys == {"x", "y"}
