"""Demo sessions for the demo hospitals (loaded by `manage.py demo_data`, after the reports).

Two sessions, built through the same services the portal uses so that notifications, audit
rows and grants exist as they would for real sessions:

- an upcoming one, three weeks from today (nominations close in two weeks), facilitated by
  facilitator@pso.example: Mercy and Valley accepted with their safety leads as attendees,
  Sierra is still invited; Mercy brings two cases and Valley one, all accepted; a human
  factors expert is invited as a guest;
- a past one, held a month ago with Mercy and Sierra, with discussion notes.

The cases are the demo reports from `cases.demo` when they are loaded (sent, or committed
before the session, marked a systems issue with contributing factors); a hospital without a
suitable report gets one created here through the report services, with
source_system="demo-sessions". Idempotent: a session whose title exists is left alone.
"""

from dataclasses import dataclass
from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from cases import services as case_services
from cases.models import ContributingFactor, IncidentReport, ReportStatus
from members.models import Hospital, Membership, User
from members.roles import HospitalRole

from . import services
from .models import CollaborativeSession, Nomination, SessionHospital

SOURCE_SYSTEM = "demo-sessions"
FACILITATOR = "facilitator@pso.example"
GUEST = "expert@humanfactors.example"
HOSPITALS = {
    "mercy": "Mercy General Hospital",
    "valley": "Valley Regional Medical Center",
    "sierra": "Sierra Community Hospital",
}


@dataclass(frozen=True)
class DemoCase:
    hospital: str           # short name
    preferred: str          # source_id of a report from cases.demo
    summary: str            # the case summary for the meeting, free of identifiers
    fallback: dict          # what to file if no suitable report exists


UPCOMING = {
    "title": "Alarms, infusions and the technology between them",
    "theme": "When equipment and software settings silently change what staff can see",
    "focus_categories": ["medication", "device"],
    "description": "Three cases where a device or order-entry setting hid a change from the "
                   "bedside team. Bring one to three systems-issue cases; summaries are "
                   "de-identified before the meeting.",
    "location": "Video call",
    "meeting_url": "https://meet.example.org/pso-alarms-infusions",
    "days": 21,
    "deadline_days": 14,
    "cases": [
        DemoCase("mercy", "mercy-02",
                 "An anticoagulant infusion kept running at the previous rate for about two "
                 "hours after a new rate was ordered: the order set created no task for the "
                 "bedside nurse, and the change fell across a shift handover.",
                 {"category": "medication", "factors": ["health_it", "handover"],
                  "narrative": "An infusion rate change was ordered but no nursing task "
                               "appeared; the pump ran at the old rate until the next check."}),
        DemoCase("mercy", "mercy-01",
                 "A patient fell at night while the bed exit alarm was on but turned down so "
                 "far that it could not be heard from the nurses' station.",
                 {"category": "fall", "factors": ["physical_surroundings", "health_it"],
                  "narrative": "A bed exit alarm was on but too quiet to hear; the patient "
                               "was found on the floor during rounding."}),
        DemoCase("valley", "valley-02",
                 "An insulin infusion was programmed without drug library limits because the "
                 "pump restarted in basic mode after a battery change; hypoglycemia followed "
                 "and was treated.",
                 {"category": "medication", "factors": ["health_it", "human_factors"],
                  "narrative": "A smart pump restarted without its drug library and an "
                               "infusion ran above the intended rate."}),
    ],
}

PAST = {
    "title": "Handovers that lose information",
    "theme": "What gets lost when care passes from one person or team to the next",
    "focus_categories": ["surgery", "medication"],
    "description": "Cases where a relief, a transfer or an admission dropped a piece of "
                   "information that the next person needed.",
    "location": "PSO office, conference room B",
    "days": -30,
    "deadline_days": -37,
    "cases": [
        DemoCase("mercy", "mercy-11",
                 "A sponge count discrepancy at closing during a relief between circulating "
                 "nurses: the count sheet did not carry over at the relief.",
                 {"category": "surgery", "factors": ["handover", "communication"],
                  "narrative": "The count did not carry over at a relief; a sponge was later "
                               "found in the kick bucket."}),
        DemoCase("sierra", "sierra-01",
                 "A duplicate beta blocker dose from home medications that stayed at the "
                 "bedside after admission; the bradycardia was monitored and resolved.",
                 {"category": "medication", "factors": ["policies", "handover"],
                  "narrative": "Home medications left at the bedside were taken in addition "
                               "to the dose given by nursing."}),
    ],
    "notes": [
        {"case": 0, "factors": ["handover", "communication", "policies"],
         "observations": "The count lived on a sheet that left the room with the first "
                         "nurse. Every hospital at the table had a relief in the middle of a "
                         "long case at least weekly, and none had a count that stays in the "
                         "room.",
         "ideas": "A whiteboard count that stays in the room; the relief is not complete "
                  "until both nurses read the board together."},
        {"case": 1, "factors": ["policies", "handover"],
         "observations": "Admission checklists asked whether home medications were present, "
                         "not where they went. Families were rarely told why.",
         "ideas": "Ask families to take home medications home, or send them to pharmacy, as "
                  "an admission step with a place to record it."},
    ],
}


def _people():
    """{short: (hospital, lead membership)} for the demo hospitals present."""
    found = {}
    for short, name in HOSPITALS.items():
        hospital = Hospital.objects.filter(name=name).first()
        if hospital is None:
            continue
        lead = (Membership.objects.select_related("user")
                .filter(hospital=hospital, role=HospitalRole.SAFETY_LEAD, is_active=True,
                        user__is_active=True)
                .order_by("user__email").first())
        if lead is not None:
            found[short] = (hospital, lead)
    return found


def _eligible(report: IncidentReport, session_date) -> bool:
    """The ground rules 3 and 4 as nomination_submit applies them."""
    if not report.systems_issue or not report.contributing_factors.exists():
        return False
    if report.status == ReportStatus.SENT:
        return True
    return (report.status in (ReportStatus.SUBMITTED, ReportStatus.IN_REVIEW)
            and report.committed_send_by is not None
            and report.committed_send_by < session_date)


def _report_for(case: DemoCase, hospital, lead, session_date, taken: set[int]):
    preferred = IncidentReport.objects.filter(hospital=hospital, source_id=case.preferred,
                                              source_system="demo").first()
    if preferred is not None and preferred.pk not in taken and _eligible(preferred,
                                                                          session_date):
        return preferred
    key = f"{case.preferred}-case"
    own = IncidentReport.objects.filter(hospital=hospital, source_system=SOURCE_SYSTEM,
                                        source_id=key).first()
    if own is not None and own.pk not in taken:
        return own
    return _file_report(case, hospital, lead, key)


def _file_report(case: DemoCase, hospital, lead, key: str) -> IncidentReport:
    """A report through the report services: drafted, submitted, reviewed, sent."""
    today = timezone.localdate()
    data = {"event_type": "incident", "category": case.fallback["category"],
            "event_date": today - timedelta(days=40), "discovered_date": today - timedelta(40),
            "location_type": "med_surg", "narrative": case.fallback["narrative"],
            "harm_level": "mild", "harm_duration": "temporary"}
    report = case_services.report_save_draft(hospital=hospital, reporter=lead.user, data=data)
    IncidentReport.objects.filter(pk=report.pk).update(source_system=SOURCE_SYSTEM,
                                                       source_id=key)
    report = case_services.report_submit(report=report, actor=lead.user)
    report = case_services.report_review_save(
        report=report, actor=lead.user, factors=case.fallback["factors"], systems_issue=True,
        preventability="likely", handover_involved=None, pso_summary=case.summary,
        feedback="")
    case_services.report_send(report=report, actor=lead.user)
    report.refresh_from_db()
    return report


def _build(spec: dict, facilitator, people, *, past: bool) -> CollaborativeSession:
    today = timezone.localdate()
    date = today + timedelta(days=spec["days"])
    deadline = today + timedelta(days=spec["deadline_days"])
    session = services.session_create(
        actor=facilitator, title=spec["title"], theme=spec["theme"],
        focus_categories=spec["focus_categories"], description=spec["description"],
        date=date, start_time=time(10, 0) if not past else time(13, 30),
        time_zone="America/Los_Angeles", duration_minutes=90, location=spec["location"],
        meeting_url=spec.get("meeting_url", ""),
        nomination_deadline=deadline, max_cases_per_hospital=3,
    )
    case_hospitals = [c.hospital for c in spec["cases"]]
    invited = [s for s in HOSPITALS if s in people and (not past or s in case_hospitals)]
    services.session_invite_hospitals(session=session,
                                      hospitals=[people[s][0] for s in invited],
                                      actor=facilitator)
    rows = {}
    for short in dict.fromkeys(case_hospitals):
        if short not in people:
            continue
        hospital, lead = people[short]
        row = SessionHospital.objects.get(session=session, hospital=hospital)
        rows[short] = services.session_answer(session_hospital=row, accept=True,
                                              actor=lead.user, attendees=[lead])
    if past:
        # The cases were nominated before the deadline; the demo files them today.
        CollaborativeSession.objects.filter(pk=session.pk).update(nomination_deadline=today)
    taken: set[int] = set(Nomination.objects.values_list("report_id", flat=True))
    nominations = []
    for case in spec["cases"]:
        if case.hospital not in rows:
            continue
        hospital, lead = people[case.hospital]
        report = _report_for(case, hospital, lead, date, taken)
        taken.add(report.pk)
        nomination = services.nomination_submit(session_hospital=rows[case.hospital],
                                                report=report, summary=case.summary,
                                                actor=lead.user)
        nominations.append(services.nomination_decide(nomination=nomination, accept=True,
                                                      actor=facilitator))
    if past:
        CollaborativeSession.objects.filter(pk=session.pk).update(nomination_deadline=deadline)
        session.refresh_from_db()
    return session, nominations


def _load_upcoming(facilitator, people) -> CollaborativeSession:
    session, _ = _build(UPCOMING, facilitator, people, past=False)
    guest = User.objects.filter(email=GUEST).first()
    if guest is not None and not guest.pso_role:
        services.session_invite_guest(session=session, email=GUEST,
                                      full_name=guest.full_name, expertise="Human factors",
                                      actor=facilitator)
    return session


def _load_past(facilitator, people) -> CollaborativeSession:
    session, nominations = _build(PAST, facilitator, people, past=True)
    if session.hospitals.filter(status="accepted").count() < 2:
        return session  # a session needs two hospitals to be held
    services.session_advance(session=session, actor=facilitator)  # nominations closed
    services.session_advance(session=session, actor=facilitator)  # held
    services.attestation_accept(session=session, user=facilitator)
    for short in ("mercy", "sierra"):
        if short in people:
            services.attestation_accept(session=session, user=people[short][1].user)
    for note in PAST["notes"]:
        nomination = nominations[note["case"]] if note["case"] < len(nominations) else None
        services.note_add(session=session, actor=facilitator,
                          observations=note["observations"], improvement_ideas=note["ideas"],
                          systems_factors=note["factors"], nomination=nomination)
    return session


@transaction.atomic
def load_demo_sessions(*, stdout=None) -> int:
    """Create the demo sessions that do not exist yet; returns how many were created."""
    facilitator = User.objects.filter(email=FACILITATOR).first()
    people = _people()
    if facilitator is None or not ContributingFactor.objects.exists() or len(people) < 2:
        return 0
    created = 0
    for spec, load in ((PAST, _load_past), (UPCOMING, _load_upcoming)):
        if CollaborativeSession.objects.filter(title=spec["title"]).exists():
            continue
        load(facilitator, people)
        created += 1
    if stdout is not None:
        stdout.write(f"Demo sessions: {created} created.")
    return created
