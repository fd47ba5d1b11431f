"""The process-wide client built from settings, and the module-level operations views call."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from . import budget
from .client import TaskipClient
from .models import CompanyPage, Contact, ContactPage


@functools.cache
def default_client() -> TaskipClient:
    """One client (so one connection pool) per process; `default_client.cache_clear()` resets."""
    values: dict[str, Any] = {}
    for name in ("TASKIP_BASE_URL", "TASKIP_SECRET_KEY"):
        value = getattr(settings, name, None)
        if not value:
            raise ImproperlyConfigured(f"Set {name} to use the TaskIP API.")
        values[name] = value
    return TaskipClient(
        base_url=values["TASKIP_BASE_URL"],
        secret_key=values["TASKIP_SECRET_KEY"],
        timeout=getattr(settings, "TASKIP_TIMEOUT", (3.05, 10)),
        budget=budget.deployment,
    )


@receiver(setting_changed)
def _forget_client_when_settings_change(*, setting: str, **kwargs: Any) -> None:
    # override_settings(TASKIP_...) in tests must reach the client.
    if setting.startswith("TASKIP_"):
        default_client.cache_clear()


def list_contacts(*, page: int = 1, limit: int = 50, search: str | None = None,
                  sort: str | None = None, order: str | None = None,
                  known: Callable[[str], ContactPage | None] | None = None) -> ContactPage:
    return default_client().list_contacts(page=page, limit=limit, search=search, sort=sort,
                                          order=order, known=known)


def get_contact(*, contact_id: int) -> Contact:
    return default_client().get_contact(contact_id=contact_id)


def create_contact(*, fields: Mapping[str, object]) -> Contact:
    return default_client().create_contact(fields=fields)


def update_contact(*, contact_id: int, changes: Mapping[str, object]) -> None:
    default_client().update_contact(contact_id=contact_id, changes=changes)


def delete_contact(*, contact_id: int) -> None:
    default_client().delete_contact(contact_id=contact_id)


def bulk_delete_contacts(*, contact_ids: Sequence[int], batch_size: int = 1000) -> int:
    return default_client().bulk_delete_contacts(contact_ids=contact_ids, batch_size=batch_size)


def invite_client(*, contact_id: int, message: str | None = None, send_email: bool = True,
                  access_level: str | None = None) -> None:
    default_client().invite_client(contact_id=contact_id, message=message,
                                   send_email=send_email, access_level=access_level)


def list_companies(*, search: str | None = None, page: int = 1, limit: int = 100) -> CompanyPage:
    return default_client().list_companies(search=search, page=page, limit=limit)


def contacts_matching(*, search: str | None = None, sort: str | None = None,
                      order: str | None = None, page_size: int = 100) -> Iterator[Contact]:
    return default_client().contacts_matching(search=search, sort=sort, order=order,
                                              page_size=page_size)


def contact_ids_matching(*, search: str | None = None, sort: str | None = None,
                         order: str | None = None, page_size: int = 100) -> list[int]:
    return default_client().contact_ids_matching(search=search, sort=sort, order=order,
                                                 page_size=page_size)
