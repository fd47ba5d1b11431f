"""What the sandbox holds, read (and changed behind the dashboard's back) straight over HTTP."""

from __future__ import annotations

from collections import Counter

import requests

TIMEOUT = 5


def _get(server, path: str, **params) -> requests.Response:
    return requests.get(server.url + path, params=params, headers=server.headers, timeout=TIMEOUT)


def contact(server, contact_id: int) -> dict | None:
    """The contact as the API returns it, or None once it is deleted."""
    response = _get(server, f"/api/public-v1/contact/{contact_id}")
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.json()["data"]


def matching(server, search: str = "") -> list[dict]:
    """Every contact the API's search finds (all pages)."""
    found, page = [], 1
    while True:
        response = _get(server, "/api/public-v1/contact", search=search, limit=100, page=page)
        response.raise_for_status()
        body = response.json()
        found += body["data"]
        if page >= body["meta"]["total_pages"]:
            return found
        page += 1


def total(server, search: str = "") -> int:
    response = _get(server, "/api/public-v1/contact", search=search, limit=1)
    response.raise_for_status()
    return response.json()["meta"]["total"]


def update(server, contact_id: int, **changes) -> None:
    """Someone else's edit: a PUT the dashboard knows nothing about."""
    response = requests.put(
        f"{server.api_url}/contact/{contact_id}", json=changes, headers=server.headers,
        timeout=TIMEOUT,
    )  # fmt: skip
    response.raise_for_status()


def invitations(server, contact_id: int) -> list[dict]:
    """The invitations the sandbox recorded for a contact (its test-support endpoint)."""
    response = _get(server, "/_sandbox/invitations", contact_id=contact_id)
    response.raise_for_status()
    return response.json()["data"]


def family(server, *, size: int) -> tuple[str, list[dict]]:
    """A last name at least `size` contacts share: (last name, those contacts in id order).

    Read from the sandbox rather than written into the tests, so a new seed list does not break
    them. Only names the API's search finds on their own qualify (no other contact matches the
    search term), and only families whose full names differ, so each row's accessible names
    ("Select <full name>") point at exactly one contact.
    """
    counts = Counter(c["last_name"] for c in matching(server) if c["last_name"])
    for last_name, count in counts.most_common():
        if count < size:
            break
        found = matching(server, last_name)
        names = [c["full_name"] for c in found]
        if len(set(names)) == len(names) and all(c["last_name"] == last_name for c in found):
            return last_name, found
    raise LookupError(f"no {size} seeded contacts share a last name the search finds alone")
