"""What TaskIP returns, as frozen dataclasses: what views and forms work with.

Parsing the API's many shapes into these lives in `parsing.py`.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime


@dataclass(frozen=True)
class Company:
    id: int
    name: str
    domain: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Billing:
    address: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    zip: str | None = None
    phone: str | None = None
    tax_number: str | None = None


@dataclass(frozen=True)
class Language:
    id: int | None
    code: str
    name: str
    is_default: bool = False


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class ContactPage:
    contacts: Sequence[Contact]
    page: int
    limit: int
    total: int | None
    total_pages: int | None
    has_next: bool
    search: str | None = None
    # A digest of the answer the page was read from, like an ETag: what is made from the page
    # (its rendered rows) can be cached under it and never outlive a change. "" when unknown.
    fingerprint: str = ""
    # The custom field keys the contacts use (the column chooser offers them); found when the
    # page is made, so that a page read back from a cache need not read its contacts for them.
    # `dataclasses.replace` keeps it: pass custom_keys=None with new contacts.
    custom_keys: frozenset[str] = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self):
        if self.custom_keys is None:
            keys = frozenset(key for contact in self.contacts for key in contact.custom_fields)
            object.__setattr__(self, "custom_keys", keys)  # the frozen dataclass idiom

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    def __reduce__(self):
        # A list page read back from Django's cache (docs/architecture.md, "Caching") needs its
        # counts and custom keys, and its contacts only when its rows are not made yet, which
        # for a page read again is seldom. Unpickling 50 contacts took 0.68 ms of a
        # 4.4 ms page, so they travel as a pickle of their own, unpickled when first read.
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["contacts"] = PickledContacts.of(self.contacts)
        return (_contact_page, (values,))


def _contact_page(values: dict) -> ContactPage:
    return ContactPage(**values)


class PickledContacts(Sequence):
    """A page's contacts as one pickle, unpickled the first time something reads them.

    Reads by several threads at once may each unpickle; the results are equal, so that is
    harmless. Hand-written: no library defers unpickling part of an object.
    """

    __slots__ = ("_pickled", "_count", "_contacts")

    def __init__(self, pickled: bytes, count: int) -> None:
        self._pickled = pickled
        self._count = count
        self._contacts: tuple[Contact, ...] | None = None

    @classmethod
    def of(cls, contacts: Sequence[Contact]) -> PickledContacts:
        if isinstance(contacts, cls):
            return contacts
        contacts = tuple(contacts)
        return cls(pickle.dumps(contacts, pickle.HIGHEST_PROTOCOL), len(contacts))

    def __reduce__(self):
        return (type(self), (self._pickled, self._count))

    def _read(self) -> tuple[Contact, ...]:
        if self._contacts is None:
            # Made by `of` from contacts, carried inside a cached value that Django's cache
            # unpickles anyway: no more trusted or less than the cache itself.
            self._contacts = pickle.loads(self._pickled)  # noqa: S301
        return self._contacts

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self._read()[index]

    def __iter__(self) -> Iterator[Contact]:
        return iter(self._read())

    def __eq__(self, other) -> bool:
        if isinstance(other, (tuple, PickledContacts)):
            return self._read() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._read())

    def __repr__(self) -> str:
        return f"<PickledContacts: {self._count}>"


@dataclass(frozen=True)
class CompanyPage:
    companies: tuple[Company, ...]
    page: int
    limit: int
    total: int | None
    has_next: bool
