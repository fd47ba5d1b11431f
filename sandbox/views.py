"""The API's endpoints. Authentication, rate limiting, latency and failure injection happen in
the gateway middleware before any of these run; these only see authorised requests."""

import math
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.utils.timezone import now

from . import errors, invitations, reset, serializers, validation
from .db import write_transaction
from .errors import ApiError
from .models import Billing, Company, Contact, Invitation, blank_for_null
from .openapi import openapi_document

# Chunk size for id lists, well under SQLite's limit on bound parameters per statement.
ID_CHUNK = 500


def endpoint(**handlers):
    """One URL, several methods: dispatch by method, 405 for the rest, ApiError -> JSON."""
    allowed = list(handlers)
    if "GET" in handlers:
        handlers["HEAD"] = handlers["GET"]
        allowed.append("HEAD")

    def view(request, **kwargs):
        handler = handlers.get(request.method)
        if handler is None:
            return errors.method_not_allowed(request.method, allowed)
        try:
            return handler(request, **kwargs)
        except ApiError as exc:
            return exc.response()

    return view


def _contact_or_404(raw_id):
    contact_id = validation.parse_path_id(raw_id)
    contact = None
    if contact_id is not None:
        contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise ApiError(404, "Contact not found.")
    return contact


def _email_conflict():
    return ApiError(
        409,
        "That email address is already used by another contact.",
        {"email": ["This email address is already in use."]},
    )


# ---------------------------------------------------------------------------------------------
# Contacts

CONTACT_ORDERING = {
    None: ("id",),
    "name": ("name_key", "id"),
    "email": ("email_key", "id"),
    "created_at": ("created_at", "id"),
}


def list_contacts(request):
    query = validation.clean_list_query(request.GET, validation.CONTACT_SORTS)
    contacts = Contact.objects.all()
    if query.search:
        contacts = contacts.filter(search_text__contains=query.search.casefold())
    total = contacts.count()
    offset = (query.page - 1) * query.limit
    rows = []
    if offset < total:  # past the end there is nothing to fetch (and huge OFFSETs are avoided)
        ordering = _ordered(CONTACT_ORDERING[query.sort], query.order)
        page = contacts.order_by(*ordering)[offset : offset + query.limit]
        rows = serializers.contacts_json(page)
    return JsonResponse(
        {
            "message": "All contacts fetched successfully",
            "data": rows,
            "meta": {
                "search": query.search,
                "current_page": query.page,
                "per_page": query.limit,
                "total": total,
                "total_pages": max(1, math.ceil(total / query.limit)),
            },
        }
    )


def _ordered(fields, order):
    return [f"-{field}" if order == "desc" else field for field in fields]


def create_contact(request):
    data = validation.clean_contact(validation.read_json_object(request))
    invite_client = data.pop("invite_client", False)
    with write_transaction():
        if validation.email_taken(data["email"]):
            raise _email_conflict()
        last_user_id = (
            Contact.objects.order_by("-user_id").values_list("user_id", flat=True).first()
        )
        contact = Contact(user_id=(last_user_id or 100) + 1)
        _apply(contact, data)
        try:
            contact.save()
        except IntegrityError:
            raise _email_conflict() from None
        Billing.objects.create(
            contact=contact, created_at=contact.created_at, updated_at=contact.created_at
        )
    if invite_client:
        invitations.invite(contact)
    return JsonResponse(
        {
            "success": True,
            "message": "Contact created successfully",
            "data": serializers.contact_json(contact.pk),
        },
        status=201,
    )


def get_contact(request, contact_id):
    pk = validation.parse_path_id(contact_id)
    contact = serializers.contact_json(pk) if pk is not None else None
    if contact is None:
        raise ApiError(404, "Contact not found.")
    return JsonResponse({"success": True, "data": contact})


def update_contact(request, contact_id):
    contact = _contact_or_404(contact_id)
    data = validation.clean_contact(validation.read_json_object(request), contact=contact)
    invite_client = data.pop("invite_client", False)
    with write_transaction():
        # Re-read under the lock: another request may have changed or deleted it meanwhile.
        contact = Contact.objects.filter(pk=contact.pk).first()
        if contact is None:
            raise ApiError(404, "Contact not found.")
        if "email" in data and validation.email_taken(data["email"], exclude_id=contact.pk):
            raise _email_conflict()
        # Like Eloquent, a save that changes nothing leaves updated_at alone.
        if _apply(contact, data):
            contact.updated_at = now()
            try:
                contact.save()
            except IntegrityError:
                raise _email_conflict() from None
    if invite_client:
        invitations.invite(contact)
    return JsonResponse({"msg": "Contact Updated"})


# API field -> model attribute, where they differ.
CONTACT_ATTRIBUTES = {"image": "image_id"}


def _apply(contact, data):
    """Set the cleaned fields on the contact; say whether any value actually changed."""
    changed = False
    for field, value in blank_for_null(Contact, data).items():
        if field == "access_portal":
            value = bool(value)
        attribute = CONTACT_ATTRIBUTES.get(field, field)
        changed = changed or getattr(contact, attribute) != value
        setattr(contact, attribute, value)
    contact.refresh_derived()
    return changed


def delete_contact(request, contact_id):
    pk = validation.parse_path_id(contact_id)
    with write_transaction():
        deleted = pk is not None and Contact.objects.filter(pk=pk).exists()
        if deleted:
            Contact.objects.filter(pk=pk).delete()
    if not deleted:
        raise ApiError(404, "Contact not found.")
    return JsonResponse({"msg": "Contact Deleted"})


def bulk_delete_contacts(request):
    ids = validation.clean_contact_ids(validation.read_json_object(request))
    in_range = [i for i in ids if 1 <= i <= validation.MAX_ID]
    with write_transaction():
        found = set()
        for chunk in _chunks(in_range):
            found.update(Contact.objects.filter(pk__in=chunk).values_list("id", flat=True))
        missing = [i for i in ids if i not in found]
        if missing:
            shown = ", ".join(str(i) for i in missing[:50])
            more = f" and {len(missing) - 50} more" if len(missing) > 50 else ""
            raise ApiError(
                422,
                "Some contacts do not exist; nothing was deleted.",
                {"contact_ids": [f"These contact ids do not exist: {shown}{more}."]},
            )
        for chunk in _chunks(in_range):
            Contact.objects.filter(pk__in=chunk).delete()
    return JsonResponse({"msg": "Contacts Deleted"})


def _chunks(items):
    for start in range(0, len(items), ID_CHUNK):
        yield items[start : start + ID_CHUNK]


def invite_client(request, contact_id):
    contact = _contact_or_404(contact_id)
    options = validation.clean_invitation(validation.read_json_object(request))
    invitations.invite(contact, **options)
    return JsonResponse({"msg": "Invitation sent success"})


# ---------------------------------------------------------------------------------------------
# Companies

COMPANY_ORDERING = {
    None: ("id",),
    "name": ("name", "id"),
    "domain": ("domain", "id"),
    "created_at": ("created_at", "id"),
}


def list_companies(request):
    """Companies in Laravel's paginator shape: data, links, meta."""
    query = validation.clean_list_query(request.GET, validation.COMPANY_SORTS)
    companies = Company.objects.all()
    if query.search:
        # Company names and domains in the reference data are ASCII, where LIKE folds case.
        companies = companies.filter(
            Q(name__icontains=query.search) | Q(domain__icontains=query.search)
        )
    total = companies.count()
    last_page = max(1, math.ceil(total / query.limit))
    offset = (query.page - 1) * query.limit
    rows = []
    if offset < total:
        ordering = _ordered(COMPANY_ORDERING[query.sort], query.order)
        rows = list(companies.order_by(*ordering)[offset : offset + query.limit])

    path = request.build_absolute_uri(request.path)
    kept = {
        name: value
        for name, value in (
            ("limit", request.GET.get("limit")),
            ("search", query.search),
            ("sort", query.sort),
            ("order", request.GET.get("order")),
        )
        if value
    }

    def page_url(number):
        return f"{path}?{urlencode({**kept, 'page': number})}"

    return JsonResponse(
        {
            "data": [serializers.company_json(company) for company in rows],
            "links": {
                "first": page_url(1),
                "last": page_url(last_page),
                "prev": page_url(query.page - 1) if query.page > 1 else None,
                "next": page_url(query.page + 1) if query.page < last_page else None,
            },
            "meta": {
                "current_page": query.page,
                "from": offset + 1 if rows else None,
                "last_page": last_page,
                "path": path,
                "per_page": query.limit,
                "to": offset + len(rows) if rows else None,
                "total": total,
            },
        }
    )


def get_company(request, company_id):
    pk = validation.parse_path_id(company_id)
    company = Company.objects.filter(pk=pk).first() if pk is not None else None
    if company is None:
        raise ApiError(404, "Company not found.")
    return JsonResponse({"success": True, "data": serializers.company_json(company)})


# ---------------------------------------------------------------------------------------------
# Documentation and test support


def openapi(request):
    return JsonResponse(openapi_document())


def recorded_invitations(request):
    """Test support, outside the public contract: what invitations were recorded."""
    raw = request.GET.get("contact_id", "")
    invitations_qs = Invitation.objects.all()
    if raw:
        contact_id = validation.parse_path_id(raw)
        if contact_id is None:
            raise ApiError(
                422,
                validation.INVALID_MESSAGE,
                {"contact_id": ["Must be a positive whole number."]},
            )
        invitations_qs = invitations_qs.filter(contact_id=contact_id)
    return JsonResponse({"data": [serializers.invitation_json(i) for i in invitations_qs]})


def reset_state(request):
    """Test support: back to the state right after start-up (see reset.py)."""
    reset.restore()
    response = HttpResponse(status=204)
    del response["Content-Type"]  # there is no body to describe
    return response


def unknown_route(request, path=""):
    return errors.not_found("No such endpoint.")


contact_collection = endpoint(GET=list_contacts, POST=create_contact)
contact_item = endpoint(GET=get_contact, PUT=update_contact, DELETE=delete_contact)
contact_bulk_delete = endpoint(POST=bulk_delete_contacts)
contact_invite = endpoint(POST=invite_client)
company_collection = endpoint(GET=list_companies)
company_item = endpoint(GET=get_company)
openapi_json = endpoint(GET=openapi)
sandbox_invitations = endpoint(GET=recorded_invitations)
_reset_endpoint = endpoint(POST=reset_state)


def sandbox_reset(request):
    # Without --allow-reset the route does not exist, whatever the method.
    if not settings.SANDBOX_ALLOW_RESET:
        return unknown_route(request)
    return _reset_endpoint(request)
