"""The conversation on a report: the reporter and the hospital's reviewers write to each other,
a reporter who hid their name stays hidden, and nothing of it reaches the PSO."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.conversation import MESSAGE_MAX_LENGTH, report_message_post
from cases.models import MessageSide, ReportMessage, ReportStatus
from chpso_portal.audit.models import AuditEvent
from chpso_portal.notifications.models import Notification, OutboxEmail
from members.roles import HospitalRole
from tests.factories import MembershipFactory, ReportFactory

QUESTION = "Which pump model was it, and was the alarm volume turned down?"
ANSWER = "The older grey pump on bay 4. The volume knob was at its lowest."


def page(client, name, report):
    response = client.get(reverse(name, args=[report.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def post(client, report, text):
    return client.post(reverse("report-message", args=[report.public_id]), {"message": text})


@pytest.fixture
def report(world):
    return ReportFactory(hospital=world.hospital, reporter=world.staff)


@pytest.fixture
def hidden(world):
    return ReportFactory(hospital=world.hospital, reporter=world.staff, reporter_hidden=True)


def identifying(world):
    return [world.staff.email, world.staff.full_name]


# Both ways ---------------------------------------------------------------------------------

def test_the_lead_asks_and_the_reporter_answers(world, client_for, report):
    lead, nurse = client_for(world.lead), client_for(world.staff)
    response = post(lead, report, QUESTION)
    assert response.status_code == 302
    assert response["Location"] == reverse("report-review", args=[report.public_id]) + \
        "#conversation"
    asked = ReportMessage.objects.get()
    assert (asked.side, asked.author, asked.text) == (MessageSide.REVIEWER, world.lead, QUESTION)

    mine = page(nurse, "report-detail", report)
    assert QUESTION in mine and f"{world.lead.display_name} (safety team)" in mine
    response = post(nurse, report, ANSWER)
    assert response["Location"] == reverse("report-detail", args=[report.public_id]) + \
        "#conversation"
    answered = ReportMessage.objects.latest("id")
    assert (answered.side, answered.author) == (MessageSide.REPORTER, world.staff)

    review = page(lead, "report-review", report)
    assert review.index(QUESTION) < review.index(ANSWER)  # newest at the bottom
    assert f"{world.staff.full_name} (reporter)" in review


def test_each_side_is_notified_of_the_other(world, client_for, report):
    second_lead = MembershipFactory(hospital=world.hospital, role=HospitalRole.SAFETY_LEAD).user
    post(client_for(world.lead), report, QUESTION)
    told = Notification.objects.get(recipient=world.staff, kind="report_update",
                                    title__contains="wrote to you")
    assert told.link.endswith(reverse("report-detail", args=[report.public_id]) + "#conversation")
    assert QUESTION not in told.body  # the text stays in the portal
    # The writer is not told of their own message; the other lead is not told of a reply.
    assert not Notification.objects.filter(recipient__in=[world.lead, second_lead],
                                           kind="report_message").exists()

    post(client_for(world.staff), report, ANSWER)
    leads = set(Notification.objects.filter(kind="report_message")
                .values_list("recipient", flat=True))
    assert leads == {world.lead.pk, second_lead.pk}
    assert not Notification.objects.filter(kind="report_message",
                                           recipient=world.staff).exists()
    assert not Notification.objects.filter(recipient=world.other_lead).exists()


def test_the_reporter_adds_information_after_the_report_was_sent(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff,
                           pso_summary="A late dose after a silenced pump alarm.")
    services.report_send(report=report, actor=world.lead)
    nurse = client_for(world.staff)
    before = page(nurse, "report-detail", report)
    assert "stays in your hospital unless your safety lead adds it to the PSO's copy" in before
    assert post(nurse, report, ANSWER).status_code == 302
    assert ANSWER in page(client_for(world.lead), "report-review", report)


def test_a_withdrawn_report_keeps_its_conversation(world, client_for, report):
    services.report_withdraw(report=report, actor=world.lead, reason="A duplicate report.")
    assert post(client_for(world.lead), report, QUESTION).status_code == 302
    assert post(client_for(world.staff), report, ANSWER).status_code == 302
    assert ReportMessage.objects.count() == 2


def test_a_draft_has_no_conversation(world, client_for):
    draft = ReportFactory(hospital=world.hospital, reporter=world.staff,
                          status=ReportStatus.DRAFT, reference="")
    nurse = client_for(world.staff)
    assert 'id="conversation"' not in page(nurse, "report-detail", draft)
    response = post(nurse, draft, ANSWER)
    assert response.status_code == 302 and not ReportMessage.objects.exists()


def test_an_imported_report_has_nobody_to_write_to(world, client_for):
    imported = ReportFactory(hospital=world.hospital, reporter=None, source_system="Legacy",
                             source_id="17")
    lead = client_for(world.lead)
    review = page(lead, "report-review", imported)
    assert "no reporter in the portal to write to" in review
    assert 'name="message"' not in review
    response = post(lead, imported, QUESTION)
    assert "no reporter in the portal to write to" in response.content.decode()
    assert not ReportMessage.objects.exists()


# A reporter who hid their name ---------------------------------------------------------------

def test_a_hidden_reporter_is_never_named_to_the_reviewers(world, client_for, hidden):
    lead, nurse = client_for(world.lead), client_for(world.staff)
    post(lead, hidden, QUESTION)
    post(nurse, hidden, ANSWER)
    review = page(lead, "report-review", hidden)
    assert ANSWER in review and "Reporter (name hidden)" in review
    for text in identifying(world):
        assert text not in review, text
    # The reporter still reads their own thread and is told of the question.
    assert QUESTION in page(nurse, "report-detail", hidden)
    assert Notification.objects.filter(recipient=world.staff, kind="report_update",
                                       title__contains="wrote to you").exists()


def test_the_notice_to_reviewers_does_not_name_a_hidden_reporter(world, client_for, hidden,
                                                                  settings):
    post(client_for(world.staff), hidden, ANSWER)
    notice = Notification.objects.get(recipient=world.lead, kind="report_message")
    email = OutboxEmail.objects.get(to_address=world.lead.email)
    shown = " ".join([notice.title, notice.body, notice.link, email.subject, email.body])
    assert hidden.reference in shown
    for text in identifying(world):
        assert text not in shown, text
    assert ANSWER not in shown


def test_the_audit_log_names_a_hidden_reporter_by_pseudonym_and_keeps_no_text(world, client_for,
                                                                              hidden):
    post(client_for(world.lead), hidden, QUESTION)
    post(client_for(world.staff), hidden, ANSWER)
    rows = AuditEvent.objects.filter(object_id=str(hidden.public_id), action="create")
    assert rows.count() == 2
    by_lead = rows.get(actor=world.lead)
    by_reporter = rows.get(actor=None)
    assert by_reporter.actor_email == f"hidden reporter of report {hidden.public_id}"
    assert by_reporter.detail["side"] == "reporter" and by_lead.detail["side"] == "reviewer"
    for row in rows:
        assert QUESTION not in str(row.detail) + row.summary
        assert ANSWER not in str(row.detail) + row.summary
        for text in identifying(world):
            assert text not in str(row.detail) + row.summary + row.actor_email


def test_the_error_page_does_not_name_a_hidden_reporter(world, client_for, hidden):
    post(client_for(world.staff), hidden, ANSWER)
    response = post(client_for(world.lead), hidden, "")
    shown = response.content.decode()
    assert response.status_code == 200 and "Reporter (name hidden)" in shown
    for text in identifying(world):
        assert text not in shown, text


# Who may write -------------------------------------------------------------------------------

def test_outsiders_get_404_and_other_roles_403(world, client_for, report):
    assert post(client_for(world.other_lead), report, QUESTION).status_code == 404
    assert post(client_for(world.other_staff), report, QUESTION).status_code == 404
    colleague = MembershipFactory(hospital=world.hospital, role=HospitalRole.STAFF).user
    assert post(client_for(colleague), report, QUESTION).status_code == 404
    assert post(client_for(world.coordinator), report, QUESTION).status_code == 403
    assert post(client_for(world.outsider), report, QUESTION).status_code == 403
    assert post(client_for(world.expired_lead), report, QUESTION).status_code == 403
    assert post(client_for(None), report, QUESTION).status_code == 302
    assert not ReportMessage.objects.exists()
    assert client_for(world.lead).get(
        reverse("report-message", args=[report.public_id])).status_code == 405


def test_a_reporter_who_left_the_hospital_cannot_write(world, client_for, report):
    membership = world.hospital.memberships.get(user=world.staff)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    from members.cache import forget_memberships

    forget_memberships(world.staff.pk)
    assert post(client_for(world.staff), report, ANSWER).status_code == 403
    assert not ReportMessage.objects.exists()


def test_only_the_reporter_writes_as_the_reporter(world, report):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        report_message_post(report=report, author=world.lead, side=MessageSide.REPORTER,
                            text=ANSWER)


# What is typed -------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["staff", "lead"])
def test_an_empty_message_is_refused_with_the_error_summary(world, client_for, report, who):
    response = post(client_for(getattr(world, who)), report, "   ")
    shown = response.content.decode()
    assert response.status_code == 200
    assert "data-error-summary" in shown and "Write your message." in shown
    assert not ReportMessage.objects.exists()


def test_a_long_message_is_refused_and_kept_as_typed(world, client_for, report):
    text = "The pump alarm was silenced. " * (MESSAGE_MAX_LENGTH // 20)
    assert len(text.strip()) > MESSAGE_MAX_LENGTH
    response = post(client_for(world.staff), report, text)
    shown = response.content.decode()
    assert response.status_code == 200 and "data-error-summary" in shown
    assert f"Keep the message to {MESSAGE_MAX_LENGTH:,} characters" in shown
    assert text.strip() in shown  # nothing typed is lost
    assert 'maxlength="' not in shown[shown.index('id="conversation"'):]
    assert not ReportMessage.objects.exists()
    ok = "x" * MESSAGE_MAX_LENGTH
    assert post(client_for(world.staff), report, ok).status_code == 302


def test_messages_are_kept_as_written(world, report):
    message = report_message_post(report=report, author=world.lead, side=MessageSide.REVIEWER,
                                  text=QUESTION)
    message.text = "changed"
    with pytest.raises(ValueError):
        message.save()
    with pytest.raises(ValueError):
        message.delete()
    with pytest.raises(ValueError):
        ReportMessage.objects.filter(pk=message.pk).update(text="changed")
    with pytest.raises(ValueError):
        ReportMessage.objects.all().delete()


def lists_report(export: str, reference: str) -> bool:
    return any(reference in line for line in export.splitlines())


# Cost and the PSO ----------------------------------------------------------------------------

def count_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_a_long_thread_costs_no_more_queries(world, client_for, report):
    lead, nurse = client_for(world.lead), client_for(world.staff)
    review = reverse("report-review", args=[report.public_id])
    detail = reverse("report-detail", args=[report.public_id])
    report_message_post(report=report, author=world.lead, side=MessageSide.REVIEWER,
                        text=QUESTION)
    small = count_queries(lead, review), count_queries(nurse, detail)
    for i in range(15):
        report_message_post(report=report, author=world.lead, side=MessageSide.REVIEWER,
                            text=f"{QUESTION} ({i})")
        report_message_post(report=report, author=world.staff, side=MessageSide.REPORTER,
                            text=f"{ANSWER} ({i})")
    large = count_queries(lead, review), count_queries(nurse, detail)
    assert large == small


def test_the_pso_never_sees_the_conversation(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff,
                           pso_summary="A late dose after a silenced pump alarm.")
    report_message_post(report=report, author=world.lead, side=MessageSide.REVIEWER,
                        text=QUESTION)
    report_message_post(report=report, author=world.staff, side=MessageSide.REPORTER,
                        text=ANSWER)
    copy = services.report_send(report=report, actor=world.lead)
    assert QUESTION not in str(copy.data) and ANSWER not in str(copy.data)
    assert not any("message" in key for key in copy.data)
    coordinator = client_for(world.coordinator)
    shown = page(coordinator, "pso-report-detail", report)
    assert QUESTION not in shown and ANSWER not in shown
    response = coordinator.get(reverse("pso-report-export"))
    export = b"".join(response.streaming_content).decode()
    assert lists_report(export, report.reference)
    assert QUESTION not in export and ANSWER not in export
