"""The shared API budget's count, when no Redis is configured (docs/architecture.md, "The API
budget"). contacts/taskip/budget_db.py reads and writes it; nothing else should."""

from django.db import models


class ApiBudget(models.Model):
    """One row per TaskIP API (named by its base URL): the count of the window now open."""

    scope = models.CharField(max_length=255, primary_key=True)
    limit = models.PositiveIntegerField()
    remaining = models.PositiveIntegerField()
    # Epoch seconds, as TaskIP's X-RateLimit-Reset and Retry-After are: every host compares them
    # with its own clock, and a float keeps the sub-second opening time of a window.
    reset_at = models.FloatField(default=0.0)
    paused_until = models.FloatField(default=0.0)
    # {user key: interactive calls in this window}; one row, so a draw is one read and one write.
    users = models.JSONField(default=dict)

    class Meta:
        default_permissions = ()
        verbose_name = "API budget"

    def __str__(self):
        return f"API budget for {self.scope}"
