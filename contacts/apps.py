from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = "Contacts"

    def ready(self):
        # Signal receivers: the login log, and the shared permission cache's invalidation.
        # Export and import register their job row handlers (contacts.job_handlers.ROW_HANDLERS)
        # when imported; a worker must know them before it runs any job.
        from . import backends, export, imports, signals  # noqa: F401
