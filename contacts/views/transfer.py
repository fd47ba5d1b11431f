"""Export and import pages (docs/architecture.md, "Export and
import").

Both start background jobs; the work itself is in contacts/export.py and contacts/imports/.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .. import export, imports, list_cache
from ..selection import Selection
from ..transfer_forms import ExportForm, ImportMappingForm, ImportUploadForm
from .jobs import open_job

MAX_PROBLEMS_SHOWN = 100


# ---- export --------------------------------------------------------------------------------

def _export_dialog(request, form: ExportForm | None, selection: Selection, *,
                   status: int = 200):
    """The dialog naming the count and offering the columns. It reads the list page the user
    is on, for the custom field keys to offer and the count: that page is usually still in the
    list cache, so the dialog costs no API call of its own."""
    state = selection.state
    page = list_cache.list_contacts(request, **state.api_kwargs())
    count = len(selection.ids) if selection.ids else page.total
    chosen = set(form["columns"].value() if form is not None else export.DEFAULT_COLUMNS)
    keys = sorted(page.custom_keys)
    context = {
        "form": form,
        "state": state,
        "ids": selection.ids,
        "count": count,
        "fields": [(name, label, name in chosen) for name, label in export.COLUMNS.items()],
        "custom": [(export.CUSTOM_PREFIX + key, key, export.CUSTOM_PREFIX + key in chosen)
                   for key in keys],
    }
    template = "contacts/export.html" + ("#dialog" if request.htmx else "")
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("contacts.export_contact", raise_exception=True)
def contact_export(request):
    """GET (or a POST from the list's selection without `columns`): the dialog choosing columns.
    POST with `columns`: starts the export job of the selection or of every matching contact."""
    data = request.POST if request.method == "POST" else request.GET
    selection = Selection.from_post(data)
    if request.method == "GET" or "columns" not in request.POST:
        return _export_dialog(request, None, selection)
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _export_dialog(request, form, selection, status=422)
    state = selection.state
    job = export.start_export(
        request.user, columns=form.cleaned_data["columns"], search=state.search,
        sort=state.sort, order=state.order, selection=selection.ids,
        count=form.cleaned_data["count"] if not selection.ids else None,
        page=state.page, limit=state.limit,
    )  # fmt: skip
    messages.success(request, "The export has started; its file appears here when it is done.")
    return open_job(request, job)


# ---- import --------------------------------------------------------------------------------

def _upload_page(request, form: ImportUploadForm, *, status: int = 200):
    return render(request, "contacts/import.html", {"form": form}, status=status)


def _dry_run_page(request, form: ImportMappingForm, *, filename: str, notes=None,
                  samples=(), result=None, status: int = 200):
    notes = notes or {}
    columns = [
        {"name": name, "target": target, "key": key, "note": notes.get(i, ""),
         "samples": samples[i] if i < len(samples) else []}
        for i, (name, target, key) in enumerate(form.columns())
    ]
    context = {
        "form": form,
        "filename": filename,
        "columns": columns,
        "result": result,
        "problems": result.invalid[:MAX_PROBLEMS_SHOWN] if result else [],
        "can_update": request.user.has_perm("contacts.change_contact"),
    }
    return render(request, "contacts/import_dry_run.html", context, status=status)


def _samples(parsed: imports.ParsedFile, count: int = 3) -> list[list[str]]:
    """The first rows' cells per column, shown beside each column's mapping."""
    columns = []
    for i in range(len(parsed.header)):
        values = [r.cells[i].strip() for r in parsed.records[:count] if i < len(r.cells)]
        columns.append([v[:60] for v in values if v])
    return columns


@require_http_methods(["GET", "POST"])
@permission_required("contacts.add_contact", raise_exception=True)
def contact_import(request):
    """GET: the upload form. POST `file`: the mapping and dry run. POST `upload` + mapping: the
    dry run again. POST `upload` + mapping + mode + `confirmed=1`: starts the import job."""
    if request.method == "GET":
        return _upload_page(request, ImportUploadForm())
    if request.POST.get("mode") == imports.CREATE_UPDATE and not request.user.has_perm(
        "contacts.change_contact"
    ):
        raise PermissionDenied
    if "upload" not in request.POST:
        return _receive_file(request)

    try:
        upload = imports.find_upload(request.user, request.POST["upload"])
        parsed = imports.read_csv(upload.read())
    except imports.ImportFileError as error:
        messages.error(request, error.message)
        return _upload_page(request, ImportUploadForm(), status=410)
    form = ImportMappingForm(request.POST, header=parsed.header)
    page = {"filename": upload.filename, "samples": _samples(parsed)}
    if not form.is_valid():
        return _dry_run_page(request, form, status=422, **page)
    mapping = form.mapping
    mode = form.cleaned_data["mode"]
    if request.POST.get("confirmed") == "1":
        plan = imports.load_plan(upload, mapping)
        if plan is not None:
            return _start_import(request, upload, parsed, mapping, plan, mode)
        messages.warning(request, "The mapping changed since the dry run; check this one first.")
    result = imports.dry_run(parsed, mapping)
    imports.save_plan(upload, mapping, result)
    return _dry_run_page(request, form, result=result, **page)


def _receive_file(request):
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form, status=422)
    uploaded = form.cleaned_data["file"]
    data = uploaded.read()
    try:
        parsed = imports.read_csv(data)
    except imports.ImportFileError as error:
        form.add_error("file", error.message)
        return _upload_page(request, form, status=422)
    upload = imports.store_upload(data, uploaded.name)
    mapping, notes = imports.auto_mapping(parsed.header)
    form = ImportMappingForm.bound_to(mapping, header=parsed.header,
                                      upload=upload.signed(request.user))
    page = {"filename": upload.filename, "notes": notes, "samples": _samples(parsed)}
    if not form.is_valid():
        # Nothing is asked of TaskIP until the mapping says where the email and name are.
        return _dry_run_page(request, form, status=422, **page)
    result = imports.dry_run(parsed, mapping)
    imports.save_plan(upload, mapping, result)
    return _dry_run_page(request, form, result=result, **page)


def _start_import(request, upload, parsed, mapping, plan: dict, mode: str):
    result = imports.dry_run(parsed, mapping, existing=plan["existing"],
                             companies=plan["companies"])
    if not imports.claim_upload(upload):
        messages.error(request, "That file has already been imported. Upload it again to "
                                "import it once more.")
        return _upload_page(request, ImportUploadForm(), status=409)
    try:
        job = imports.start_import(request.user, parsed, mapping, result, mode=mode,
                                   filename=upload.filename)
    finally:
        imports.discard_upload(upload)
    messages.success(request, f"The import of {len(result.rows):,} rows has started.")
    return open_job(request, job)
