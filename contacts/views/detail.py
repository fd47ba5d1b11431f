"""One contact's page: every field TaskIP returns."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import places, taskip
from ..list_state import ListState


def _is_web_url(url: str) -> bool:
    try:
        return urlsplit(url).scheme in ("http", "https")
    except ValueError:
        return False


def _trusted_image(url: str) -> str:
    """`url` if it is https on one of TASKIP_IMAGE_HOSTS (the CSP's img-src), else ""."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    trusted = parts.scheme == "https" and parts.hostname in settings.TASKIP_IMAGE_HOSTS
    return url if trusted and not parts.port else ""


@require_GET
@permission_required("contacts.view_contact", raise_exception=True)
def contact_detail(request, contact_id: int):
    contact = taskip.get_contact(contact_id=contact_id)
    places.remember([contact])
    (contact,) = places.with_names([contact])
    image_url = contact.image.url if contact.image and contact.image.url else ""
    shown = _trusted_image(image_url)
    context = {
        "contact": contact,
        "state": ListState.from_query(request.GET),
        "image_url": shown,
        # Any other image is a link the user may choose to open: loading it for them would tell
        # its host who looked and when (a tracking pixel).
        "image_link": image_url if image_url and not shown and _is_web_url(image_url) else "",
    }
    return render(request, "contacts/detail.html", context)
