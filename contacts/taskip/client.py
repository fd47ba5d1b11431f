"""TaskipClient: the Contact API's operations, taking and returning Python values only."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.exceptions import ImproperlyConfigured

from .budget import UNLIMITED
from .errors import TaskipBadResponse
from .models import CompanyPage, Contact, ContactPage
from .parsing import (
    ShapeError,
    answer_fingerprint,
    parse_company_page,
    parse_contact,
    parse_contact_page,
)
from .transport import Transport

API = "/api/public-v1"
MAX_LIMIT = 100  # TaskIP's documented maximum page size


class TaskipClient:
    def __init__(
        self,
        *,
        base_url: str,
        secret_key: str,
        timeout: tuple[float, float] = (3.05, 10),
        deadline: float = 15.0,
        max_retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], float] = time.time,
        session: requests.Session | None = None,
        budget: Any = UNLIMITED,
    ) -> None:
        parts = urlsplit(base_url if isinstance(base_url, str) else "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImproperlyConfigured("TASKIP_BASE_URL must be an http(s) URL, e.g. "
                                       "http://127.0.0.1:8001")
        if not isinstance(secret_key, str) or not secret_key.strip():
            raise ImproperlyConfigured("TASKIP_SECRET_KEY must be a non-empty string.")
        key_ok = secret_key.isascii() and secret_key.isprintable()
        if not key_ok or secret_key != secret_key.strip():
            # requests would reject such a header later with the value in its message.
            raise ImproperlyConfigured("TASKIP_SECRET_KEY must be printable ASCII without "
                                       "surrounding spaces.")
        timeout = _check_timeout(timeout)
        if not deadline > 0 or max_retries < 0:
            raise ImproperlyConfigured("The TaskIP deadline must be > 0 and max_retries >= 0.")
        self.base_url = base_url.rstrip("/")
        self._transport = Transport(
            base_url=self.base_url, secret_key=secret_key, timeout=timeout, deadline=deadline,
            max_retries=max_retries, sleep=sleep, rand=rand, clock=clock, now=now,
            session=session, budget=budget,
        )

    def __repr__(self) -> str:
        return f"TaskipClient(base_url={self.base_url!r})"

    # ---- contacts ------------------------------------------------------------------------

    def list_contacts(self, *, page: int = 1, limit: int = 50, search: str | None = None,
                      sort: str | None = None, order: str | None = None,
                      known: Callable[[str], ContactPage | None] | None = None) -> ContactPage:
        """A page of contacts. `known`, given the answer's fingerprint, may return the page
        already made from that same answer for this same query, which is then returned as it
        is instead of parsing the answer again."""
        query = {"page": page, "limit": limit, "search": search or None, "sort": sort,
                 "order": order}
        path = f"{API}/contact"
        body = self._object("GET", path, query={k: v for k, v in query.items() if v is not None})
        fingerprint = answer_fingerprint(body)
        if known is not None and fingerprint and (made := known(fingerprint)) is not None:
            return made
        return _parse(parse_contact_page, body, body=body, method="GET", path=path, page=page,
                      limit=limit, search=search or None, fingerprint=fingerprint)

    def get_contact(self, *, contact_id: int) -> Contact:
        path = f"{API}/contact/{_id(contact_id)}"
        return self._contact_in(self._object("GET", path), "GET", path)

    def create_contact(self, *, fields: Mapping[str, object]) -> Contact:
        path = f"{API}/contact"
        return self._contact_in(self._object("POST", path, json=dict(fields)), "POST", path)

    def update_contact(self, *, contact_id: int, changes: Mapping[str, object]) -> None:
        path = f"{API}/contact/{_id(contact_id)}"
        if not changes:
            return  # nothing changed: no call, nothing for TaskIP to do
        self._transport.request("PUT", path, json=dict(changes))

    def delete_contact(self, *, contact_id: int) -> None:
        path = f"{API}/contact/{_id(contact_id)}"
        self._transport.request("DELETE", path, missing_ok_after_retry=True)

    def bulk_delete_contacts(self, *, contact_ids: Sequence[int], batch_size: int = 1000) -> int:
        """Delete in batches of `batch_size`, one call each; returns how many were deleted.

        If a batch fails, the earlier batches stay deleted and the error propagates.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        ids = list(dict.fromkeys(_id(i) for i in contact_ids))
        deleted = 0
        for start in range(0, len(ids), batch_size):
            batch = ids[start:start + batch_size]
            self._transport.request("POST", f"{API}/contact/bulk-delete",
                                    json={"contact_ids": batch})
            deleted += len(batch)
        return deleted

    def invite_client(self, *, contact_id: int, message: str | None = None,
                      send_email: bool = True, access_level: str | None = None) -> None:
        payload: dict[str, Any] = {"send_email": bool(send_email)}
        if message:
            payload["message"] = message
        if access_level:
            payload["access_level"] = access_level
        self._transport.request("POST", f"{API}/contact/invite-client/{_id(contact_id)}",
                                json=payload)

    def contacts_matching(self, *, search: str | None = None, sort: str | None = None,
                          order: str | None = None,
                          page_size: int = MAX_LIMIT) -> Iterator[Contact]:
        """Every contact the list would show for this search, walking pages of `page_size`
        (ceil(N / page_size) calls), one page in memory at a time."""
        seen: set[int] = set()
        page = 1
        while True:
            result = self.list_contacts(page=page, limit=page_size, search=search, sort=sort,
                                        order=order)
            new = [c for c in result.contacts if c.id not in seen]
            seen.update(c.id for c in new)
            yield from new
            # Also stop on a page with nothing new, in case the API ever ignores `page`.
            if not result.has_next or not new:
                return
            page += 1

    def contact_ids_matching(self, *, search: str | None = None, sort: str | None = None,
                             order: str | None = None, page_size: int = MAX_LIMIT) -> list[int]:
        """Every id the list would show for this search (for "select all")."""
        return [c.id for c in self.contacts_matching(search=search, sort=sort, order=order,
                                                     page_size=page_size)]

    # ---- companies -----------------------------------------------------------------------

    def list_companies(self, *, search: str | None = None, page: int = 1,
                       limit: int = MAX_LIMIT) -> CompanyPage:
        query = {"page": page, "limit": limit, **({"search": search} if search else {})}
        path = f"{API}/company"
        body = self._object("GET", path, query=query)
        return _parse(parse_company_page, body, body=body, method="GET", path=path, page=page,
                      limit=limit)

    # ---- plumbing ------------------------------------------------------------------------

    def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return _required(self._transport.request(method, path, **kwargs), method, path)

    def _contact_in(self, body: dict[str, Any], method: str, path: str) -> Contact:
        return _parse(parse_contact, body.get("data"), body=body, method=method, path=path)


def _required(body: dict[str, Any] | None, method: str, path: str) -> dict[str, Any]:
    if body is None:
        raise TaskipBadResponse("TaskIP answered with an empty body where data was expected.",
                                method=method, path=path)
    return body


def _parse(parse: Callable[..., Any], value: Any, *, body: dict[str, Any], method: str,
           path: str, **kwargs: Any) -> Any:
    try:
        return parse(value, **kwargs)
    except ShapeError as exc:
        raise TaskipBadResponse(f"TaskIP's answer has an unexpected shape: {exc}.",
                                method=method, path=path, body=body) from exc


def _id(value: object) -> int:
    # Ids go into URL paths: only real integers, never text that could add path segments.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a TaskIP id must be an int, not {type(value).__name__}")
    return value


def _check_timeout(timeout: object) -> tuple[float, float]:
    try:
        connect, read = (float(t) for t in timeout)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise ImproperlyConfigured("TASKIP_TIMEOUT must be (connect, read) seconds.") from None
    if connect <= 0 or read <= 0:
        raise ImproperlyConfigured("TASKIP_TIMEOUT seconds must be positive.")
    return connect, read
