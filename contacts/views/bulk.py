"""Bulk invite and bulk edit: a dialog that names the count, who is skipped and how long it will
take; confirming starts a background job and opens its page (docs/architecture.md, "Background
jobs")."""

import math

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .. import jobs
from ..forms import BulkEditForm, BulkInviteForm
from ..job_handlers import ROW_HANDLERS
from ..models import Job
from ..selection import Selection
from ..taskip import budget
from .edit import companies_for_picker
from .jobs import open_job
from .list import after_change

ALREADY_INVITED = "Already has portal access."
GONE = "No longer in TaskIP."


def _estimate(rows: int, kind: str, params: dict) -> str:
    seconds = budget.estimate_seconds(rows * ROW_HANDLERS[kind].calls_per_row(params))
    if seconds < 60:
        return "under a minute"
    minutes = math.ceil(seconds / 60)
    return f"about {minutes} minute{'' if minutes == 1 else 's'}"


def _dialog(request, template: str, context: dict, *, status: int = 200):
    template += "#dialog" if request.htmx else ""
    return render(request, template, context, status=status)


def _selection_changed(request, selection: Selection, found: int) -> bool:
    """True when "all matching" no longer matches the count the dialog named."""
    return selection.select_all and str(found) != request.POST.get("count")


@require_POST
@permission_required("contacts.invite_contact", raise_exception=True)
def bulk_invite(request):
    selection = Selection.from_post(request.POST)
    if selection.is_empty:
        messages.warning(request, "Select at least one contact to invite.")
        return after_change(request, selection.state)
    confirming = request.POST.get("confirmed") == "1"
    form = BulkInviteForm(request.POST if confirming else None)
    contacts, gone = selection.contacts(request)
    has_access = [c for c in contacts if c.access_portal]
    gone_rows = [(contact_id, f"Contact {contact_id}", GONE) for contact_id in gone]
    context = {
        "form": form,
        "selection": selection,
        "count": len(contacts),
        "has_access": has_access,
        "gone": gone,
        "estimate": _estimate(len(contacts) - len(has_access), Job.Kind.INVITE, {}),
    }
    template = "contacts/bulk_invite.html"
    if not confirming:
        return _dialog(request, template, context)
    if _selection_changed(request, selection, len(contacts)):
        form.add_error(None, "The matching contacts changed since this dialog counted them; "
                             "check the new count.")
        return _dialog(request, template, context, status=409)
    if not form.is_valid():
        return _dialog(request, template, context, status=422)
    send_again = form.cleaned_data["send_again"]
    invite = [c for c in contacts if send_again or not c.access_portal]
    skipped = [] if send_again else [(c.id, c.full_name, ALREADY_INVITED) for c in has_access]
    if not invite:
        form.add_error(None, "Every selected contact already has portal access; tick “Send "
                             "again” to invite them anyway.")
        return _dialog(request, template, context, status=422)
    params = {key: form.cleaned_data[key] for key in ("message", "send_email", "access_level")}
    job = jobs.create_job(
        request.user, Job.Kind.INVITE, params,
        rows=[(c.id, c.full_name, None) for c in invite], skipped=skipped + gone_rows,
    )  # fmt: skip
    return open_job(request, job)


@require_POST
@permission_required("contacts.change_contact", raise_exception=True)
def bulk_edit(request):
    selection = Selection.from_post(request.POST)
    if selection.is_empty:
        messages.warning(request, "Select at least one contact to edit.")
        return after_change(request, selection.state)
    confirming = "confirmed" in request.POST
    chosen = request.POST.get("company_id")
    companies = companies_for_picker(int(chosen) if chosen and chosen.isdecimal() else None)
    form = BulkEditForm(request.POST if confirming else None, companies=companies)
    if not confirming:
        count = selection.count()
        context = {"form": form, "selection": selection, "count": count,
                   "estimate": _estimate(count, Job.Kind.EDIT, {"custom_field": True})}
        return _dialog(request, "contacts/bulk_edit.html", context)
    contacts, gone = selection.contacts(request)
    context = {"form": form, "selection": selection, "count": len(contacts), "estimate": ""}
    if not form.is_valid():
        return _dialog(request, "contacts/bulk_edit.html", context, status=422)
    params = form.job_params()
    context["estimate"] = _estimate(len(contacts), Job.Kind.EDIT, params)
    if _selection_changed(request, selection, len(contacts)):
        form.add_error(None, "The matching contacts changed since this dialog counted them; "
                             "check the new count.")
        return _dialog(request, "contacts/bulk_edit.html", context, status=409)
    job = jobs.create_job(
        request.user, Job.Kind.EDIT, params,
        rows=[(c.id, c.full_name, None) for c in contacts],
        skipped=[(contact_id, f"Contact {contact_id}", GONE) for contact_id in gone],
    )  # fmt: skip
    return open_job(request, job)
