"""The dashboard's own data. Contacts themselves live in TaskIP (docs/architecture.md)."""

from .audit import AuditEntry, Contact

__all__ = ["AuditEntry", "Contact"]
