"""Rows to the JSON shapes TaskIP's document shows. Field order follows the document's examples."""

from datetime import UTC

from .models import Contact, ContactLanguage


def timestamp(value):
    """ISO 8601 in UTC with a Z, to the second, as in TaskIP's examples."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def company_json(company):
    return {
        "id": company.id,
        "name": company.name,
        "domain": company.domain,
        "email": company.email or None,
        "created_at": timestamp(company.created_at),
        "updated_at": timestamp(company.updated_at),
    }


# Contacts are read as flat rows (one joined query, plus one for languages) rather than as model
# instances: building ~7 related objects per contact made a page of 50 cost several times more
# CPU than the query itself, and the sandbox shares two cores with the dashboard under load.
_CONTACT_COLUMNS = (
    "id", "user_id", "company_id", "company__name", "company__domain", "company__email",
    "first_name", "last_name", "email", "position", "phone_code", "phone_number",
    "country_id", "country__name", "state_id", "state__name", "city_id", "city__name",
    "address", "zip_code", "timezone", "details", "reference", "reference_name",
    "access_portal", "custom_fields", "created_at", "updated_at",
    "billing__id", "billing__billing_address", "billing__billing_city",
    "billing__billing_state", "billing__billing_country", "billing__billing_zip",
    "billing__billing_phone", "billing__tax_number", "billing__created_at",
    "billing__updated_at",
    "image_id", "image__url", "image__name", "image__file_name", "image__mime_type",
    "image__size", "image__collection_name",
)  # fmt: skip
_BILLING_TEXT = (
    "billing_address", "billing_city", "billing_state", "billing_country", "billing_zip",
    "billing_phone", "tax_number",
)  # fmt: skip


def contacts_json(queryset):
    """The contacts of a (sliced, ordered) Contact queryset as API dicts, in its order."""
    rows = list(queryset.values(*_CONTACT_COLUMNS))
    languages = {}
    for contact_id, language_id, code, name, is_default in (
        ContactLanguage.objects.filter(contact_id__in=[row["id"] for row in rows])
        .order_by("contact_id", "-is_default", "language_id")
        .values_list("contact_id", "language_id", "language__code", "language__name", "is_default")
    ):
        languages.setdefault(contact_id, []).append(
            {"id": language_id, "code": code, "name": name, "is_default": is_default}
        )
    return [_contact_from_row(row, languages.get(row["id"], [])) for row in rows]


def contact_json(contact_id):
    """One contact as an API dict, or None."""
    found = contacts_json(Contact.objects.filter(pk=contact_id))
    return found[0] if found else None


def _contact_from_row(row, languages):
    first, last = row["first_name"], row["last_name"]
    contact = {
        "id": row["id"],
        "user_id": row["user_id"],
        "company": None,
        "company_id": row["company_id"],
        "first_name": first,
        "last_name": last or None,
        "full_name": f"{first} {last}" if last else first,
        "email": row["email"],
    }
    if row["company_id"] is not None:
        contact["company"] = {
            "id": row["company_id"],
            "name": row["company__name"],
            "domain": row["company__domain"],
            "email": row["company__email"] or None,
        }
    for name in ("position", "phone_code", "phone_number"):
        contact[name] = row[name] or None
    for place in ("country", "state", "city"):
        contact[f"{place}_id"] = row[f"{place}_id"]
        contact[place] = row[f"{place}__name"]
    for name in ("address", "zip_code", "timezone", "details", "reference", "reference_name"):
        contact[name] = row[name] or None
    contact["access_portal"] = int(row["access_portal"])
    contact["billings"] = None
    if row["billing__id"] is not None:
        billing = {"id": row["billing__id"], "contact_id": row["id"]}
        for name in _BILLING_TEXT:
            billing[name] = row[f"billing__{name}"] or None
        billing["created_at"] = timestamp(row["billing__created_at"])
        billing["updated_at"] = timestamp(row["billing__updated_at"])
        contact["billings"] = billing
    contact["languages"] = languages
    contact["image"] = None
    if row["image_id"] is not None:
        contact["image"] = {"id": row["image_id"]} | {
            name: row[f"image__{name}"]
            for name in ("url", "name", "file_name", "mime_type", "size", "collection_name")
        }
    contact["custom_fields"] = row["custom_fields"] or {}
    contact["created_at"] = timestamp(row["created_at"])
    contact["updated_at"] = timestamp(row["updated_at"])
    return contact


def _text(value):
    """Empty text is stored as "" and shown as null, as TaskIP does."""
    return value or None


def invitation_json(invitation):
    return {
        "id": invitation.id,
        "contact_id": invitation.contact_id,
        "email": invitation.email,
        "message": _text(invitation.message),
        "access_level": invitation.access_level,
        "send_email": invitation.send_email,
        "email_sent": invitation.email_sent,
        "created_at": timestamp(invitation.created_at),
    }
