"""The gateway in front of every view: what TaskIP's edge does before the API code runs.

In order: the --latency-ms delay, then for /api/public-v1/ the per-key rate limit, the
--fail-rate injected 503s and the X-Secret-Key check. The OpenAPI document is public and
unthrottled. It is also the last line of defence: whatever escapes a view becomes a JSON 500.

The server's start-up warm-up requests (marked in their environ) skip the delay, the rate limit
and the injected failures: they are not clients, and start-up must not wait --latency-ms. Nor
does shutting down: a delay under way ends when the server is told to stop.
"""

import hmac
import logging
import random
import time

from django.conf import settings

from . import errors
from .ratelimit import RateLimiter
from .reset import state_reset
from .server import STOPPING_ENVIRON_KEY, WARM_UP_ENVIRON_KEY

API_PREFIX = "/api/public-v1/"
OPENAPI_PATH = API_PREFIX + "openapi.json"
SUPPORT_PREFIX = "/_sandbox/"
# Answers that never carry a body, so never a Content-Length either (RFC 9110 §8.6).
BODILESS_STATUSES = {204, 304}

logger = logging.getLogger("django.request")


class GatewayMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.latency = settings.SANDBOX_LATENCY_MS / 1000
        self.fail_rate = settings.SANDBOX_FAIL_RATE
        self.secret = settings.SANDBOX_SECRET_KEY.encode()
        per_minute = settings.SANDBOX_RATE_LIMIT_PER_MINUTE
        self.limiter = (
            RateLimiter(per_minute, settings.SANDBOX_RATE_LIMIT_PER_HOUR) if per_minute else None
        )
        if self.limiter is not None:
            # A reset (test support) starts every client's budget afresh.
            state_reset.connect(self._forget_budgets, weak=False)

    def __call__(self, request):
        warming_up = request.META.get(WARM_UP_ENVIRON_KEY, False)
        if self.latency and not warming_up:
            stopping = request.META.get(STOPPING_ENVIRON_KEY)
            if stopping is not None:
                stopping.wait(self.latency)  # cut short when the server is told to stop
            else:
                time.sleep(self.latency)
        try:
            response = self._route(request, warming_up)
        except Exception:
            logger.exception("Unhandled error on %s %s", request.method, request.path)
            response = errors.server_error()
        if (
            not response.streaming
            and not response.has_header("Content-Length")
            and response.status_code not in BODILESS_STATUSES
        ):
            # Without a length the server must close the connection after each response.
            response.headers["Content-Length"] = str(len(response.content))
        return response

    def _route(self, request, warming_up=False):
        path = request.path_info
        if path == OPENAPI_PATH or not path.startswith((API_PREFIX, SUPPORT_PREFIX)):
            return self.get_response(request)
        if path.startswith(SUPPORT_PREFIX):
            return (
                self.get_response(request) if self._authorised(request) else errors.unauthorized()
            )

        limited = self.limiter is not None and not warming_up
        decision = self.limiter.hit(self._caller(request)) if limited else None
        if decision is not None and not decision.allowed:
            response = errors.error_response(429, "Too many requests; slow down and retry later.")
        elif self.fail_rate and not warming_up and random.random() < self.fail_rate:
            response = errors.service_unavailable()
        elif not self._authorised(request):
            response = errors.unauthorized()
        else:
            response = self.get_response(request)
        if decision is not None:
            for name, value in decision.headers().items():
                response.headers[name] = value
        return response

    def _authorised(self, request):
        # WSGI hands headers over as latin-1 text; encoding back to latin-1 recovers the bytes sent.
        given = request.headers.get("X-Secret-Key", "").encode("latin-1", "replace")
        return hmac.compare_digest(given, self.secret)

    def _forget_budgets(self, **kwargs):
        self.limiter.clear()

    @staticmethod
    def _caller(request):
        # Budgets belong to a key; requests without one share a budget per client address.
        return request.headers.get("X-Secret-Key") or f"address:{request.META.get('REMOTE_ADDR')}"
