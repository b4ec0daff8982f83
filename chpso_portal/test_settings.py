"""Small overrides for the test suite on top of the one settings module."""

import os

os.environ.setdefault("SECRET_KEY", "test-" + "k" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("PRIVATE_MEDIA_ROOT", "/tmp/chpso-test-private")

from .env import env_bool  # noqa: E402
from .settings import *  # noqa: E402,F403
from .settings import REDIS_URL, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Tests run tasks in-process; a real worker started by a test turns this off (env).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
PSO_REQUIRE_MFA = True
ACCOUNT_RATE_LIMITS = False
if not REDIS_URL:
    # One process: memory is enough, and no file is left behind.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
