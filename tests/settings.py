"""The dashboard's settings as production has them (DEBUG off), with test-only secrets and HTTP."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("TASKIP_SECRET_KEY", "test-secret")
os.environ.setdefault("DJANGO_HTTPS", "false")
os.environ.setdefault("DJANGO_DEBUG", "false")

from taskip_admin.settings import *  # noqa: E402, F403

# Hashed static names need collectstatic's manifest; tests serve straight from the finders.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # Job tests start real `db_worker` processes, which must open the test database too:
    # a file (not SQLite's in-memory database), named per test run so two runs can't collide.
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"taskip-admin-test-{os.getpid()}.sqlite3")
    }
