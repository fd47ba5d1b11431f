"""The dashboard's own data. Contacts themselves live in TaskIP (docs/architecture.md)."""

from .audit import AuditEntry, Contact
from .budget import ApiBudget

__all__ = ["ApiBudget", "AuditEntry", "Contact"]
