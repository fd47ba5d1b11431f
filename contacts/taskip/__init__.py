"""The one module that talks to TaskIP's Contact API (docs/architecture.md, "The service module").

Views call these functions and catch these errors; URLs, headers, JSON shapes and failure modes
stay in this package.
"""

from .client import TaskipClient
from .default import (
    bulk_delete_contacts,
    contact_ids_matching,
    contacts_matching,
    create_contact,
    default_client,
    delete_contact,
    get_contact,
    invite_client,
    list_companies,
    list_contacts,
    update_contact,
)
from .errors import (
    TaskipBadResponse,
    TaskipConflict,
    TaskipError,
    TaskipNotFound,
    TaskipRateLimited,
    TaskipTimeout,
    TaskipUnauthorized,
    TaskipUnavailable,
    TaskipValidationError,
)
from .models import Billing, Company, CompanyPage, Contact, ContactPage, Image, Language
from .transport import CallCount, calls_made

__all__ = [
    "Billing", "CallCount", "Company", "CompanyPage", "Contact", "ContactPage", "Image",
    "Language", "TaskipBadResponse", "TaskipClient", "TaskipConflict", "TaskipError",
    "TaskipNotFound", "TaskipRateLimited", "TaskipTimeout", "TaskipUnauthorized",
    "TaskipUnavailable", "TaskipValidationError", "bulk_delete_contacts", "calls_made",
    "contact_ids_matching", "contacts_matching", "create_contact", "default_client",
    "delete_contact", "get_contact", "invite_client", "list_companies", "list_contacts",
    "update_contact",
]
