"""Reading changes nothing: every GET of every URL, as every kind of visitor, writes no row
except the audit rows the law asks for (reads of reports and materials, denied attempts), and
a HEAD writes nothing at all. Signed-in pages are never kept by a browser or proxy.

The URLs are found the way the access-registry test finds them, so a page added to the portal
is covered as soon as it is declared there (with its arguments in `url_kwargs`).
"""

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .test_access_registry import VISITORS, rule_for, url_kwargs, walk

WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', re.IGNORECASE)
AUDIT_TABLE = "audit_auditevent"


def writes(captured) -> Counter:
    found = Counter()
    for query in captured.captured_queries:
        if match := WRITE.match(query["sql"]):
            found[f"{match.group(1).split()[0].upper()} {match.group(2)}"] += 1
    return found


def readable_urls(world) -> dict[str, str]:
    """Every URL that answers GET: the portal's own (with the access-registry test's
    arguments) and the libraries' that need no argument (allauth, the admin's lists)."""
    urls = {}
    for name, pattern in walk():
        rule = rule_for(name, pattern)
        if not name or rule is None or "GET" not in rule.methods or name in urls:
            continue
        own = hasattr(pattern.callback, "access_rule")
        try:
            urls[name] = reverse(name, kwargs=url_kwargs(name, world) if own else {})
        except NoReverseMatch:
            if own:
                raise
            # A library URL that needs a key from an email (confirmation, password reset).
    return urls


@pytest.fixture
def still_clock(time_machine):
    """The clock stands still during a walk: the once-a-minute refresh of the idle clock and
    of the user-sessions row (tested on its own in tests/members/test_auth.py) cannot fall
    between two pages and be taken for a page's write."""
    time_machine.move_to(timezone.now(), tick=False)


@pytest.mark.parametrize("who", VISITORS)
def test_a_get_writes_nothing_but_audit_rows_and_a_head_nothing_at_all(who, world, client_for,
                                                                        still_clock):
    urls = readable_urls(world)
    assert len(urls) > 40  # the walk found the portal's pages
    client = client_for(world.people()[who])
    # The first request after signing in winds the idle clock and writes the user-sessions
    # row; from then on, within the minute, nothing.
    client.get(reverse("home"))
    failures = []
    for name, url in sorted(urls.items()):
        for method in ("get", "head"):
            with CaptureQueriesContext(connection) as captured:
                response = getattr(client, method)(url)
            found = writes(captured)
            if method == "get":
                found = {k: v for k, v in found.items() if k != f"INSERT {AUDIT_TABLE}"}
            if found:
                failures.append(f"{method.upper()} {name} ({response.status_code}): "
                                f"{dict(found)}")
    assert failures == []


def test_reading_a_report_is_audited_in_one_write(world, client_for, still_clock):
    """The audit row of a read is the only write of the request: one INSERT, nothing else."""
    from .factories import ReportFactory

    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    client = client_for(world.staff)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("report-detail", args=[report.public_id])).status_code == 200
    assert writes(captured) == {f"INSERT {AUDIT_TABLE}": 1}


def test_head_on_an_export_writes_no_audit_row(world, client_for):
    from chpso_portal.audit.models import AuditAction, AuditEvent

    lead, coordinator = client_for(world.lead), client_for(world.coordinator)
    for client, name in ((lead, "report-export"), (coordinator, "pso-report-export")):
        assert client.head(reverse(name)).status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    for client, name in ((lead, "report-export"), (coordinator, "pso-report-export")):
        b"".join(client.get(reverse(name)).streaming_content)
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 2


@pytest.mark.parametrize("who", ["staff", "lead", "facilitator", "coordinator", "outsider"])
def test_signed_in_pages_are_never_stored(who, world, client_for):
    client = client_for(world.people()[who])
    checked = 0
    for name, url in readable_urls(world).items():
        response = client.get(url)
        if name.startswith("admin:") and response.status_code == 302:
            continue  # sent to sign in to the admin
        assert "no-store" in response.get("Cache-Control", ""), f"{name}: {response.status_code}"
        checked += 1
    assert checked > 40

