"""Every error the sandbox can answer with, as JSON in one envelope.

All errors but 401 use {"success": false, "error", "message", "errors", "status_code"}; the 401
body is TaskIP's own shorter shape. Nothing here ever renders HTML.
"""

from http import HTTPStatus

from django.http import JsonResponse

ERROR_TYPES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Validation Error",
    429: "Too Many Requests",
    500: "Server Error",
    503: "Service Unavailable",
}


class ApiError(Exception):
    """Raised anywhere inside a view; the view wrapper turns it into the JSON error response."""

    def __init__(self, status, message, errors=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}
        self.headers = headers or {}

    def response(self):
        return error_response(self.status, self.message, self.errors, self.headers)


def error_body(status, message, errors=None):
    try:
        fallback = HTTPStatus(status).phrase
    except ValueError:
        fallback = "Error"
    return {
        "success": False,
        "error": ERROR_TYPES.get(status, fallback),
        "message": message,
        "errors": errors or {},
        "status_code": status,
    }


def error_response(status, message, errors=None, headers=None):
    response = JsonResponse(error_body(status, message, errors), status=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def unauthorized():
    return JsonResponse(
        {
            "error": "Unauthorized",
            "message": "Invalid or missing X-Secret-Key header",
            "status_code": 401,
        },
        status=401,
    )


def not_found(message="No such resource."):
    return error_response(404, message)


def method_not_allowed(method, allowed):
    return error_response(
        405,
        f"{method} is not supported here; use {', '.join(allowed)}.",
        headers={"Allow": ", ".join(allowed)},
    )


def service_unavailable():
    return error_response(503, "The sandbox injected a failure (--fail-rate); try again.")


def server_error():
    return error_response(500, "The sandbox hit an unexpected error.")


# Django's last-resort handlers, wired in urls.py so even framework-level failures stay JSON.


def handler400(request, exception=None):
    return error_response(400, "The request could not be understood.")


def handler403(request, exception=None):
    return error_response(403, "The request was refused.")


def handler404(request, exception=None):
    return not_found()


def handler500(request):
    return server_error()
