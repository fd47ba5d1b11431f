"""Importing contacts from CSV: reading the file, mapping its columns, the dry run, and the job
(docs/architecture.md, "Export and import").

The steps, each a plain function the views and tests call:
- `read_csv(data)` checks the file (size, encoding, delimiter, header, row count) and raises
  ImportFileError with a message for staff; nothing is sent to TaskIP for a bad file.
- `auto_mapping(header)` maps each column to a contact field, a custom field, or nothing.
- `dry_run(parsed, mapping)` validates every row with ContactForm's rules and finds duplicate
  emails in the file and in TaskIP, with as few list calls as possible; it writes nothing.
- `start_import(...)` makes a job with one ledger row per CSV row; `import_row` is its handler,
  and `finish_import` writes the failed rows, with an `error` column, to the job's file.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
from django import forms
from django.core import signing
from django.http import QueryDict

from . import job_files, taskip
from .export import CUSTOM_PREFIX, FORMULA_STARTS, MAX_KEY_LENGTH, inert
from .forms import MAX_CUSTOM_FIELDS, ContactForm, timezone_choices
from .job_handlers import ROW_HANDLERS, RowDone, RowHandler, SkipRow
from .models import AuditEntry, Job, JobRow

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs"}
PAGE_SIZE = 100
CREATE, CREATE_UPDATE = "create", "create_update"
MODES = {CREATE: "Create new contacts only", CREATE_UPDATE: "Create new and update existing"}
UPLOAD_SALT = "contacts.import.upload"
EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

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


def _norm(header: str) -> str:
    """"E-mail", "Email Address " and "email_address" all become "emailaddress"."""
    return re.sub(r"[^0-9a-z]", "", header.casefold())


ALIASES = {
    _norm(alias): target
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
READ_ONLY = {_norm(name) for name in (
    "id", "user_id", "country", "state", "city", "reference", "reference_name", "languages",
    "image.url", "company.domain", "company.email", "created_at", "updated_at",
    "billing.address", "billing.city", "billing.state", "billing.country", "billing.zip",
    "billing.phone", "billing.tax_number", "error",
)}  # fmt: skip
ERROR_COLUMN = "error"  # the failed-rows file's reason, ignored when that file is imported


class ImportFileError(Exception):
    """The file can't be imported; the message says why, in staff's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---- reading the file ----------------------------------------------------------------------

@dataclass(frozen=True)
class Record:
    line: int  # the row number a spreadsheet shows (the header is row 1)
    cells: tuple[str, ...]


@dataclass(frozen=True)
class ParsedFile:
    header: tuple[str, ...]
    records: tuple[Record, ...]
    delimiter: str


def read_csv(data: bytes) -> ParsedFile:
    """The file's header and rows, or ImportFileError saying what is wrong with it."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the most an import takes is "
            f"{MAX_BYTES // 1024 // 1024} MB. Split it into smaller files."
        )
    text = _decode(data)
    if not text.strip():
        raise ImportFileError("The file is empty.")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(_records(reader))
    except csv.Error as exc:
        raise ImportFileError(
            f"The file isn't valid CSV near line {reader.line_num}: {exc}."
        ) from None
    header_line, header = rows[0]
    header = tuple(cell.strip() for cell in header)
    looks_like_data = [c for c in header if EMAIL_LIKE.match(c) or c.replace(".", "").isdigit()]
    if looks_like_data or not any(header):
        example = f" (it has “{looks_like_data[0][:60]}” in it)" if looks_like_data else ""
        raise ImportFileError(
            f"The first row should name the columns, but it looks like data{example}. Add a "
            "header row such as: first_name, last_name, email."
        )
    records = tuple(Record(line, tuple(cells)) for line, cells in rows[1:])
    if not records:
        raise ImportFileError("The file has column names but no rows to import.")
    if len(records) > MAX_ROWS:
        raise ImportFileError(
            f"The file has {len(records):,} rows; the most an import takes is {MAX_ROWS:,}. "
            "Split it into smaller files."
        )
    return ParsedFile(header=header, records=records, delimiter=delimiter)


def _records(reader) -> Iterable[tuple[int, list[str]]]:
    """(row number, cells) of each non-blank row; blank rows still count, as in a spreadsheet."""
    for number, cells in enumerate(reader, start=1):
        if any(c.strip() for c in cells):
            yield number, cells


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")  # a byte order mark (Excel's "CSV UTF-8") is dropped
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text:
        return text
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            "This is a spreadsheet workbook (such as .xlsx), not a CSV file. Save it as "
            "“CSV UTF-8” and upload that."
        )
    encoding = _guess_encoding(data[:200_000])
    if encoding is None:
        raise ImportFileError("The file isn't text. Upload a CSV file saved as UTF-8.")
    raise ImportFileError(
        f"The file isn't UTF-8; it looks like {encoding} text. Save it as “CSV UTF-8” "
        "(or convert it to UTF-8) and upload it again."
    )


def _guess_encoding(data: bytes) -> str | None:
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    # Short Western text reads equally well as several Windows code pages; when cp1252 is one
    # of the equally good guesses, name it: it is what Excel on most Windows machines saves.
    tied = [m.encoding for m in matches
            if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    return "cp1252" if "cp1252" in tied else best.encoding


def _delimiter(text: str) -> str:
    """Which of , ; or tab separates the columns: the one that splits the first rows into the
    most columns, the same number on every row.

    Hand-written rather than csv.Sniffer: the Sniffer guesses from character frequencies and
    often fails on short files or picks a delimiter that only appears inside quoted cells.
    """
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    best, best_width = None, 1
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
                    if any(c.strip() for c in r)][:20]
        except csv.Error:
            continue
        width = len(rows[0]) if rows else 0
        steady = all(len(r) == width for r in rows[1:])
        if steady and width > best_width:
            best, best_width = delimiter, width
    if best is None:
        raise ImportFileError(
            "The columns aren't separated by commas, semicolons or tabs (or the rows have "
            "different numbers of columns). Save the file as CSV and upload it again."
        )
    return best


# ---- mapping columns to fields -------------------------------------------------------------

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
        normal = _norm(name)
        if name.casefold().startswith(CUSTOM_PREFIX) and len(name) > len(CUSTOM_PREFIX):
            target = CUSTOM_PREFIX + name[len(CUSTOM_PREFIX):].strip()[:MAX_KEY_LENGTH]
        elif normal in ALIASES:
            target = ALIASES[normal]
        elif normal in READ_ONLY or not normal:
            target = ""
            if normal == _norm(ERROR_COLUMN):
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


# ---- the dry run ---------------------------------------------------------------------------

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


# ---- the uploaded file, between the steps --------------------------------------------------

@dataclass(frozen=True)
class Upload:
    token: str  # names the stored file; handed to the browser only signed
    filename: str

    @property
    def path(self) -> Path:
        return job_files.folder(job_files.UPLOADS) / f"{self.token}.csv"

    @property
    def plan_path(self) -> Path:
        return job_files.folder(job_files.UPLOADS) / f"{self.token}.json"

    def signed(self, user) -> str:
        return signing.dumps({"t": self.token, "u": user.pk, "n": self.filename},
                             salt=UPLOAD_SALT)

    def read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            raise ImportFileError(_GONE) from None


_GONE = ("That upload has already been imported or has expired. Upload the file again.")


def store_upload(data: bytes, filename: str) -> Upload:
    """Keep the uploaded file under JOB_FILES_DIR (private, swept after the retention), not in
    the session: the mapping and confirming steps read it again."""
    name = job_files.new_name("upload", "")
    upload = Upload(token=name, filename=os.path.basename(filename or "")[:100])
    with job_files.open_private(upload.path, "wb") as file:
        file.write(data)
    return upload


def find_upload(user, signed: str) -> Upload:
    """The upload this user made, from the signed reference the form carried."""
    try:
        value = signing.loads(signed, salt=UPLOAD_SALT,
                              max_age=job_files.retention().total_seconds())
    except signing.BadSignature:
        raise ImportFileError(_GONE) from None
    if not isinstance(value, dict) or value.get("u") != user.pk:
        raise ImportFileError(_GONE)
    return Upload(token=str(value["t"]), filename=str(value.get("n", "")))


def save_plan(upload: Upload, mapping: ColumnMapping, result: DryRun) -> None:
    """What the dry run learnt from TaskIP, so confirming it doesn't ask again."""
    plan = {"mapping": mapping.as_list(), "existing": result.existing,
            "companies": result.companies, "calls": result.calls}
    with job_files.open_private(upload.plan_path, "w", encoding="utf-8") as file:
        json.dump(plan, file)


def load_plan(upload: Upload, mapping: ColumnMapping) -> dict | None:
    """The saved dry run, if it was made for this same mapping."""
    try:
        plan = json.loads(upload.plan_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return plan if plan.get("mapping") == mapping.as_list() else None


def claim_upload(upload: Upload) -> bool:
    """Take the upload for one job: a rename only one request can win, so a double-clicked
    Import button starts one job, not two."""
    try:
        os.replace(upload.path, upload.path.with_suffix(".claimed"))
    except FileNotFoundError:
        return False
    return True


def discard_upload(upload: Upload) -> None:
    for path in (upload.path, upload.path.with_suffix(".claimed"), upload.plan_path):
        path.unlink(missing_ok=True)


# ---- the job -------------------------------------------------------------------------------

def start_import(owner, parsed: ParsedFile, mapping: ColumnMapping, result: DryRun, *, mode: str,
                 filename: str = "") -> Job:
    """A job with one ledger row per CSV row, in the file's order. Rows the dry run already
    settled (invalid ones; existing emails in `create` mode) are skipped by the handler without
    a call, but keep their place and cells, so the failed-rows file can give them back."""
    from . import jobs

    rows = []
    for plan in result.rows:
        data: dict[str, Any] = {"line": plan.line, "cells": list(plan.cells)}
        contact_id = None
        if not plan.valid:
            data.update(action="skip", invalid=True, why=" ".join(plan.problems))
        elif plan.existing_id is not None and mode == CREATE:
            contact_id = plan.existing_id
            data.update(action="skip", why=f"Already in TaskIP (contact {plan.existing_id}); "
                                          "this import only creates new contacts.")
        elif plan.existing_id is not None:
            contact_id = plan.existing_id
            data.update(action="update", fields=_update_fields(plan.fields))
        else:
            data.update(action="create", fields=plan.fields)
        rows.append((contact_id, plan.label, data))
    params = {"mode": mode, "mapping": mapping.as_list(), "header": list(parsed.header),
              "delimiter": parsed.delimiter, "filename": filename}
    job_files.delete_expired_files()
    return jobs.create_job(owner, Job.Kind.IMPORT, params, rows)


def _update_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    # The email found the contact; sending it again could only trip over its own case.
    return {name: value for name, value in fields.items() if name != "email"}


def check_import_params(params: Mapping[str, Any]) -> None:
    if params.get("mode") not in MODES:
        raise ValueError(f"an import's mode is one of {sorted(MODES)}")
    if not isinstance(params.get("header"), list):
        raise ValueError("an import needs the file's header")


def import_row(job: Job, row: JobRow) -> RowDone:
    """Create or update one contact. Its audit entry is written here because one import job
    holds both creates and updates, each its own kind of entry (the runner's audit_action is
    one per job kind)."""
    data = row.data
    if data.get("action") == "skip":
        raise SkipRow(data.get("why") or "Skipped.")
    fields = dict(data.get("fields") or {})
    if data.get("action") == "update":
        return _update(job, row, fields)
    try:
        contact = taskip.create_contact(fields=fields)
    except taskip.TaskipConflict as error:
        if job.params.get("mode") == CREATE:
            raise SkipRow("Already in TaskIP (added since the dry run); this import only "
                          "creates new contacts.") from None
        _audit(job, row, AuditEntry.Action.CREATE, None, fields, error=error)
        raise
    except taskip.TaskipError as error:
        _audit(job, row, AuditEntry.Action.CREATE, None, fields, error=error)
        raise
    _audit(job, row, AuditEntry.Action.CREATE, contact.id, fields)
    return RowDone("Created.", contact_id=contact.id)


def _update(job: Job, row: JobRow, fields: dict[str, Any]) -> RowDone:
    try:
        custom = fields.pop("custom_fields", None)
        if custom:
            # A PUT replaces the whole custom_fields object: read the contact's own first and
            # send them back with this row's keys set, so its other keys survive.
            current = taskip.get_contact(contact_id=row.contact_id).custom_fields
            fields["custom_fields"] = {**current, **custom}
        if not fields:
            raise SkipRow("Nothing to update: this row's other cells are empty.")
        taskip.update_contact(contact_id=row.contact_id, changes=fields)
    except taskip.TaskipError as error:
        _audit(job, row, AuditEntry.Action.UPDATE, row.contact_id, fields, error=error)
        raise
    _audit(job, row, AuditEntry.Action.UPDATE, row.contact_id, fields)
    return RowDone("Updated " + ", ".join(sorted(fields)) + ".")


def _audit(job: Job, row: JobRow, action: str, contact_id: int | None,
           fields: Mapping[str, Any], *, error: taskip.TaskipError | None = None) -> None:
    detail = f"job {job.pk} (import) row {row.data.get('line', row.position + 1)}"
    AuditEntry.objects.create(
        user=job.owner, username=job.owner.get_username(), action=action,
        contact_ids=[contact_id] if contact_id else [],
        changed_fields=sorted(fields),  # names only, never values
        outcome=AuditEntry.Outcome.FAILURE if error else AuditEntry.Outcome.SUCCESS,
        # As contacts/audit.py does: the error's kind, not its message (it may quote values).
        detail=(f"{detail}: {type(error).__name__}" if error else detail)[:300],
    )


FAILED_STATES = (JobRow.State.FAILED, JobRow.State.UNKNOWN)


def failed_rows(job: Job):
    """The rows to give back to the user: failed or unknown at TaskIP, or invalid in the file."""
    for row in job.rows.order_by("position").iterator(chunk_size=500):
        if row.state in FAILED_STATES or (
            row.state == JobRow.State.SKIPPED and row.data.get("invalid")
        ):
            yield row


def finish_import(job: Job) -> None:
    """Write the failed rows, as they were in the file plus an `error` column, to the job's file
    (replacing an earlier one: a retry may have fixed some). Safe to run twice."""
    header = list(job.params["header"])
    keep = [i for i, name in enumerate(header) if _norm(name) != _norm(ERROR_COLUMN)]
    name = f"{job_files.FAILED}/" + job_files.new_name(f"failed-{job.pk}")
    path = job_files.folder(job_files.FAILED) / name.split("/", 1)[1]
    count = 0
    with job_files.open_private(path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=job.params.get("delimiter", ","))
        writer.writerow([inert(header[i]) for i in keep] + [ERROR_COLUMN])
        for row in failed_rows(job):
            cells = list(row.data.get("cells") or [])
            cells += [""] * (len(header) - len(cells))
            reason = row.data.get("why") if row.state == JobRow.State.SKIPPED else row.message
            writer.writerow([inert(cells[i]) for i in keep] + [inert(reason or "")])
            count += 1
    job.refresh_from_db()
    old = job.result_file.name if job.result_file else ""
    if count:
        Job.objects.filter(pk=job.pk).update(result_file=name,
                                             result_expires_at=job_files.expiry())
    else:
        path.unlink(missing_ok=True)
        Job.objects.filter(pk=job.pk).update(result_file="", result_expires_at=None)
    if old and old != name:
        job_files.path_of(old).unlink(missing_ok=True)


ROW_HANDLERS[Job.Kind.IMPORT] = RowHandler(
    process=import_row,
    audit_action=None,  # import_row records each create or update itself
    check_params=check_import_params,
    finish=finish_import,
)
