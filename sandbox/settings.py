"""Settings for the sandbox: a stand-alone local copy of TaskIP's public contact API.

This module is only ever loaded by `manage.py sandbox ...`, which runs the sandbox as its own
process. It shares nothing with the dashboard's settings: not the database, not the apps, not
the middleware. The runtime knobs (key, rate limit, latency, failure rate, database file) have
defaults here and are overridden by the management command's flags before anything is served.
"""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Nothing is signed or stored in cookies, so a per-process random key is all Django needs.
SECRET_KEY = os.environ.get("SANDBOX_DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["*"]
APPEND_SLASH = False

INSTALLED_APPS = ["sandbox"]
MIDDLEWARE = ["sandbox.middleware.GatewayMiddleware"]
ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = None

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # The command points this at --db before the first connection is opened.
        "NAME": BASE_DIR / "var" / "sandbox.sqlite3",
        "OPTIONS": {
            # Writers queue on a busy database instead of failing, and take the write lock when
            # the transaction starts so two writers never deadlock upgrading read locks.
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA synchronous=NORMAL",
        },
        # One connection per server thread (that is, per client connection), kept across
        # keep-alive requests; the threaded server closes it when the client goes away.
        "CONN_MAX_AGE": None,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
LANGUAGE_CODE = "en-us"

# Portal passwords are stored hashed with Django's PBKDF2, at fewer rounds than Django's default:
# these are throwaway demo credentials and a create call should not cost half a second of CPU.
PASSWORD_HASHERS = ["sandbox.hashers.SandboxPBKDF2PasswordHasher"]

# Invitation emails go through Django's email machinery. The console backend here writes to
# stderr so stdout stays a clean, one-line-per-request access log.
EMAIL_BACKEND = os.environ.get("SANDBOX_EMAIL_BACKEND", "sandbox.mail.StderrConsoleEmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get(
    "SANDBOX_FROM_EMAIL", "TaskIP Sandbox <no-reply@sandbox.invalid>"
)

# Request bodies above this size are answered with a JSON 413 instead of being read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    # Unexpected exceptions still become JSON 500s; their tracebacks land on stderr.
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False}},
}

# Runtime knobs, overridden by `manage.py sandbox` flags.
SANDBOX_SECRET_KEY = os.environ.get("TASKIP_SECRET_KEY") or "sandbox-secret"
SANDBOX_RATE_LIMIT_PER_MINUTE = 100
SANDBOX_RATE_LIMIT_PER_HOUR = 1000
SANDBOX_LATENCY_MS = 0
SANDBOX_FAIL_RATE = 0.0
SANDBOX_ALLOW_RESET = False
