"""What a background job does to one ledger row, per kind (docs/architecture.md, "Background jobs").

`ROW_HANDLERS` maps a job kind to its RowHandler; export and import register theirs the same way:

    from contacts.job_handlers import ROW_HANDLERS, RowHandler
    ROW_HANDLERS["export"] = RowHandler(process=write_page, audit_action=None, finish=close_file)

A handler's side of the contract with the runner (contacts/jobs.py):
- `process(job, row)` makes the row's API calls through `contacts.taskip` and returns a RowDone
  (or None) when it worked; raises SkipRow(why) when there is nothing to do; lets TaskipError
  propagate (the runner records the API's message, or `unknown` if the call may have happened).
- It makes at most ONE call that changes anything, and makes it last. A failed read, or a budget
  wait the runner gives up (pause, cancel) before the write, then provably changed nothing, so
  the runner can put the row back to pending instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import taskip
from .models import AuditEntry, Job, JobRow


class SkipRow(Exception):  # noqa: N818  (it is an outcome, not an error)
    """Raised by a handler: this row needs nothing done; the message says why."""


@dataclass(frozen=True)
class RowDone:
    message: str = ""
    contact_id: int | None = None  # e.g. the contact an import row created
    data: Mapping[str, Any] = field(default_factory=dict)  # merged into the row's data


def _one_call(params: Mapping[str, Any]) -> int:
    return 1


def _no_fields(params: Mapping[str, Any]) -> list[str]:
    return []


def _any_params(params: Mapping[str, Any]) -> None:
    return None


@dataclass(frozen=True)
class RowHandler:
    process: Callable[[Job, JobRow], RowDone | None]
    # The audit action each row's outcome is recorded as; None records no per-row entries.
    audit_action: str | None
    # API calls one row costs, for time left and the dialogs' estimates.
    calls_per_row: Callable[[Mapping[str, Any]], int] = _one_call
    # Field names the audit entries of rows list as changed.
    changed_fields: Callable[[Mapping[str, Any]], list[str]] = _no_fields
    # Raises ValueError when create_job is given params this kind can't run.
    check_params: Callable[[Mapping[str, Any]], None] = _any_params
    # Runs once no row is pending, before the job is marked finished (e.g. to close an export
    # file). A worker can die right after it, so it must be safe to run twice.
    finish: Callable[[Job], None] | None = None


# ---- invite ------------------------------------------------------------------------------

INVITE_PARAMS = frozenset({"message", "send_email", "access_level"})


def check_invite_params(params: Mapping[str, Any]) -> None:
    unknown = set(params) - INVITE_PARAMS
    if unknown:
        raise ValueError(f"invite jobs take {sorted(INVITE_PARAMS)}, not {sorted(unknown)}")


def invite(job: Job, row: JobRow) -> RowDone:
    params = job.params
    taskip.invite_client(
        contact_id=row.contact_id,
        message=params.get("message") or None,
        send_email=bool(params.get("send_email", True)),
        access_level=params.get("access_level") or None,
    )
    return RowDone("Invitation sent.")


# ---- edit --------------------------------------------------------------------------------

# What a bulk edit may set on many contacts at once. Portal access can only be turned off:
# turning it on needs a password per contact.
EDITABLE_FIELDS = frozenset({"company_id", "position", "timezone", "access_portal"})


def check_edit_params(params: Mapping[str, Any]) -> None:
    """params: {"fields": {name: value}, "custom_field": {"key": k, "value": v} or
    {"key": k, "remove": true}}, at least one of the two."""
    unknown = set(params) - {"fields", "custom_field"}
    if unknown:
        raise ValueError(f"edit jobs take fields and custom_field, not {sorted(unknown)}")
    fields = params.get("fields") or {}
    if not isinstance(fields, Mapping) or set(fields) - EDITABLE_FIELDS:
        raise ValueError(f"a bulk edit sets only {sorted(EDITABLE_FIELDS)}")
    if "access_portal" in fields and fields["access_portal"] not in (0, False):
        raise ValueError("a bulk edit can only turn portal access off (access_portal=0)")
    custom = params.get("custom_field")
    if custom is not None:
        key = custom.get("key") if isinstance(custom, Mapping) else None
        if not isinstance(key, str) or not key.strip():
            raise ValueError("custom_field needs a key")
        if not custom.get("remove") and not isinstance(custom.get("value"), str):
            raise ValueError("custom_field needs a string value, or remove: true")
    if not fields and custom is None:
        raise ValueError("an edit job must change something")


def edit_calls(params: Mapping[str, Any]) -> int:
    return 2 if params.get("custom_field") else 1


def edit_fields(params: Mapping[str, Any]) -> list[str]:
    names = set(params.get("fields") or {})
    if params.get("custom_field"):
        names.add("custom_fields")
    return sorted(names)


def edit(job: Job, row: JobRow) -> RowDone:
    changes: dict[str, Any] = dict(job.params.get("fields") or {})
    if "access_portal" in changes:
        changes["access_portal"] = 0
    custom = job.params.get("custom_field")
    if custom:
        # TaskIP has no per-key custom field update: a PUT replaces the whole custom_fields
        # object. So read the contact's current ones and send them back with one key changed.
        # (A key someone else adds between the two calls is lost; the API offers no guard.)
        key = custom["key"]
        current = dict(taskip.get_contact(contact_id=row.contact_id).custom_fields)
        if custom.get("remove"):
            if key in current:
                del current[key]
                changes["custom_fields"] = current
            elif not changes:
                raise SkipRow(f"Has no custom field “{key}”.")
        else:
            current[key] = custom["value"]
            changes["custom_fields"] = current
    taskip.update_contact(contact_id=row.contact_id, changes=changes)
    return RowDone("Updated " + ", ".join(sorted(changes)) + ".")


ROW_HANDLERS: dict[str, RowHandler] = {
    Job.Kind.INVITE: RowHandler(
        process=invite, audit_action=AuditEntry.Action.INVITE, check_params=check_invite_params,
    ),
    Job.Kind.EDIT: RowHandler(
        process=edit, audit_action=AuditEntry.Action.UPDATE, calls_per_row=edit_calls,
        changed_fields=edit_fields, check_params=check_edit_params,
    ),
}
