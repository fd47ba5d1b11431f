"""`python manage.py sandbox`: serve the local TaskIP contact API until interrupted.

manage.py switches to sandbox.settings for this command, so it never sees the dashboard's
settings or database.
"""

import math
import signal
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import connections

DEFAULT_DB = Path(settings.BASE_DIR) / "var" / "sandbox.sqlite3"


class _Stop(Exception):
    """Raised from the SIGTERM handler to leave serve_forever() the same way Ctrl-C does."""


def _stop(signum, frame):
    raise _Stop


class Command(BaseCommand):
    help = (
        "Serve a local, contract-faithful copy of TaskIP's public contact API "
        "(/api/public-v1/...) until interrupted. One access-log line per request goes to stdout."
    )
    # The database is chosen by --db inside handle(); nothing may touch it before then.
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1)."
        )
        parser.add_argument(
            "--port",
            type=int,
            default=8001,
            help="Port to listen on (default 8001; 0 picks a free one).",
        )
        parser.add_argument(
            "--secret-key",
            default=None,
            help="The X-Secret-Key clients must send "
            "(default: $TASKIP_SECRET_KEY or 'sandbox-secret').",
        )
        parser.add_argument(
            "--db",
            default=None,
            help=f"SQLite file to use, created if missing (default {DEFAULT_DB}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=0,
            metavar="N",
            help="Add N realistic contacts (ids 1..N) if the contacts table is empty (default 0).",
        )
        parser.add_argument(
            "--rate-limit",
            type=int,
            default=100,
            metavar="N",
            help="Requests per minute per key, plus 1000 per hour; 0 turns it off (default 100).",
        )
        parser.add_argument(
            "--latency-ms",
            type=float,
            default=0,
            metavar="MS",
            help="Delay every answer by this many milliseconds (default 0).",
        )
        parser.add_argument(
            "--fail-rate",
            type=float,
            default=0.0,
            metavar="F",
            help="Answer this fraction (0..1) of API requests with a 503 (default 0).",
        )

    def handle(self, *args, **options):
        if not 0 <= options["port"] <= 65535:
            raise CommandError("--port must be between 0 and 65535.")
        if options["seed"] < 0 or options["rate_limit"] < 0:
            raise CommandError("--seed and --rate-limit cannot be negative.")
        if not (math.isfinite(options["latency_ms"]) and options["latency_ms"] >= 0):
            raise CommandError("--latency-ms must be a non-negative number.")
        if not 0 <= options["fail_rate"] <= 1:
            raise CommandError("--fail-rate must be between 0 and 1.")

        db_path = Path(options["db"]).resolve() if options["db"] else DEFAULT_DB
        db_path.parent.mkdir(parents=True, exist_ok=True)
        # Connections are opened lazily and read this dict when they do, so setting it here,
        # before any query, is enough to move the whole process onto the chosen file.
        settings.DATABASES["default"]["NAME"] = str(db_path)
        if options["secret_key"] is not None:
            if not options["secret_key"]:
                raise CommandError("--secret-key cannot be empty.")
            settings.SANDBOX_SECRET_KEY = options["secret_key"]
        settings.SANDBOX_RATE_LIMIT_PER_MINUTE = options["rate_limit"]
        settings.SANDBOX_LATENCY_MS = options["latency_ms"]
        settings.SANDBOX_FAIL_RATE = options["fail_rate"]

        self._prepare_database(options["seed"])

        from sandbox.server import make_server, public_url, warm_up, write_line

        app = get_wsgi_application()
        warm_up(app)
        try:
            server = make_server(options["host"], options["port"], app)
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from exc
        signal.signal(signal.SIGTERM, _stop)
        # The socket is bound and listening, so connections queue from this moment on.
        write_line(f"sandbox listening on {public_url(server, options['host'])}")
        try:
            server.serve_forever(poll_interval=0.1)
        except (KeyboardInterrupt, _Stop):
            pass
        finally:
            server.server_close()
            connections.close_all()
        write_line("sandbox stopped")

    def _prepare_database(self, seed):
        from sandbox.db import enable_wal
        from sandbox.reference_data import load_reference_data
        from sandbox.seed import seed_contacts

        enable_wal()
        call_command("migrate", verbosity=0, interactive=False)
        load_reference_data()
        seed_contacts(seed)
        # Serving threads open their own connections; this one has done its job.
        connections.close_all()
