"""Rows to the JSON shapes TaskIP's document shows. Field order follows the document's examples."""

from datetime import UTC

from django.db.models import Prefetch

from .models import Billing, Contact, ContactLanguage


def timestamp(value):
    """ISO 8601 in UTC with a Z, to the second, as in TaskIP's examples."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def contacts_for_output():
    """A queryset that loads everything contact_json() reads in two queries."""
    return Contact.objects.select_related(
        "company", "country", "state", "city", "image", "billing"
    ).prefetch_related(
        Prefetch("languages", queryset=ContactLanguage.objects.select_related("language"))
    )


def company_brief(company):
    if company is None:
        return None
    return {
        "id": company.id,
        "name": company.name,
        "domain": company.domain,
        "email": company.email,
    }


def company_json(company):
    return {
        **company_brief(company),
        "created_at": timestamp(company.created_at),
        "updated_at": timestamp(company.updated_at),
    }


def billing_json(billing):
    return {
        "id": billing.id,
        "contact_id": billing.contact_id,
        "billing_address": _text(billing.billing_address),
        "billing_city": _text(billing.billing_city),
        "billing_state": _text(billing.billing_state),
        "billing_country": _text(billing.billing_country),
        "billing_zip": _text(billing.billing_zip),
        "billing_phone": _text(billing.billing_phone),
        "tax_number": _text(billing.tax_number),
        "created_at": timestamp(billing.created_at),
        "updated_at": timestamp(billing.updated_at),
    }


def image_json(media):
    if media is None:
        return None
    return {
        "id": media.id,
        "url": media.url,
        "name": media.name,
        "file_name": media.file_name,
        "mime_type": media.mime_type,
        "size": media.size,
        "collection_name": media.collection_name,
    }


def _text(value):
    """Empty text is stored as "" and shown as null, as TaskIP does."""
    return value or None


def _name(row):
    return row.name if row is not None else None


def contact_json(contact):
    try:
        billing = billing_json(contact.billing)
    except Billing.DoesNotExist:
        billing = None
    return {
        "id": contact.id,
        "user_id": contact.user_id,
        "company": company_brief(contact.company),
        "company_id": contact.company_id,
        "first_name": contact.first_name,
        "last_name": _text(contact.last_name),
        "full_name": contact.full_name,
        "email": contact.email,
        "position": _text(contact.position),
        "phone_code": _text(contact.phone_code),
        "phone_number": _text(contact.phone_number),
        "country_id": contact.country_id,
        "country": _name(contact.country),
        "state_id": contact.state_id,
        "state": _name(contact.state),
        "city_id": contact.city_id,
        "city": _name(contact.city),
        "address": _text(contact.address),
        "zip_code": _text(contact.zip_code),
        "timezone": _text(contact.timezone),
        "details": _text(contact.details),
        "reference": _text(contact.reference),
        "reference_name": _text(contact.reference_name),
        "access_portal": int(contact.access_portal),
        "billings": billing,
        "languages": [
            {
                "id": link.language.id,
                "code": link.language.code,
                "name": link.language.name,
                "is_default": link.is_default,
            }
            for link in contact.languages.all()
        ],
        "image": image_json(contact.image),
        "custom_fields": contact.custom_fields or {},
        "created_at": timestamp(contact.created_at),
        "updated_at": timestamp(contact.updated_at),
    }


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
