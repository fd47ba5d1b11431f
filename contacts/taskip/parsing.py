"""From TaskIP's JSON to the dataclasses, absorbing every shape the API document shows.

The document shows one contact in several shapes (list/get/create examples, plus a stale
"Contact Object" schema with name/phone/notes/company_name), numbers sometimes as strings, and
PHP's habit of encoding an empty object as `[]`. All of that stops here.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from .models import Billing, Company, CompanyPage, Contact, ContactPage, Image, Language


class ShapeError(ValueError):
    """The answer isn't shaped like anything the API document shows (the client re-raises it
    as TaskipBadResponse with the request attached)."""


# The contact's plain text fields, converted in one pass (a list page parses 50-100 contacts, and
# per-field function calls were most of the cost). The stale schema's `phone`, `notes` and
# `company_name` are read only where the current field is missing, so whatever they hold
# otherwise never matters.
_TEXT_FIELDS = (
    "first_name", "last_name", "name", "full_name", "email", "phone_code", "phone_number",
    "position", "address", "zip_code", "timezone", "details", "reference", "reference_name",
)
_ID_FIELDS = ("company_id", "country_id", "state_id", "city_id", "user_id")


def parse_contact(data: object) -> Contact:
    if not _is_object(data):
        raise ShapeError("a contact is not a JSON object")
    get = data.get
    contact_id = _required_int(get("id"), "contact id")
    text = {key: value if value is None or type(value) is str else _str(value)
            for key in _TEXT_FIELDS for value in (get(key),)}
    ids = {key: value if value is None or type(value) is int else _int(value)
           for key in _ID_FIELDS for value in (get(key),)}
    first, last = text["first_name"], text["last_name"]
    stale_name = text["name"]
    if first is None and last is None and stale_name:
        # Stale "Contact Object" schema: one `name`; the first word is the first name.
        first, _, last = stale_name.strip().partition(" ")
        last = last.strip()
    first, last = first or "", last or ""
    full_name = text["full_name"] or stale_name or f"{first} {last}".strip()
    company_id = ids["company_id"]
    company = _company_of(data, company_id)
    if company_id is None and company is not None and company.id:
        company_id = company.id
    phone = text["phone_number"]
    details = text["details"]
    return Contact(
        id=contact_id,
        first_name=first,
        last_name=last,
        full_name=full_name,
        email=text["email"] or "",
        phone_code=text["phone_code"],
        phone_number=phone if phone is not None else _str(get("phone")),
        position=text["position"],
        company=company,
        company_id=company_id,
        country_id=ids["country_id"],
        country=_name_of(get("country")),
        state_id=ids["state_id"],
        state=_name_of(get("state")),
        city_id=ids["city_id"],
        city=_name_of(get("city")),
        address=text["address"],
        zip_code=text["zip_code"],
        timezone=text["timezone"],
        details=details if details is not None else _str(get("notes")),
        reference=text["reference"],
        reference_name=text["reference_name"],
        access_portal=_bool(get("access_portal")),
        billing=_billing(get("billings", get("billing"))),
        languages=_languages(get("languages")),
        image=_image(get("image")),
        custom_fields=_custom_fields(get("custom_fields")),
        user_id=ids["user_id"],
        created_at=_datetime(get("created_at")),
        updated_at=_datetime(get("updated_at")),
    )


def parse_company(data: object, *, fallback_id: int | None = None) -> Company:
    if not _is_object(data):
        raise ShapeError("a company is not a JSON object")
    company_id = _int(data.get("id"))
    if company_id is None:
        if fallback_id is None:
            raise ShapeError("a company has no id")
        company_id = fallback_id
    return Company(
        id=company_id,
        name=_str(data.get("name")) or "",
        domain=_str(data.get("domain")),
        email=_str(data.get("email")),
    )


def parse_contact_page(body: Mapping[str, Any], *, page: int, limit: int,
                       search: str | None, fingerprint: str) -> ContactPage:
    items, meta = _items_and_meta(body)
    contacts = tuple(parse_contact(item) for item in items)
    current, per_page, total, total_pages, has_next = _pagination(meta, len(items), page, limit)
    echoed = _str(meta.get("search")) or search
    return ContactPage(
        contacts=contacts,
        page=current,
        limit=per_page,
        total=total,
        total_pages=total_pages,
        has_next=has_next,
        search=echoed or None,
        fingerprint=fingerprint,
    )


def answer_fingerprint(body: Mapping[str, Any]) -> str:
    """A digest of a decoded answer (ContactPage.fingerprint); "" when it cannot be made."""
    try:
        encoded = orjson.dumps(body)
    except orjson.JSONEncodeError:  # e.g. a lone surrogate, which only json.loads accepts
        return ""
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()


def parse_company_page(body: Mapping[str, Any], *, page: int, limit: int) -> CompanyPage:
    items, meta = _items_and_meta(body)
    companies = tuple(parse_company(item) for item in items)
    current, per_page, total, _, has_next = _pagination(meta, len(items), page, limit)
    links = body.get("links")
    if _is_object(links) and "next" in links and not meta:
        has_next = bool(links["next"])
    return CompanyPage(companies=companies, page=current, limit=per_page, total=total,
                       has_next=has_next)


def _items_and_meta(body: Mapping[str, Any]) -> tuple[list[Any], Mapping[str, Any]]:
    data = body.get("data")
    if _is_object(data) and isinstance(data.get("data"), list):
        # A bare Laravel paginator wrapped in `data`: pagination keys sit beside the items.
        return data["data"], data
    if not isinstance(data, list):
        raise ShapeError("the list has no `data` array")
    meta = body.get("meta")
    if meta is None:
        meta = body if "current_page" in body else {}
    if isinstance(meta, list) and not meta:
        meta = {}  # PHP's empty array
    if not _is_object(meta):
        raise ShapeError("`meta` is not a JSON object")
    return data, meta


def _pagination(meta: Mapping[str, Any], count: int, page: int,
                limit: int) -> tuple[int, int, int | None, int | None, bool]:
    current = _int(meta.get("current_page")) or page
    per_page = _int(meta.get("per_page")) or limit
    total = _int(meta.get("total"))
    # Our meta says total_pages; the Laravel paginator (/company) says last_page.
    total_pages = _int(meta.get("total_pages"))
    if total_pages is None:
        total_pages = _int(meta.get("last_page"))
    if total_pages is None and total is not None and per_page > 0:
        total_pages = math.ceil(total / per_page)
    # Meta is only {"search": null} in the document's list example: then a full page is the
    # only hint that another one may follow.
    has_next = current < total_pages if total_pages is not None else count >= per_page > 0
    return current, per_page, total, total_pages, has_next


def _company_of(data: Mapping[str, Any], company_id: int | None) -> Company | None:
    company = data.get("company")
    if _is_object(company):
        # The create example answers a partial {id, name}; the rest stay None.
        return parse_company(company, fallback_id=company_id if company_id is not None else 0)
    if isinstance(company, str) and company.strip():
        return Company(id=company_id or 0, name=company.strip())
    if company not in (None, [], ""):
        raise ShapeError("`company` is not a JSON object")
    stale_name = _str(data.get("company_name"))
    if stale_name:
        # Stale schema: only a name (and maybe company_id). id 0 means "not known".
        return Company(id=company_id or 0, name=stale_name)
    return None


def _billing(value: object) -> Billing | None:
    if isinstance(value, list):
        # PHP: no billing is `[]`; a hasMany relation is a list of which the first counts.
        value = value[0] if value else None
    if value is None:
        return None
    if not _is_object(value):
        raise ShapeError("`billings` is not a JSON object")

    # Each part may come as `billing_<part>` (the examples) or plain `<part>`.
    get = value.get
    parts = {part: _str(found if (found := get(prefixed)) is not None else get(part))
             for part, prefixed in _BILLING_PARTS}
    return Billing(**parts, tax_number=_str(get("tax_number")))


_BILLING_PARTS = tuple((part, f"billing_{part}")
                       for part in ("address", "city", "state", "country", "zip", "phone"))


def _languages(value: object) -> tuple[Language, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ShapeError("`languages` is not an array")
    languages = []
    for item in value:
        if isinstance(item, str):
            languages.append(Language(id=None, code=item, name=item, is_default=False))
        elif _is_object(item):
            code = _str(item.get("code")) or ""
            languages.append(Language(id=_int(item.get("id")), code=code,
                                      name=_str(item.get("name")) or code,
                                      is_default=_bool(item.get("is_default"))))
        else:
            raise ShapeError("a language is not a JSON object")
    return tuple(languages)


def _image(value: object) -> Image | None:
    if value in (None, [], ""):
        return None
    if isinstance(value, str):
        return Image(id=None, url=value)
    if not _is_object(value):
        raise ShapeError("`image` is not a JSON object")
    url = _str(value.get("url"))
    if not url:
        return None
    return Image(id=_int(value.get("id")), url=url,
                 name=_first_str(value, "name", "file_name"),
                 mime_type=_str(value.get("mime_type")), size=_int(value.get("size")))


def _custom_fields(value: object) -> dict[str, str]:
    if value is None or value == []:
        return {}  # `[]` is how PHP encodes an empty object
    if not _is_object(value):
        raise ShapeError("`custom_fields` is not a JSON object")
    return {str(k): _custom_value(v) for k, v in value.items()}


def _custom_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping | list):
        # A multi-value custom field: keep it readable and round-trippable rather than failing.
        return json.dumps(value, ensure_ascii=False)
    return _str(value) or ""


def _is_object(value: object) -> bool:
    # json.loads gives dicts; the ABC check is the slow path, kept for other mappings.
    return type(value) is dict or isinstance(value, Mapping)


# ---- scalars: numbers may arrive as strings ("5"), strings as numbers (zip 94105) --------------


def _int(value: object) -> int | None:
    if type(value) is int:
        return value
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


def _required_int(value: object, what: str) -> int:
    number = _int(value)
    if number is None:
        raise ShapeError(f"{what} is missing or not a number")
    return number


def _str(value: object) -> str | None:
    if type(value) is str:  # the common case first: this runs ~35 times per contact
        return value
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    raise ShapeError(f"expected text, got {type(value).__name__}")


def _first_str(data: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = _str(data.get(key))
        if value is not None:
            return value
    return None


def _name_of(value: object) -> str | None:
    if type(value) is str:
        return value
    # Country/state/city are names in the examples; tolerate a nested {id, name}.
    if _is_object(value):
        return _str(value.get("name"))
    return _str(value)


def _bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _datetime(value: object) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None  # a timestamp we can't read is not worth failing a whole page for
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
