"""The full stack for the fault tests: our own Redis, SMTP server, Celery worker and beat, and
gunicorn, all pointed at the test database, started once for tests/faults/ and stopped after it."""

import contextlib
import os
from urllib.parse import quote

import pytest
from django.conf import settings

from . import stack

REDIS_URL = os.environ.get("REDIS_URL", "")
IS_POSTGRESQL = "postgresql" in settings.DATABASES["default"]["ENGINE"]
MISSING = [what for what, present in (("PostgreSQL (set DATABASE_URL=postgres://...)",
                                       IS_POSTGRESQL),
                                      ("Redis (set REDIS_URL)", bool(REDIS_URL)))
           if not present]

# Every module here runs on the full stack; like tests/chpso_portal/test_worker.py they are
# skipped only without PostgreSQL and Redis (the default SQLite run); .ci/run provides both
# and fails on any skipped test.
FULL_STACK = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(MISSING), reason="needs " + " and ".join(MISSING)),
]


def database_url(settings_dict) -> str:
    credentials = quote(settings_dict["USER"] or "postgres", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    return (f"postgres://{credentials}@{settings_dict['HOST'] or '127.0.0.1'}:"
            f"{settings_dict['PORT'] or 5432}/{quote(settings_dict['NAME'], safe='')}")


# Package scope: the processes stop after the last test here, before the rest of the suite
# runs its own transactional tests on the same database.
@pytest.fixture(scope="package")
def full_stack(django_db_setup, django_db_blocker, tmp_path_factory):
    if MISSING:
        pytest.skip("needs " + " and ".join(MISSING))
    from django.db import connection

    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    running = stack.Stack(tmp_path_factory.mktemp("stack"), url, web_workers=3)
    try:
        running.start()
        yield running
    finally:
        running.close()


@pytest.fixture
def live_stack(full_stack):
    """The running stack, healed before and after the test, with a fresh SMTP log."""
    full_stack.heal()
    full_stack.smtp.log = stack.SmtpLog()
    yield full_stack
    with contextlib.suppress(Exception):
        full_stack.heal()
