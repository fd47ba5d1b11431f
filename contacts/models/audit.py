"""The contact permissions and the audit log of staff actions."""

from django.conf import settings
from django.db import models


class Contact(models.Model):
    """Exists only to carry the contact permissions; there is no contact table."""

    class Meta:
        managed = False
        default_permissions = ("view", "add", "change", "delete")
        permissions = [
            ("invite_contact", "Can invite contact as client"),
            ("export_contact", "Can export contacts"),
        ]

    def __str__(self):
        return f"contact {self.pk}"


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"
        BULK_DELETE = "bulk_delete", "Bulk delete"
        INVITE = "invite", "Invite"
        # A background job was made, paused, resumed, cancelled, retried or finished; its rows
        # are recorded as invite/update entries whose detail names the job.
        JOB = "job", "Job"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept apart from the foreign key so the record still names someone after the account is gone.
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=20, choices=Action.choices)
    contact_ids = models.JSONField(default=list)
    # " 3 17 42 ": lets every database find an id with a plain substring match.
    contact_ids_index = models.TextField(blank=True, editable=False)
    changed_fields = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self):
        return f"{self.username} {self.action} {self.contact_ids}"

    def save(self, *args, **kwargs):
        self.contact_ids_index = "".join(f" {i}" for i in self.contact_ids) + " "
        super().save(*args, **kwargs)
