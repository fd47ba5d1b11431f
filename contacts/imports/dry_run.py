"""The dry run: every row validated with ContactForm's rules, duplicate emails found in the file
and in TaskIP with as few calls as possible; nothing written (docs/architecture.md, "Export and
import")."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict

from .. import taskip
from ..export import CUSTOM_PREFIX, FORMULA_STARTS
from ..forms import ContactForm, timezone_choices
from .files import ParsedFile, Record
from .mapping import ColumnMapping

PAGE_SIZE = 100


@dataclass
class RowPlan:
    line: int
    cells: tuple[str, ...]
    label: str
    email: str = ""
    fields: dict[str, Any] = field(default_factory=dict)  # what to send when creating
    problems: list[str] = field(default_factory=list)
    existing_id: int | None = None  # the TaskIP contact with this email

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass
class DryRun:
    rows: list[RowPlan]
    calls: int  # API calls the dry run made
    existing: dict[str, int]  # casefolded email -> contact id, for the file's emails in TaskIP
    companies: dict[str, int]  # casefolded company name -> id, for the file's company names
    scanned: bool  # the duplicates were found by walking the list (else by one search each)

    @property
    def invalid(self) -> list[RowPlan]:
        return [r for r in self.rows if not r.valid]

    @property
    def new(self) -> list[RowPlan]:
        return [r for r in self.rows if r.valid and r.existing_id is None]

    @property
    def matched(self) -> list[RowPlan]:
        return [r for r in self.rows if r.valid and r.existing_id is not None]


def dry_run(parsed: ParsedFile, mapping: ColumnMapping, *,
            existing: Mapping[str, int] | None = None,
            companies: Mapping[str, int] | None = None) -> DryRun:
    """Validate every row and find duplicates; reads from TaskIP only, never writes.

    `existing` and `companies` from an earlier dry run of the same file and mapping are reused
    instead of asking TaskIP again (the confirming POST).
    """
    calls = 0
    form = RowForm(creating=True)
    plans = [_plan(record, parsed.header, mapping, form) for record in parsed.records]

    company_column = mapping.column_of("company.name")
    if company_column is not None:
        names = {_cell(p.cells, company_column) for p in plans if p.valid} - {""}
        if companies is None:
            companies, calls_made = _find_companies(names)
            calls += calls_made
        for plan in plans:
            name = _cell(plan.cells, company_column)
            if not name or not plan.valid:
                continue
            company_id = companies.get(name.casefold())
            if company_id is None:
                plan.problems.append(f"{parsed.header[company_column]}: TaskIP has no company "
                                     f"named “{name}”.")
            else:
                plan.fields["company_id"] = company_id

    first_seen: dict[str, int] = {}
    for plan in plans:
        if not plan.email:
            continue
        key = plan.email.casefold()
        if key in first_seen:
            plan.problems.append(f"The same email as row {first_seen[key]}.")
        else:
            first_seen[key] = plan.line
    emails = {p.email.casefold() for p in plans if p.valid}
    scanned = False
    if existing is None:
        existing, calls_made, scanned = _find_existing(emails)
        calls += calls_made
    for plan in plans:
        if plan.valid:
            plan.existing_id = existing.get(plan.email.casefold())
    return DryRun(rows=plans, calls=calls, existing=dict(existing),
                  companies=dict(companies or {}), scanned=scanned)


def _cell(cells: Sequence[str], column: int) -> str:
    value = cells[column].strip() if column < len(cells) else ""
    # Undo the ' an export puts before a formula-like cell, so exported files import as they were.
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        value = value[1:]
    return value


class RowForm(ContactForm):
    """ContactForm's rules, for one CSV row after another.

    Two changes make 10,000 rows a matter of seconds rather than a minute: the time zone is
    checked against the same names as a set (ContactForm's select normalises its ~600 choices
    for every instance), and one instance checks every row (`check`), because a new form per
    row deep-copies all its fields. full_clean() starts from nothing on each call.
    """

    timezone = forms.CharField(required=False, label="Time zone")

    def clean_timezone(self):
        value = self.cleaned_data["timezone"]
        if value and value not in _time_zones():
            raise forms.ValidationError(
                forms.ChoiceField.default_error_messages["invalid_choice"],
                code="invalid_choice", params={"value": value},
            )
        return value

    def check(self, data: QueryDict) -> bool:
        self.data, self.is_bound, self._errors = data, True, None
        self.custom_rows, self.custom_errors = self._custom_rows(), []
        return self.is_valid()


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(value for value, _ in timezone_choices() if value)


TRUE_WORDS = {"1", "yes", "y", "true", "on", "x"}
FALSE_WORDS = {"", "0", "no", "n", "false", "off"}


def _plan(record: Record, header: Sequence[str], mapping: ColumnMapping,
          form: RowForm) -> RowPlan:
    """One row, validated with ContactForm's rules (the same the create page applies)."""
    cells = record.cells
    plan = RowPlan(line=record.line, cells=cells, label=f"Row {record.line}")
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
        plan.problems.append(f"The row has {len(cells)} cells but the header names "
                             f"{len(header)} columns.")
    data = QueryDict(mutable=True)
    portal: bool | None = None  # the row's portal access, when it says
    where: dict[str, str] = {}  # form field -> the column it came from, to name it in messages
    for column, target in enumerate(mapping.targets):
        if not target or target.startswith(CUSTOM_PREFIX) or target == "company.name":
            continue
        value = _cell(cells, column)
        if target == "full_name":
            first, _, last = value.partition(" ")
            data["first_name"] = first.strip()
            if mapping.column_of("last_name") is None:
                data["last_name"] = last.strip()
            where.setdefault("first_name", header[column])
            where.setdefault("last_name", header[column])
            continue
        if target == "access_portal":
            word = value.casefold()
            if word not in TRUE_WORDS | FALSE_WORDS:
                plan.problems.append(f"{header[column]}: write yes or no (or 1 or 0).")
                continue
            portal = None if not word else word in TRUE_WORDS
            value = "on" if portal else ""
            # Imports carry no passwords, so the form's "password needed" lands on this column.
            where["password"] = header[column]
        data[target] = value
        where[target] = header[column]
    custom = {key: _cell(cells, column) for column, key in mapping.custom.items()}
    custom = {key: value for key, value in custom.items() if value}
    data.setlist("custom_key", list(custom))
    data.setlist("custom_value", list(custom.values()))

    email = data.get("email", "")
    plan.email = email
    name = " ".join(filter(None, [data.get("first_name", ""), data.get("last_name", "")]))
    plan.label = f"Row {record.line}: {name or '(no name)'} <{email or 'no email'}>"[:300]

    if not form.check(data):
        for name, errors in form.errors.items():
            if name == "__all__":
                continue
            label = where.get(name, name)
            plan.problems.extend(f"{label}: {error}" for error in errors)
        plan.problems.extend(form.custom_errors)
        return plan
    values = form.api_values()
    for name in mapping.fields:
        value = values.get(name)
        if name == "company_id" and mapping.column_of("company_id") is None:
            continue  # from a company name, resolved by the dry run
        if name == "access_portal":
            if portal is not None:  # an empty cell leaves portal access as it is
                plan.fields[name] = int(portal)
            continue
        if value not in ("", None, {}):
            plan.fields[name] = value
    return plan


def _find_existing(emails: set[str]) -> tuple[dict[str, int], int, bool]:
    """Which of these (casefolded) emails TaskIP has, with the fewest calls: one walk of the
    whole list (a call per 100 contacts), or one search per email, whichever is fewer.

    The first page of the walk tells how many contacts there are; it is part of the walk, so
    choosing the walk costs nothing extra.
    """
    if not emails:
        return {}, 0, False
    found: dict[str, int] = {}
    first = taskip.list_contacts(page=1, limit=PAGE_SIZE)
    calls = 1
    _collect(first.contacts, emails, found)
    pages = first.total_pages or (math.ceil(first.total / PAGE_SIZE) if first.total else None)
    if not first.has_next:
        return found, calls, True
    if pages is not None and pages - 1 > len(emails):
        for email in sorted(emails - set(found)):
            result = taskip.list_contacts(page=1, limit=PAGE_SIZE, search=email)
            calls += 1
            _collect(result.contacts, {email}, found)
        return found, calls, False
    number = 1
    page = first
    while page.has_next and page.contacts:
        number += 1
        page = taskip.list_contacts(page=number, limit=PAGE_SIZE)
        calls += 1
        _collect(page.contacts, emails, found)
    return found, calls, True


def _collect(contacts: Iterable[taskip.Contact], emails: set[str], found: dict[str, int]):
    for contact in contacts:
        key = contact.email.casefold()
        if key in emails:
            found.setdefault(key, contact.id)


def _find_companies(names: set[str]) -> tuple[dict[str, int], int]:
    """Company ids for these names (matched without regard to case), the same way: one walk of
    TaskIP's companies or one search per name, whichever costs fewer calls."""
    if not names:
        return {}, 0
    wanted = {n.casefold() for n in names}
    found: dict[str, int] = {}

    def collect(companies):
        for company in companies:
            key = company.name.casefold()
            if key in wanted:
                found.setdefault(key, company.id)

    first = taskip.list_companies(page=1, limit=PAGE_SIZE)
    calls = 1
    collect(first.companies)
    pages = math.ceil(first.total / PAGE_SIZE) if first.total else None
    if first.has_next and pages is not None and pages - 1 > len(wanted):
        for name in sorted(names):
            if name.casefold() in found:
                continue
            collect(taskip.list_companies(search=name, limit=PAGE_SIZE).companies)
            calls += 1
        return found, calls
    number, page = 1, first
    while page.has_next and page.companies:
        number += 1
        page = taskip.list_companies(page=number, limit=PAGE_SIZE)
        calls += 1
        collect(page.companies)
    return found, calls
