"""Sessions for tests: built through the services, so each step obeys the ground rules."""

from datetime import time, timedelta

from django.utils import timezone

from cases.services import report_review_save, report_send
from collaboratives import services

from ..factories import ReportFactory

SUMMARY = ("At a shift change the receiving team was not told that an infusion had been "
           "paused; the pump alarm had been silenced and the next dose was two hours late.")


def eligible_report(*, hospital, lead, reporter):
    """A report the hospital may nominate: a systems issue with a factor, sent to the PSO."""
    report = ReportFactory(hospital=hospital, reporter=reporter)
    report_review_save(report=report, actor=lead, factors=["handover"], systems_issue=True,
                       pso_summary="A late dose after a silenced pump alarm.")
    return report_send(report=report, actor=lead).report


def make_session(world, *, title="Handovers that drop information", **fields):
    today = timezone.localdate()
    values = {
        "title": title, "focus_categories": ["medication"], "theme": "handovers",
        "date": today + timedelta(days=14), "start_time": time(14, 0),
        "time_zone": "America/Los_Angeles", "duration_minutes": 90,
        "location": "https://meet.example.org/pso-session",
        "nomination_deadline": today + timedelta(days=7), "max_cases_per_hospital": 3,
        "description": "Two or three hospitals, one to three cases each.",
    }
    values.update(fields)
    return services.session_create(actor=world.facilitator, **values)


def invite_and_accept(session, world, hospital, lead, attendees=()):
    services.session_invite_hospitals(session=session, hospitals=[hospital],
                                      actor=world.facilitator)
    invitation = session.hospitals.get(hospital=hospital)
    services.session_answer(
        session_hospital=invitation, accept=True, actor=lead,
        attendees=[hospital.memberships.get(user=user) for user in attendees],
    )
    return invitation


def nominate(session, invitation, *, lead, reporter, accept=True, summary=SUMMARY):
    report = eligible_report(hospital=invitation.hospital, lead=lead, reporter=reporter)
    nomination = services.nomination_submit(session_hospital=invitation, report=report,
                                            summary=summary, actor=lead)
    if accept:
        nomination = services.nomination_decide(nomination=nomination, accept=True,
                                                actor=session.facilitators.first())
    return nomination


def session_world(world):
    """A session facilitated by `world.facilitator`, `world.hospital` invited and accepted,
    its lead named to attend and attested, and one accepted case (a sent systems issue)."""
    session = make_session(world)
    invitation = invite_and_accept(session, world, world.hospital, world.lead,
                                   attendees=[world.lead])
    nomination = nominate(session, invitation, lead=world.lead, reporter=world.staff)
    services.attestation_accept(session=session, user=world.lead)
    services.attestation_accept(session=session, user=world.facilitator)
    return session, nomination
