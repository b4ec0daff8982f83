"""Trying to break each microcollaborative ground rule through the services.

Every refusal is checked twice: the message names the rule, and nothing changed (no
nomination, invitation, answer or notification was written). The helpers at the top are
shared with the other session tests in this folder.
"""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services as case_services
from cases.models import ReportStatus
from chpso_portal.notifications.models import Notification, OutboxEmail
from collaboratives import services
from collaboratives.models import (
    Nomination,
    NominationStatus,
    ParticipationStatus,
    SessionHospital,
    SessionStatus,
)
from members.models import Contract, Membership
from members.roles import HospitalRole
from tests.factories import ContractFactory, MembershipFactory, ReportFactory

SUMMARY = ("A heparin infusion kept running at the old rate after a new rate was ordered: the "
           "order did not create a task for the bedside nurse.")


# --- Shared helpers ------------------------------------------------------------------------


def today():
    return timezone.localdate()


def make_session(actor, *, days=21, deadline_days=14, **fields):
    values = {"title": "Medication safety microcollaborative", "date": today() +
              timedelta(days=days), "start_time": time(10, 0), "time_zone": "America/Los_Angeles",
              "location": "Video call", "nomination_deadline": today() +
              timedelta(days=deadline_days)}
    values.update(fields)
    return services.session_create(actor=actor, **values)


def membership(user, hospital):
    return Membership.objects.get(user=user, hospital=hospital)


def invite(session, hospital, actor):
    services.session_invite_hospitals(session=session, hospitals=[hospital], actor=actor)
    return SessionHospital.objects.get(session=session, hospital=hospital)


def join(session, hospital, lead, facilitator, attendees=None):
    """Invite a hospital and accept for it, naming the lead (and any others) to attend."""
    row = invite(session, hospital, facilitator)
    people = [membership(lead, hospital)] + [membership(u, hospital) for u in (attendees or [])]
    return services.session_answer(session_hospital=row, accept=True, actor=lead,
                                   attendees=people)


def systems_report(hospital, lead, *, send=True, commit_by=None, systems_issue=True,
                   factors=("health_it", "communication")):
    """A report reviewed by the lead, then sent to the PSO or committed to a date."""
    report = ReportFactory(hospital=hospital)
    report = case_services.report_review_save(
        report=report, actor=lead, factors=list(factors), systems_issue=systems_issue,
        pso_summary="Infusion rate change without a nursing task.")
    if commit_by is not None:
        report = case_services.report_commit_to_send(report=report, actor=lead,
                                                     send_by=commit_by)
    elif send:
        case_services.report_send(report=report, actor=lead)
    report.refresh_from_db()
    return report


def nominate(row, report, actor, summary=SUMMARY, **kwargs):
    return services.nomination_submit(session_hospital=row, report=report, summary=summary,
                                      actor=actor, **kwargs)


def end_contract(hospital, on):
    Contract.objects.filter(hospital=hospital).update(terminated_on=on,
                                                      termination_reason="Ended by the board")


def snapshot():
    """What a refused write must leave untouched."""
    return {
        "nominations": sorted(Nomination.objects.values_list("pk", "status", "case_number")),
        "invitations": sorted(SessionHospital.objects.values_list("pk", "hospital_id",
                                                                  "status")),
        "notifications": Notification.objects.count(),
        "emails": OutboxEmail.objects.count(),
    }


def refused(call, *fragments):
    """Run `call`, expect a ValidationError whose text has every fragment, and no change."""
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        call()
    text = " ".join(caught.value.messages)
    for fragment in fragments:
        assert fragment in text, text
    assert snapshot() == before
    return text


@pytest.fixture
def session(world):
    return make_session(world.facilitator)


@pytest.fixture
def mercy(world, session):
    return join(session, world.hospital, world.lead, world.facilitator)


@pytest.fixture
def valley(world, session):
    return join(session, world.other_hospital, world.other_lead, world.facilitator)


# --- Rule 2: one to three cases ------------------------------------------------------------


def test_a_fourth_nomination_is_refused(world, session, mercy):
    for _ in range(3):
        nominate(mercy, systems_report(world.hospital, world.lead), world.lead)
    fourth = systems_report(world.hospital, world.lead)

    refused(lambda: nominate(mercy, fourth, world.lead), "at most 3 cases", "ground rule 2")

    assert mercy.nominations.count() == 3
    assert not fourth.nominations.exists()


def test_a_second_nomination_is_refused_when_the_session_allows_one(world):
    session = make_session(world.facilitator, max_cases_per_hospital=1)
    row = join(session, world.hospital, world.lead, world.facilitator)
    nominate(row, systems_report(world.hospital, world.lead), world.lead)
    second = systems_report(world.hospital, world.lead)

    refused(lambda: nominate(row, second, world.lead), "at most 1 case ", "ground rule 2")


def test_a_withdrawn_nomination_frees_its_place(world, session, mercy):
    nominations = [nominate(mercy, systems_report(world.hospital, world.lead), world.lead)
                   for _ in range(3)]
    services.nomination_withdraw(nomination=nominations[0], reason="Chose another case",
                                 actor=world.lead)

    nominate(mercy, systems_report(world.hospital, world.lead), world.lead)

    assert mercy.nominations.exclude(status=NominationStatus.WITHDRAWN).count() == 3


def test_a_session_cannot_allow_more_than_three_cases(world):
    with pytest.raises(ValidationError):
        make_session(world.facilitator, max_cases_per_hospital=4)


def test_the_same_report_cannot_be_nominated_twice(world, session, mercy):
    report = systems_report(world.hospital, world.lead)
    nominate(mercy, report, world.lead)

    refused(lambda: nominate(mercy, report, world.lead), "already nominated")


# --- Tenancy: only the hospital's own reports ----------------------------------------------


def test_a_report_of_another_hospital_is_refused(world, session, mercy, valley):
    theirs = systems_report(world.other_hospital, world.other_lead)

    refused(lambda: nominate(mercy, theirs, world.lead), "only your own hospital's reports")

    assert not theirs.nominations.exists()


# --- Rule 1: a contract in force on the session date ---------------------------------------


def test_a_hospital_whose_contract_has_expired_cannot_be_invited(world, session):
    refused(lambda: services.session_invite_hospitals(
        session=session, hospitals=[world.other_hospital, world.expired_hospital],
        actor=world.facilitator), "Coastal Test Hospital cannot be invited", "ground rule 1")

    assert not session.hospitals.exists()  # the valid hospital in the same call is not invited
    session.refresh_from_db()
    assert session.status == SessionStatus.DRAFT


def test_a_hospital_whose_contract_ends_before_the_session_cannot_be_invited(world):
    ending = ContractFactory(expires_on=today() + timedelta(days=10)).hospital
    session = make_session(world.facilitator, days=21)

    refused(lambda: services.session_invite_hospitals(session=session, hospitals=[ending],
                                                      actor=world.facilitator),
            "not in force on", "ground rule 1")


def test_a_hospital_whose_contract_ended_after_the_invitation_cannot_accept(world, session):
    row = invite(session, world.hospital, world.facilitator)
    end_contract(world.hospital, today() + timedelta(days=5))

    refused(lambda: services.session_answer(session_hospital=row, accept=True, actor=world.lead,
                                            attendees=[membership(world.lead, world.hospital)]),
            "contract is not in force on the session date", "ground rule 1")

    row.refresh_from_db()
    assert row.status == ParticipationStatus.INVITED
    assert not row.attendees.exists()


def test_a_hospital_whose_contract_ended_after_accepting_cannot_nominate(world, session, mercy):
    report = systems_report(world.hospital, world.lead)
    end_contract(world.hospital, today() + timedelta(days=5))

    refused(lambda: nominate(mercy, report, world.lead), "cannot bring cases", "ground rule 1")


def test_a_hospital_whose_contract_ended_does_not_count_towards_the_two(world, session, mercy,
                                                                         valley):
    services.session_advance(session=session, actor=world.facilitator)
    end_contract(world.other_hospital, today())

    refused(lambda: services.session_advance(session=session, actor=world.facilitator),
            "at least two hospitals")

    session.refresh_from_db()
    assert session.status == SessionStatus.NOMINATIONS_CLOSED


# --- Rule 3: systems issues ----------------------------------------------------------------


def test_a_report_not_marked_a_systems_issue_is_refused(world, session, mercy):
    report = systems_report(world.hospital, world.lead, systems_issue=False)

    refused(lambda: nominate(mercy, report, world.lead), "Only systems issues", "ground rule 3")


def test_a_report_without_a_contributing_factor_is_refused(world, session, mercy):
    report = systems_report(world.hospital, world.lead, factors=())

    refused(lambda: nominate(mercy, report, world.lead), "at least one contributing factor",
            "ground rule 3")


def test_a_report_never_reviewed_is_refused(world, session, mercy):
    report = ReportFactory(hospital=world.hospital)

    refused(lambda: nominate(mercy, report, world.lead), "ground rule 3")


# --- Rule 4: reported to the PSO -----------------------------------------------------------


def test_a_report_neither_sent_nor_committed_is_refused(world, session, mercy):
    report = systems_report(world.hospital, world.lead, send=False)
    assert report.status == ReportStatus.IN_REVIEW

    refused(lambda: nominate(mercy, report, world.lead), "must be sent to the PSO",
            "ground rule 4")


def test_a_report_committed_to_a_date_after_the_session_is_refused(world, session, mercy):
    report = systems_report(world.hospital, world.lead,
                            commit_by=session.date + timedelta(days=4))

    refused(lambda: nominate(mercy, report, world.lead), "committed to be sent before the "
                                                         "session", "ground rule 4")


def test_a_report_committed_to_the_session_day_itself_is_refused(world, session, mercy):
    report = systems_report(world.hospital, world.lead, commit_by=session.date)

    refused(lambda: nominate(mercy, report, world.lead), "ground rule 4")


def test_a_report_committed_to_a_date_before_the_session_is_accepted(world, session, mercy):
    report = systems_report(world.hospital, world.lead,
                            commit_by=session.date - timedelta(days=3))

    nomination = nominate(mercy, report, world.lead)

    assert nomination.status == NominationStatus.SUBMITTED


def test_a_withdrawn_report_is_refused(world, session, mercy):
    report = systems_report(world.hospital, world.lead, send=False)
    case_services.report_withdraw(report=report, actor=world.lead, reason="Duplicate")
    report.refresh_from_db()

    refused(lambda: nominate(mercy, report, world.lead), "ground rule 4")


def test_a_report_that_missed_its_commitment_is_withdrawn_and_people_are_told(world, session,
                                                                              mercy):
    committed = systems_report(world.hospital, world.lead, commit_by=today() + timedelta(days=5))
    sent = systems_report(world.hospital, world.lead)
    late = nominate(mercy, committed, world.lead)
    kept = nominate(mercy, sent, world.lead)
    services.nomination_decide(nomination=kept, accept=True, actor=world.facilitator)

    assert services.nominations_enforce_commitments(today=today() + timedelta(days=5)) == 0
    withdrawn = services.nominations_enforce_commitments(today=today() + timedelta(days=6))

    assert withdrawn == 1
    late.refresh_from_db()
    kept.refresh_from_db()
    assert late.status == NominationStatus.WITHDRAWN
    assert "committed date" in late.withdrawn_reason
    assert kept.status == NominationStatus.ACCEPTED
    assert kept.case_number == 1
    told = set(Notification.objects.filter(
        event_key__startswith=f"nomination:{late.pk}:commitment-missed").values_list(
            "recipient__email", flat=True))
    assert told == {world.lead.email, world.facilitator.email}
    # The facilitators' notice never names the report: its reference carries the hospital's
    # initials (ground rule 9).
    to_facilitator = Notification.objects.get(recipient=world.facilitator,
                                              event_key__contains="commitment-missed")
    assert committed.reference not in to_facilitator.title + to_facilitator.body
    assert world.hospital.name not in to_facilitator.title + to_facilitator.body
    assert not Notification.objects.filter(event_key__startswith=f"nomination:{kept.pk}:commit")


def test_enforcing_commitments_twice_withdraws_and_tells_once(world, session, mercy):
    report = systems_report(world.hospital, world.lead, commit_by=today() + timedelta(days=2))
    nomination = nominate(mercy, report, world.lead)
    later = today() + timedelta(days=3)

    assert services.nominations_enforce_commitments(today=later) == 1
    assert services.nominations_enforce_commitments(today=later) == 0

    assert Notification.objects.filter(
        event_key__startswith=f"nomination:{nomination.pk}:commitment-missed").count() == 2


def test_a_report_sent_on_time_keeps_its_place(world, session, mercy):
    report = systems_report(world.hospital, world.lead, commit_by=today() + timedelta(days=5))
    nomination = nominate(mercy, report, world.lead)
    case_services.report_send(report=report, actor=world.lead)

    assert services.nominations_enforce_commitments(today=today() + timedelta(days=10)) == 0

    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED


def test_a_report_withdrawn_after_nomination_leaves_the_session(world, session, mercy):
    report = systems_report(world.hospital, world.lead, commit_by=today() + timedelta(days=5))
    nomination = nominate(mercy, report, world.lead)
    case_services.report_withdraw(report=report, actor=world.lead, reason="Duplicate")

    assert services.nominations_enforce_commitments(today=today()) == 1

    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.WITHDRAWN
    assert "withdrawn" in nomination.withdrawn_reason


def test_a_commitment_moved_past_the_session_leaves_the_session(world, session, mercy):
    report = systems_report(world.hospital, world.lead, commit_by=today() + timedelta(days=5))
    nomination = nominate(mercy, report, world.lead)
    case_services.report_commit_to_send(report=report, actor=world.lead,
                                        send_by=session.date + timedelta(days=1))

    assert services.nominations_enforce_commitments(today=today()) == 1

    nomination.refresh_from_db()
    assert "after the session" in nomination.withdrawn_reason


def accepted_case(row, hospital, lead, facilitator, **report_options):
    nomination = nominate(row, systems_report(hospital, lead, **report_options), lead)
    return services.nomination_decide(nomination=nomination, accept=True, actor=facilitator)


def test_cases_of_a_session_already_held_stay_on_record(world, session, mercy, valley):
    nomination = accepted_case(mercy, world.hospital, world.lead, world.facilitator,
                               commit_by=today() + timedelta(days=2))
    accepted_case(valley, world.other_hospital, world.other_lead, world.facilitator)
    services.session_advance(session=session, actor=world.facilitator)
    services.session_advance(session=session, actor=world.facilitator)

    assert services.nominations_enforce_commitments(today=today() + timedelta(days=30)) == 0

    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.ACCEPTED


# --- Rules 5 and 8: no providers, no hospital in the summary --------------------------------


def test_a_summary_naming_a_provider_and_a_date_is_refused_until_each_finding_is_dismissed(
        world, session, mercy):
    report = systems_report(world.hospital, world.lead)
    summary = "Dr. Smith gave the dose on 3/14/2026 after the pump alarm was silenced."

    text = refused(lambda: nominate(mercy, report, world.lead, summary=summary), "ground rule 8",
                   "'Dr. Smith'", "'3/14/2026'")
    assert "title_name" in text and "date" in text

    one = [{"kind": "title_name", "text": "Dr. Smith", "reason": "A drug brand, not a person"}]
    refused(lambda: nominate(mercy, report, world.lead, summary=summary,
                             dismissed_findings=one), "'3/14/2026'")
    no_reason = one + [{"kind": "date", "text": "3/14/2026", "reason": ""}]
    refused(lambda: nominate(mercy, report, world.lead, summary=summary,
                             dismissed_findings=no_reason), "'3/14/2026'")

    both = one + [{"kind": "date", "text": "3/14/2026", "reason": "A dose code, not a date"}]
    nomination = nominate(mercy, report, world.lead, summary=summary, dismissed_findings=both)

    assert nomination.summary == summary
    assert [(d["kind"], d["text"], d["by"]) for d in nomination.dismissed_findings] == [
        ("title_name", "Dr. Smith", world.lead.email), ("date", "3/14/2026", world.lead.email)]


def test_a_summary_naming_the_hospital_is_refused(world, session, mercy):
    report = systems_report(world.hospital, world.lead)

    refused(lambda: nominate(mercy, report, world.lead,
                             summary="At Mercy Test Hospital the pump alarm was silenced."),
            "'Mercy Test Hospital'")


def test_an_empty_summary_is_refused(world, session, mercy):
    report = systems_report(world.hospital, world.lead)

    refused(lambda: nominate(mercy, report, world.lead, summary="   "), "case summary")


def test_notes_naming_a_provider_are_refused(world, session):
    before = session.notes.count()

    refused(lambda: services.note_add(session=session, actor=world.facilitator,
                                      observations="Dr. Smith silenced the alarm."),
            "'Dr. Smith'")

    assert session.notes.count() == before


# --- Deadline and acceptance ---------------------------------------------------------------


def test_nominations_after_the_deadline_are_refused(world):
    session = make_session(world.facilitator, days=5, deadline_days=-1)
    row = join(session, world.hospital, world.lead, world.facilitator)
    report = systems_report(world.hospital, world.lead)

    refused(lambda: nominate(row, report, world.lead), "deadline has passed")


def test_nominations_close_with_the_deadline_day(world, session, mercy, time_machine):
    report = systems_report(world.hospital, world.lead)
    time_machine.move_to(timezone.make_aware(
        datetime.combine(session.nomination_deadline + timedelta(days=1), time(0, 5))))

    refused(lambda: nominate(mercy, report, world.lead), "deadline has passed")


def test_nominations_are_refused_once_the_facilitator_closes_them(world, session, mercy):
    services.session_advance(session=session, actor=world.facilitator)
    report = systems_report(world.hospital, world.lead)

    refused(lambda: nominate(mercy, report, world.lead), "closed")


def test_a_hospital_that_has_not_accepted_cannot_nominate(world, session):
    row = invite(session, world.hospital, world.facilitator)
    report = systems_report(world.hospital, world.lead)

    refused(lambda: nominate(row, report, world.lead), "Accept the invitation")


def test_a_hospital_that_declined_cannot_nominate(world, session):
    row = invite(session, world.hospital, world.facilitator)
    services.session_answer(session_hospital=row, accept=False, actor=world.lead)
    report = systems_report(world.hospital, world.lead)

    refused(lambda: nominate(row, report, world.lead), "Accept the invitation")


def test_declining_withdraws_the_hospitals_cases(world, session, mercy):
    nomination = nominate(mercy, systems_report(world.hospital, world.lead), world.lead)
    services.nomination_decide(nomination=nomination, accept=True, actor=world.facilitator)

    services.session_answer(session_hospital=mercy, accept=False, actor=world.lead)

    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.WITHDRAWN
    assert nomination.case_number == 1  # kept, and never given to another case
    assert not mercy.attendees.exists()


def test_attendees_must_be_active_members_of_the_hospital(world, session, mercy):
    theirs = membership(world.other_lead, world.other_hospital)

    refused(lambda: services.session_set_attendees(session_hospital=mercy, memberships=[theirs],
                                                   actor=world.lead), "active members")


# --- Two hospitals make a session ----------------------------------------------------------


def test_a_session_with_one_accepted_hospital_cannot_be_held(world, session, mercy):
    invite(session, world.other_hospital, world.facilitator)  # invited, not answered
    services.session_advance(session=session, actor=world.facilitator)

    refused(lambda: services.session_advance(session=session, actor=world.facilitator),
            "at least two hospitals that accepted")

    session.refresh_from_db()
    assert session.status == SessionStatus.NOMINATIONS_CLOSED


def test_a_hospital_without_an_accepted_case_keeps_the_session_from_being_held(
        world, session, mercy, valley):
    accepted_case(mercy, world.hospital, world.lead, world.facilitator)
    services.session_advance(session=session, actor=world.facilitator)

    refused(lambda: services.session_advance(session=session, actor=world.facilitator),
            "no accepted case", "ground rule 2")

    session.refresh_from_db()
    assert session.status == SessionStatus.NOMINATIONS_CLOSED


def test_a_session_with_two_accepted_hospitals_is_held_then_closed(world, session, mercy,
                                                                    valley):
    accepted_case(mercy, world.hospital, world.lead, world.facilitator)
    accepted_case(valley, world.other_hospital, world.other_lead, world.facilitator)
    for _ in range(3):
        services.session_advance(session=session, actor=world.facilitator)

    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    refused(lambda: services.session_advance(session=session, actor=world.facilitator),
            "cannot move further")


def test_a_draft_session_cannot_be_advanced(world, session):
    refused(lambda: services.session_advance(session=session, actor=world.facilitator),
            "cannot move further")


def test_a_deadline_after_the_session_is_refused(world):
    with pytest.raises(ValidationError, match="deadline"):
        make_session(world.facilitator, days=5, deadline_days=6)


def test_staff_members_cannot_be_named_attendees_of_another_hospital(world, session, mercy):
    stranger = MembershipFactory(hospital=world.other_hospital, role=HospitalRole.STAFF)

    refused(lambda: services.session_set_attendees(session_hospital=mercy,
                                                   memberships=[stranger], actor=world.lead),
            "active members")


def test_a_returned_case_can_be_revised_and_nominated_again(world, session, mercy):
    """A returned nomination frees its place: the lead nominates the report again."""
    report = systems_report(world.hospital, world.lead)
    first = nominate(mercy, report, world.lead)
    services.nomination_decide(nomination=first, accept=False, actor=world.facilitator,
                               comment="Say more about the handover.")
    again = nominate(mercy, report, world.lead)
    assert again.pk != first.pk
    assert again.status == "submitted"
