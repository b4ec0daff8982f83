"""A real Celery worker, Redis and PostgreSQL deliver what the web process queued, exactly once."""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction

from chpso_portal.celery import app as celery_app
from chpso_portal.notifications import kinds, services
from chpso_portal.notifications.models import Notification, OutboxEmail, OutboxStatus
from tests.factories import UserFactory

BASE_DIR = Path(settings.BASE_DIR)
REDIS_URL = os.environ.get("REDIS_URL", "")
IS_POSTGRESQL = "postgresql" in settings.DATABASES["default"]["ENGINE"]
MISSING = [what for what, present in (("PostgreSQL (set DATABASE_URL=postgres://...)",
                                       IS_POSTGRESQL),
                                      ("Redis (set REDIS_URL)", bool(REDIS_URL)))
           if not present]

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    # Skipped only without PostgreSQL and Redis (the default SQLite run); .ci/run provides both
    # and fails on any skipped test.
    pytest.mark.skipif(
        bool(MISSING), reason="needs " + " and ".join(MISSING),
    ),
]


@contextlib.contextmanager
def celery_broker(url, *, eager):
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    saved_pool, saved_producers = celery_app._pool, celery_app.amqp._producer_pool
    conf.broker_url, conf.task_always_eager = url, eager
    celery_app._pool = celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        celery_app._pool, celery_app.amqp._producer_pool = saved_pool, saved_producers


def worker_database_url():
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return (f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{quote(db['NAME'], safe='')}")


@contextlib.contextmanager
def running_worker(log_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chpso_portal.test_settings",
        "DATABASE_URL": worker_database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "chpso_portal", "worker", "--pool=solo",
             "--concurrency=1", "-l", "info", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"test-worker-{os.getpid()}@%h"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            yield worker
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)


def wait_for(predicate, worker, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}):\n{log_path.read_text()[-3000:]}")
        time.sleep(0.25)
    pytest.fail(f"nothing happened within {timeout} s; worker log:\n{log_path.read_text()[-3000:]}")


def status_of(pk):
    return OutboxEmail.objects.filter(pk=pk).values_list("status", "attempts").get()


def test_a_notification_queued_by_the_web_process_is_delivered_once_by_the_worker(tmp_path):
    lead = UserFactory(email="lead@worker.test")
    other = UserFactory(email="other@worker.test")
    log_path = tmp_path / "worker.log"
    with celery_broker(REDIS_URL, eager=False):
        celery_app.control.purge()  # messages left over from an earlier run
        with transaction.atomic():
            services.notify(kind=kinds.CONTRACT_EXPIRING, event_key="contract:9:expiring:30",
                            recipients=[lead], title="Contract ends in 30 days",
                            body="Sign the new contract.")
        email = OutboxEmail.objects.get(to_address=lead.email)
        assert status_of(email.pk) == (OutboxStatus.PENDING, 0)  # queued, not sent in-process

        with running_worker(log_path) as worker:
            wait_for(lambda: status_of(email.pk)[0] == OutboxStatus.SENT, worker, log_path)

            # A duplicated message (a redelivery, or the sweeper racing the first task) is
            # ignored. Tasks run in order on the one solo worker, so once the marker email
            # behind it is sent, the duplicate has been handled.
            services.enqueue_delivery(email.pk)
            with transaction.atomic():
                marker = services.queue_email(kind=kinds.CONTRACT_EXPIRED, event_key="marker",
                                              to_address=other.email, subject="Marker",
                                              body="b")
            wait_for(lambda: status_of(marker.pk)[0] == OutboxStatus.SENT, worker, log_path)

    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.SENT, 1)
    assert email.sent_at is not None and email.last_error == ""
    assert Notification.objects.filter(recipient=lead, event_key="contract:9:expiring:30").exists()
    log = log_path.read_text()
    assert log.count("notifications.deliver_email[") >= 3, log[-3000:]
    assert "succeeded" in log
