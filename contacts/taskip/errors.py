"""The TaskIP errors, and the one function that turns an HTTP answer into a result or one of them.

Like stripe-python's `_error.py` + `_api_requestor.py`: one base class carrying status, parsed body
and the request line; a subclass per meaning, so views catch meanings rather than numbers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import orjson
import requests

# Field names of the document's stale "Contact Object" schema (and of its example error, which
# complains about `name`), mapped to the create table's names so errors land on real form fields.
STALE_FIELD_NAMES = {"name": "first_name", "phone": "phone_number", "notes": "details"}
NON_FIELD_ERRORS = "__all__"  # Django's key, so `form.add_error(None-ish)` works unchanged


class TaskipError(Exception):
    """A TaskIP call failed. `message` is fit to show staff; `str()` adds the request for logs."""

    default_message = "The TaskIP API call failed."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        body: dict[str, Any] | None = None,
        method: str = "",
        path: str = "",
        field_errors: Mapping[str, list[str]] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.status = status
        self.body = body
        self.method = method
        self.path = path
        self.field_errors: dict[str, list[str]] = dict(field_errors or {})
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        status = f"HTTP {self.status}" if self.status is not None else "no answer"
        return f"{self.message} ({where}: {status})" if where else self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"method={self.method!r}, path={self.path!r})"
        )


class TaskipUnauthorized(TaskipError):
    default_message = "TaskIP rejected the dashboard's secret key."


class TaskipNotFound(TaskipError):
    default_message = "TaskIP has no such record."


class TaskipValidationError(TaskipError):
    default_message = "TaskIP rejected the data."


class TaskipConflict(TaskipError):
    default_message = "That conflicts with an existing TaskIP record."
    generic_field_errors = {"email": ["A contact with this email address already exists."]}

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        # The document's only 409 is "Email already exists"; a body without details still
        # has to put the error on a field.
        if not self.field_errors:
            self.field_errors = {k: list(v) for k, v in self.generic_field_errors.items()}


class TaskipRateLimited(TaskipError):
    default_message = "Too many requests to TaskIP; try again shortly."

    def __init__(self, message: str | None = None, *, retry_after: float | None = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TaskipUnavailable(TaskipError):
    default_message = "The TaskIP API is unavailable."
    is_timeout = False


class TaskipTimeout(TaskipUnavailable):
    default_message = "The TaskIP API did not answer in time."
    is_timeout = True


class TaskipBadResponse(TaskipError):
    default_message = "The TaskIP API gave an answer the dashboard does not understand."


def check_response(
    response: requests.Response, *, method: str, path: str, now: float | None = None
) -> dict[str, Any] | None:
    """The JSON object of a successful answer (None when empty), or raise the matching error.

    The ONE place that decides what an HTTP answer means. It reads only status, headers and
    body, never `response.request` (whose headers hold the secret key).
    """
    status = response.status_code
    body, decode_problem = _decode(response)
    where = {"status": status, "method": method, "path": path}
    if 200 <= status < 300:
        if decode_problem:
            raise TaskipBadResponse(decode_problem, body=None, **where)
        if body is not None and body.get("success") is False:
            # `success: false` inside a 200 is still a failure; its own status_code says which.
            code = body.get("status_code")
            code = code if isinstance(code, int) and 400 <= code < 600 else None
            raise _error_for_status(code, body, response.headers, now, where)
        return body
    raise _error_for_status(status, body, response.headers, now, where)


def _error_for_status(status: int | None, body: dict[str, Any] | None, headers: Mapping[str, str],
                      now: float | None, where: dict[str, Any]) -> TaskipError:
    message = _message(body)
    field_errors = parse_field_errors(body.get("errors") if body else None)
    kwargs = {**where, "body": body, "field_errors": field_errors}
    if status is None or status < 400:
        if 300 <= (status or 0) < 400:
            # Redirects are never followed: requests would resend X-Secret-Key to the new host.
            return TaskipBadResponse(f"TaskIP answered with a redirect (HTTP {status}).", **kwargs)
        cls = TaskipValidationError if field_errors else TaskipError
        return cls(message, **kwargs)
    if status in (400, 422):
        return TaskipValidationError(message, **kwargs)
    if status in (401, 403):
        return TaskipUnauthorized(message, **kwargs)
    if status == 404:
        return TaskipNotFound(message, **kwargs)
    if status == 409:
        return TaskipConflict(message, **kwargs)
    if status == 429:
        wait = retry_after_seconds(headers, now=time.time() if now is None else now)
        return TaskipRateLimited(message, retry_after=wait, **kwargs)
    if status == 504:
        return TaskipTimeout(message, **kwargs)
    if status >= 500:
        return TaskipUnavailable(message, **kwargs)
    return TaskipError(message or f"TaskIP refused the request (HTTP {status}).", **kwargs)


def _decode(response: requests.Response) -> tuple[dict[str, Any] | None, str | None]:
    """(body, problem): the JSON object, or None and why it isn't one."""
    if not response.content.strip():
        return None, None  # 204, or a 200 with nothing in it: fine where no data is expected
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ctype and not (ctype == "application/json" or ctype.endswith("+json")):
        return None, f"TaskIP answered with {ctype} instead of JSON."
    try:
        body = _loads(response.content)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None, "TaskIP answered with malformed JSON."
    if not isinstance(body, dict):
        return None, "TaskIP answered with JSON that is not an object."
    return body, None


def _loads(content: bytes) -> Any:
    # orjson decodes a 50-contact page in a quarter of json's time (docs/architecture.md,
    # "Budgets": the list page may take 10% over its API call). It is stricter than json about
    # a UTF-8 BOM, NaN and lone surrogates; an answer it refuses gets json's more forgiving
    # reading.
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)


def _message(body: dict[str, Any] | None) -> str | None:
    # The document says `message` in some answers, `msg` in others, `error` in the 401.
    for key in ("message", "msg", "error"):
        value = body.get(key) if body else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def parse_field_errors(errors: object) -> dict[str, list[str]]:
    """{field: [messages]} from Laravel's `errors`, whatever its exact shape."""
    result: dict[str, list[str]] = {}
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            name = STALE_FIELD_NAMES.get(str(key), str(key))
            if isinstance(value, list | tuple):
                messages = [str(v) for v in value if v is not None]
            else:
                messages = [str(value)] if value is not None else []
            if messages:
                result.setdefault(name, []).extend(messages)
    elif isinstance(errors, list | tuple):
        messages = [str(v) for v in errors if v is not None]
        if messages:
            result[NON_FIELD_ERRORS] = messages
    elif isinstance(errors, str) and errors:
        result[NON_FIELD_ERRORS] = [errors]
    return result


def retry_after_seconds(headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds to wait per `Retry-After` (seconds or HTTP date) or `X-RateLimit-Reset` (epoch)."""
    value = (headers.get("Retry-After") or "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError, IndexError):
            pass
    reset = (headers.get("X-RateLimit-Reset") or "").strip()
    if reset:
        try:
            moment = float(reset)
        except ValueError:
            return None
        # Documented as epoch seconds; a small number can only be "seconds from now".
        return max(0.0, moment - now if moment > 1_000_000_000 else moment)
    return None
