"""The contact list: search, sort, paging; the whole page, or its results partial for htmx."""

from dataclasses import replace
from functools import partial

from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url, reswap, retarget, trigger_client_event

from .. import list_cache, list_columns, places, taskip
from ..list_state import PAGE_SIZES, SORTS, ListState
from ..models import ListPreference
from .saved_views import can_share

ACTIONS = ("add", "change", "delete", "invite")


def wants_partial(request, target: str) -> bool:
    return bool(
        request.htmx and request.htmx.target == target and not request.htmx.history_restore_request
    )


def fetch_page(request, state: ListState) -> tuple[taskip.ContactPage, ListState]:
    page = list_cache.list_contacts(request, **state.api_kwargs())
    # A page past the end (after deletes, or an old bookmark) shows the last page instead.
    if not page.contacts and state.page > 1 and page.total_pages:
        state = state.with_page(page.total_pages)
        page = list_cache.list_contacts(request, **state.api_kwargs())
    return page, state


def _rows_variant(query_string: str, can: dict, columns) -> str:
    """What a page's rendered rows depend on besides the answer they were made from (under
    which list_cache keeps them): the links' query string, what the user may do, and their
    columns."""
    allowed = sorted(action for action, ok in can.items() if ok)
    # repr, not a join: a custom field's name may hold any separator.
    return repr((query_string, allowed, tuple(columns.keys)))


def list_context(request, page: taskip.ContactPage, state: ListState) -> dict:
    list_url = reverse("contact_list")
    can = {a: request.user.has_perm(f"contacts.{a}_contact") for a in ACTIONS}
    # Rows can be ticked when some bulk action is allowed.
    can["select"] = can["delete"] or can["invite"] or can["change"]
    can["export"] = request.user.has_perm("contacts.export_contact")
    columns = ListPreference.columns_for(request.user)
    query_string = state.query_string()

    def make_rows() -> str:
        # Only when this answer's rows are not kept yet: a page whose rows are need not read
        # its contacts at all (see ContactPage.__reduce__).
        contacts = places.with_names(page.contacts)
        rows = list_columns.rows(contacts, columns=columns, can=can, query_string=query_string)
        return render_to_string("contacts/list.html#rows", {"rows": rows})

    return {
        "page": page,
        "rows_html": list_cache.rows_for(page, state.api_kwargs(),
                                         _rows_variant(query_string, can, columns), make_rows),
        "show": columns.show,
        "custom_columns": columns.custom,
        # Called by the template, so an htmx partial (which has no chooser) never makes it.
        "column_chooser": partial(columns.chooser, page.custom_keys),
        "can_share": can_share(request.user),
        "state": state,
        "query_string": query_string,
        "can": can,
        "sort_columns": {
            key: {"aria_sort": state.aria_sort(key),
                  "url": list_url + state.sorted_by(key).query_string()}
            for key in SORTS
        },  # fmt: skip
        "previous_url": list_url + state.with_page(page.page - 1).query_string()
        if page.has_previous else "",
        "next_url": list_url + state.with_page(page.page + 1).query_string()
        if page.has_next else "",
        "clear_search_url": list_url + replace(state, search="", page=1).query_string(),
        "page_sizes": PAGE_SIZES,
        "list_url": list_url + state.query_string(),
    }


def render_list(request, state: ListState, *, partial: bool):
    page, state = fetch_page(request, state)
    context = list_context(request, page, state)
    if not partial:
        return render(request, "contacts/list.html", context)
    # Push the canonical URL of what is now shown, so reload, back/forward and bookmarks work.
    return push_url(render(request, "contacts/list.html#results", context), context["list_url"])


def after_change(request, state: ListState):
    """After a change: htmx gets the current list state re-rendered, a plain POST a redirect."""
    if request.htmx:
        response = reswap(retarget(render_list(request, state, partial=True), "#results"),
                          "outerHTML")
        return trigger_client_event(response, "dialog:close")
    return redirect(reverse("contact_list") + state.query_string())


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@permission_required("contacts.view_contact", raise_exception=True)
def contact_list(request):
    state = ListState.from_query(request.GET)
    return render_list(request, state, partial=wants_partial(request, "results"))
