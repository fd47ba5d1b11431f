"""The staff groups as the migrations make them, for tests that need a role's user.

A transactional test (live_server, real workers) flushes the database when it ends, which drops
the groups the migrations made; a test that runs after it on the same xdist worker (the order is
random) rebuilds the group here from the migrations' own tables of permissions.
"""

import importlib

from django.contrib.auth.models import Group, Permission

from contacts.roles import ROLE_GROUPS

# What migrations after 0002 gave each group (0005: everyone's jobs; 0007: exports).
LATER = {"editor": ["export_contact"], "admin": ["export_contact", "manage_all_jobs"]}


def staff_group(role: str) -> Group:
    name = ROLE_GROUPS[role]
    group, created = Group.objects.get_or_create(name=name)
    if created:
        migration = importlib.import_module("contacts.migrations.0002_staff_groups")
        codenames = [*migration.ROLE_PERMISSIONS[name], *LATER.get(role, [])]
        group.permissions.set(Permission.objects.filter(content_type__app_label="contacts",
                                                        codename__in=codenames))
    return group
