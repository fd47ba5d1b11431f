import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from contacts.roles import ROLE_GROUPS


class Command(BaseCommand):
    help = "Create a staff user in one of the contact roles (viewer, editor, admin)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLE_GROUPS), required=True)
        parser.add_argument("--password", help="Default: a random one, printed once.")
        parser.add_argument(
            "--update", action="store_true", help="Reset role and password if the user exists."
        )

    def handle(self, *args, username, role, password, update, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user and not update:
            raise CommandError(f"User {username!r} exists; pass --update to reset it.")
        made_password = not password
        password = password or secrets.token_urlsafe(12)
        if user is None:
            user = User(username=username)
        user.is_staff = role == "admin"
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=ROLE_GROUPS[role])])
        # A password the caller chose is never echoed (terminals and CI logs keep output).
        if made_password:
            self.stdout.write(f"{username} ({role}) password: {password}")
        else:
            self.stdout.write(f"{username} ({role}) saved.")
