"""An htmx request whose session has expired goes to the login page as a whole page.

LoginRequiredMiddleware answers with a redirect; htmx would follow it and swap the login page
into whatever part of the page made the request.
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


class HtmxLoginRedirectMiddleware:
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
            current = urlsplit(request.htmx.current_url or "")
            next_path = current.path + (f"?{current.query}" if current.query else "")
            return HttpResponseClientRedirect(f"{login_url}?{urlencode({'next': next_path})}")
        return response
