"""Turns a failed TaskIP call into a page staff can act on, in the dashboard's layout.

Views let TaskIP errors they don't handle themselves propagate; this middleware answers them,
so every view gets the same honest message and status instead of a traceback.
"""

import logging
import math

from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import trigger_client_event

from . import taskip
from .taskip.budget import BudgetExceeded

logger = logging.getLogger("contacts.api_errors")


def describe(error: taskip.TaskipError) -> tuple[int, str, str]:
    """(status, title, explanation) for an error that reached a view's caller."""
    if isinstance(error, taskip.TaskipTimeout):
        return 504, "The TaskIP API is not answering", (
            "The TaskIP API took too long to answer. Nothing was changed by this page; try again."
        )
    if isinstance(error, taskip.TaskipUnavailable):
        return 503, "The TaskIP API is unavailable", (
            "The TaskIP API can't be reached right now. Try again in a moment."
        )
    if isinstance(error, BudgetExceeded):
        return 429, "You have reached your share of TaskIP requests", error.message
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
    return 502, "TaskIP gave an unexpected answer", (
        "The TaskIP API answered in a way the dashboard did not understand. Try again; if it "
        "keeps happening, tell an administrator."
    )


class TaskipErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, taskip.TaskipError):
            return None
        status, title, explanation = describe(exception)
        if isinstance(exception, taskip.TaskipUnauthorized):
            logger.critical("TaskIP rejected the configured key (status %s)", exception.status)
        else:
            logger.warning("TaskIP error on %s: %s", request.path, type(exception).__name__)
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
            response["HX-Retarget"] = "#api-status"
            response["HX-Reswap"] = "innerHTML"
            response = trigger_client_event(response, "dialog:close")
        else:
            response = render(request, "api_error.html", context, status=status)
        if isinstance(exception, taskip.TaskipRateLimited) and exception.retry_after:
            response["Retry-After"] = str(math.ceil(exception.retry_after))
        return response
