"""Create and edit pages: the form round trip, API errors onto fields, lost-update protection."""

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from .. import places, taskip
from ..audit import audited
from ..forms import (
    ANOTHER_PLACE,
    CONTACT_FIELDS,
    CUSTOM_FIELDS_PROBLEM,
    PLACE_KINDS,
    ContactForm,
    changed_fields,
    conflicts,
    restart_after_conflict,
)
from ..list_state import ListState
from ..models import AuditEntry
from .errors import describe

ORIGINAL_SALT = "contacts.edit.original"
ROW_ACTIONS = ("add_custom_field", "remove_custom_field")
FORM_SECTIONS = [
    ("Person", ["first_name", "last_name", "email"]),
    ("Phone and time zone", ["phone_code", "phone_number", "timezone"]),
    ("Company and role", ["company_id", "position"]),
    ("Address", ["address", "zip_code", "country_id", "country_id_other", "state_id",
                 "state_id_other", "city_id", "city_id_other"]),
    ("Notes", ["details"]),
    ("Client portal", ["access_portal", "password", "invite_client"]),
]
# Fields that only matter after another field's choice: (the control's id, the value; "" = ticked).
SHOW_WHEN = {
    "password": ("id_access_portal", ""),
    **{f"{kind}_id_other": (f"id_{kind}_id", ANOTHER_PLACE) for kind in PLACE_KINDS},
}


def companies_for_picker(selected_id: int | None) -> list[taskip.Company]:
    try:
        companies = list(taskip.list_companies(limit=100).companies)
    except taskip.TaskipError:
        # The picker is a convenience: without it the form still shows and saves the chosen id.
        companies = []
    if selected_id and all(c.id != selected_id for c in companies):
        companies.append(taskip.Company(id=selected_id, name=f"Company {selected_id}"))
    return companies


def _selected_id(data, name: str) -> int | None:
    try:
        return int(data.get(name) or 0) or None
    except (TypeError, ValueError):
        return None


def _offer_places(form: ContactForm) -> None:
    """Each place picker offers the places seen so far by name (no API call: contacts/places.py)."""
    values = form.data if form.is_bound else form.initial
    for kind in PLACE_KINDS:
        current = _selected_id(values, f"{kind}_id")
        form.fields[f"{kind}_id"].widget.choices = [
            ("", "—"),
            *places.choices(kind, current=current),
            (ANOTHER_PLACE, f"Another {kind} (type its ID)"),
        ]


def error_summary(form: ContactForm) -> list[tuple[str, str]]:
    """(link, message) for the summary at the top of a failed form, fields in page order;
    a message with no field to go to has no link (docs/architecture.md, "Staff ergonomics")."""
    # The custom fields' own problems get a link each below; their general note is not needed.
    items = [("", str(e)) for e in form.non_field_errors() if e != CUSTOM_FIELDS_PROBLEM]
    for name in form.fields:
        for error in form.errors.get(name, []):
            field = form[name]
            items.append((f"#{field.id_for_label}", f"{field.label}: {error}"))
    items += [("#custom-fields", error) for error in form.custom_errors]
    return items


def _apply_row_action(form: ContactForm, post) -> None:
    if "add_custom_field" in post:
        form.custom_rows.append(("", ""))
    elif "remove_custom_field" in post:
        with contextlib.suppress(ValueError, IndexError):
            del form.custom_rows[int(post["remove_custom_field"])]


def _unvalidated(form: ContactForm) -> ContactForm:
    """The same typed values in an unbound form: adding a row is not a save, so no errors yet."""
    fresh = ContactForm(
        initial={name: form[name].value() for name in form.fields},
        creating=form.creating,
        had_portal=form.had_portal,
    )
    fresh.custom_rows = form.custom_rows
    return fresh


def _show_api_error(form: ContactForm, error: taskip.TaskipError) -> int:
    """Put the API's complaint where the user will look for it; return the page's status."""
    if isinstance(error, taskip.TaskipValidationError | taskip.TaskipConflict):
        for field, problems in error.field_errors.items():
            target = field if field in form.fields else None
            for problem in problems:
                known = target or field == NON_FIELD_ERRORS
                form.add_error(target, problem if known else f"{field}: {problem}")
        if not error.field_errors:
            form.add_error(None, error.message)
        return 409 if isinstance(error, taskip.TaskipConflict) else 422
    status, title, explanation = describe(error)
    form.add_error(None, f"{title}. Nothing was saved; what you typed is still here. {explanation}")
    return status


def _render_form(
    request, form: ContactForm, *, contact_id=None, original=None, conflicts=None, status=200
):
    selected = _selected_id(form.data if form.is_bound else form.initial, "company_id")
    form.fields["company_id"].widget.choices = [("", "—")] + [
        (c.id, c.name) for c in companies_for_picker(selected)
    ]
    _offer_places(form)
    context = {
        "form": form,
        "error_summary": error_summary(form) if form.is_bound else [],
        "show_when": SHOW_WHEN,
        "contact_id": contact_id,
        "state": ListState.from_query(request.GET),
        "original": signing.dumps(original, salt=ORIGINAL_SALT) if original is not None else "",
        "conflicts": conflicts or {},
        "custom_rows": form.custom_rows,
        "custom_errors": form.custom_errors,
        "sections": FORM_SECTIONS,
    }
    return render(request, "contacts/form.html", context, status=status)


def _back_to_list(request):
    return redirect(reverse("contact_list") + ListState.from_query(request.GET).query_string())


@require_http_methods(["GET", "POST"])
@permission_required("contacts.add_contact", raise_exception=True)
def contact_create(request):
    if request.method == "GET":
        return _render_form(request, ContactForm(initial={"access_portal": False}))
    form = ContactForm(request.POST)
    if any(action in request.POST for action in ROW_ACTIONS):
        _apply_row_action(form, request.POST)
        return _render_form(request, _unvalidated(form))
    if not form.is_valid():
        return _render_form(request, form, status=422)
    fields = {k: v for k, v in form.api_values().items() if v not in ("", None, {})}
    if form.cleaned_data.get("password"):
        fields["password"] = form.cleaned_data["password"]
    fields["invite_client"] = bool(form.cleaned_data.get("invite_client"))
    try:
        with audited(request, AuditEntry.Action.CREATE, changed_fields=fields) as outcome:
            contact = taskip.create_contact(fields=fields)
            outcome.contact_ids = [contact.id]
    except taskip.TaskipError as error:
        return _render_form(request, form, status=_show_api_error(form, error))
    invited = " and invited" if fields["invite_client"] else ""
    messages.success(request, f"Created {contact.full_name}{invited}.")
    return _back_to_list(request)


def _load_original(token: str) -> dict | None:
    try:
        original = signing.loads(token, salt=ORIGINAL_SALT)
    except signing.BadSignature:
        return None
    return original if isinstance(original, dict) else None


@require_http_methods(["GET", "POST"])
@permission_required("contacts.change_contact", raise_exception=True)
def contact_edit(request, contact_id: int):
    if request.method == "GET":
        contact = taskip.get_contact(contact_id=contact_id)
        places.remember([contact])
        values = contact.editable_values()
        initial = {**values, "access_portal": contact.access_portal}
        form = ContactForm(initial=initial, creating=False, had_portal=contact.access_portal)
        return _render_form(request, form, contact_id=contact_id, original=values)

    original = _load_original(request.POST.get("original", ""))
    if original is None:
        messages.error(request, "The form had expired; here is the contact as it is now.")
        return redirect(request.get_full_path())
    form = ContactForm(request.POST, creating=False, had_portal=bool(original.get("access_portal")))
    render_again = {"contact_id": contact_id, "original": original}
    if any(action in request.POST for action in ROW_ACTIONS):
        _apply_row_action(form, request.POST)
        return _render_form(request, _unvalidated(form), **render_again)
    if not form.is_valid():
        return _render_form(request, form, status=422, **render_again)

    typed = form.api_values()
    for name in CONTACT_FIELDS:
        if request.POST.get(f"resolve_{name}") == "theirs":
            typed[name] = original.get(name)
    changes = changed_fields(typed, original)
    password = form.cleaned_data.get("password")
    if not changes and not password:
        messages.info(request, "Nothing was changed.")
        return _back_to_list(request)
    try:
        current = taskip.get_contact(contact_id=contact_id).editable_values()
        clashes = conflicts(changes, original, current)
        if clashes:
            messages.warning(
                request,
                "Someone else changed this contact while you were editing. Nothing was saved.",
            )
            again = restart_after_conflict(current, changes, password)
            return _render_form(request, again, contact_id=contact_id, original=current,
                                conflicts=clashes, status=409)
        sent = {**changes, **({"password": password} if password else {})}
        with audited(request, AuditEntry.Action.UPDATE, [contact_id], changed_fields=sent):
            taskip.update_contact(contact_id=contact_id, changes=sent)
    except taskip.TaskipError as error:
        return _render_form(request, form, status=_show_api_error(form, error), **render_again)
    name = " ".join(filter(None, [typed["first_name"], typed["last_name"]]))
    messages.success(request, f"Saved {name}.")
    return _back_to_list(request)


@require_GET
def company_options(request):
    """The company picker's <option>s for a search, keeping the current choice selectable."""
    if not (
        request.user.has_perm("contacts.add_contact")
        or request.user.has_perm("contacts.change_contact")
    ):
        raise PermissionDenied
    search = request.GET.get("company_search", "").strip()[:100]
    selected = _selected_id(request.GET, "company_id")
    companies = list(taskip.list_companies(search=search or None, limit=100).companies)
    if selected and all(c.id != selected for c in companies):
        companies.insert(0, taskip.Company(id=selected, name=f"Company {selected}"))
    context = {"companies": companies, "selected": selected}
    return render(request, "contacts/company_options.html", context)
