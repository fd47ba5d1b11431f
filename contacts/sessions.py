"""Sliding session expiry without a database write on every request."""

import time

REFRESH_EVERY = 60  # seconds
TOUCHED_KEY = "_touched"


class SlidingExpiryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - session.get(TOUCHED_KEY, 0) >= REFRESH_EVERY:
                session[TOUCHED_KEY] = now  # marks the session modified: saved with a new expiry
        return self.get_response(request)
