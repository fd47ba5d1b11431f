"""What the sandbox holds, read (and changed behind the dashboard's back) straight over HTTP."""

from __future__ import annotations

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
