"""The import job: one ledger row per CSV row, its row handler, and the failed-rows file
(docs/architecture.md, "Export and import")."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from typing import Any

from .. import job_files, jobs, taskip
from ..export import inert
from ..job_handlers import ROW_HANDLERS, RowDone, RowHandler, SkipRow
from ..models import AuditEntry, Job, JobRow
from .dry_run import DryRun
from .files import ParsedFile
from .mapping import ERROR_COLUMN, ColumnMapping, header_key

CREATE, CREATE_UPDATE = "create", "create_update"
MODES = {CREATE: "Create new contacts only", CREATE_UPDATE: "Create new and update existing"}


def start_import(owner, parsed: ParsedFile, mapping: ColumnMapping, result: DryRun, *, mode: str,
                 filename: str = "") -> Job:
    """A job with one ledger row per CSV row, in the file's order. Rows the dry run already
    settled (invalid ones; existing emails in `create` mode) are skipped by the handler without
    a call, but keep their place and cells, so the failed-rows file can give them back."""
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
    keep = [i for i, name in enumerate(header) if header_key(name) != header_key(ERROR_COLUMN)]
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
