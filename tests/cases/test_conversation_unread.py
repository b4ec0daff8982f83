"""What is new in a report's conversation: each person sees what the others wrote since they
last read the thread; opening the report page marks it read without writing to the database;
the review queue and My reports count what is new at a constant cost."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.conversation import report_message_post
from cases.models import MessageSide
from members.roles import HospitalRole
from tests.factories import MembershipFactory, ReportFactory

QUESTION = "Which pump model was it?"
SECOND = "And was the alarm volume turned down?"
ANSWER = "The older grey pump on bay 4."
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
def report(world):
    return ReportFactory(hospital=world.hospital, reporter=world.staff)


def ask(world, report, text=QUESTION, author=None):
    return report_message_post(report=report, author=author or world.lead,
                               side=MessageSide.REVIEWER, text=text)


def answer(world, report, text=ANSWER):
    return report_message_post(report=report, author=world.staff, side=MessageSide.REPORTER,
                               text=text)


def new_in(html: str) -> list[str]:
    """The texts of the messages marked new, in the order of the thread."""
    thread = html[html.index('data-testid="conversation-thread"'):]
    thread = thread[:thread.index("</ol>")]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
            for item in re.findall(r"<li[^>]*data-new[^>]*>(.*?)</li>", thread, re.S)]


def open_page(client, name, report):
    response = client.get(reverse(name, args=[report.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_reporter_sees_what_the_safety_team_wrote_since_last_time(world, client_for,
                                                                     report):
    ask(world, report)
    ask(world, report, SECOND)
    nurse = client_for(world.staff)
    page = open_page(nurse, "report-detail", report)
    assert "2 new messages" in page and 'href="#conversation-first-new"' in page
    new = new_in(page)
    assert len(new) == 2 and QUESTION in new[0] and SECOND in new[1]
    assert 'id="conversation-first-new"' in page
    # Opened once, read: the next visit shows nothing new.
    page = open_page(nurse, "report-detail", report)
    assert new_in(page) == [] and 'data-testid="conversation-new"' not in page
    ask(world, report, "One more thing: which bay?")
    new = new_in(open_page(nurse, "report-detail", report))
    assert len(new) == 1 and "which bay" in new[0]


def test_reviewers_see_the_reporters_messages_as_new_and_never_their_own(world, client_for,
                                                                         report):
    ask(world, report)
    answer(world, report)
    lead = client_for(world.lead)
    page = open_page(lead, "report-review", report)
    new = new_in(page)
    assert len(new) == 1 and ANSWER in new[0] and "1 new message</a> since you last read" in page
    assert new_in(open_page(lead, "report-review", report)) == []


def test_each_reviewer_has_their_own_marker(world, client_for, report):
    second_lead = MembershipFactory(hospital=world.hospital, role=HospitalRole.SAFETY_LEAD).user
    answer(world, report)
    open_page(client_for(world.lead), "report-review", report)
    new = new_in(open_page(client_for(second_lead), "report-review", report))
    assert len(new) == 1 and ANSWER in new[0]
    # The first lead's question is new to the second lead, not to the first.
    ask(world, report)
    assert new_in(open_page(client_for(world.lead), "report-review", report)) == []
    new = new_in(open_page(client_for(second_lead), "report-review", report))
    assert len(new) == 1 and QUESTION in new[0]


def test_opening_the_page_marks_read_without_writing_to_the_database(world, client_for, report,
                                                                     time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    ask(world, report)
    nurse = client_for(world.staff)
    nurse.get(reverse("home"))  # the session's once-a-minute bookkeeping happens here
    with CaptureQueriesContext(connection) as captured:
        page = open_page(nurse, "report-detail", report)
    assert len(new_in(page)) == 1
    writes = [q["sql"] for q in captured.captured_queries if WRITES.match(q["sql"])]
    assert all('"audit_auditevent"' in sql for sql in writes), writes
    assert new_in(open_page(nurse, "report-detail", report)) == []


def test_a_head_request_marks_nothing_read(world, client_for, report):
    ask(world, report)
    nurse = client_for(world.staff)
    assert nurse.head(reverse("report-detail", args=[report.public_id])).status_code == 200
    assert len(new_in(open_page(nurse, "report-detail", report))) == 1


def test_a_lost_marker_falls_back_to_what_came_after_ones_own_last_message(world, client_for,
                                                                          report):
    ask(world, report)
    answer(world, report)
    ask(world, report, SECOND)
    nurse = client_for(world.staff)
    assert len(new_in(open_page(nurse, "report-detail", report))) == 1  # after the answer
    cache.clear()  # Redis restarted, or the key expired
    new = new_in(open_page(nurse, "report-detail", report))
    assert len(new) == 1 and SECOND in new[0]  # the first question was answered: not new
    assert new_in(open_page(nurse, "report-detail", report)) == []


def test_writing_a_message_marks_what_came_before_it_read(world, client_for, report):
    ask(world, report)
    nurse = client_for(world.staff)
    response = nurse.post(reverse("report-message", args=[report.public_id]),
                          {"message": ANSWER})
    assert response.status_code == 302
    assert new_in(open_page(nurse, "report-detail", report)) == []


def test_a_message_that_arrives_while_one_writes_stays_new_until_shown(world, client_for,
                                                                       report):
    nurse = client_for(world.staff)
    ask(world, report)
    assert len(new_in(open_page(nurse, "report-detail", report))) == 1  # read: marker set
    ask(world, report, SECOND)  # arrives while the nurse is typing her answer
    assert nurse.post(reverse("report-message", args=[report.public_id]),
                      {"message": ANSWER}).status_code == 302
    new = new_in(open_page(nurse, "report-detail", report))
    assert len(new) == 1 and SECOND in new[0]
    assert new_in(open_page(nurse, "report-detail", report)) == []


def test_a_hidden_reporters_new_messages_are_counted_without_naming_them(world, client_for):
    hidden = ReportFactory(hospital=world.hospital, reporter=world.staff, reporter_hidden=True)
    answer(world, hidden)
    page = client_for(world.lead).get(reverse("review-queue")).content.decode()
    row = page[page.index(hidden.reference):]
    row = row[:row.index("</tr>")]
    assert 'data-testid="new-messages">1 new' in row
    assert world.staff.full_name not in row and world.staff.email not in row
    new = new_in(open_page(client_for(world.lead), "report-review", hidden))
    assert len(new) == 1 and "Reporter (name hidden)" in new[0]
    assert world.staff.full_name not in new[0]


def _row_counts(html: str) -> dict[str, int]:
    """The count shown on each row that has one, by the row's reference."""
    rows = re.split(r"(?=<tr>|<a class=\"list-group-item)", html)
    counts = {}
    for row in rows:
        reference = re.search(r">([A-Z]+-\d{4}-\d+)</(?:a|strong)>", row)
        count = re.search(r'data-testid="new-messages">(\d+) new', row)
        if reference and count:
            counts[reference.group(1)] = int(count.group(1))
    return counts


def test_the_queue_and_my_reports_count_what_is_new_for_each_viewer(world, client_for):
    now = timezone.now()
    first, second, quiet = (ReportFactory(hospital=world.hospital, reporter=world.staff,
                                          submitted_at=now - timedelta(minutes=i))
                            for i in range(3))
    ask(world, first)
    ask(world, first, SECOND)
    answer(world, second)
    lead, nurse = client_for(world.lead), client_for(world.staff)
    queue = lead.get(reverse("review-queue")).content.decode()
    mine = nurse.get(reverse("my-reports")).content.decode()
    assert {k: v for k, v in _row_counts(queue).items()
            if k in (first.reference, second.reference, quiet.reference)} == {
        second.reference: 1}
    # For screen readers, the badge says what is new.
    assert '1 new<span class="visually-hidden"> message</span>' in queue
    assert {k: v for k, v in _row_counts(mine).items()
            if k in (first.reference, second.reference, quiet.reference)} == {
        first.reference: 2}
    assert "2 new messages" in mine
    open_page(lead, "report-review", second)
    open_page(nurse, "report-detail", first)
    assert second.reference not in _row_counts(lead.get(reverse("review-queue")).content.decode())
    assert first.reference not in _row_counts(nurse.get(reverse("my-reports")).content.decode())


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_counting_what_is_new_costs_the_same_for_one_report_or_a_full_page(world, client_for):
    lead, nurse = client_for(world.lead), client_for(world.staff)
    now = timezone.now()
    one = ReportFactory(hospital=world.hospital, reporter=world.staff, submitted_at=now)
    ask(world, one)
    answer(world, one)
    small = _queries(lead, reverse("review-queue")), _queries(nurse, reverse("my-reports"))
    for i in range(30):
        report = ReportFactory(hospital=world.hospital, reporter=world.staff,
                               submitted_at=now - timedelta(minutes=i + 1))
        ask(world, report)
        answer(world, report)
    open_page(lead, "report-review", one)
    large = _queries(lead, reverse("review-queue")), _queries(nurse, reverse("my-reports"))
    assert large == small
