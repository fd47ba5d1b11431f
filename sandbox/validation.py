"""Input checking for every endpoint, strict about JSON types.

The rules follow the create-contact table of TaskIP's document; where it is silent (lengths of
free-text fields, what null means) the choices are written next to the rule. All failures are
gathered per field and raised together as one 422, so a client can show every problem at once.
Values are only ever checked here; nothing in this module writes.
"""

import functools
import json
import math
import re
import zoneinfo
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.validators import EmailValidator

from .errors import ApiError
from .models import City, Company, Contact, Country, Media, State

# Laravel's varchar default, which TaskIP's limits follow.
SHORT_TEXT = 191
LONG_TEXT = 10_000
# SQLite integers are signed 64-bit; anything larger cannot name a row, and must not reach the
# database driver (it would raise instead of simply not matching).
MAX_ID = 2**63 - 1
CUSTOM_FIELDS_MAX = 100
INVITE_MESSAGE_MAX = 2000
ACCESS_LEVELS = ("basic", "standard", "premium")
PAGE_SIZE_MAX = 100
PAGE_SIZE_DEFAULT = 50
PAGE_MAX = 1_000_000_000
CONTACT_SORTS = ("name", "email", "created_at")
COMPANY_SORTS = ("name", "domain", "created_at")
ORDERS = ("asc", "desc")

INVALID_MESSAGE = "Some fields are invalid; see errors."
_DIGITS = re.compile(r"[0-9]+")
_email_validator = EmailValidator()


class FieldError(Exception):
    """One problem with one field's value."""


class Errors(dict):
    """field -> [messages], raised as a single 422 at the end of a check."""

    def add(self, field, message):
        self.setdefault(field, []).append(str(message))

    def raise_if_any(self):
        if self:
            raise ApiError(422, INVALID_MESSAGE, dict(self))


# ---------------------------------------------------------------------------------------------
# Request bodies


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def read_json_object(request):
    """The request body as a dict. An empty body counts as {}; anything else must be an object."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(413, "The request body is too large.") from None
    except OSError:  # the client stopped sending before Content-Length was reached
        raise ApiError(400, "The request body ended early.") from None
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):
        raise ApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return data


# ---------------------------------------------------------------------------------------------
# Single values


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value, max_length, min_length=0):
    if not isinstance(value, str):
        raise FieldError("Must be a string.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FieldError("Must be valid Unicode text.") from None
    if len(value) > max_length:
        raise FieldError(f"Must be at most {max_length} characters.")
    if len(value) < min_length:
        raise FieldError(f"Must be at least {min_length} characters.")
    return value


def required_text(max_length):
    def clean(value):
        if value is None or (isinstance(value, str) and not value.strip()):
            raise FieldError("This field is required.")
        return _text(value, max_length)

    return clean


def optional_text(max_length):
    # An empty string clears the field, like null does: forms send "" for an emptied input.
    def clean(value):
        if value is None or value == "":
            return None
        return _text(value, max_length)

    return clean


def clean_email(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise FieldError("This field is required.")
    value = _text(value, SHORT_TEXT)
    try:
        _email_validator(value)
    except ValidationError:
        raise FieldError("Must be a valid email address.") from None
    return value


@functools.cache
def _known_timezones():
    return frozenset(zoneinfo.available_timezones())


def clean_timezone(value):
    if value is None or value == "":
        return None
    value = _text(value, 64)
    known = _known_timezones()
    if known and value in known:
        return value
    if not known:  # no tz database listing on this machine: ask zoneinfo directly
        try:
            zoneinfo.ZoneInfo(value)
            return value
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    raise FieldError("Must be an IANA time zone name, such as Europe/Paris.")


def reference(model, label):
    """An id of an existing row, or null to clear. Existence is checked in one pass later."""

    def clean(value):
        if value is None:
            return None
        if not _is_int(value):
            raise FieldError("Must be an integer id.")
        return _ExistingId(model, label, value)

    return clean


@dataclass(frozen=True)
class _ExistingId:
    model: type
    label: str
    value: int

    def exists(self):
        if not 1 <= self.value <= MAX_ID:
            return False
        return self.model.objects.filter(pk=self.value).exists()


def clean_portal_flag(value):
    if not _is_int(value) or value not in (0, 1):
        raise FieldError("Must be 0 or 1.")
    return value


def clean_boolean(value):
    if not isinstance(value, bool):
        raise FieldError("Must be true or false.")
    return value


def clean_password(value):
    if value is None or value == "":
        return None
    return _text(value, SHORT_TEXT, min_length=6)


def clean_custom_fields(value):
    """A flat object of scalar values; null or {} empties it. It replaces the stored object."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldError("Must be an object.")
    if len(value) > CUSTOM_FIELDS_MAX:
        raise FieldError(f"At most {CUSTOM_FIELDS_MAX} custom fields are allowed.")
    for key, item in value.items():
        try:
            _text(key, SHORT_TEXT, min_length=1)
        except FieldError:
            raise FieldError("Keys must be 1 to 191 characters of text.") from None
        if isinstance(item, str):
            try:
                _text(item, LONG_TEXT)
            except FieldError as exc:
                raise FieldError(f"Value of {key!r}: {exc}") from None
        elif item is not None and not isinstance(item, int | float | bool):
            raise FieldError(f"Value of {key!r} must be a string, number, boolean or null.")
    return value


# ---------------------------------------------------------------------------------------------
# Contacts

CONTACT_FIELDS = {
    "first_name": required_text(SHORT_TEXT),
    "last_name": optional_text(SHORT_TEXT),
    "email": clean_email,
    "position": optional_text(SHORT_TEXT),
    "phone_code": optional_text(5),
    "phone_number": optional_text(18),
    "company_id": reference(Company, "company"),
    "country_id": reference(Country, "country"),
    "state_id": reference(State, "state"),
    "city_id": reference(City, "city"),
    "address": optional_text(SHORT_TEXT),
    "zip_code": optional_text(8),
    "timezone": clean_timezone,
    "details": optional_text(LONG_TEXT),
    "reference": optional_text(SHORT_TEXT),
    "reference_name": optional_text(SHORT_TEXT),
    "image": reference(Media, "image"),
    "access_portal": clean_portal_flag,
    "password": clean_password,
    "custom_fields": clean_custom_fields,
    "invite_client": clean_boolean,
}
REQUIRED_ON_CREATE = ("first_name", "email")


def clean_contact(payload, contact=None):
    """Check a create (contact is None) or partial update body.

    Returns only the fields that were sent, cleaned; unknown fields are dropped. The password
    comes back already hashed under "password", and "invite_client" is returned as-is for the
    view to act on. Raises a 422 ApiError listing every bad field.
    """
    errors = Errors()
    cleaned = {}
    creating = contact is None
    for name, clean in CONTACT_FIELDS.items():
        if name not in payload:
            if creating and name in REQUIRED_ON_CREATE:
                errors.add(name, "This field is required.")
            continue
        try:
            cleaned[name] = clean(payload[name])
        except FieldError as exc:
            errors.add(name, exc)

    for name, value in list(cleaned.items()):
        if isinstance(value, _ExistingId):
            if value.exists():
                cleaned[name] = value.value
            else:
                errors.add(name, f"There is no {value.label} with id {value.value}.")

    # A portal login needs a password: on create when the portal is switched on, on update when
    # it is being switched on for a contact that has never had one.
    if (
        cleaned.get("access_portal") == 1
        and not cleaned.get("password")
        and "password" not in errors
    ):
        already_has_one = contact is not None and bool(contact.password)
        if not already_has_one:
            errors.add("password", "Required when access_portal is 1.")

    errors.raise_if_any()
    if cleaned.get("password"):
        cleaned["password"] = make_password(cleaned["password"])
    else:
        cleaned.pop("password", None)  # null or "" never erases a stored password
    return cleaned


def clean_contact_ids(payload):
    """The ids for a bulk delete: a non-empty array of integers, duplicates folded."""
    ids = payload.get("contact_ids")
    errors = Errors()
    if "contact_ids" not in payload or ids is None:
        errors.add("contact_ids", "This field is required.")
    elif not isinstance(ids, list) or not ids:
        errors.add("contact_ids", "Must be a non-empty array of contact ids.")
    elif not all(_is_int(item) for item in ids):
        errors.add("contact_ids", "Every item must be an integer id.")
    errors.raise_if_any()
    return list(dict.fromkeys(ids))


def clean_invitation(payload):
    errors = Errors()
    cleaned = {"message": None, "send_email": True, "access_level": "basic"}
    checks = {
        "message": optional_text(INVITE_MESSAGE_MAX),
        "send_email": clean_boolean,
        "access_level": _clean_access_level,
    }
    for name, clean in checks.items():
        if name in payload and payload[name] is not None:
            try:
                cleaned[name] = clean(payload[name])
            except FieldError as exc:
                errors.add(name, exc)
    errors.raise_if_any()
    return cleaned


def _clean_access_level(value):
    if value not in ACCESS_LEVELS:
        raise FieldError(f"Must be one of: {', '.join(ACCESS_LEVELS)}.")
    return value


def email_taken(email, exclude_id=None):
    matches = Contact.objects.filter(email_key=email.lower())
    if exclude_id is not None:
        matches = matches.exclude(pk=exclude_id)
    return matches.exists()


# ---------------------------------------------------------------------------------------------
# Query strings and path ids


@dataclass(frozen=True)
class ListQuery:
    page: int
    limit: int
    search: str | None
    sort: str | None
    order: str


def _query_int(errors, name, raw, minimum, maximum):
    if not _DIGITS.fullmatch(raw):
        errors.add(name, "Must be a whole number.")
        return None
    # Compare lengths first: int() of a huge digit string is slow or refused outright.
    value = int(raw) if len(raw) <= 20 else maximum + 1
    if value < minimum:
        errors.add(name, f"Must be at least {minimum}.")
    elif value > maximum:
        errors.add(name, f"Must be at most {maximum}.")
    return value


def clean_list_query(params, sorts):
    """page 1..10**9, limit 1..100, optional search, sort among `sorts`, order asc|desc."""
    errors = Errors()
    page = limit = None
    page_raw = params.get("page", "")
    limit_raw = params.get("limit", "")
    if page_raw != "":
        page = _query_int(errors, "page", page_raw, 1, PAGE_MAX)
    if limit_raw != "":
        limit = _query_int(errors, "limit", limit_raw, 1, PAGE_SIZE_MAX)
    sort = params.get("sort", "") or None
    if sort is not None and sort not in sorts:
        errors.add("sort", f"Must be one of: {', '.join(sorts)}.")
    order = params.get("order", "") or "asc"
    if order not in ORDERS:
        errors.add("order", "Must be asc or desc.")
    search = params.get("search", "").strip() or None
    if search is not None and len(search) > SHORT_TEXT:
        errors.add("search", f"Must be at most {SHORT_TEXT} characters.")
    errors.raise_if_any()
    return ListQuery(page or 1, limit or PAGE_SIZE_DEFAULT, search, sort, order)


def parse_path_id(raw):
    """A path segment as a row id, or None when it cannot name one (the caller answers 404)."""
    if not _DIGITS.fullmatch(raw or "") or len(raw) > 19:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None
