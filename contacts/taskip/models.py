"""What TaskIP returns, as frozen dataclasses: what views and forms work with.

Parsing the API's many shapes into these lives in `parsing.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Company:
    id: int
    name: str
    domain: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Billing:
    address: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    zip: str | None = None
    phone: str | None = None
    tax_number: str | None = None


@dataclass(frozen=True, slots=True)
class Language:
    id: int | None
    code: str
    name: str
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class Image:
    id: int | None
    url: str
    name: str | None = None
    mime_type: str | None = None
    size: int | None = None


# The writable fields of the create table (+ details), in the order a form shows them.
EDITABLE_FIELDS = (
    "first_name", "last_name", "email", "phone_code", "phone_number", "company_id", "position",
    "country_id", "state_id", "city_id", "address", "zip_code", "timezone", "details",
    "access_portal", "custom_fields",
)
_EDITABLE_IDS = frozenset({"company_id", "country_id", "state_id", "city_id"})


@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone_code: str | None = None
    phone_number: str | None = None
    position: str | None = None
    company: Company | None = None
    company_id: int | None = None
    country_id: int | None = None
    country: str | None = None
    state_id: int | None = None
    state: str | None = None
    city_id: int | None = None
    city: str | None = None
    address: str | None = None
    zip_code: str | None = None
    timezone: str | None = None
    details: str | None = None
    reference: str | None = None
    reference_name: str | None = None
    access_portal: bool = False
    billing: Billing | None = None
    languages: tuple[Language, ...] = ()
    image: Image | None = None
    custom_fields: dict[str, str] = field(default_factory=dict)
    user_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def phone(self) -> str:
        """The number as staff read it: with its country code when both are known."""
        if self.phone_code and self.phone_number:
            return f"{self.phone_code} {self.phone_number}"
        return self.phone_number or ""

    def editable_values(self) -> dict[str, object]:
        """The writable fields as a form holds them: "" for a missing string, ids int or None,
        access_portal 0/1, custom_fields a fresh dict. Compare the result taken when a form was
        opened with one taken now to see what someone else changed meanwhile."""
        values: dict[str, object] = {}
        for name in EDITABLE_FIELDS:
            value = getattr(self, name)
            if name == "access_portal":
                value = int(value)
            elif name == "custom_fields":
                value = dict(value)
            elif name not in _EDITABLE_IDS and value is None:
                value = ""
            values[name] = value
        return values


@dataclass(frozen=True, slots=True)
class ContactPage:
    contacts: tuple[Contact, ...]
    page: int
    limit: int
    total: int | None
    total_pages: int | None
    has_next: bool
    search: str | None = None
    # A digest of the answer the page was read from, like an ETag: what is made from the page
    # (its rendered rows) can be cached under it and never outlive a change. "" when unknown.
    fingerprint: str = ""

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass(frozen=True, slots=True)
class CompanyPage:
    companies: tuple[Company, ...]
    page: int
    limit: int
    total: int | None
    has_next: bool
