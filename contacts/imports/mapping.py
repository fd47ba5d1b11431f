"""Which contact field each column of a file goes to: guessed from the column names through
aliases, adjustable on the dry-run page (docs/architecture.md, "Export and import")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..export import CUSTOM_PREFIX, MAX_KEY_LENGTH
from ..forms import MAX_CUSTOM_FIELDS

# Where a column can go. "custom" is a custom field named in the mapping; "" is ignored.
CUSTOM = "custom"
TARGETS: dict[str, str] = {
    "": "Ignore this column",
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name (split into first and last)",
    "email": "Email",
    "phone_code": "Phone code",
    "phone_number": "Phone number",
    "company.name": "Company (by name)",
    "company_id": "Company ID",
    "position": "Position",
    "country_id": "Country ID",
    "state_id": "State ID",
    "city_id": "City ID",
    "address": "Address",
    "zip_code": "ZIP code",
    "timezone": "Time zone",
    "details": "Details",
    "access_portal": "Portal access (yes/no)",
    CUSTOM: "Custom field",
}


def header_key(header: str) -> str:
    """"E-mail", "Email Address " and "email_address" all become "emailaddress"."""
    return re.sub(r"[^0-9a-z]", "", header.casefold())


ALIASES = {
    header_key(alias): target
    for target, aliases in {
        "first_name": ["first_name", "first name", "firstname", "given name", "forename",
                       "first", "vorname", "prénom"],
        "last_name": ["last_name", "last name", "surname", "family name", "last", "nachname"],
        "full_name": ["full_name", "name", "full name", "contact name", "contact"],
        "email": ["email", "e-mail", "email address", "e-mail address", "mail"],
        "phone_code": ["phone_code", "phone code", "country code", "dial code",
                       "calling code"],
        "phone_number": ["phone_number", "phone", "phone number", "mobile", "mobile phone",
                         "mobile number", "cell", "cell phone", "telephone", "tel"],
        "company.name": ["company.name", "company", "company name", "organization",
                         "organisation"],
        "company_id": ["company_id", "company id"],
        "position": ["position", "title", "job title", "role"],
        "country_id": ["country_id", "country id"],
        "state_id": ["state_id", "state id"],
        "city_id": ["city_id", "city id"],
        "address": ["address", "street", "street address", "address line 1"],
        "zip_code": ["zip_code", "zip", "zip code", "postcode", "postal code"],
        "timezone": ["timezone", "time zone", "tz"],
        "details": ["details", "notes", "note", "comments", "description"],
        "access_portal": ["access_portal", "portal", "portal access", "client portal"],
    }.items()
    for alias in aliases
}
# Columns an export writes that TaskIP won't take back: ignored unless someone maps them.
READ_ONLY = {header_key(name) for name in (
    "id", "user_id", "country", "state", "city", "reference", "reference_name", "languages",
    "image.url", "company.domain", "company.email", "created_at", "updated_at",
    "billing.address", "billing.city", "billing.state", "billing.country", "billing.zip",
    "billing.phone", "billing.tax_number", "error",
)}  # fmt: skip
ERROR_COLUMN = "error"  # the failed-rows file's reason, ignored when that file is imported


@dataclass(frozen=True)
class ColumnMapping:
    """Where each column goes: a field name, "custom_fields.<key>", or "" (ignored)."""

    targets: tuple[str, ...]

    def columns_of(self, target: str) -> list[int]:
        return [i for i, t in enumerate(self.targets) if t == target]

    def column_of(self, target: str) -> int | None:
        found = self.columns_of(target)
        return found[0] if found else None

    @property
    def custom(self) -> dict[int, str]:
        return {i: t[len(CUSTOM_PREFIX):] for i, t in enumerate(self.targets)
                if t.startswith(CUSTOM_PREFIX)}

    @property
    def fields(self) -> list[str]:
        """The contact fields this mapping sets (company.name sets company_id)."""
        names = set()
        for target in self.targets:
            if target.startswith(CUSTOM_PREFIX):
                names.add("custom_fields")
            elif target == "full_name":
                names.update(("first_name", "last_name"))
            elif target == "company.name":
                names.add("company_id")
            elif target:
                names.add(target)
        return sorted(names)

    def problems(self) -> list[str]:
        """Why this mapping can't be imported; empty when it can."""
        found = []
        if self.column_of("email") is None:
            found.append("Choose the column that holds the email address.")
        if self.column_of("first_name") is None and self.column_of("full_name") is None:
            found.append("Choose the column that holds the first name (or the full name).")
        for target in TARGETS:
            if target and target != CUSTOM and len(self.columns_of(target)) > 1:
                found.append(f"Only one column can go to “{TARGETS[target]}”.")
        keys = list(self.custom.values())
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            found.append(f"Only one column can go to the custom field “{key}”.")
        if len(keys) > MAX_CUSTOM_FIELDS:
            found.append(f"At most {MAX_CUSTOM_FIELDS} columns can go to custom fields.")
        return found

    def as_list(self) -> list[str]:
        return list(self.targets)


def auto_mapping(header: Sequence[str]) -> tuple[ColumnMapping, dict[int, str]]:
    """The mapping guessed from the column names, and a note for each column left out."""
    targets: list[str] = []
    notes: dict[int, str] = {}
    taken: dict[str, int] = {}
    for i, name in enumerate(header):
        normal = header_key(name)
        if name.casefold().startswith(CUSTOM_PREFIX) and len(name) > len(CUSTOM_PREFIX):
            target = CUSTOM_PREFIX + name[len(CUSTOM_PREFIX):].strip()[:MAX_KEY_LENGTH]
        elif normal in ALIASES:
            target = ALIASES[normal]
        elif normal in READ_ONLY or not normal:
            target = ""
            if normal == header_key(ERROR_COLUMN):
                notes[i] = "The reason a row failed before; not imported."
            elif normal:
                notes[i] = "TaskIP sets this itself; it can't be imported."
        else:
            target = CUSTOM_PREFIX + name.strip()[:MAX_KEY_LENGTH]
        if target and target in taken:
            notes[i] = f"Column {taken[target] + 1} already goes there."
            target = ""
        if target:
            taken[target] = i
        targets.append(target)
    # A full name is only split when there is no first name column of its own.
    if "first_name" in taken and "full_name" in taken:
        targets[taken["full_name"]] = ""
        notes[taken["full_name"]] = "The first and last name come from their own columns."
    return ColumnMapping(tuple(targets)), notes
