"""Session services: invitations, reminders, moves and cancellations, decisions, tasks."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError

from chpso_portal.notifications import kinds
from chpso_portal.notifications.models import Notification, OutboxEmail
from collaboratives import services, tasks
from collaboratives.calendar import session_ics
from collaboratives.models import NominationComment, NominationStatus, SessionStatus
from members.roles import HospitalRole
from tests.factories import ContractFactory, MembershipFactory

from .test_rules import (
    invite,
    join,
    make_session,
    nominate,
    systems_report,
    today,
)


def told(event_key):
    return set(Notification.objects.filter(event_key=event_key)
               .values_list("recipient__email", flat=True))


def parse_ics(text: str) -> list[dict]:
    """A small RFC 5545 reader: unfold lines, then one dict per component."""
    assert text.endswith("\r\n")
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    stack, components = [], []
    for line in unfolded.split("\r\n")[:-1]:
        name, _, value = line.partition(":")
        name = name.split(";")[0].upper()
        if name == "BEGIN":
            stack.append({"_type": value})
        elif name == "END":
            component = stack.pop()
            assert component["_type"] == value
            components.append(component)
        else:
            assert stack, f"property outside a component: {line}"
            stack[-1][name] = value
    assert not stack
    return components


@pytest.fixture
def third(world):
    hospital = ContractFactory(hospital__name="Sierra Test Hospital").hospital
    lead = MembershipFactory(hospital=hospital, role=HospitalRole.SAFETY_LEAD,
                             user__email="lead@sierra.test").user
    return hospital, lead


# --- Invitations ---------------------------------------------------------------------------


def test_inviting_hospitals_tells_their_leads_by_notice_and_email(
        world, django_capture_on_commit_callbacks):
    session = make_session(world.facilitator)

    with django_capture_on_commit_callbacks(execute=True):
        services.session_invite_hospitals(session=session,
                                          hospitals=[world.hospital, world.other_hospital],
                                          actor=world.facilitator)

    notices = Notification.objects.filter(kind=kinds.SESSION_INVITATION.code)
    assert set(notices.values_list("recipient__email", flat=True)) == {world.lead.email,
                                                                      world.other_lead.email}
    assert world.staff.email not in {n.recipient.email for n in notices}
    assert {m.to[0] for m in mail.outbox} == {world.lead.email, world.other_lead.email}
    session.refresh_from_db()
    assert session.status == SessionStatus.INVITATIONS_SENT


def test_inviting_a_hospital_twice_tells_its_lead_once(world):
    session = make_session(world.facilitator)
    invite(session, world.hospital, world.facilitator)

    assert services.session_invite_hospitals(session=session, hospitals=[world.hospital],
                                             actor=world.facilitator) == []

    assert Notification.objects.filter(kind=kinds.SESSION_INVITATION.code).count() == 1


def test_answering_tells_the_facilitators(world):
    session = make_session(world.facilitator)
    join(session, world.hospital, world.lead, world.facilitator)

    assert Notification.objects.filter(kind=kinds.SESSION_ANSWERED.code,
                                       recipient=world.facilitator).count() == 1


def test_a_guest_invitation_email_carries_an_ics_file_in_utc(world,
                                                           django_capture_on_commit_callbacks):
    session = make_session(world.facilitator, start_time=time(9, 30),
                           time_zone="America/New_York", duration_minutes=120)

    with django_capture_on_commit_callbacks(execute=True):
        guest = services.session_invite_guest(session=session, email="HF@Expert.test",
                                              full_name="Human Factors",
                                              expertise="Human factors", actor=world.facilitator)

    email = OutboxEmail.objects.get(to_address="hf@expert.test")
    assert email.recipient == guest.user
    (attachment,) = email.attachments
    assert attachment["filename"].endswith(".ics")
    assert attachment["content_type"] == "text/calendar"
    components = parse_ics(attachment["content"])
    calendar = next(c for c in components if c["_type"] == "VCALENDAR")
    event = next(c for c in components if c["_type"] == "VEVENT")
    assert calendar["VERSION"] == "2.0"
    assert event["DTSTART"].endswith("Z")
    start = datetime.strptime(event["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    end = datetime.strptime(event["DTEND"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert start == session.starts_at
    assert start.hour in (14, 13)  # 09:30 in New York, standard or daylight time
    assert end - start == timedelta(minutes=120)
    assert event["UID"].startswith(str(session.public_id))
    assert event["SUMMARY"] == session.title
    # The message that left carries the same file.
    (message,) = [m for m in mail.outbox if m.to == ["hf@expert.test"]]
    assert message.attachments[0][0].endswith(".ics")
    assert "BEGIN:VEVENT" in message.attachments[0][1]


def test_the_invitation_email_to_a_hospital_lead_carries_the_ics_file(
        world, django_capture_on_commit_callbacks):
    session = make_session(world.facilitator)

    with django_capture_on_commit_callbacks(execute=True):
        services.session_invite_hospitals(session=session, hospitals=[world.hospital],
                                          actor=world.facilitator)

    email = OutboxEmail.objects.get(to_address=world.lead.email)
    (attachment,) = email.attachments
    assert attachment["content_type"] == "text/calendar"
    assert "BEGIN:VEVENT" in attachment["content"]
    assert str(session.public_id) in attachment["content"]
    (message,) = [m for m in mail.outbox if m.to == [world.lead.email]]
    assert message.attachments[0][0].endswith(".ics")


def test_ics_lines_are_folded_and_escaped(world):
    session = make_session(world.facilitator, title="Medication safety; pumps, alarms " + "x" * 90,
                           location="Room 4, Building B")

    text = session_ics(session)

    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    event = next(c for c in parse_ics(text) if c["_type"] == "VEVENT")
    assert event["SUMMARY"].startswith("Medication safety\\; pumps\\, alarms xxx")
    assert event["LOCATION"] == "Room 4\\, Building B"


def test_a_cancelled_session_ics_says_cancelled(world):
    session = make_session(world.facilitator)
    invite(session, world.hospital, world.facilitator)
    services.session_cancel(session=session, actor=world.facilitator, reason="Storm")

    event = next(c for c in parse_ics(session_ics(session)) if c["_type"] == "VEVENT")
    assert event["STATUS"] == "CANCELLED"


def test_inviting_the_same_guest_twice_is_refused(world):
    session = make_session(world.facilitator)
    services.session_invite_guest(session=session, email="hf@expert.test", full_name="H F",
                                  expertise="", actor=world.facilitator)

    with pytest.raises(ValidationError, match="already invited"):
        services.session_invite_guest(session=session, email="hf@expert.test",
                                      full_name="H F", expertise="", actor=world.facilitator)
    assert OutboxEmail.objects.filter(to_address="hf@expert.test").count() == 1


def test_pso_staff_cannot_be_guests(world):
    session = make_session(world.facilitator)

    with pytest.raises(ValidationError, match="facilitators, not as guests"):
        services.session_invite_guest(session=session, email=world.coordinator.email,
                                      full_name="", expertise="", actor=world.facilitator)


# --- Reminders -----------------------------------------------------------------------------


def test_deadline_reminders_go_to_leads_of_hospitals_without_a_case(world, third):
    sierra, sierra_lead = third
    declined = ContractFactory().hospital
    declined_lead = MembershipFactory(hospital=declined, role=HospitalRole.SAFETY_LEAD).user
    session = make_session(world.facilitator, days=9, deadline_days=2)
    join(session, world.hospital, world.lead, world.facilitator)          # accepted, no case
    valley = join(session, world.other_hospital, world.other_lead, world.facilitator)
    nominate(valley, systems_report(world.other_hospital, world.other_lead), world.other_lead)
    invite(session, sierra, world.facilitator)                            # not answered yet
    row = invite(session, declined, world.facilitator)
    services.session_answer(session_hospital=row, accept=False, actor=declined_lead)

    sent = services.sessions_send_reminders()

    reminded = set(Notification.objects.filter(kind=kinds.SESSION_REMINDER.code)
                   .values_list("recipient__email", flat=True))
    assert reminded == {world.lead.email, sierra_lead.email}
    assert sent == 2
    assert services.sessions_send_reminders() == 0  # idempotent
    assert Notification.objects.filter(kind=kinds.SESSION_REMINDER.code).count() == 2


def test_a_hospital_whose_cases_were_all_withdrawn_is_reminded(world):
    session = make_session(world.facilitator, days=9, deadline_days=2)
    mercy = join(session, world.hospital, world.lead, world.facilitator)
    nomination = nominate(mercy, systems_report(world.hospital, world.lead), world.lead)
    services.nomination_withdraw(nomination=nomination, reason="Chose another", actor=world.lead)

    services.sessions_send_reminders()

    assert told(f"session:{session.pk}:deadline:{world.hospital.pk}") == {world.lead.email}


def test_no_deadline_reminder_three_days_before(world):
    session = make_session(world.facilitator, days=9, deadline_days=3)
    join(session, world.hospital, world.lead, world.facilitator)

    assert services.sessions_send_reminders() == 0


def test_the_day_before_attendees_and_guests_are_reminded(world):
    session = make_session(world.facilitator, days=3, deadline_days=1)
    join(session, world.hospital, world.lead, world.facilitator, attendees=[world.staff])
    join(session, world.other_hospital, world.other_lead, world.facilitator)
    guest = services.session_invite_guest(session=session, email="hf@expert.test",
                                          full_name="Human Factors", expertise="",
                                          actor=world.facilitator)

    assert services.sessions_send_reminders(now=session.starts_at - timedelta(hours=30)) == 0
    sent = services.sessions_send_reminders(now=session.starts_at - timedelta(hours=20))
    again = services.sessions_send_reminders(now=session.starts_at - timedelta(hours=19))

    assert told(f"session:{session.pk}:24h") == {world.lead.email, world.staff.email,
                                                 world.other_lead.email, guest.user.email}
    assert world.other_staff.email not in told(f"session:{session.pk}:24h")
    assert sent == 4
    assert again == 0


def test_no_reminder_for_a_cancelled_session(world):
    session = make_session(world.facilitator, days=3, deadline_days=2)
    join(session, world.hospital, world.lead, world.facilitator)
    services.session_cancel(session=session, actor=world.facilitator, reason="Storm")

    assert services.sessions_send_reminders(now=session.starts_at - timedelta(hours=20)) == 0
    assert services.sessions_send_reminders() == 0


def test_the_reminder_task_calls_the_service(world):
    session = make_session(world.facilitator, days=9, deadline_days=2)
    join(session, world.hospital, world.lead, world.facilitator)

    assert tasks.send_reminders() == 1
    assert tasks.send_reminders() == 0


# --- Moves and cancellations ---------------------------------------------------------------


def test_cancelling_tells_everyone_invited(world, third):
    sierra, sierra_lead = third
    declined = ContractFactory().hospital
    declined_lead = MembershipFactory(hospital=declined, role=HospitalRole.SAFETY_LEAD).user
    session = make_session(world.facilitator)
    join(session, world.hospital, world.lead, world.facilitator, attendees=[world.staff])
    join(session, world.other_hospital, world.other_lead, world.facilitator)
    invite(session, sierra, world.facilitator)
    row = invite(session, declined, world.facilitator)
    services.session_answer(session_hospital=row, accept=False, actor=declined_lead)
    guest = services.session_invite_guest(session=session, email="hf@expert.test",
                                          full_name="Human Factors", expertise="",
                                          actor=world.facilitator)

    services.session_cancel(session=session, actor=world.facilitator, reason="Snow storm")

    assert told(f"session:{session.pk}:cancelled") == {
        world.facilitator.email, world.lead.email, world.staff.email, world.other_lead.email,
        sierra_lead.email, guest.user.email}
    notice = Notification.objects.filter(event_key=f"session:{session.pk}:cancelled").first()
    assert notice.body == "Snow storm"
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED


def test_cancelling_needs_a_reason_and_happens_once(world):
    session = make_session(world.facilitator)

    with pytest.raises(ValidationError, match="why"):
        services.session_cancel(session=session, actor=world.facilitator, reason=" ")
    services.session_cancel(session=session, actor=world.facilitator, reason="Storm")
    with pytest.raises(ValidationError, match="already cancelled"):
        services.session_cancel(session=session, actor=world.facilitator, reason="Again")
    with pytest.raises(ValidationError):
        services.session_update(session=session, actor=world.facilitator, title="New")


def test_moving_a_session_notifies_everyone_invited(world):
    session = make_session(world.facilitator)
    join(session, world.hospital, world.lead, world.facilitator, attendees=[world.staff])
    invite(session, world.other_hospital, world.facilitator)

    services.session_update(session=session, actor=world.facilitator,
                            date=session.date + timedelta(days=2), start_time=time(14, 0))

    moved = Notification.objects.filter(kind=kinds.SESSION_CHANGED.code)
    assert set(moved.values_list("recipient__email", flat=True)) == {
        world.facilitator.email, world.lead.email, world.staff.email, world.other_lead.email}
    assert all("14:00" in n.body for n in moved)


def test_changing_only_the_description_notifies_nobody(world):
    session = make_session(world.facilitator)
    invite(session, world.hospital, world.facilitator)

    services.session_update(session=session, actor=world.facilitator, description="Agenda")

    assert not Notification.objects.filter(kind=kinds.SESSION_CHANGED.code).exists()


def test_moving_a_draft_session_notifies_nobody(world):
    session = make_session(world.facilitator)

    services.session_update(session=session, actor=world.facilitator,
                            date=session.date + timedelta(days=1))

    assert not Notification.objects.filter(kind=kinds.SESSION_CHANGED.code).exists()


def test_moving_twice_to_different_times_notifies_twice(world):
    session = make_session(world.facilitator)
    invite(session, world.hospital, world.facilitator)

    services.session_update(session=session, actor=world.facilitator, start_time=time(11, 0))
    services.session_update(session=session, actor=world.facilitator, start_time=time(12, 0))

    assert Notification.objects.filter(kind=kinds.SESSION_CHANGED.code,
                                       recipient=world.lead).count() == 2


# --- Decisions on nominations --------------------------------------------------------------


@pytest.fixture
def three_nominations(world):
    session = make_session(world.facilitator)
    mercy = join(session, world.hospital, world.lead, world.facilitator)
    valley = join(session, world.other_hospital, world.other_lead, world.facilitator)
    first = nominate(mercy, systems_report(world.hospital, world.lead), world.lead)
    second = nominate(mercy, systems_report(world.hospital, world.lead), world.lead)
    third = nominate(valley, systems_report(world.other_hospital, world.other_lead),
                     world.other_lead)
    return session, first, second, third


def test_case_numbers_follow_the_order_of_acceptance(world, three_nominations):
    session, first, second, third = three_nominations

    for nomination in (third, first, second):
        services.nomination_decide(nomination=nomination, accept=True, actor=world.facilitator)

    numbers = {n.pk: n.case_number for n in session.nominations.all()}
    assert numbers == {third.pk: 1, first.pk: 2, second.pk: 3}
    assert [n.label for n in session.nominations.all()] == ["Case 1", "Case 2", "Case 3"]


def test_a_withdrawn_case_number_is_not_reused(world, three_nominations):
    session, first, second, third = three_nominations
    services.nomination_decide(nomination=first, accept=True, actor=world.facilitator)
    services.nomination_decide(nomination=second, accept=True, actor=world.facilitator)
    services.nomination_withdraw(nomination=second, reason="Changed our mind", actor=world.lead)

    services.nomination_decide(nomination=third, accept=True, actor=world.facilitator)

    third.refresh_from_db()
    assert third.case_number == 3


def test_accepting_tells_the_hospitals_lead(world, three_nominations):
    _, first, _, _ = three_nominations

    services.nomination_decide(nomination=first, accept=True, actor=world.facilitator)

    assert told(f"nomination:{first.pk}:accepted") == {world.lead.email}


def test_returning_needs_a_comment(world, three_nominations):
    _, first, _, _ = three_nominations

    with pytest.raises(ValidationError, match="Say why"):
        services.nomination_decide(nomination=first, accept=False, actor=world.facilitator,
                                   comment="  ")
    first.refresh_from_db()
    assert first.status == NominationStatus.SUBMITTED
    assert not NominationComment.objects.exists()

    services.nomination_decide(nomination=first, accept=False, actor=world.facilitator,
                               comment="Please focus the summary on the handover.")

    first.refresh_from_db()
    assert first.status == NominationStatus.RETURNED
    assert first.case_number is None
    assert first.comments.get().text == "Please focus the summary on the handover."
    assert told(f"nomination:{first.pk}:returned") == {world.lead.email}


def test_a_decided_nomination_cannot_be_decided_again(world, three_nominations):
    _, first, _, _ = three_nominations
    services.nomination_decide(nomination=first, accept=True, actor=world.facilitator)

    with pytest.raises(ValidationError, match="Only a submitted nomination"):
        services.nomination_decide(nomination=first, accept=False, actor=world.facilitator,
                                   comment="No")


def test_nominations_of_a_cancelled_session_cannot_be_accepted(world, three_nominations):
    session, first, _, _ = three_nominations
    services.session_cancel(session=session, actor=world.facilitator, reason="Storm")

    with pytest.raises(ValidationError, match="cancelled"):
        services.nomination_decide(nomination=first, accept=True, actor=world.facilitator)


def test_submitting_tells_the_facilitators(world, three_nominations):
    _, first, _, _ = three_nominations

    assert told(f"nomination:{first.pk}:submitted") == {world.facilitator.email}


def test_comments_tell_the_lead(world, three_nominations):
    _, first, _, _ = three_nominations

    comment = services.nomination_comment(nomination=first, actor=world.facilitator,
                                          text="Could you add what the pump showed?")

    assert told(f"nomination:{first.pk}:comment:{comment.pk}") == {world.lead.email}


# --- Notes, facilitators, tasks ------------------------------------------------------------


def test_notes_are_structured_by_systems_factors(world, three_nominations):
    session, first, _, _ = three_nominations

    note = services.note_add(session=session, actor=world.facilitator,
                             observations="Rate changes did not reach the bedside.",
                             systems_factors=["health_it", "communication"], nomination=first)

    assert note.systems_factors == ["health_it", "communication"]
    assert note.nomination == first


def test_notes_cannot_point_at_a_case_of_another_session(world, three_nominations):
    _, first, _, _ = three_nominations
    other = make_session(world.facilitator, title="Falls")

    with pytest.raises(ValidationError, match="this session"):
        services.note_add(session=other, actor=world.facilitator, observations="Systems.",
                          nomination=first)


def test_only_pso_staff_can_facilitate(world):
    session = make_session(world.facilitator)

    with pytest.raises(ValidationError, match="Only PSO"):
        services.session_add_facilitator(session=session, user=world.lead,
                                         actor=world.facilitator)
    assert not session.facilitators.filter(pk=world.lead.pk).exists()


def test_the_nightly_task_withdraws_missed_commitments_and_syncs(world):
    session = make_session(world.facilitator)
    mercy = join(session, world.hospital, world.lead, world.facilitator)
    report = systems_report(world.hospital, world.lead, commit_by=today() + timedelta(days=1))
    nomination = nominate(mercy, report, world.lead)
    type(report).objects.filter(pk=report.pk).update(committed_send_by=today()
                                                     - timedelta(days=1))

    result = tasks.nightly()

    assert result["withdrawn"] == 1
    assert result["sessions_synced"] == 1
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.WITHDRAWN


def test_the_beat_schedule_runs_the_session_tasks():
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"collaboratives.send_reminders", "collaboratives.nightly"} <= schedule


def test_the_tasks_are_registered_with_celery():
    from chpso_portal.celery import app

    app.loader.import_default_modules()
    assert {"collaboratives.send_reminders", "collaboratives.nightly"} <= set(app.tasks)


def test_long_titles_are_cut_to_fit_a_notification(world):
    session = make_session(world.facilitator, title="T" * 200)

    invite(session, world.hospital, world.facilitator)

    notice = Notification.objects.get(kind=kinds.SESSION_INVITATION.code)
    assert len(notice.title) <= 200


# --- Read-only admin for coordinators ------------------------------------------------------


def test_coordinators_read_sessions_nominations_and_attestations_in_the_admin(
        world, client_for, three_nominations):
    session, first, _, _ = three_nominations
    services.attestation_accept(session=session, user=world.lead)
    client = client_for(world.coordinator)

    for path in ("/admin/collaboratives/collaborativesession/",
                 f"/admin/collaboratives/collaborativesession/{session.pk}/change/",
                 "/admin/collaboratives/nomination/",
                 f"/admin/collaboratives/nomination/{first.pk}/change/",
                 "/admin/collaboratives/attestation/"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        # Case materials and their origin stay inside the session.
        assert first.summary not in page
        assert world.hospital.name not in page
        assert first.report.reference not in page

    assert client.get("/admin/collaboratives/collaborativesession/add/").status_code == 403
    response = client.post(f"/admin/collaboratives/nomination/{first.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert session.nominations.filter(pk=first.pk).exists()


def test_hospital_users_and_facilitators_do_not_reach_the_session_admin(world, client_for,
                                                                        three_nominations):
    for user in (world.lead, world.facilitator):
        response = client_for(user).get("/admin/collaboratives/collaborativesession/")
        assert response.status_code in (302, 403)
