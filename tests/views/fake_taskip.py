"""An in-process TaskIP for fast view tests: the functions views call in `contacts.taskip`.

    fake = FakeTaskip.seeded(200)          # John Doe (1), Jane Smith (2), then generated people
    fake.install(monkeypatch)              # the `fake_taskip` fixture does this for you
    fake.calls                             # [Call("list_contacts", {"page": 1, ...}), ...]
    fake.calls_to("update_contact")        # the keyword arguments of each such call
    fake.fail("invite_client", taskip.TaskipUnavailable())          # the next invite raises
    fake.fail("bulk_delete_contacts", error, after=1)               # the 2nd batch raises
    fake.fail("list_contacts", error, times=None)                   # every call raises

It behaves as the sandbox does where views can tell (search, sort, paging, 404 for an unknown
id, 409 for a taken email, 422 for a search over 191 characters or an unknown id in a bulk
delete), so a view that sends the wrong thing gets the same answer it would get from TaskIP.
Written by hand rather than mocked: views depend on behaviour across calls (a write followed by
a list), which call-by-call mocks can't express.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from contacts import taskip

OPERATIONS = (
    "list_contacts", "get_contact", "create_contact", "update_contact", "delete_contact",
    "bulk_delete_contacts", "invite_client", "list_companies", "contact_ids_matching",
    "contacts_matching",
)  # fmt: skip
WRITES = frozenset(
    {"create_contact", "update_contact", "delete_contact", "bulk_delete_contacts", "invite_client"}
)
ACCESS_LEVELS = ("basic", "standard", "premium")
MAX_SEARCH = 191
COMPANIES = (
    taskip.Company(id=3, name="Tech Solutions", domain="techsolutions.example"),
    taskip.Company(id=5, name="Acme Corp", domain="acme.example"),
    taskip.Company(id=7, name="Marketing Pro", domain="marketingpro.example"),
)
FIRST_NAMES = ("Anna", "Bruno", "Chloé", "Dmitri", "Emeka", "Fatima", "Giulia", "Hiroshi",
               "Ines", "Jonas", "Kofi", "Leila", "Mateo", "Nadia", "Oskar", "Priya")
LAST_NAMES = ("Andersson", "Bianchi", "Costa", "Dubois", "Eze", "Fischer", "García", "Haddad",
              "Ivanova", "Jensen", "Kim", "Larsen")
CREATED = datetime(2025, 1, 1, tzinfo=UTC)
SIMPLE_FIELDS = ("first_name", "last_name", "email", "phone_code", "phone_number", "position",
                 "country_id", "state_id", "city_id", "address", "zip_code", "timezone", "details")


class Call(NamedTuple):
    name: str
    kwargs: dict[str, Any]


@dataclasses.dataclass
class _Failure:
    error: taskip.TaskipError
    after: int  # attempts that still succeed before this one raises
    times: int | None  # how many attempts raise; None: every one from then on


class _NoHttp:
    """Stands in for `default_client` while the fake is installed: nothing may reach HTTP."""

    def __call__(self):
        raise AssertionError("a view called TaskIP around the fake (contacts.taskip.default)")

    def cache_clear(self) -> None:  # settings changes call this; nothing to forget
        pass


def make_contact(contact_id: int, first_name: str, last_name: str = "", *,
                 email: str | None = None, **fields: Any) -> taskip.Contact:
    """A Contact as the service module would parse it from TaskIP's answer."""
    company_id = fields.pop("company_id", None)
    company = next((c for c in COMPANIES if c.id == company_id), None)
    return taskip.Contact(
        id=contact_id,
        first_name=first_name,
        last_name=last_name,
        full_name=" ".join(p for p in (first_name, last_name) if p),
        email=email or f"{first_name}.{last_name or 'x'}{contact_id}@example.org".lower(),
        company_id=company_id,
        company=company,
        created_at=fields.pop("created_at", CREATED + timedelta(hours=contact_id)),
        updated_at=fields.pop("updated_at", CREATED + timedelta(hours=contact_id)),
        **fields,
    )


class FakeTaskip:
    def __init__(self, contacts: Sequence[taskip.Contact] = ()) -> None:
        self.contacts: dict[int, taskip.Contact] = {c.id: c for c in contacts}
        self.companies: list[taskip.Company] = list(COMPANIES)
        self.passwords: dict[int, str] = {}
        self.invitations: list[dict[str, Any]] = []
        self.calls: list[Call] = []
        self._failures: dict[str, list[_Failure]] = {}

    @classmethod
    def seeded(cls, count: int = 200) -> FakeTaskip:
        return cls(_seed_people(count))

    # ---- wiring ---------------------------------------------------------------------------

    def install(self, monkeypatch) -> FakeTaskip:
        for name in OPERATIONS:
            monkeypatch.setattr(taskip, name, getattr(self, name))
        monkeypatch.setattr(taskip.default, "default_client", _NoHttp())
        return self

    def add(self, first_name: str, last_name: str = "", **fields: Any) -> taskip.Contact:
        contact = make_contact(max(self.contacts, default=0) + 1, first_name, last_name, **fields)
        self.contacts[contact.id] = contact
        return contact

    def change(self, contact_id: int, **fields: Any) -> None:
        """Someone else's edit, made behind the dashboard's back (not recorded as a call)."""
        self._apply(contact_id, fields)

    # ---- what happened ----------------------------------------------------------------------

    def calls_to(self, name: str) -> list[dict[str, Any]]:
        assert name in OPERATIONS, name
        return [call.kwargs for call in self.calls if call.name == name]

    def writes(self) -> list[Call]:
        return [call for call in self.calls if call.name in WRITES]

    def fail(self, name: str, error: taskip.TaskipError, *, after: int = 0,
             times: int | None = 1) -> None:
        """Make an attempt at `name` raise `error`: the one after `after` successful attempts,
        and `times` attempts from there (None: all). A bulk delete attempts once per batch."""
        assert name in OPERATIONS, name
        self._failures.setdefault(name, []).append(_Failure(error, after, times))

    def _attempt(self, name: str) -> None:
        plans = self._failures.get(name) or []
        if not plans:
            return
        plan = plans[0]
        if plan.after:
            plan.after -= 1
            return
        if plan.times is not None:
            plan.times -= 1
            if plan.times == 0:
                plans.pop(0)
        raise plan.error

    def _record(self, name: str, **kwargs: Any) -> None:
        self.calls.append(Call(name, kwargs))
        self._attempt(name)

    # ---- reads ------------------------------------------------------------------------------

    def list_contacts(self, *, page: int = 1, limit: int = 50, search: str | None = None,
                      sort: str | None = None, order: str | None = None,
                      known=None) -> taskip.ContactPage:
        self._record("list_contacts", page=page, limit=limit, search=search, sort=sort,
                     order=order)
        rows = self._matching(search, sort, order)
        total_pages = max(1, math.ceil(len(rows) / limit))
        start = (page - 1) * limit
        fingerprint = hashlib.blake2b(repr((rows[start:start + limit], len(rows))).encode())
        # As the real client: a page already made from this same answer comes back as it is.
        if known is not None and (made := known(fingerprint.hexdigest())) is not None:
            return made
        return taskip.ContactPage(
            contacts=tuple(rows[start:start + limit]), page=page, limit=limit, total=len(rows),
            total_pages=total_pages, has_next=page < total_pages, search=search or None,
            fingerprint=fingerprint.hexdigest(),
        )  # fmt: skip

    def contact_ids_matching(self, *, search: str | None = None, sort: str | None = None,
                             order: str | None = None, page_size: int = 100) -> list[int]:
        self._record("contact_ids_matching", search=search, sort=sort, order=order,
                     page_size=page_size)
        return [c.id for c in self._matching(search, sort, order)]

    def contacts_matching(self, *, search: str | None = None, sort: str | None = None,
                          order: str | None = None, page_size: int = 100):
        self._record("contacts_matching", search=search, sort=sort, order=order,
                     page_size=page_size)
        yield from self._matching(search, sort, order)

    def get_contact(self, *, contact_id: int) -> taskip.Contact:
        self._record("get_contact", contact_id=contact_id)
        return self._existing(contact_id)

    def list_companies(self, *, search: str | None = None, page: int = 1,
                       limit: int = 100) -> taskip.CompanyPage:
        self._record("list_companies", search=search, page=page, limit=limit)
        needle = (search or "").casefold()
        found = [c for c in self.companies
                 if needle in c.name.casefold() or needle in (c.domain or "").casefold()]
        start = (page - 1) * limit
        return taskip.CompanyPage(companies=tuple(found[start:start + limit]), page=page,
                                  limit=limit, total=len(found),
                                  has_next=start + limit < len(found))

    # ---- writes -----------------------------------------------------------------------------

    def create_contact(self, *, fields: Mapping[str, object]) -> taskip.Contact:
        self._record("create_contact", fields=dict(fields))
        values = dict(fields)
        invite = values.pop("invite_client", False)
        password = values.pop("password", None)
        problems = {}
        if not values.get("first_name"):
            problems["first_name"] = ["The first name field is required."]
        if not values.get("email"):
            problems["email"] = ["The email field is required."]
        self._check(values, problems)
        self._unique_email(str(values["email"]))
        contact = self.add(str(values.pop("first_name")), str(values.pop("last_name", "") or ""))
        self._apply(contact.id, values)
        if password:
            self.passwords[contact.id] = str(password)
        if invite:
            self.invitations.append({"contact_id": contact.id, "message": None,
                                     "send_email": True, "access_level": "basic"})
        return self.contacts[contact.id]

    def update_contact(self, *, contact_id: int, changes: Mapping[str, object]) -> None:
        self._record("update_contact", contact_id=contact_id, changes=dict(changes))
        self._existing(contact_id)
        values = dict(changes)
        password = values.pop("password", None)
        self._check(values, {})
        if "email" in values:
            self._unique_email(str(values["email"]), besides=contact_id)
        self._apply(contact_id, values)
        if password:
            self.passwords[contact_id] = str(password)

    def delete_contact(self, *, contact_id: int) -> None:
        self._record("delete_contact", contact_id=contact_id)
        self._existing(contact_id)
        del self.contacts[contact_id]

    def bulk_delete_contacts(self, *, contact_ids: Sequence[int], batch_size: int = 1000) -> int:
        # Recorded once; attempted once per batch, as the real client makes one call per batch.
        self.calls.append(Call("bulk_delete_contacts",
                               {"contact_ids": list(contact_ids), "batch_size": batch_size}))
        ids = list(dict.fromkeys(contact_ids))
        deleted = 0
        for start in range(0, len(ids), batch_size):
            batch = ids[start:start + batch_size]
            self._attempt("bulk_delete_contacts")
            missing = [i for i in batch if i not in self.contacts]
            if missing:
                raise taskip.TaskipValidationError(
                    "The given data was invalid.", status=422,
                    field_errors={"contact_ids": [f"Unknown contact ids: {missing[:5]}"]},
                )
            for contact_id in batch:
                del self.contacts[contact_id]
            deleted += len(batch)
        return deleted

    def invite_client(self, *, contact_id: int, message: str | None = None,
                      send_email: bool = True, access_level: str | None = None) -> None:
        self._record("invite_client", contact_id=contact_id, message=message,
                     send_email=send_email, access_level=access_level)
        self._existing(contact_id)
        if access_level is not None and access_level not in ACCESS_LEVELS:
            raise taskip.TaskipValidationError(
                "The given data was invalid.", status=422,
                field_errors={"access_level": ["The selected access level is invalid."]},
            )
        self.invitations.append({"contact_id": contact_id, "message": message,
                                 "send_email": send_email, "access_level": access_level})

    # ---- the rules --------------------------------------------------------------------------

    def _matching(self, search: str | None, sort: str | None,
                  order: str | None) -> list[taskip.Contact]:
        if search is not None and len(search) > MAX_SEARCH:
            raise taskip.TaskipValidationError(
                "The given data was invalid.", status=422,
                field_errors={"search": [f"Must be at most {MAX_SEARCH} characters."]},
            )
        needle = (search or "").strip().casefold()
        rows = [c for c in self.contacts.values()
                if any(needle in s.casefold()
                       for s in (c.first_name, c.last_name, c.full_name, c.email))]
        keys = {
            None: lambda c: (c.id,),
            "name": lambda c: (c.last_name.casefold(), c.first_name.casefold(), c.id),
            "email": lambda c: (c.email.lower(), c.id),
            "created_at": lambda c: (c.created_at, c.id),
        }
        return sorted(rows, key=keys[sort], reverse=bool(sort) and order == "desc")

    def _existing(self, contact_id: int) -> taskip.Contact:
        try:
            return self.contacts[contact_id]
        except KeyError:
            raise taskip.TaskipNotFound("Contact not found", status=404) from None

    def _check(self, values: Mapping[str, object], problems: dict[str, list[str]]) -> None:
        company_id = values.get("company_id")
        if company_id and all(c.id != company_id for c in self.companies):
            problems["company_id"] = ["The selected company id is invalid."]
        if len(str(values.get("zip_code") or "")) > 8:
            problems["zip_code"] = ["The zip code may not be greater than 8 characters."]
        if problems:
            raise taskip.TaskipValidationError("The given data was invalid.", status=422,
                                               field_errors=problems)

    def _unique_email(self, email: str, besides: int | None = None) -> None:
        if any(c.email.lower() == email.lower() and c.id != besides
               for c in self.contacts.values()):
            raise taskip.TaskipConflict("Email already exists", status=409,
                                        field_errors={"email": ["Email already exists"]})

    def _apply(self, contact_id: int, values: Mapping[str, object]) -> None:
        contact = self.contacts[contact_id]
        updates: dict[str, Any] = {}
        for name, value in values.items():
            if name in SIMPLE_FIELDS:
                required = name in ("first_name", "last_name", "email")
                updates[name] = None if value == "" and not required else value
            elif name == "company_id":
                updates["company_id"] = value or None
                updates["company"] = next((c for c in self.companies if c.id == value), None)
            elif name == "access_portal":
                updates["access_portal"] = bool(value)
            elif name == "custom_fields":
                updates["custom_fields"] = dict(value or {})  # replaced as a whole, as TaskIP does
            # unknown fields are ignored, as TaskIP does
        contact = dataclasses.replace(contact, **updates)
        full_name = " ".join(p for p in (contact.first_name, contact.last_name or "") if p)
        self.contacts[contact_id] = dataclasses.replace(contact, full_name=full_name)


@functools.cache
def _seed_people(count: int) -> tuple[taskip.Contact, ...]:
    """Made once per process (contacts are frozen): every view test starts from them."""
    people = [
        make_contact(1, "John", "Doe", email="john.doe@example.com", company_id=3,
                     position="CEO", phone_code="+1", phone_number="555-0100",
                     custom_fields={"tier": "gold"}),
        make_contact(2, "Jane", "Smith", email="jane.smith@example.com", company_id=5,
                     position="CTO", address="1 Main Street", access_portal=True,
                     custom_fields={"tier": "silver", "source": "fair"}),
    ][:count]  # fmt: skip
    for n in range(3, count + 1):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        last = LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]
        people.append(make_contact(n, first, last, company_id=COMPANIES[n % 3].id,
                                   position="Engineer" if n % 2 else "Manager"))
    return tuple(people)
