from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = "Contacts"

    def ready(self):
        # Signal receivers: the login log, and the shared permission cache's invalidation.
        from . import backends, signals  # noqa: F401
