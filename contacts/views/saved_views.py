"""Saved list views and the column chooser (docs/architecture.md, "Staff ergonomics").

Opening a view and choosing columns change what the user's list shows from then on, so they
are POSTs that redirect to the list; the list's URL keeps only the API's own query.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from .. import list_columns
from ..forms import SaveViewForm
from ..list_state import ListState
from ..models import ListPreference, SavedView


def can_share(user) -> bool:
    """Sharing a view puts it in everyone's menu: contact admins (and superusers) only."""
    return user.has_perm("contacts.delete_contact")


def _to_list(state: ListState):
    return redirect(reverse("contact_list") + state.query_string())


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request", "HX-Target")
@permission_required("contacts.view_contact", raise_exception=True)
def saved_views(request):
    if request.method == "GET" and request.htmx and request.htmx.target == "saved-view-menu":
        # The list's "Saved views" menu, fetched when it is first opened.
        views = SavedView.objects.visible_to(request.user)
        return render(request, "contacts/list.html#saved_views_menu", {"saved_views": views})
    if request.method == "GET":
        views = SavedView.objects.visible_to(request.user).select_related("owner")
        context = {
            "sections": [
                ("Your views", [v for v in views if v.owner_id == request.user.id]),
                ("Shared by others", [v for v in views if v.owner_id != request.user.id]),
            ],
            "can_share": can_share(request.user),
        }
        return render(request, "contacts/saved_views.html", context)

    state = ListState.from_query(request.POST)
    form = SaveViewForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, f"The view was not saved: {error[0]}")
        return _to_list(state)
    shared = form.cleaned_data["shared"]
    if shared and not can_share(request.user):
        raise PermissionDenied("Only contact admins can share views.")
    name = form.cleaned_data["name"]
    with transaction.atomic():
        _, created = SavedView.objects.update_or_create(
            owner=request.user,
            name=name,
            defaults={
                "shared": shared,
                "search": state.search,
                "sort": state.sort,
                "order": state.order,
                "limit": state.limit,
                "columns": list(ListPreference.columns_for(request.user).keys),
            },
        )
    verb = "Saved" if created else "Updated"
    messages.success(request, f"{verb} the view “{name}”{' for everyone' if shared else ''}.")
    return _to_list(state)


@require_POST
@permission_required("contacts.view_contact", raise_exception=True)
def saved_view_open(request, view_id: int):
    view = get_object_or_404(SavedView.objects.visible_to(request.user), pk=view_id)
    ListPreference.remember(request.user, view.column_keys)
    messages.info(request, f"Showing the view “{view.name}”.")
    return _to_list(view.state)


@require_POST
@permission_required("contacts.view_contact", raise_exception=True)
def saved_view_delete(request, view_id: int):
    view = get_object_or_404(SavedView.objects.visible_to(request.user), pk=view_id)
    if view.owner_id != request.user.id:
        raise PermissionDenied("Only the person who saved a view can delete it.")
    view.delete()
    messages.success(request, f"Deleted the view “{view.name}”.")
    return redirect("saved_views")


@require_POST
@permission_required("contacts.view_contact", raise_exception=True)
def list_columns_choose(request):
    keys = request.POST.getlist("columns")
    if extra := request.POST.get("custom_column", "").strip():
        keys.append(list_columns.CUSTOM_PREFIX + extra)
    ListPreference.remember(request.user, keys)
    return _to_list(ListState.from_query(request.POST))
