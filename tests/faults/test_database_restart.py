"""PostgreSQL restarted under traffic: a 503 page during the gap, never a 500 or a hang, and the
same gunicorn workers serve again once it is back, with every report they accepted saved.

The database is a throwaway cluster of our own (never the machine's PostgreSQL), holding a copy
of the test database made after the people were created.
"""

import threading
import time
import uuid
from collections import Counter

import pytest
from django.db import connection

from members.roles import HospitalRole
from tests.factories import PASSWORD, ContractFactory, MembershipFactory

from . import stack
from .conftest import FULL_STACK
from .load import report_form

pytestmark = FULL_STACK

VISITORS = 4
BEFORE_GAP = 3.0  # seconds of traffic before PostgreSQL stops
GAP = 5.0  # seconds without PostgreSQL
AFTER_GAP = 6.0  # seconds of traffic once it is back
REQUEST_TIMEOUT = 15.0  # a request that takes longer counts as a hang


@pytest.fixture
def cluster_stack(tmp_path):
    hospital = ContractFactory().hospital
    nurses = [MembershipFactory(hospital=hospital, role=HospitalRole.STAFF,
                                user__email=f"nurse{n}.pg@faults.test").user
              for n in range(VISITORS)]
    cluster = stack.PostgresCluster()
    redis = stack.RedisServer(tmp_path).start()
    smtp = stack.SmtpSink().start()
    web = None
    try:
        cluster.init().start()
        cluster.copy_database(connection.settings_dict, "chpso")
        env = stack.portal_env(database_url=cluster.url("chpso"), redis_url=redis.url,
                               smtp_port=smtp.port, workdir=tmp_path)
        port = stack.free_port()
        web = stack.start_gunicorn(env, tmp_path / "web.log", port=port, workers=2)
        yield cluster, port, web, nurses, tmp_path / "web.log"
    finally:
        stack.stop_process(web)
        redis.stop()
        smtp.stop()
        cluster.cleanup()


class Traffic(threading.Thread):
    """One nurse: her reports, the form, a new report; bounded in count and in time."""

    def __init__(self, port, nurse, stop_at):
        super().__init__(daemon=True)
        self.browser = stack.Visitor(port, timeout=REQUEST_TIMEOUT)
        self.browser.login(nurse.email, PASSWORD)
        self.stop_at = stop_at
        self.results = []  # (finished, method, status, seconds, narrative or "", answer)
        self.failures = []

    def run(self):
        for _ in range(10_000):
            if time.monotonic() >= self.stop_at:
                return
            for method, path in (("GET", "/reports/mine/"), ("GET", "/reports/new/"),
                                 ("POST", "/reports/new/")):
                narrative = ""
                try:
                    if method == "POST":
                        narrative = f"A dose was given late after the pump alarm, {uuid.uuid4()}"
                        answer = self.browser.post(path, report_form(narrative))
                    else:
                        answer = self.browser.get(path)
                except OSError as exc:  # a timeout or a reset: what must not happen
                    self.failures.append((time.monotonic(), method, path, repr(exc)))
                    continue
                self.results.append((time.monotonic(), method, answer.status, answer.seconds,
                                     narrative, answer))
            time.sleep(0.1)


def test_postgresql_restarted_under_traffic_answers_503_then_recovers_without_a_restart(
        cluster_stack):
    cluster, port, web, nurses, web_log = cluster_stack
    workers_before = sorted(stack.gunicorn_workers(web))
    assert len(workers_before) == 2

    started = time.monotonic()
    stop_at = started + BEFORE_GAP + GAP + AFTER_GAP
    traffic = [Traffic(port, nurse, stop_at) for nurse in nurses]
    for thread in traffic:
        thread.start()
    time.sleep(BEFORE_GAP)
    cluster.stop("fast")  # disconnects every session, like a restart or a failover
    down_at = time.monotonic()
    time.sleep(GAP)
    restarting = time.monotonic()
    cluster.start()
    back_at = time.monotonic()
    for thread in traffic:
        thread.join(timeout=stop_at - time.monotonic() + 2 * REQUEST_TIMEOUT)
        assert not thread.is_alive(), "a visitor is still waiting for an answer"

    results = [r for thread in traffic for r in thread.results]
    failures = [f for thread in traffic for f in thread.failures]
    assert failures == [], f"requests without an answer: {failures[:5]}\n{stack.tail(web_log)}"
    statuses = Counter(status for _, _, status, *_ in results)
    assert set(statuses) <= {200, 302, 503}, (statuses, stack.tail(web_log))
    assert statuses[503] > 0, statuses  # the gap was hit
    unavailable = [r for r in results if r[2] == 503]
    assert all("back in a moment" in r[5].body and r[5].headers.get("retry-after") == "30"
               for r in unavailable)
    slowest = max(seconds for _, _, _, seconds, *_ in results)
    assert slowest < 10, f"a request took {slowest:.1f} s"
    # Requests made entirely while PostgreSQL was down all answered 503.
    during_gap = [r for r in results if down_at < r[0] - r[3] and r[0] < restarting]
    assert during_gap and all(r[2] == 503 for r in during_gap), Counter(r[2] for r in during_gap)

    # Back without a restart: the same workers answer every request of the last seconds.
    recovered = [r for r in results if r[0] > back_at + 3]
    assert recovered and all(r[2] in (200, 302) for r in recovered), Counter(
        r[2] for r in recovered)
    assert sorted(stack.gunicorn_workers(web)) == workers_before

    # Every report the portal accepted (302) is in the database; nothing else was invented.
    accepted = {r[4] for r in results if r[1] == "POST" and r[2] == 302}
    assert accepted
    saved = set(cluster.psql(
        "chpso", "SELECT narrative FROM cases_incidentreport WHERE status = 'submitted'",
        text=True).stdout.split("\n")) - {""}
    posted = {r[4] for r in results if r[1] == "POST"}
    assert accepted <= saved <= posted, (len(accepted), len(saved), len(posted))
