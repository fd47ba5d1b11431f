"""`python manage.py sandbox`: serve the local TaskIP contact API until interrupted.

manage.py switches to sandbox.settings for this command, so it never sees the dashboard's
settings or database.
"""

import math
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import connections

DEFAULT_DB = Path(settings.BASE_DIR) / "var" / "sandbox.sqlite3"
# How long a stopping server lets requests under way finish before it exits anyway.
DRAIN_SECONDS = 5.0


def _stop_on_signal(server):
    """A handler for SIGTERM and SIGINT that ends serve_forever() at its next poll.

    Raising from the handler instead would land wherever the main thread happens to be; inside
    socketserver's accept-and-dispatch that is an `except Exception` which swallows the
    exception and keeps serving. BaseServer.shutdown() waits for the loop to notice, so it runs
    on a thread of its own.
    """

    def handler(signum, frame):
        threading.Thread(target=server.shutdown, name="sandbox-stop", daemon=True).start()

    return handler


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
            help="The X-Secret-Key clients must send. Prefer setting $TASKIP_SECRET_KEY "
            "instead: a flag shows in the process list. If both are given, this flag wins "
            "(default: $TASKIP_SECRET_KEY, else 'sandbox-secret').",
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
        support = parser.add_argument_group(
            "test support", "Off by default; not part of TaskIP's API."
        )
        support.add_argument(
            "--record",
            default=None,
            metavar="FILE",
            help="Append one JSON line per request to FILE, written with its access-log line: "
            '{"method", "target", "status", "body"}, body being the parsed JSON request body '
            "or null. No header is recorded (so never the key); bodies are kept verbatim.",
        )
        support.add_argument(
            "--allow-reset",
            action="store_true",
            help="Serve POST /_sandbox/reset (key required; answers 204): restore the database "
            "to its state at start-up (after --seed), and forget rate-limit counts.",
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
        settings.SANDBOX_ALLOW_RESET = options["allow_reset"]

        from sandbox.server import Recorder, make_server, public_url, warm_up, write_line

        try:
            recorder = Recorder(options["record"]) if options["record"] else None
        except OSError as exc:
            raise CommandError(f"Cannot record to {options['record']}: {exc}") from exc
        self._prepare_database(options["seed"], snapshot=options["allow_reset"])

        app = get_wsgi_application()
        warm_up(app, settings.SANDBOX_SECRET_KEY)
        try:
            server = make_server(options["host"], options["port"], app, recorder)
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from exc
        stop = _stop_on_signal(server)
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # The socket is bound and listening, so connections queue from this moment on.
        write_line(f"sandbox listening on {public_url(server, options['host'])}")
        try:
            server.serve_forever(poll_interval=0.1)
        finally:
            server.server_close()  # no new connections
            server.drain(DRAIN_SECONDS)  # answers still under way go out, saying "close"
            connections.close_all()
            if recorder is not None:
                recorder.close()
        write_line("sandbox stopped")

    def _prepare_database(self, seed, snapshot):
        from sandbox.db import enable_wal
        from sandbox.reference_data import load_reference_data
        from sandbox.reset import take_snapshot
        from sandbox.seed import seed_contacts

        enable_wal()
        call_command("migrate", verbosity=0, interactive=False)
        load_reference_data()
        seed_contacts(seed)
        if snapshot:
            take_snapshot()
        # Serving threads open their own connections; this one has done its job.
        connections.close_all()
