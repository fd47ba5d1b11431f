"""What a failed TaskIP call means to staff: the status, title and explanation of its page."""

import math

from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import reswap, retarget, trigger_client_event

from .. import taskip
from ..taskip import budget


def describe(error: taskip.TaskipError) -> tuple[int, str, str]:
    """(status, title, explanation) for an error that reached a view's caller."""
    if isinstance(error, budget.BudgetExceeded):
        return 429, "Slow down", error.message
    if isinstance(error, taskip.TaskipTimeout):
        return 504, "The TaskIP API is not answering", (
            "The TaskIP API took too long to answer. Nothing was changed by this page; try again."
        )
    if isinstance(error, taskip.TaskipUnavailable):
        return 503, "The TaskIP API is unavailable", (
            "The TaskIP API can't be reached right now. Try again in a moment."
        )
    if isinstance(error, taskip.TaskipRateLimited):
        wait = math.ceil(error.retry_after) if error.retry_after else 60
        return 429, "Too many requests to TaskIP", (
            f"TaskIP's request limit was reached. Try again in {wait} seconds."
        )
    if isinstance(error, taskip.TaskipUnauthorized):
        return 502, "The dashboard's API key was rejected", (
            "TaskIP rejected the dashboard's API key. An administrator must fix the dashboard's "
            "TASKIP_SECRET_KEY setting; signing in again will not help."
        )
    if isinstance(error, taskip.TaskipNotFound):
        return 404, "Contact not found", "That contact does not exist in TaskIP (any more)."
    if isinstance(error, taskip.TaskipValidationError):
        problems = "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.field_errors.items()
        )
        return 422, "TaskIP refused the request", (
            f"TaskIP said the request was not valid: {problems or error.message}"
        )
    return 502, "TaskIP gave an unexpected answer", (
        "The TaskIP API answered in a way the dashboard did not understand. Try again; if it "
        "keeps happening, tell an administrator."
    )


def api_error_response(request, error: taskip.TaskipError):
    """The error page in the dashboard's layout, or for htmx an alert shown in place."""
    status, title, explanation = describe(error)
    in_place = request.htmx and not request.htmx.history_restore_request
    if in_place:
        retry_url = request.htmx.current_url or reverse("contact_list")
    elif request.method == "GET":
        retry_url = request.get_full_path()
    else:
        retry_url = reverse("contact_list")  # a failed POST is not retried by a link
    context = {"title": title, "explanation": explanation, "retry_url": retry_url}
    if in_place:
        # Show the problem in place and leave the last good content on screen; close any
        # dialog, which would otherwise hide the message behind it.
        response = render(request, "api_error.html#alert", context, status=status)
        response = reswap(retarget(response, "#api-status"), "innerHTML")
        response = trigger_client_event(response, "dialog:close")
    else:
        response = render(request, "api_error.html", context, status=status)
    retry_after = getattr(error, "retry_after", None)
    if status == 429 and retry_after:
        response["Retry-After"] = str(math.ceil(retry_after))
    return response
