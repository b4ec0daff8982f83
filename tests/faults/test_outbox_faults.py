"""Faults around the notification outbox, on the full stack: nothing lost, nothing twice.

gunicorn, a prefork Celery worker and Celery beat run as in docker-compose.yml, against the test
database, our own Redis and an SMTP server the tests can make refuse or hang. Reports are filed
through HTTP by a signed-in nurse; her "report received" email is what must arrive exactly once.
"""

import os
import signal
import time

from cases.models import IncidentReport, ReportStatus
from chpso_portal.notifications.models import Notification, OutboxEmail, OutboxStatus
from chpso_portal.notifications.services import message_id
from members.roles import HospitalRole
from tests.factories import PASSWORD, ContractFactory, MembershipFactory

from .conftest import FULL_STACK
from .load import report_form
from .stack import pool_children, public_id_from, stop_process, wait_until

pytestmark = FULL_STACK


def nurse(email: str):
    hospital = ContractFactory().hospital
    return MembershipFactory(hospital=hospital, role=HospitalRole.STAFF, user__email=email).user


def file_report(browser, narrative="A dose was given two hours late after the pump alarm "
                                   "was silenced.") -> IncidentReport:
    assert browser.get("/reports/new/").status == 200
    answer = browser.post("/reports/new/", report_form(narrative))
    assert answer.status == 302, (answer.status, answer.body[-1500:])
    report = IncidentReport.objects.get(public_id=public_id_from(answer.location))
    assert report.status == ReportStatus.SUBMITTED
    return report


def received_email(person) -> OutboxEmail:
    return OutboxEmail.objects.get(to_address=person.email, subject__contains="received")


def assert_sent_exactly_once(stack, email: OutboxEmail, *, settle: float = 3.0):
    """The row is sent, the SMTP server accepted it once, and a few sweeps later still once."""
    def received():
        return [m for m in stack.smtp.log.accepted if m["message_id"] == message_id(email)]

    wait_until(received, timeout=90,
               what=f"the SMTP server receives the email to {email.to_address}",
               explain=stack.logs)
    wait_until(lambda: OutboxEmail.objects.get(pk=email.pk).status == OutboxStatus.SENT,
               timeout=30, what="the outbox row is marked sent", explain=stack.logs)
    time.sleep(settle)  # beat sweeps every second: give it several chances to send it again
    assert len(received()) == 1, received()
    ids = [m["message_id"] for m in stack.smtp.log.to(email.to_address)]
    assert len(ids) == len(set(ids)), ids  # nothing else to this person went twice either
    email.refresh_from_db()
    assert email.sent_at is not None and email.last_error == ""
    return email


def test_redis_down_while_a_report_is_filed_then_its_email_is_sent_once_redis_is_back(
        live_stack):
    person = nurse("nurse.redis@faults.test")
    browser = live_stack.visitor(timeout=30)
    browser.login(person.email, PASSWORD)

    live_stack.redis.stop()
    try:
        started = time.monotonic()
        report = file_report(browser)
        page = browser.get(f"/reports/{report.public_id}/")
        took = time.monotonic() - started
        # The page answers, promptly: neither the session nor the queue waited for Redis.
        assert page.status == 200 and report.reference in page.body, page.body[-1500:]
        assert took < 20, f"filing took {took:.1f} s without Redis"
        email = received_email(person)
        assert (email.status, email.attempts) == (OutboxStatus.PENDING, 0)
        assert Notification.objects.filter(recipient=person, event_key=email.event_key).exists()
        # Beat cannot reach Redis either: several sweeps later nothing is sent, nothing lost.
        time.sleep(4)
        assert live_stack.smtp.log.to(person.email) == []
        assert OutboxEmail.objects.get(pk=email.pk).status == OutboxStatus.PENDING
    finally:
        live_stack.redis.start()  # empty: whatever Redis held before is gone too

    email = assert_sent_exactly_once(live_stack, email)
    assert email.attempts == 1
    web_log = live_stack.web_log.read_text(errors="replace")
    assert f"Could not enqueue outbox email {email.pk};" in web_log  # it was the sweeper

    # The web processes queue again by themselves: the next email goes straight to the worker.
    again = file_report(browser, narrative="A second dose was late after the same alarm.")
    second = OutboxEmail.objects.get(to_address=person.email,
                                     event_key__contains=str(again.public_id))
    assert_sent_exactly_once(live_stack, second, settle=0)
    web_log = live_stack.web_log.read_text(errors="replace")
    assert f"Could not enqueue outbox email {second.pk};" not in web_log


def test_smtp_refusing_for_a_while_retries_with_backoff_then_sends_each_email_once(live_stack):
    people = [nurse(f"nurse{n}.smtp@faults.test") for n in range(3)]
    refusals = 3
    for person in people:
        live_stack.smtp.defer_each[person.email] = refusals
    for person in people:
        browser = live_stack.visitor(timeout=30)
        browser.login(person.email, PASSWORD)
        file_report(browser)

    for person in people:
        email = assert_sent_exactly_once(live_stack, received_email(person), settle=0)
        assert email.attempts == refusals + 1
        tries = [at for address, at in live_stack.smtp.log.deferred if address == email.to_address]
        tries.append(live_stack.smtp.log.to(email.to_address)[0]["at"])
        gaps = [later - earlier for earlier, later in zip(tries, tries[1:], strict=False)]
        # Backoff of 1, 2 then 4 s (OUTBOX_RETRY_BASE_SECONDS=1): no try before its time,
        # however the retries and the sweeps race for the row.
        assert len(gaps) == refusals, gaps
        assert all(gap >= 0.9 * 2 ** n for n, gap in enumerate(gaps)), gaps
    time.sleep(3)
    assert sorted(m["to"] for m in live_stack.smtp.log.accepted) == sorted(
        p.email for p in people)


def hold_a_send(live_stack, person):
    """File a report and leave the worker stuck in the middle of sending its email."""
    live_stack.smtp.hold_data.set()
    browser = live_stack.visitor(timeout=30)
    browser.login(person.email, PASSWORD)
    file_report(browser)
    wait_until(live_stack.smtp.holding.is_set, timeout=60,
               what="the worker starts sending the email", explain=live_stack.logs)
    email = received_email(person)
    assert email.status == OutboxStatus.PENDING
    return email


def test_a_pool_process_killed_in_the_middle_of_a_send_loses_nothing_and_sends_once(
        live_stack):
    person = nurse("nurse.killed@faults.test")
    email = hold_a_send(live_stack, person)
    children = pool_children(live_stack.worker)
    assert len(children) == 1, children
    os.kill(children[0], signal.SIGKILL)  # what the kernel's OOM killer does
    live_stack.smtp.hold_data.clear()
    live_stack.smtp.release.set()

    email = assert_sent_exactly_once(live_stack, email)
    assert email.attempts == 1  # the killed attempt never committed
    assert live_stack.worker.poll() is None  # the worker replaced its pool process


def test_the_whole_worker_killed_in_the_middle_of_a_send_loses_nothing_and_sends_once(
        live_stack):
    person = nurse("nurse.worker@faults.test")
    email = hold_a_send(live_stack, person)
    os.killpg(live_stack.worker.pid, signal.SIGKILL)  # the machine or container went away
    live_stack.worker.wait(timeout=10)
    live_stack.smtp.hold_data.clear()
    live_stack.smtp.release.set()
    assert live_stack.smtp.log.to(person.email) == []

    # The task is stranded, unacknowledged, in Redis; the sweeper hands the row to a new worker.
    stop_process(live_stack.worker)
    live_stack.start_worker()
    email = assert_sent_exactly_once(live_stack, email)
    assert email.attempts == 1


def test_redis_lost_in_the_middle_of_a_send_loses_nothing_and_sends_once(live_stack):
    person = nurse("nurse.broker@faults.test")
    email = hold_a_send(live_stack, person)
    live_stack.redis.stop()  # the task's message, unacknowledged, goes with it
    time.sleep(3)  # the worker notices the lost connection and cancels the running task
    live_stack.smtp.hold_data.clear()
    live_stack.smtp.release.set()
    live_stack.redis.start()

    email = assert_sent_exactly_once(live_stack, email)
    assert email.attempts == 1
