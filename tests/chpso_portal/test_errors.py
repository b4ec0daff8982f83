"""No 500 from ordinary trouble: error pages of our own, refusals logged as one line, SQLite
that waits instead of failing, and a favicon that touches no session."""

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

from django.test import Client, RequestFactory
from django.views.defaults import server_error

from chpso_portal.errors import OneLineRefusals

REPO = Path(__file__).resolve().parents[2]


def test_the_500_page_is_the_portals_own():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and 'lang="en"' in page


def test_a_csrf_failure_explains_itself(db):
    response = Client(enforce_csrf_checks=True).post("/register/", {"name": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "This form had expired" in page and "Nothing was saved" in page


def _console_handler():
    for handler in logging.getLogger().handlers:
        if any(isinstance(f, OneLineRefusals) for f in handler.filters):
            return handler
    raise AssertionError("the console handler has no refusal filter")


def test_refused_requests_are_logged_as_one_line(world, client_for):
    handler = _console_handler()
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        assert client_for(world.staff).get("/hospital/members/").status_code == 403
        assert client_for(world.lead).get("/pso/reports/").status_code == 403
    finally:
        handler.setStream(old)
    output = stream.getvalue()
    assert "Forbidden" in output
    assert "Traceback" not in output
    assert len([line for line in output.splitlines() if "Forbidden" in line]) == 2


def test_server_errors_keep_their_traceback():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", None,
                               (ValueError, ValueError("x"), None))
    record.status_code = 500
    OneLineRefusals().filter(record)
    assert record.exc_info is not None


def test_the_embedded_database_waits_for_a_writer_instead_of_failing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="chpso_portal.settings", DEBUG="true",
               VAR_DIR=str(tmp_path))
    code = ("import django; django.setup(); from django.db import connection; "
            "c = connection.cursor(); "
            "print(c.execute('PRAGMA journal_mode').fetchone()[0], "
            "c.execute('PRAGMA busy_timeout').fetchone()[0], "
            "connection.transaction_mode)")
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    mode, timeout, transaction_mode = result.stdout.split()
    assert mode == "wal" and int(timeout) >= 5000 and transaction_mode == "IMMEDIATE"


def test_the_favicon_is_served_without_touching_the_session(world, client_for,
                                                            django_assert_num_queries):
    client = client_for(world.staff)
    with django_assert_num_queries(0):
        response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
