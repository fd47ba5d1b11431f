"""Staff roles are Django groups made by migration 0002; this maps the short names people type."""

ROLE_GROUPS = {
    "viewer": "Contact viewers",
    "editor": "Contact editors",
    "admin": "Contact admins",
}
