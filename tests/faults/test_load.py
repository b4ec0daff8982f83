"""A short, bounded load on gunicorn: no error, no lost report, each email once, memory flat.

The recorded run (50 virtual users for 5 minutes) is bench/load_test.py; this is the same mix,
smaller and shorter, so that CI sees a regression.
"""

from collections import Counter

from cases.models import IncidentReport
from chpso_portal.notifications.models import OutboxEmail, OutboxStatus
from chpso_portal.notifications.services import message_id

from . import load, stack
from .conftest import FULL_STACK

pytestmark = FULL_STACK

USERS = 15
RAMP, WARMUP, DURATION = 5.0, 5.0, 30.0
THINK = (1.0, 2.5)
P99_LIMIT_MS = 5000  # a ceiling against hangs on a busy CI machine; the figures are in bench/
RSS_GROWTH_LIMIT_KIB = 20 * 1024


def test_a_bounded_load_loses_no_report_sends_each_email_once_and_keeps_memory_flat(
        live_stack):
    cast = load.seed(users=USERS, hospitals=4, lessons=20)
    result = load.run_load(port=live_stack.web_port, cast=cast, users=USERS,
                           duration=DURATION, ramp=RAMP, warmup=WARMUP, think=THINK,
                           web_pids=lambda: stack.gunicorn_workers(live_stack.web))
    overall = result.summary()
    figures = {label: result.summary(label) for label in result.labels()}
    print(f"load: {overall}\nper page: {figures}\nrss: {result.rss_start} -> {result.rss_end}")

    assert result.errors == [], result.errors[:10]
    assert overall["requests"] >= 150, overall
    assert {"file a report", "save a review", "a lesson"} <= set(figures), figures
    assert overall["p99"] < P99_LIMIT_MS, overall

    # Every report the portal accepted is saved, once; none that it refused.
    saved = Counter(IncidentReport.objects.filter(narrative__in=result.posted)
                    .values_list("narrative", flat=True))
    assert result.filed and set(saved) == set(result.filed), (len(saved), len(result.filed))
    assert max(saved.values()) == 1

    # Every email the load caused is delivered, exactly once.
    def drained():
        return not OutboxEmail.objects.exclude(status=OutboxStatus.SENT).exists()

    stack.wait_until(drained, timeout=120, what="every outbox email is sent",
                     explain=live_stack.logs)
    rows = list(OutboxEmail.objects.all())
    assert len(rows) >= len(result.filed)
    accepted = Counter(live_stack.smtp.log.message_ids())
    assert set(accepted) == {message_id(row) for row in rows}
    assert max(accepted.values()) == 1, accepted.most_common(3)

    # Memory per gunicorn worker is flat between the end of the warm-up and the end.
    assert result.rss_start and set(result.rss_start) == set(result.rss_end)
    for pid, start in result.rss_start.items():
        assert result.rss_end[pid] - start < RSS_GROWTH_LIMIT_KIB, (pid, start,
                                                                     result.rss_end[pid])
