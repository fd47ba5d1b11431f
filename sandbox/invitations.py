"""Client invitations: the email to the contact, and the record tests can read back."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage

from .db import write_transaction
from .models import Invitation

logger = logging.getLogger(__name__)


def invite(contact, *, message=None, access_level="basic", send_email=True):
    """Email the contact (when asked) and record the invitation. Returns the Invitation.

    The email goes out before the row is written and outside the write lock, so a slow mail
    backend never holds up other writers.
    """
    email_sent = False
    if send_email:
        email_sent = _send(contact, message, access_level)
    with write_transaction():
        return Invitation.objects.create(
            contact_id=contact.id,
            email=contact.email,
            message=message or "",
            access_level=access_level,
            send_email=send_email,
            email_sent=email_sent,
        )


def _send(contact, message, access_level):
    lines = [
        f"Hello {contact.first_name},",
        "",
        f"You have been invited to the client portal with {access_level} access.",
    ]
    if message:
        lines += ["", message]
    email = EmailMessage(
        subject="Your client portal invitation",
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
    )
    try:
        return email.send() == 1
    except Exception:  # a broken mail setup must not turn into a 500; the record says "not sent"
        logger.exception("Could not send the invitation email to contact %s", contact.id)
        return False
