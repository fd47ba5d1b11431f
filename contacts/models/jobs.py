"""Background jobs and their per-row ledgers (docs/architecture.md, "Background jobs").

A job's pages read only these tables: names, outcomes and counts are written here when the job
is made and as rows finish, so showing or polling a job never spends API budget.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models


@dataclass(frozen=True)
class JobCounts:
    """How many of a job's rows are in each state."""

    pending: int = 0
    in_flight: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.in_flight + self.finished

    @property
    def finished(self) -> int:
        """Rows with an outcome (done, failed, skipped or unknown)."""
        return self.done + self.failed + self.skipped + self.unknown

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.finished * 100 // self.total


def job_files_storage() -> FileSystemStorage:
    # A callable, so the migration doesn't freeze a path and tests can move JOB_FILES_DIR.
    # No base_url: these files carry contact data and are only served by the download view.
    return FileSystemStorage(location=settings.JOB_FILES_DIR, base_url=None)


class Job(models.Model):
    class Kind(models.TextChoices):
        INVITE = "invite", "Invite"
        EDIT = "edit", "Edit fields"
        EXPORT = "export", "Export"
        IMPORT = "import", "Import"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"
        CANCELLED = "cancelled", "Cancelled"
        FINISHED = "finished", "Finished"

    # A worker may pick the job up (or go on with it) only in these states.
    ACTIVE = (Status.QUEUED, Status.RUNNING)
    ENDED = (Status.CANCELLED, Status.FINISHED)

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="jobs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    # What to do to every row: invite message/send_email/access_level, the fields to edit,
    # export columns and query, import mapping and mode. Each kind's handler reads its own.
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # Export file, or an import's failed rows; private to the owner, deleted after expiry.
    result_file = models.FileField(storage=job_files_storage, max_length=255, blank=True)
    result_expires_at = models.DateTimeField(null=True, blank=True)

    # The lease: the worker holding an unexpired token is the only one that may start rows.
    # Workers can die without a word (django-tasks-db leaves their task RUNNING forever), so
    # a holder renews it as it goes and another worker may take over once it lapses.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # The one pending task run that checks on this job when its lease should have lapsed.
    watchdog_task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_recent")]
        permissions = [("manage_all_jobs", "Can see and steer every user's jobs")]

    def __str__(self):
        return f"job {self.pk} ({self.kind}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def has_ended(self) -> bool:
        return self.status in self.ENDED

    def counts(self) -> JobCounts:
        """Rows per state, from the ledger alone: one grouped query on the job_row_state index."""
        per_state = self.rows.order_by().values_list("state").annotate(n=models.Count("id"))
        return JobCounts(**dict(per_state))


class JobRow(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        IN_FLIGHT = "in_flight", "In flight"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        # Its call may or may not have reached TaskIP (a worker died mid-call): never repeated
        # unless someone asks for it.
        UNKNOWN = "unknown", "Unknown"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    # Empty for import rows until their contact is created.
    contact_id = models.BigIntegerField(null=True, blank=True)
    # The contact's name when the job was made, so pages never ask TaskIP.
    label = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    # The API's message for a failure, why a row was skipped, what a done row did.
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    # The lease token of the run that started this row: that run, and only it, records how it
    # went, even if another worker has meanwhile marked it unknown.
    claim_token = models.CharField(max_length=32, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="job_row_position_unique"),
        ]
        # "The next pending row of job J" and "how many rows of J are in each state".
        indexes = [models.Index(fields=["job", "state", "position"], name="job_row_state")]

    def __str__(self):
        return f"row {self.position} of job {self.job_id} ({self.state})"
