"""The dashboard's own data. Contacts themselves live in TaskIP (docs/architecture.md)."""

from .audit import AuditEntry, Contact
from .jobs import Job, JobCounts, JobRow

__all__ = ["AuditEntry", "Contact", "Job", "JobCounts", "JobRow"]
