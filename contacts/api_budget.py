"""Attributes each request's TaskIP calls to its user, so one person's page views can take only
their share of the API budget (docs/architecture.md, "The API budget")."""

from .taskip import budget


class ActingUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        # The user's id, not their name: names can be changed and reused.
        with budget.acting_user(f"user:{user.pk}"):
            return self.get_response(request)
