from django.db import migrations


def give_to_admins(apps, schema_editor):
    # Permissions are normally made after all migrations run; make them now so the group can
    # hold this one (as 0002_staff_groups does).
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("contacts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="contacts",
                                        codename="manage_all_jobs")
    for group in Group.objects.filter(name="Contact admins"):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0004_jobs")]

    operations = [
        migrations.AlterModelOptions(
            name="job",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [("manage_all_jobs", "Can see and steer every user's jobs")],
            },
        ),
        migrations.RunPython(give_to_admins, migrations.RunPython.noop),
    ]
