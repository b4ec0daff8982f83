"""Settings of the portal processes the fault and load tests start (gunicorn, Celery).

Production settings (DEBUG off, SMTP, Redis, PostgreSQL, all from the environment) with three
differences that only make the test machine's life easier:
- static files are served from the source folders, so no `collectstatic` is needed;
- passwords use the fast hasher the test suite creates its people with;
- the sign-in rate limits are off, because every virtual user comes from 127.0.0.1.
"""

from chpso_portal.settings import *  # noqa: F403
from chpso_portal.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ACCOUNT_RATE_LIMITS = False
