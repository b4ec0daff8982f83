"""One reading of the visitor's address behind reverse proxies (audit log, rate limits,
allauth), and rate-limit counters shared by every process that serves."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory

from chpso_portal.audit.models import AuditAction, AuditEvent
from chpso_portal.proxies import client_ip
from members.models import Hospital

REPO = Path(__file__).resolve().parents[2]
PROXY = "10.0.0.5"


def request_from(remote=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from(forwarded="198.51.100.7")) == PROXY


def test_one_trusted_proxy_gives_the_address_it_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The visitor wrote the first entry themselves; our proxy appended the real one.
    request = request_from(forwarded="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"
    assert get_adapter(request).get_client_ip(request) == "203.0.113.9"


def test_two_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from(forwarded="6.6.6.6, 203.0.113.9, 10.0.0.9")) == "203.0.113.9"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "   "])
def test_a_missing_or_broken_header_falls_back_without_error(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from(forwarded=forwarded)) == PROXY


def test_the_audit_log_records_the_visitor_behind_the_proxy(client, world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client.post("/accounts/login/", {"login": world.lead.email, "password": "wrong"},
                REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9")
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.ip == "203.0.113.9"


def application(name):
    return {"name": name, "city": "Eureka", "state": "CA", "ccn": "", "bed_size": "100-199",
            "contact_name": "Jordan Avery", "contact_title": "Director",
            "contact_email": "jordan@redwood.example"}


def test_rate_limits_count_visitors_not_the_proxy(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REGISTRATION_RATE = "1/h"
    first = client.post("/register/", application("First Hospital"), REMOTE_ADDR=PROXY,
                        HTTP_X_FORWARDED_FOR="203.0.113.1")
    again = client.post("/register/", application("Again Hospital"), REMOTE_ADDR=PROXY,
                        HTTP_X_FORWARDED_FOR="203.0.113.1")
    other = client.post("/register/", application("Other Hospital"), REMOTE_ADDR=PROXY,
                        HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert (first.status_code, again.status_code, other.status_code) == (302, 429, 302)
    assert set(Hospital.objects.values_list("name", flat=True)) == {"First Hospital",
                                                                     "Other Hospital"}


COUNT_IN_A_PROCESS = """
import django
django.setup()
from django.test import RequestFactory
from django_ratelimit.core import is_ratelimited
request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.50")
print(sum(is_ratelimited(request, group="g", key="ip", rate="5/d", method="POST",
                         increment=True) for _ in range({tries})))
"""


def test_without_redis_processes_share_the_rate_limit_counters(tmp_path):
    """Three processes (gunicorn's default workers) get five tries between them, not fifteen."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="chpso_portal.settings", DEBUG="true",
               VAR_DIR=str(tmp_path))

    def limited_in_new_process(tries):
        result = subprocess.run([sys.executable, "-c", COUNT_IN_A_PROCESS.format(tries=tries)],
                                env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return int(result.stdout.strip())

    assert limited_in_new_process(3) == 0
    assert limited_in_new_process(2) == 0
    assert limited_in_new_process(3) == 3
