"""Job pages: the user's jobs, one job's progress and ledger, its controls and its file.

Everything shown comes from the ledger, so showing and polling a job spends no API budget
(docs/architecture.md, "Background jobs"). Owners see and steer their own jobs; users with
`contacts.manage_all_jobs` (Contact admins) and superusers see everyone's. Anyone else gets a
404 for a job that isn't theirs, so job ids reveal nothing.
"""

import math

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from .. import job_files, jobs
from ..models import Job, JobRow

ROWS_PER_PAGE = 100


def open_job(request, job: Job):
    """After starting a job, its page: 303 for a form, HX-Redirect for htmx."""
    url = reverse("job_detail", args=[job.pk])
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url, status=303)


def sees_every_job(user) -> bool:
    return user.is_superuser or user.has_perm("contacts.manage_all_jobs")


def _visible_jobs(user):
    mine = Job.objects.select_related("owner")
    return mine if sees_every_job(user) else mine.filter(owner=user)


def _job_for(request, job_id: int) -> Job:
    return get_object_or_404(_visible_jobs(request.user), pk=job_id)


def _time_left(job: Job) -> str:
    if not job.is_active:
        return ""
    seconds = jobs.time_left(job)
    if seconds < 1:
        return "a moment"
    if seconds < 90:
        return f"about {math.ceil(seconds)} seconds"
    return f"about {math.ceil(seconds / 60)} minutes"


@require_GET
def job_list(request):
    user_jobs = _visible_jobs(request.user).annotate(
        total=Count("rows"),
        finished=Count("rows", filter=~Q(rows__state__in=[JobRow.State.PENDING,
                                                         JobRow.State.IN_FLIGHT])),
    ).order_by("-created_at", "-id")  # fmt: skip
    page = Paginator(user_jobs, 50).get_page(request.GET.get("page"))
    context = {"page": page, "everyone": sees_every_job(request.user)}
    return render(request, "contacts/jobs.html", context)


@require_GET
@vary_on_headers("HX-Request")
def job_detail(request, job_id: int):
    job = _job_for(request, job_id)
    state = request.GET.get("state", "")
    rows = job.rows.all()
    if state in JobRow.State.values:
        rows = rows.filter(state=state)
    counts = job.counts()
    context = {
        "job": job,
        "counts": counts,
        "time_left": _time_left(job),
        "rows": Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page")),
        "state": state if state in JobRow.State.values else "",
        "states": JobRow.State.choices,
        "unknown_rows": job.rows.filter(state=JobRow.State.UNKNOWN)[:ROWS_PER_PAGE],
        "file_ready": bool(job.result_file) and _file_kept(job),
    }
    template = "contacts/job.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#progress"
    return render(request, template, context)


def _file_kept(job: Job) -> bool:
    return job.result_expires_at is None or job.result_expires_at > timezone.now()


def _steer(action):
    @require_POST
    def view(request, job_id: int):
        job = _job_for(request, job_id)
        done = action(request, job)
        if done:
            messages.success(request, done)
        else:
            messages.warning(request, "That can't be done to the job as it is now.")
        return redirect("job_detail", job_id=job.pk)

    view.__name__ = f"job_{action.__name__}"
    return view


def _pause(request, job):
    return jobs.pause(job, request.user) and "Paused. The row in progress still finishes."


def _resume(request, job):
    return jobs.resume(job, request.user) and "Resumed."


def _cancel(request, job):
    return jobs.cancel(job, request.user) and "Cancelled. Rows not started were skipped."


def _retry(request, job):
    unknown = [int(pk) for pk in request.POST.getlist("unknown_rows") if pk.isdecimal()]
    count = jobs.retry(job, request.user, unknown_rows=unknown)
    return count and f"{count} row{'' if count == 1 else 's'} will be tried again."


job_pause = _steer(_pause)
job_resume = _steer(_resume)
job_cancel = _steer(_cancel)
job_retry = _steer(_retry)


@require_GET
def job_download(request, job_id: int):
    """The job's file (an export, or an import's failed rows) while it is kept."""
    job = _job_for(request, job_id)
    if not job.result_file or not _file_kept(job):
        raise Http404("This job has no file to download, or it has expired.")
    try:
        handle = job_files.path_of(job.result_file.name).open("rb")
    except FileNotFoundError:
        raise Http404("This job's file is no longer kept.") from None
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    name = (f"contacts-export-{stamp}.csv" if job.kind == Job.Kind.EXPORT
            else f"contacts-import-{stamp}-failed-rows.csv")
    return FileResponse(handle, as_attachment=True, filename=name,
                        content_type="text/csv; charset=utf-8")
