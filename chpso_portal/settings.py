"""Settings for the PSO portal.

Everything comes from environment variables with safe defaults. Without DATABASE_URL and
REDIS_URL the portal runs embedded: an SQLite file, tasks run in-process, mail to the console.
With DEBUG off it refuses to start on an insecure configuration.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Absolute address of the portal, used for links in emails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
PSO_NAME = env_str("PSO_NAME", "California Hospital Patient Safety Organization")
# How members reach the PSO's staff: shown at the foot of every page. The defaults are
# placeholders (a reserved domain and a fictional number) until the PSO sets its own.
PSO_CONTACT_EMAIL = env_str("PSO_CONTACT_EMAIL", "help@pso.example")
PSO_CONTACT_PHONE = env_str("PSO_CONTACT_PHONE", "(916) 555-0100")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "guardian",
    "bootstrap",
    "chpso_portal.audit",
    "chpso_portal.notifications",
    "chpso_portal.deidentify",
    "members",
    "cases",
    "collaboratives",
    "collaboratives.feedback",
    "actions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "chpso_portal.audit.middleware.RequestContextMiddleware",
    "chpso_portal.security_headers.PolicyOnceCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the user and the facts every page needs read from the cache at once.
    "members.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Instead of allauth's UserSessionsMiddleware: the same tracking, written once a minute.
    "members.middleware.ActivityMiddleware",
    "members.middleware.NoStoreMiddleware",
    "members.middleware.ActingMembershipMiddleware",
    "members.middleware.RequireMFAMiddleware",
]

ROOT_URLCONF = "chpso_portal.urls"
WSGI_APPLICATION = "chpso_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chpso_portal.context_processors.portal",
            ],
            "builtins": ["chpso_portal.templatetags.portal_forms"],
            # chpso_portal is not an app; its tags are registered by name.
            "libraries": {"screening": "chpso_portal.templatetags.screening",
                          "nav": "chpso_portal.templatetags.nav"},
        },
    },
]

# Widgets render with the project's templates too (templates/cases/widgets/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Data --------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer fails the request within seconds (the 503 page of
    # chpso_portal/outage.py) instead of holding a web worker until gunicorn kills it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two requests writing at once must wait for each other, not fail with "database is
    # locked": write-ahead logging lets readers go on while one writes, a transaction takes the
    # write lock when it begins, and a writer waits up to 20 seconds for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    })
# Behind PgBouncer in transaction mode a cursor cannot outlive its transaction's server
# connection: named (server-side) cursors are turned off.
DATABASE_POOLER = env_str("DATABASE_POOLER", "")
if DATABASE_POOLER not in ("", "session", "transaction"):
    raise ImproperlyConfigured("DATABASE_POOLER must be empty, 'session' or 'transaction'.")
if DATABASE_POOLER == "transaction":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down means an empty cache, not a 500 (chpso_portal/cache.py).
            "BACKEND": "chpso_portal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # Rate-limit counters live in the cache and must be shared by every process that serves
    # (gunicorn with three workers would otherwise allow three times the tries): without
    # Redis, a directory of files that all processes on the machine read and write.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env_str("CACHE_DIR", str(VAR_DIR / "cache")),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    # django-ratelimit asks for atomic increments (Redis); a file cache is shared but may, under
    # simultaneous requests, miss a count. Without Redis that is the accepted trade-off.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# How many reverse proxies of our own stand in front of the portal. The visitor's address is
# read from X-Forwarded-For accordingly (chpso_portal/proxies.py) by the audit log, the rate
# limits and allauth alike; 0 ignores the header.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
RATELIMIT_IP_META_KEY = "chpso_portal.proxies.ratelimit_ip"

# --- Accounts ----------------------------------------------------------------------------

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    # allauth's, building the signed-in user from its cached row (members/auth_backends.py).
    "members.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupDetailsForm"
ACCOUNT_FORMS = {"login": "members.auth_forms.PortalLoginForm",
                 "add_email": "members.auth_forms.AddEmailForm"}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# One address per account. A second one exists only while changing address: it is confirmed by
# a link sent to it and then replaces the first. Addresses with a pending invitation cannot be
# claimed (members.auth_forms.AddEmailForm).
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[PSO portal] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "PSO portal")
# Coordinators and facilitators must set up an authenticator app before they can work.
PSO_REQUIRE_MFA = env_bool("PSO_REQUIRE_MFA", True)
USERSESSIONS_TRACK_ACTIVITY = True
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# Idle timeout: the session lives this many seconds after the last request. Its clock is
# wound (the session saved) at most once a minute, by members.middleware.ActivityMiddleware,
# which also updates the "where you are signed in" list at that pace: a page then costs no
# write, and the session still ends at most a minute before the timeout, never after.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ACTIVITY_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Portal rules --------------------------------------------------------------------------

INVITATION_VALID_DAYS = 7
CONTRACT_EXPIRING_DAYS = 60
CONTRACT_REMINDER_DAYS = (60, 30, 7)
CONTRACT_DOCUMENT_MAX_BYTES = env_int("CONTRACT_DOCUMENT_MAX_MB", 10) * 1024 * 1024
REGISTRATION_RATE = env_str("REGISTRATION_RATE", "5/h")
# Without Redis, CSV imports larger than this run in a thread of their own, never in the request.
IMPORT_INLINE_MAX_BYTES = 256 * 1024
# An import still queued or running after this long died with its process: it is marked failed.
IMPORT_STALE_AFTER_MINUTES = env_int("IMPORT_STALE_AFTER_MINUTES", 60)
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "private": {
        # Never served by the web server: downloads go through an access-checked view.
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Tasks -------------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task still running when the broker connection drops cannot be acknowledged: cancel it and
# let it be delivered again (Celery 6's default). Tasks are idempotent, so nothing runs twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when Redis is away: the outbox keeps the row and the sweeper
# enqueues it again later, so a request never hangs on the broker.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "notifications.sweep_outbox",
        "schedule": float(env_int("OUTBOX_SWEEP_INTERVAL_SECONDS", 60)),
    },
    "imports-stale": {"task": "cases.fail_stale_imports", "schedule": 600.0},
    "contracts-reconcile": {
        "task": "members.reconcile_contracts",
        "schedule": crontab(hour=9, minute=5),  # 01:05 in California
    },
    "sessions-reminders": {
        "task": "collaboratives.send_reminders",
        "schedule": crontab(minute=15),  # hourly; each reminder has its own event key
    },
    "sessions-nightly": {
        # After the contract pass: rule 4 withdrawals, then grants re-derived from the facts.
        "task": "collaboratives.nightly",
        "schedule": crontab(hour=9, minute=20),
    },
    "learning-reminders": {
        # Calls and sessions two days ahead; monthly reports due soon or late (each once).
        "task": "collaboratives.learning_reminders",
        "schedule": crontab(minute=35),
    },
    "actions-reminders": {
        # Owners of actions due in a few days or overdue; each reminder once per due date.
        "task": "actions.send_reminders",
        "schedule": crontab(hour=14, minute=40),  # 06:40 in California
    },
    "learning-deviance-scan": {
        # After the nightly grants pass: each running collaborative's positive deviants are
        # flagged to the coordinators (the scan only adds teams not already flagged).
        "task": "collaboratives.deviance_scan",
        "schedule": crontab(hour=9, minute=45),
    },
    "dashboards-new-day": {
        # The dashboards' figures are kept per day in the portal's time zone: compute the
        # day's before the first safety lead opens one. Beat runs in UTC: 07:10 is 00:10 in
        # California in summer, 08:10 in winter; the other run finds the figures there.
        "task": "cases.refresh_dashboards_for_the_day",
        "schedule": crontab(hour="7,8", minute=10),
    },
    "lessons-digest": {
        # Monday morning in California; the week is fixed by the calendar, so a late or
        # repeated run sends the same digest once.
        "task": "collaboratives.lesson_digest",
        "schedule": crontab(day_of_week=1, hour=15, minute=0),
    },
}
# An action's owner is reminded this many days before its due date (and once when overdue).
ACTION_REMINDER_DAYS = env_int("ACTION_REMINDER_DAYS", 3)
# A pending email not picked up this long after it was written is queued again by the sweeper;
# a failed send waits OUTBOX_RETRY_BASE_SECONDS, then twice as long each time (6 h at most).
OUTBOX_SWEEP_AFTER_SECONDS = env_int("OUTBOX_SWEEP_AFTER_SECONDS", 120)
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 30)
OUTBOX_MAX_ATTEMPTS = 8

# --- Email -------------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PSO portal <no-reply@pso.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Static files, security headers ------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
# Files served at the site's root, such as /favicon.ico, before any session is touched.
WHITENOISE_ROOT = BASE_DIR / "public"
CSRF_FAILURE_VIEW = "chpso_portal.errors.csrf_failure"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a commitment browsers keep for months, so it is the operator's choice
        # (README, Security); the deployment check's reminder about it is not a failure.
        SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    if SECRET_KEY.startswith("insecure") or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be a long random value in production.")

# --- Locale ------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/Los_Angeles")
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Refused requests (4xx) are logged as one line; tracebacks only for real errors.
    "filters": {"one_line_refusals": {"()": "chpso_portal.errors.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["one_line_refusals"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
