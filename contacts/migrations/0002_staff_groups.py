from django.db import migrations

ROLE_PERMISSIONS = {
    "Contact viewers": ["view_contact"],
    "Contact editors": ["view_contact", "add_contact", "change_contact", "invite_contact"],
    "Contact admins": [
        "view_contact",
        "add_contact",
        "change_contact",
        "delete_contact",
        "invite_contact",
        "view_auditentry",
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally made after all migrations run; make them now so groups can hold them.
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("contacts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="contacts", codename__in=codenames)
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
