"""The dashboard's own data. Contacts themselves live in TaskIP (docs/architecture.md)."""

from .audit import AuditEntry, Contact
from .views import ListPreference, SavedView

__all__ = ["AuditEntry", "Contact", "ListPreference", "SavedView"]
