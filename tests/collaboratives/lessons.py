"""Lessons for tests, built through the services so each step obeys the rules."""

from collaboratives.lessons import services

from . import eligible_report

SECOND_COORDINATOR_EMAIL = "second.coordinator@pso.test"
CONTENT = {
    "title": "Paused infusions lost at shift change",
    "what_happened": "At a shift change the receiving nurse was not told that an infusion had "
                     "been paused; the next dose was two hours late.",
    "systems_issues": "The handover tool had no line for paused or held infusions, and the "
                      "pump's silenced alarm gave no sign at the bedside.",
    "what_helped": "A pharmacist's review of the pump log found the gap the same day.",
    "harm_band": "mild_moderate",
    "categories": ["medication"],
    "factors": ["handover", "health_it"],
    "actions": [("Add paused and held infusions to the structured handover tool.",
                 "intermediate"),
                ("Configure pumps so a paused infusion shows a persistent banner.",
                 "stronger")],
}


def origin_report(world, hospital=None, lead=None, reporter=None):
    """A report of `world.hospital` (by default) sent to the PSO: a lesson's origin."""
    report = eligible_report(hospital=hospital or world.hospital, lead=lead or world.lead,
                             reporter=reporter or world.staff)
    return report.sent_copy


def close_nominations(session):
    """Lessons come from sessions that were held: close nominations if still open, then record
    the meeting as held. The rules for holding (two hospitals, a case each) are tested with the
    session services; most lesson tests have one hospital, so the status is set here."""
    from collaboratives import services as session_services
    from collaboratives.models import CollaborativeSession, SessionStatus

    session.refresh_from_db()
    if session.status == SessionStatus.INVITATIONS_SENT:
        session_services.session_advance(session=session,
                                         actor=session.facilitators.order_by("pk").first())
    if session.status == SessionStatus.NOMINATIONS_CLOSED:
        CollaborativeSession.objects.filter(pk=session.pk).update(status=SessionStatus.HELD)
    session.refresh_from_db()
    return session


def draft_lesson(world, *, author=None, sent_report=None, session=None,
                 dismissed_findings=None, **overrides):
    """A draft by `author` (the coordinator by default: it may draft from any sent report)."""
    author = author or world.coordinator
    if sent_report is None and session is None:
        sent_report = origin_report(world)
    if session is not None:
        close_nominations(session)
    return services.lesson_create(actor=author, session=session, sent_report=sent_report,
                                  dismissed_findings=dismissed_findings,
                                  **{**CONTENT, **overrides})


def published_lesson(world, *, author=None, publisher=None, **kwargs):
    """Drafted by `author`, submitted, and published by `publisher` (another person)."""
    author = author or world.coordinator
    lesson = draft_lesson(world, author=author, **kwargs)
    services.lesson_submit(lesson=lesson, actor=author)
    publisher = publisher or _second_coordinator(world, besides=author)
    return services.lesson_publish(lesson=lesson, actor=publisher)


def second_coordinator():
    """A coordinator besides `world.coordinator`: the second person of the two-person rule."""
    from django.contrib.auth import get_user_model

    from ..conftest import make_pso

    existing = get_user_model().objects.filter(email=SECOND_COORDINATOR_EMAIL).first()
    return existing or make_pso("coordinator", SECOND_COORDINATOR_EMAIL)


def _second_coordinator(world, *, besides):
    return world.coordinator if besides.pk != world.coordinator.pk else second_coordinator()
