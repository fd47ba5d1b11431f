"""The dashboard's own data. Contacts themselves live in TaskIP (docs/architecture.md)."""

from .audit import AuditEntry, Contact
from .budget import ApiBudget
from .jobs import Job, JobCounts, JobRow
from .views import ListPreference, SavedView

__all__ = [
    "ApiBudget", "AuditEntry", "Contact", "Job", "JobCounts", "JobRow", "ListPreference",
    "SavedView",
]
