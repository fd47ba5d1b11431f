"""The dashboard's middleware, in the order settings.MIDDLEWARE runs them (docs/architecture.md)."""

import logging
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django_htmx.http import HttpResponseClientRedirect

from . import taskip
from .taskip import budget
from .views.errors import api_error_response

logger = logging.getLogger("contacts.middleware")

SESSION_REFRESH_EVERY = 60  # seconds
SESSION_TOUCHED_KEY = "_touched"


class HtmxLoginRedirectMiddleware:
    """An htmx request whose session has expired goes to the login page as a whole page.

    LoginRequiredMiddleware answers with a redirect; htmx would follow it and swap the login page
    into whatever part of the page made the request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        login_url = resolve_url(settings.LOGIN_URL)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and response.get("Location", "").startswith(login_url)
        ):
            return HttpResponseClientRedirect(
                f"{login_url}?{urlencode({'next': _local_path(request.htmx.current_url)})}"
            )
        return response


def _local_path(url: str | None) -> str:
    # HX-Current-URL is whatever the client sent; a malformed one is not worth a 500.
    try:
        current = urlsplit(url or "")
    except ValueError:
        return resolve_url(settings.LOGIN_REDIRECT_URL)
    return (current.path or "/") + (f"?{current.query}" if current.query else "")


class ActingUserMiddleware:
    """Attributes each request's TaskIP calls to its user, so one person's page views can take
    only their share of the API budget (docs/architecture.md, "The API budget")."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        # The user's id, not their name: names can be changed and reused.
        with budget.acting_user(f"user:{user.pk}"):
            return self.get_response(request)


class SlidingExpiryMiddleware:
    """Sliding session expiry without a database write on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - session.get(SESSION_TOUCHED_KEY, 0) >= SESSION_REFRESH_EVERY:
                session[SESSION_TOUCHED_KEY] = now  # marks the session modified: a new expiry
        return self.get_response(request)


class TaskipErrorMiddleware:
    """Answers any TaskIP error a view lets through with a page in the dashboard's layout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, taskip.TaskipError):
            return None
        if isinstance(exception, taskip.TaskipUnauthorized):
            logger.critical("TaskIP rejected the configured key (status %s)", exception.status)
        else:
            logger.warning("TaskIP error on %s: %s", request.path, type(exception).__name__)
        return api_error_response(request, exception)


class NoStoreMiddleware:
    """Contact pages must not linger in shared or browser caches after a logout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True)
        return response
