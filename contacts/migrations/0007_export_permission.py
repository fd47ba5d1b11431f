"""The export permission (contacts.export_contact), given to the Contact editors and admins groups.

Exporting copies every matching contact into a file, so it is a permission of its own rather than
part of view_contact: viewers can read contacts one page at a time but not take them all away.
"""

from django.db import migrations

GROUPS = ["Contact editors", "Contact admins"]


def grant(apps, schema_editor):
    # Permissions are normally made after all migrations run; make this one now so groups can
    # hold it (as 0002_staff_groups does).
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("contacts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="contacts",
                                        codename="export_contact")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="contacts",
                              codename="export_contact").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0006_saved_views"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="contact",
            options={
                "managed": False,
                "default_permissions": ("view", "add", "change", "delete"),
                "permissions": [
                    ("invite_contact", "Can invite contact as client"),
                    ("export_contact", "Can export contacts"),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
