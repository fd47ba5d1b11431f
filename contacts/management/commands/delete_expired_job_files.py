from django.core.management.base import BaseCommand

from contacts.job_files import delete_expired_files


class Command(BaseCommand):
    help = ("Delete export files, uploaded imports and failed-row files older than "
            "JOB_FILE_RETENTION_HOURS. Run it from cron (e.g. hourly); jobs also run it as "
            "they start.")

    def handle(self, *args, **options):
        deleted = delete_expired_files()
        if options["verbosity"]:
            self.stdout.write(f"{deleted} expired job file{'' if deleted == 1 else 's'} deleted")
