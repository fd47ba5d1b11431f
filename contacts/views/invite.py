"""The invite-client dialog: a <dialog> fragment for htmx, a plain page without JavaScript."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, trigger_client_event

from .. import taskip
from ..audit import audited
from ..forms import InviteForm
from ..list_state import ListState
from ..models import AuditEntry
from .errors import describe


def _render(request, form, *, contact_id: int, name: str, status: int = 200):
    template = "contacts/invite.html"
    if request.htmx:
        template += "#form" if request.method == "POST" else "#dialog"
    context = {
        "form": form,
        "contact_id": contact_id,
        "name": name,
        "state": ListState.from_query(request.GET),
        "from_detail": request.GET.get("from") == "detail",
    }
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("contacts.invite_contact", raise_exception=True)
def contact_invite(request, contact_id: int):
    if request.method == "GET":
        contact = taskip.get_contact(contact_id=contact_id)
        return _render(request, InviteForm(), contact_id=contact_id, name=contact.full_name)

    # The name only labels the dialog and the message; it is not trusted for anything else.
    name = request.POST.get("name", "")[:200] or f"contact {contact_id}"
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _render(request, form, contact_id=contact_id, name=name, status=422)
    try:
        with audited(request, AuditEntry.Action.INVITE, [contact_id]) as outcome:
            outcome.detail = f"access_level={form.cleaned_data['access_level']}"
            taskip.invite_client(contact_id=contact_id, **form.cleaned_data)
    except taskip.TaskipError as error:
        if isinstance(error, taskip.TaskipValidationError):
            for field, problems in error.field_errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
            status = 422
        else:
            status, title, explanation = describe(error)
            form.add_error(None, f"{title}. The invitation was not sent. {explanation}")
        return _render(request, form, contact_id=contact_id, name=name, status=status)
    messages.success(request, f"Invitation sent to {name}.")
    if request.htmx:
        response = render(request, "includes/messages.html", {"oob": True})
        return trigger_client_event(reswap(response, "none"), "dialog:close")
    back = ListState.from_query(request.GET).query_string()
    if request.GET.get("from") == "detail":
        return redirect(reverse("contact_detail", args=[contact_id]) + back)
    return redirect(reverse("contact_list") + back)
