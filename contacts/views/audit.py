"""The audit log page: who did what to which contact, filterable by user, action and contact."""

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..models import AuditEntry


@require_GET
@permission_required("contacts.view_auditentry", raise_exception=True)
def audit_log(request):
    entries = AuditEntry.objects.all()
    username = request.GET.get("user", "").strip()
    action = request.GET.get("action", "")
    contact = request.GET.get("contact", "").strip()
    if username:
        entries = entries.filter(username=username)
    if action in AuditEntry.Action.values:
        entries = entries.filter(action=action)
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if contact.isascii() and contact.isdecimal():
        entries = entries.filter(contact_ids_index__contains=f" {int(contact)} ")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": {"user": username, "action": action, "contact": contact},
        "actions": AuditEntry.Action.choices,
    }
    return render(request, "contacts/audit.html", context)

