"""Settings for the taskip-admin dashboard, read from the environment (django-environ).

Every variable is documented in `.env.example`; docs/architecture.md explains them.
"""

import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _required_unless_debug(name: str, debug_default: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return debug_default
    raise ImproperlyConfigured(f"Set {name}: it is required when DJANGO_DEBUG is off.")


# A fresh random key per process in DEBUG: sessions die with the process, which is fine
# for a demo and means no shared default key can ever reach production.
SECRET_KEY = _required_unless_debug("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

TASKIP_BASE_URL = env.str("TASKIP_BASE_URL", default="http://127.0.0.1:8001").rstrip("/")
TASKIP_SECRET_KEY = _required_unless_debug("TASKIP_SECRET_KEY", "sandbox-secret")
TASKIP_TIMEOUT = tuple(env.list("TASKIP_TIMEOUT", cast=float, default=[3.05, 10.0]))
# Identical list reads by one user within this many seconds share one API call (0 = off).
CONTACTS_LIST_MEMO_SECONDS = env.float("CONTACTS_LIST_MEMO_SECONDS", default=1.0)
# Contact images are shown only from these hosts; any other image URL is offered as a link.
TASKIP_IMAGE_HOSTS = env.list("TASKIP_IMAGE_HOSTS", default=["taskip.net"])
if len(TASKIP_TIMEOUT) != 2:
    raise ImproperlyConfigured("TASKIP_TIMEOUT is 'connect,read' in seconds, e.g. 3.05,10")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "contacts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "contacts.middleware.HtmxLoginRedirectMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "contacts.middleware.ActingUserMiddleware",
    "contacts.middleware.SlidingExpiryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "contacts.middleware.TaskipErrorMiddleware",
    "contacts.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "taskip_admin.urls"
WSGI_APPLICATION = "taskip_admin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Form field templates come from templates/ like every other (the checkbox beside its label);
# "django.forms" above lets this renderer find Django's own.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Local state (the SQLite database, job files) lives in var/; made here so that every command
# works on a fresh clone, not only `make run`.
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'dashboard.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent gunicorn threads: WAL lets reads run beside a write, IMMEDIATE avoids
    # "database is locked" upgrades from read to write transactions.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 10, "init_command": "PRAGMA journal_mode=WAL;"}
    )
# Keep each worker thread's connection open between requests: opening one (and setting WAL on
# it) cost more than the session and user queries a page makes.
# A conn_max_age given in DATABASE_URL wins.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=600))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache layer (docs/architecture.md, "Caching"): local memory per process by default; with
# REDIS_URL every process and host shares Django's built-in RedisCache.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "taskip-admin",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs: Django's Tasks framework, stored in the dashboard DB, run by `db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The one API budget every process draws from (docs/architecture.md, "The API budget").
TASKIP_RATE_LIMIT = env.int("TASKIP_RATE_LIMIT", default=100)
TASKIP_INTERACTIVE_RESERVE = env.float("TASKIP_INTERACTIVE_RESERVE", default=0.2)
TASKIP_USER_SHARE = env.float("TASKIP_USER_SHARE", default=0.25)
JOB_FILE_RETENTION_HOURS = env.float("JOB_FILE_RETENTION_HOURS", default=24)
JOB_FILES_DIR = Path(env.str("JOB_FILES_DIR", default=str(VAR_DIR / "jobs")))
# A worker that stops renewing its hold on a job for this long is taken for dead and another
# worker takes the job over. Keep it above one API call's deadline (15 s): a live worker can't
# renew while it waits for TaskIP.
JOB_LEASE_SECONDS = env.float("JOB_LEASE_SECONDS", default=30)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "contacts.backends.StaffBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/contacts/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Sessions expire after two hours without a request. contacts.middleware refreshes the expiry at
# most once a minute, so a busy page doesn't write the session row on every request. With Redis,
# cached_db reads them from the shared cache; without it, a per-process cache in front of the
# database would keep a logged-out session alive in the other processes, so plain db it is.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_AGE", default=2 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-axes: lock a username+IP pair after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Reverse proxies in front whose X-Forwarded-For entries are trusted (0: the header is ignored).
PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "contacts.client_address.client_ip"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security headers. HTTPS hardening follows DJANGO_HTTPS, which defaults to "on" outside DEBUG.
HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# No page of the dashboard needs any of these browser features.
PERMISSIONS_POLICY = {
    feature: []
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "fullscreen",
                    "display-capture")
}  # fmt: skip

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # Contact photos load only from hosts trusted not to track who looked (TASKIP_IMAGE_HOSTS).
    "img-src": [CSP.SELF, "data:", *(f"https://{host}" for host in TASKIP_IMAGE_HOSTS)],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
}


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Control characters in logged values are escaped, so no value can forge a log line.
    "filters": {"escape": {"()": "contacts.log.EscapeControlCharacters"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["escape"]}
    },
    "loggers": {
        "contacts": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        "axes": {"handlers": ["console"], "level": "INFO"},
        # Permission denials (403) and CSRF failures are logged here by Django.
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
