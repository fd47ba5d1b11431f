"""Deleting one contact, or a selection: the confirmation dialog, then one API call per 1,000."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .. import taskip
from ..audit import audited
from ..list_state import ListState
from ..models import AuditEntry
from ..selection import Selection
from .list import after_change


def _confirm_bulk_delete(request, selection: Selection, *, count: int, status: int = 200):
    """The dialog (htmx) or page (plain POST) that names what will be deleted."""
    context = {
        "state": selection.state, "ids": selection.ids, "select_all": selection.select_all,
        "count": count,
    }  # fmt: skip
    template = "contacts/bulk_delete_confirm.html" + ("#dialog" if request.htmx else "")
    return render(request, template, context, status=status)


@require_POST
@permission_required("contacts.delete_contact", raise_exception=True)
def bulk_delete(request):
    selection = Selection.from_post(request.POST)
    if selection.is_empty:
        messages.warning(request, "Select at least one contact to delete.")
        return after_change(request, selection.state)
    if request.POST.get("confirmed") != "1":
        return _confirm_bulk_delete(request, selection, count=selection.count())

    ids = selection.resolve_ids()
    if selection.select_all and str(len(ids)) != request.POST.get("count"):
        # The matches changed since the dialog named a number: ask again, delete nothing.
        messages.warning(request, "The matching contacts changed; check the new count.")
        return _confirm_bulk_delete(
            request, Selection(state=selection.state, select_all=True), count=len(ids), status=409
        )
    with audited(request, AuditEntry.Action.BULK_DELETE, ids):
        deleted = taskip.bulk_delete_contacts(contact_ids=ids) if ids else 0
    messages.success(request, f"{deleted} contact{'' if deleted == 1 else 's'} deleted")
    return after_change(request, selection.state)


@require_POST
@permission_required("contacts.delete_contact", raise_exception=True)
def contact_delete(request, contact_id: int):
    state = ListState.from_query(request.POST)
    if request.POST.get("confirmed") != "1":
        context = {
            "state": state,
            "contact": taskip.get_contact(contact_id=contact_id),
            "from_list": request.POST.get("from") == "list",
        }
        template = "contacts/delete_confirm.html" + ("#dialog" if request.htmx else "")
        return render(request, template, context)
    with audited(request, AuditEntry.Action.DELETE, [contact_id]):
        taskip.delete_contact(contact_id=contact_id)
    messages.success(request, "1 contact deleted")
    return after_change(request, state)
