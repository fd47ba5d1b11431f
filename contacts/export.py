"""Exporting contacts to CSV as a background job (docs/architecture.md, "Export and import").

An export job has one ledger row per page of 100 contacts. Each row makes one list call and
writes its page to a part file of its own; when every page is done, `finish_export` joins the
parts, after a header row, into the job's file. So a 10,000-contact export is 100 list calls,
holds one page in memory at a time, shows real progress, and a page that failed can be retried
alone without writing any contact twice.

How many pages there are is known when the job is made, from the count the export dialog
showed (the list call it made anyway). Counts change: the last row walks on while TaskIP says
there are more pages, and rows past the end write nothing.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from . import job_files, jobs, taskip
from .job_handlers import ROW_HANDLERS, RowDone, RowHandler
from .models import Job, JobRow

PAGE_SIZE = 100  # TaskIP's largest page
MAX_PAGE_ROWS = 1000  # ledger rows for 100,000 contacts; a bigger export's last row walks on

# Every field TaskIP returns, by its API name; nested values with a dot.
COLUMNS: dict[str, str] = {
    "id": "ID",
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Name",
    "email": "Email",
    "phone_code": "Phone code",
    "phone_number": "Phone number",
    "position": "Position",
    "company_id": "Company ID",
    "company.name": "Company",
    "company.domain": "Company domain",
    "company.email": "Company email",
    "country_id": "Country ID",
    "country": "Country",
    "state_id": "State ID",
    "state": "State",
    "city_id": "City ID",
    "city": "City",
    "address": "Address",
    "zip_code": "ZIP code",
    "timezone": "Time zone",
    "details": "Details",
    "reference": "Reference",
    "reference_name": "Reference name",
    "access_portal": "Portal access",
    "billing.address": "Billing address",
    "billing.city": "Billing city",
    "billing.state": "Billing state",
    "billing.country": "Billing country",
    "billing.zip": "Billing ZIP",
    "billing.phone": "Billing phone",
    "billing.tax_number": "Tax number",
    "languages": "Languages",
    "image.url": "Image URL",
    "user_id": "User ID",
    "created_at": "Created",
    "updated_at": "Updated",
}
# The list's own columns: Name, Email, Company, Position, Phone (code and number), Country, Portal.
DEFAULT_COLUMNS = (
    "full_name", "email", "company.name", "position", "phone_code", "phone_number", "country",
    "access_portal",
)  # fmt: skip
CUSTOM_PREFIX = "custom_fields."
MAX_KEY_LENGTH = 191  # TaskIP's limit for a custom field's name

# OWASP's CSV injection advice: a spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_column(name: str) -> bool:
    if name.startswith(CUSTOM_PREFIX):
        key = name[len(CUSTOM_PREFIX):]
        return 0 < len(key) <= MAX_KEY_LENGTH and key.strip() == key
    return name in COLUMNS


def inert(value: str) -> str:
    """The cell as a spreadsheet will show it but never run: a leading ' before a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cell(contact: taskip.Contact, column: str) -> str:
    """One CSV cell: the contact's value for an API field name, as text, made inert."""
    if column.startswith(CUSTOM_PREFIX):
        value: Any = contact.custom_fields.get(column[len(CUSTOM_PREFIX):])
    elif column == "languages":
        value = ", ".join(language.code for language in contact.languages)
    else:
        value = contact
        for part in column.split("."):
            value = getattr(value, part, None)
            if value is None:
                break
    return inert(_text(value))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"  # as TaskIP sends access_portal, and as import reads it
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


# ---- making the job (called by the export view) --------------------------------------------

def start_export(owner, *, columns: Sequence[str], search: str = "", sort: str = "",
                 order: str = "asc", count: int | None = None,
                 selection: Sequence[int] = (), page: int = 1, limit: int = 50) -> Job:
    """Queue an export of every contact matching the query, or only of `selection` (contact
    ids ticked on the list page `page` of size `limit`)."""
    params: dict[str, Any] = {
        "columns": list(columns), "search": search, "sort": sort, "order": order,
    }  # fmt: skip
    if selection:
        params.update(ids=sorted(set(selection)), page=page, limit=limit)
        rows = [(None, f"{len(params['ids'])} selected contacts", {"selection": True})]
    else:
        pages = max(1, min(math.ceil((count or 0) / PAGE_SIZE), MAX_PAGE_ROWS))
        rows = [
            (None, _page_label(number), {"page": number, "last": number == pages})
            for number in range(1, pages + 1)
        ]
    job_files.delete_expired_files()
    return jobs.create_job(owner, Job.Kind.EXPORT, params, rows)


def check_export_params(params: Mapping[str, Any]) -> None:
    columns = params.get("columns")
    if not columns or not isinstance(columns, list) or not all(
        isinstance(c, str) and is_column(c) for c in columns
    ):
        raise ValueError("an export needs a list of known columns")
    ids = params.get("ids", [])
    if not isinstance(ids, list) or not all(isinstance(i, int) and i > 0 for i in ids):
        raise ValueError("ids must be a list of contact ids")


def _page_label(number: int) -> str:
    first = (number - 1) * PAGE_SIZE + 1
    return f"Contacts {first:,}–{first + PAGE_SIZE - 1:,}"


# ---- the worker's side ---------------------------------------------------------------------

def export_row(job: Job, row: JobRow) -> RowDone:
    """One ledger row: a page of the list (and, for the last row, any pages after it), or the
    selected contacts; written to part files of this job."""
    params = job.params
    if row.data.get("selection"):
        contacts = _selected_contacts(params)
        _write_part(job, 1, contacts)
        return RowDone(f"{len(contacts)} contacts written.")
    number = int(row.data["page"])
    written = 0
    while True:
        page = taskip.list_contacts(
            page=number, limit=PAGE_SIZE, search=params.get("search") or None,
            sort=params.get("sort") or None,
            order=params.get("order") if params.get("sort") else None,
        )  # fmt: skip
        _write_part(job, number, page.contacts)
        written += len(page.contacts)
        # Only the last row goes on (more contacts than the dialog counted); it stops on an
        # empty page too, in case an API ever ignores `page`.
        if not (row.data.get("last") and page.has_next and page.contacts):
            break
        number += 1
    return RowDone(f"{written} contacts written.")


def _selected_contacts(params: Mapping[str, Any]) -> list[taskip.Contact]:
    """The ticked contacts, in the list's order: they were ticked on one list page, so that
    page's one call finds them; any that moved off it since are fetched one by one."""
    wanted = set(params["ids"])
    page = taskip.list_contacts(
        page=params.get("page", 1), limit=params.get("limit", 50),
        search=params.get("search") or None, sort=params.get("sort") or None,
        order=params.get("order") if params.get("sort") else None,
    )  # fmt: skip
    found = [c for c in page.contacts if c.id in wanted]
    for contact_id in sorted(wanted - {c.id for c in found}):
        try:
            found.append(taskip.get_contact(contact_id=contact_id))
        except taskip.TaskipNotFound:
            continue  # deleted since it was ticked: nothing to export
    return found


def _parts_dir(job: Job):
    return job_files.folder(job_files.PARTS, f"export-{job.pk}")


def _write_part(job: Job, number: int, contacts: Iterable[taskip.Contact]) -> None:
    """Write one page; the part appears complete or not at all (a rename), so a worker that
    dies mid-page leaves nothing half-written behind."""
    columns = job.params["columns"]
    final = _parts_dir(job) / f"part-{number:07d}.csv"
    temporary = final.with_suffix(".tmp")
    with job_files.open_private(temporary, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerows([cell(contact, column) for column in columns] for contact in contacts)
    os.replace(temporary, final)


def finish_export(job: Job) -> None:
    """Join the parts into the job's file once every page is done. Safe to run twice: a job
    with its file is left alone, and the file appears under its final name in one rename."""
    job.refresh_from_db()
    if job.result_file or job.rows.exclude(state=JobRow.State.DONE).exists():
        return  # done already, or pages are missing: a retry of them calls this again
    parts = _parts_dir(job)
    name = f"{job_files.EXPORTS}/" + job_files.new_name(f"export-{job.pk}")
    final = job_files.folder(job_files.EXPORTS) / name.split("/", 1)[1]
    temporary = final.with_suffix(".tmp")
    # utf-8-sig: the byte order mark is how Excel knows a CSV file is UTF-8.
    with job_files.open_private(temporary, "w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerow(inert(column) for column in job.params["columns"])
        for part in sorted(parts.glob("part-*.csv")):
            with part.open(encoding="utf-8", newline="") as source:
                shutil.copyfileobj(source, out)  # block by block: memory stays flat
    os.replace(temporary, final)
    updated = Job.objects.filter(pk=job.pk, result_file="").update(
        result_file=name, result_expires_at=job_files.expiry()
    )
    if not updated:
        final.unlink(missing_ok=True)  # another run finished first
    shutil.rmtree(parts, ignore_errors=True)


ROW_HANDLERS[Job.Kind.EXPORT] = RowHandler(
    process=export_row,
    audit_action=None,  # reads only; the job itself is in the audit log (made, finished)
    check_params=check_export_params,
    finish=finish_export,
)
