"""The client's address, as far as the deployment's own proxies vouch for it.

Behind N reverse proxies each appends the address it saw to X-Forwarded-For, so the entry N from
the right is the one the outermost trusted proxy saw; anything further left was written by the
client and proves nothing. With no proxy (DJANGO_PROXY_COUNT=0) the header is ignored. Written
here rather than through python-ipware (which django-axes bundles) because "the N-th entry from the
right, else REMOTE_ADDR" is the whole rule, and logging needs the same answer as the lockout.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    """The address, or None when the request carries none (a test client's bare request):
    django-axes stores it in an address column, which PostgreSQL checks."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]  # fmt: skip
    return forwarded[-proxies] if len(forwarded) >= proxies else remote
