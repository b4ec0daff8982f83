"""The full stack for the fault tests: our own Redis, SMTP server, Celery worker and beat, and
gunicorn, all pointed at the test database, started once per module and stopped after it."""

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


class Stack:
    """Redis, SMTP, a worker, beat and gunicorn around one database. Tests break them on
    purpose; `heal()` puts back whatever a test left broken."""

    def __init__(self, workdir, db_url, *, web_workers=2):
        self.workdir = workdir
        self.db_url = db_url
        self.redis = stack.RedisServer(workdir).start()
        self.smtp = stack.SmtpSink().start()
        self.env = stack.portal_env(database_url=db_url, redis_url=self.redis.url,
                                    smtp_port=self.smtp.port, workdir=workdir)
        self.worker_log = workdir / "worker.log"
        self.beat_log = workdir / "beat.log"
        self.web_log = workdir / "web.log"
        self.worker = self.beat = self.web = None
        self.web_port = stack.free_port()
        self.web_workers = web_workers

    def start(self):
        self.start_worker()
        self.beat = stack.start_beat(self.env, self.beat_log, self.workdir)
        self.web = stack.start_gunicorn(self.env, self.web_log, port=self.web_port,
                                        workers=self.web_workers)
        return self

    def start_worker(self):
        self.worker = stack.start_worker(self.env, self.worker_log, name="faults")
        stack.wait_until(lambda: stack.worker_ready(self.worker_log), timeout=90,
                         what="the Celery worker is ready", explain=self.logs)

    def visitor(self, **kwargs) -> stack.Visitor:
        return stack.Visitor(self.web_port, **kwargs)

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{stack.tail(path, 3000)}"
                         for path in (self.worker_log, self.beat_log, self.web_log))

    def heal(self):
        self.smtp.refuse_next = 0
        self.smtp.defer_each.clear()
        self.smtp.hold_data.clear()
        self.smtp.release.set()
        if not self.redis.ping():
            self.redis.start()
        if self.worker is None or self.worker.poll() is not None:
            stack.stop_process(self.worker)
            self.start_worker()
        self.smtp.release.clear()
        self.smtp.holding.clear()

    def close(self):
        for process in (self.web, self.beat, self.worker):
            stack.stop_process(process)
        self.redis.stop()
        self.smtp.stop()


@pytest.fixture(scope="module")
def full_stack(request, django_db_setup, django_db_blocker, tmp_path_factory):
    if MISSING:
        pytest.skip("needs " + " and ".join(MISSING))
    from django.db import connection

    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    running = Stack(tmp_path_factory.mktemp("stack"), url)
    try:
        running.start()
        yield running
    finally:
        running.close()


@pytest.fixture
def live_stack(full_stack):
    """The module's stack, healed after the test, with a fresh SMTP log."""
    full_stack.heal()
    full_stack.smtp.log = stack.SmtpLog()
    yield full_stack
    with contextlib.suppress(Exception):
        full_stack.heal()
