"""Contact list, detail and delete. Every contact read or write goes through `contacts.taskip`."""

from dataclasses import replace
from functools import cache

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url, trigger_client_event

from . import audit, read_cache, taskip
from .list_rows import rows_for_page
from .list_state import PAGE_SIZES, SORTS, ListState
from .models import AuditEntry


def _wants_partial(request, target: str) -> bool:
    return bool(
        request.htmx and request.htmx.target == target and not request.htmx.history_restore_request
    )


def _fetch_page(request, state: ListState) -> tuple[taskip.ContactPage, ListState]:
    page = read_cache.list_contacts(request, **state.api_kwargs())
    # A page past the end (after deletes, or an old bookmark) shows the last page instead.
    if not page.contacts and state.page > 1 and page.total_pages:
        state = state.with_page(page.total_pages)
        page = read_cache.list_contacts(request, **state.api_kwargs())
    return page, state


@cache
def _urls() -> dict[str, str]:
    # Reversed once per process: the list page would otherwise reverse them on every render.
    return {name: reverse(f"contact_{name}") for name in ("list", "create", "bulk_delete")}


def _list_context(request, page: taskip.ContactPage, state: ListState) -> dict:
    query_string = state.query_string()
    can = {
        action: request.user.has_perm(f"contacts.{action}_contact")
        for action in ("add", "change", "delete", "invite")
    }
    urls = _urls()
    list_url = urls["list"]
    # Links are built here rather than with {% querystring %}: the list is the busiest page.
    return {
        "page": page,
        "state": state,
        "rows": rows_for_page(page, query_string=query_string, can=can),
        "query_string": query_string,
        "can": can,
        "urls": urls,
        "sort_columns": {
            key: {"aria_sort": state.aria_sort(key),
                  "url": list_url + state.sorted_by(key).query_string()}
            for key in SORTS
        },
        "previous_url": list_url + state.with_page(page.page - 1).query_string()
        if page.has_previous else "",
        "next_url": list_url + state.with_page(page.page + 1).query_string()
        if page.has_next else "",
        "clear_search_url": list_url + replace(state, search="", page=1).query_string(),
        "page_sizes": PAGE_SIZES,
        "list_url": list_url + query_string,
    }


def _render_list(request, state: ListState, *, partial: bool):
    page, state = _fetch_page(request, state)
    context = _list_context(request, page, state)
    if not partial:
        return render(request, "contacts/list.html", context)
    # Push the canonical URL of what is now shown, so reload, back/forward and bookmarks work.
    return push_url(render(request, "contacts/list.html#results", context), context["list_url"])


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@permission_required("contacts.view_contact", raise_exception=True)
def contact_list(request):
    state = ListState.from_query(request.GET)
    return _render_list(request, state, partial=_wants_partial(request, "results"))


def _selected_ids(request) -> list[int]:
    ids = []
    for raw in request.POST.getlist("contact_ids"):
        try:
            ids.append(int(raw))
        except ValueError:
            continue
    return sorted(set(ids))


def _count_matching(state: ListState) -> int:
    page = taskip.list_contacts(page=1, limit=1, search=state.search or None)
    if page.total is not None:
        return page.total
    # An API answer without pagination totals: count by walking the ids instead.
    return len(taskip.contact_ids_matching(search=state.search or None))


def _confirm_bulk_delete(request, state, *, ids, select_all, count, status=200):
    """The dialog (htmx) or page (plain POST) that names what will be deleted."""
    context = {"state": state, "ids": ids, "select_all": select_all, "count": count}
    template = "contacts/bulk_delete_confirm.html" + ("#dialog" if request.htmx else "")
    return render(request, template, context, status=status)


def _after_change(request, state: ListState):
    """After a change: htmx gets the current list state re-rendered, a plain POST a redirect."""
    if request.htmx:
        response = _render_list(request, state, partial=True)
        response["HX-Retarget"] = "#results"
        response["HX-Reswap"] = "outerHTML"
        return trigger_client_event(response, "dialog:close")
    return redirect(reverse("contact_list") + state.query_string())


@require_POST
@permission_required("contacts.delete_contact", raise_exception=True)
def bulk_delete(request):
    state = ListState.from_query(request.POST)
    select_all = request.POST.get("select_all") == "1"
    ids = [] if select_all else _selected_ids(request)
    if not select_all and not ids:
        messages.warning(request, "Select at least one contact to delete.")
        return _after_change(request, state)

    if request.POST.get("confirmed") != "1":
        count = len(ids) if not select_all else _count_matching(state)
        return _confirm_bulk_delete(request, state, ids=ids, select_all=select_all, count=count)

    if select_all:
        ids = taskip.contact_ids_matching(
            search=state.search or None, sort=state.sort or None, order=state.order
        )
        if str(len(ids)) != request.POST.get("count"):
            # The matches changed since the dialog named a number: ask again, delete nothing.
            messages.warning(request, "The matching contacts changed; check the new count.")
            return _confirm_bulk_delete(
                request, state, ids=[], select_all=True, count=len(ids), status=409
            )
    try:
        deleted = taskip.bulk_delete_contacts(contact_ids=ids) if ids else 0
    except taskip.TaskipError as error:
        audit.record(
            request, AuditEntry.Action.BULK_DELETE, ids, ok=False, detail=type(error).__name__
        )
        raise
    audit.record(request, AuditEntry.Action.BULK_DELETE, ids)
    messages.success(request, f"{deleted} contact{'' if deleted == 1 else 's'} deleted")
    return _after_change(request, state)


@require_POST
@permission_required("contacts.delete_contact", raise_exception=True)
def contact_delete(request, contact_id: int):
    state = ListState.from_query(request.POST)
    if request.POST.get("confirmed") != "1":
        contact = taskip.get_contact(contact_id=contact_id)
        context = {
            "state": state,
            "contact": contact,
            "from_list": request.POST.get("from") == "list",
        }
        template = "contacts/delete_confirm.html"
        if request.htmx:
            template += "#dialog"
        return render(request, template, context)
    try:
        taskip.delete_contact(contact_id=contact_id)
    except taskip.TaskipError as error:
        audit.record(
            request, AuditEntry.Action.DELETE, [contact_id], ok=False, detail=type(error).__name__
        )
        raise
    audit.record(request, AuditEntry.Action.DELETE, [contact_id])
    messages.success(request, "1 contact deleted")
    return _after_change(request, state)


@require_GET
@permission_required("contacts.view_contact", raise_exception=True)
def contact_detail(request, contact_id: int):
    contact = taskip.get_contact(contact_id=contact_id)
    image_url = contact.image.url if contact.image and contact.image.url else ""
    context = {
        "contact": contact,
        "state": ListState.from_query(request.GET),
        # Only https images: anything else could be mixed content or a script URL.
        "image_url": image_url if image_url.lower().startswith("https://") else "",
    }
    return render(request, "contacts/detail.html", context)
