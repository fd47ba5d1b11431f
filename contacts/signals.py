"""Every login attempt is logged; django-axes counts the failures and locks out."""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .client_address import client_ip

logger = logging.getLogger("contacts.auth")


def _client_ip(request) -> str:
    return (client_ip(request) if request is not None else None) or "-"


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    logger.info("login ok user=%s ip=%s", user.get_username(), _client_ip(request))


@receiver(user_login_failed)
def log_login_failure(sender, credentials, request=None, **kwargs):
    # Django already strips secrets from `credentials`; only the username is kept.
    logger.warning(
        "login failed user=%s ip=%s", credentials.get("username", "-"), _client_ip(request)
    )


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs):
    logger.info("logout user=%s", user.get_username() if user else "-")
