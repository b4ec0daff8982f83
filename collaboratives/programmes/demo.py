"""Demo learning collaborative (loaded by `manage.py demo_data`, after the lessons).

"Reducing falls with injury", chartered by the coordinator with the facilitator as faculty,
blinded (teams see each other only by their codes), running for 18 months:

- a change package of five evidence-based changes and three measures: falls with injury per
  1,000 patient days (outcome), at-risk patients with a completed prevention bundle (process),
  restraint use per 1,000 patient days (balancing);
- Mercy, Valley and Sierra enrolled, each with its safety lead as senior sponsor and its nurse
  as team lead; Mercy also has a patient and family partner;
- 18 months of data: Mercy improves clearly after a ramp of PDSA cycles on hourly rounding (its
  falls with injury halve and stay down), Valley shows no improvement yet, Sierra is small and
  noisy; Valley's last month is late and Sierra's is a draft;
- PDSA cycles (Mercy's ramp reads as one story), faculty comments and a coaching note, skills
  checks, spread of Mercy's adopted change, and the calendar (pre-work, three learning sessions
  with action periods, a closing session, monthly calls) with attendance;
- the virtual office (links to the evidence and a team's template, an announcement) and two
  discussion threads, one answered by another team.

Everything goes through the services, so audit rows, versions and notifications exist as they
would. The figures come from a seeded random generator: the same every time. Idempotent: if the
collaborative exists, nothing is done.
"""

import math
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from members.models import Hospital, User

from ..measures import services as monthly
from ..measures.models import Direction, MeasureKind, MeasureType, MonthlyReport
from ..pdsa import services as pdsa
from . import services
from .models import CalendarEvent, CollaborativeStatus, EventKind, LearningCollaborative

NAME = "Reducing falls with injury"
MONTHS = 18
PARTNER = ("partner@family.example", "Maria Santos")
HOSPITALS = {
    # short name: (hospital name, patient days per month, baseline falls with injury per 1,000
    # patient days, rate after the change or None, month the change takes hold, bundle %
    # before and after)
    "mercy": ("Mercy General Hospital", 9800, 1.15, 0.45, 9, (52, 91)),
    "valley": ("Valley Regional Medical Center", 14500, 0.95, None, None, (58, 63)),
    "sierra": ("Sierra Community Hospital", 1400, 1.0, 0.8, 12, (50, 68)),
}
CHANGE_IDEAS = [
    ("Hourly purposeful rounding", "Scheduled rounds on pain, position, possessions and "
     "toileting needs.", "AHRQ Preventing Falls in Hospitals toolkit, tool 3H"),
    ("Fall risk assessment with a care plan", "A validated risk score on admission and each "
     "shift, tied to interventions for that patient.", "AHRQ toolkit, section 3.2"),
    ("Low beds and bed or chair exit alarms", "For patients at high risk, with a check that "
     "alarms are on and audible.", "Joint Commission Sentinel Event Alert 55"),
    ("Post-fall huddle", "A short huddle on the unit after every fall, on what happened and "
     "what to change.", "IHI How-to Guide: Reducing Patient Injuries from Falls"),
    ("Teach-back with patients and families", "Patients and families explain the fall plan "
     "in their own words.", "AHRQ Health Literacy Universal Precautions Toolkit"),
]
MEASURES = [
    {"name": "Falls with injury per 1,000 patient days", "short_name": "falls_injury",
     "type": MeasureType.OUTCOME, "kind": MeasureKind.RATE, "rate_multiplier": 1000,
     "numerator_definition": "Inpatient falls with any injury (minor or worse), from the "
                             "incident reporting system, confirmed on review.",
     "denominator_definition": "Patient days on the participating units (midnight census).",
     "data_source": "Incident reports and the midnight census", "sampling": "All falls",
     "target_value": Decimal("0.50"), "direction": Direction.DOWN},
    {"name": "At-risk patients with a completed prevention bundle", "short_name": "bundle",
     "type": MeasureType.PROCESS, "kind": MeasureKind.PROPORTION,
     "numerator_definition": "Sampled at-risk patients with every element of the bundle "
                             "documented (risk score, care plan, alarm or low bed, rounding).",
     "denominator_definition": "At-risk patients sampled (20 a week across the units).",
     "data_source": "Chart audit", "sampling": "20 at-risk patients a week, chosen at random",
     "target_value": Decimal("90"), "direction": Direction.UP},
    {"name": "Physical restraint use per 1,000 patient days", "short_name": "restraints",
     "type": MeasureType.BALANCING, "kind": MeasureKind.RATE, "rate_multiplier": 1000,
     "numerator_definition": "Restraint episodes started on the participating units.",
     "denominator_definition": "Patient days on the participating units.",
     "data_source": "Restraint orders in the EHR", "sampling": "All episodes",
     "target_value": None, "direction": Direction.DOWN},
]
MERCY_RAMP = [
    ("Round hourly on one bay of 4 West", "Will rounding on one bay for a week be done as "
     "planned?", "Nurses will manage 8 of 10 rounds a shift.", "Rounds were done 6 of 10 a "
     "shift at first; nights missed most.", "7.5 of 10 on average; the night shift needs a "
     "different rhythm.", "adapt"),
    ("Round on the whole of 4 West with a rounding log", "Does a log at the door keep rounds "
     "going across the unit?", "9 of 10 rounds, and fewer call lights.", "The log was used "
     "from day two; call lights fell by a third.", "9 of 10 rounds; call lights down.",
     "adapt"),
    ("Rounding on nights paired with toileting", "Does pairing rounds with scheduled toileting "
     "work at night?", "Fewer unassisted trips to the bathroom at night.", "Night staff "
     "paired rounds with toileting at 22, 02 and 05.", "No night fall with injury in four "
     "weeks, against two a month before.", "adopt"),
    ("All medical-surgical units", "Does rounding hold on three more units?", "The same "
     "completion within a month.", "Unit champions trained their staff.", "Completion above "
     "85 percent on all units by week three.", "adopt"),
]


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _months(today: date) -> list[date]:
    last = monthly.previous_month(today.replace(day=1))
    months = [last]
    while len(months) < MONTHS:
        months.insert(0, monthly.previous_month(months[0]))
    return months


def _figures(short: str, index: int, rng: random.Random) -> dict:
    _, days, before, after, change_at, (bundle_before, bundle_after) = HOSPITALS[short]
    patient_days = int(days * rng.uniform(0.94, 1.06))
    improving = after is not None and index >= change_at
    rate = after if improving else before
    if after is not None and change_at - 3 <= index < change_at:  # the ramp under way
        rate = before - (before - after) * (index - change_at + 4) / 5
    bundle_rate = bundle_after if improving else (
        bundle_before + (bundle_after - bundle_before) * max(0, index - change_at + 4) / 5
        if after is not None and index >= change_at - 4 else bundle_before)
    sampled = 80 + rng.randint(-6, 6)
    return {
        "falls_injury": {"numerator": _poisson(rng, rate * patient_days / 1000),
                         "denominator": patient_days},
        "bundle": {"numerator": max(0, min(sampled,
                                           round(sampled * rng.gauss(bundle_rate, 4) / 100))),
                   "denominator": sampled},
        "restraints": {"numerator": _poisson(rng, 2.1 * patient_days / 1000),
                       "denominator": patient_days},
    }


def _event(collaborative, actor, kind, title, day: date, hours=(9, 15), days=0, location="",
           agenda=""):
    zone = ZoneInfo(collaborative.time_zone)
    starts = datetime.combine(day, time(hours[0]), tzinfo=zone)
    ends = datetime.combine(day + timedelta(days=days), time(hours[1]), tzinfo=zone)
    return services.event_create(collaborative=collaborative, actor=actor, kind=kind,
                                 title=title, starts_at=starts, ends_at=ends,
                                 location=location, agenda=agenda)


def _calendar(collaborative, faculty, months):
    start = months[0]
    _event(collaborative, faculty, EventKind.PRE_WORK, "Pre-work: baseline data",
           start - timedelta(days=45), days=40, hours=(8, 17),
           agenda="Form the team, fill in the skills check, collect three months of baseline.")
    sessions = [(0, "Learning session 1: the Model for Improvement and the change package"),
                (6, "Learning session 2: testing at scale, run charts"),
                (12, "Learning session 3: sustaining and spreading")]
    for index, title in sessions:
        day = months[index] + timedelta(days=14)
        _event(collaborative, faculty, EventKind.LEARNING_SESSION, title, day,
               location="Sacramento Convention Center, Room 204",
               agenda="Storyboards from every team; faculty talks; team time to plan PDSAs.")
        _event(collaborative, faculty, EventKind.ACTION_PERIOD,
               f"Action period {sessions.index((index, title)) + 1}", day + timedelta(days=1),
               days=170, hours=(8, 17), agenda="PDSA tests, monthly reports, monthly calls.")
    today = timezone.localdate()
    closing = monthly.next_month(today.replace(day=1)) + timedelta(days=60)
    _event(collaborative, faculty, EventKind.CLOSING_SESSION,
           "Closing congress: results and spread", closing,
           location="Sacramento Convention Center, Hall B")
    month = months[0]
    while month <= monthly.next_month(monthly.next_month(today.replace(day=1))):
        _event(collaborative, faculty, EventKind.MONTHLY_CALL,
               f"All-team call, {month:%B %Y}", month + timedelta(days=20), hours=(12, 13),
               location="Video call (the link is in the calendar invitation)")
        month = monthly.next_month(month)


def _office_and_discussion(collaborative, faculty, teams):
    from ..discussion import services as discussion
    from ..office import services as office
    from .access import Place

    def place_of(short):
        team, _, nurse = teams[short]
        return nurse, Place(collaborative=collaborative,
                            member=team.members.get(user=nurse, removed_at__isnull=True))

    coach = Place(collaborative=collaborative, is_faculty=True)
    for title, url, description in (
            ("Preventing Falls in Hospitals: a toolkit", "https://www.ahrq.gov/patient-safety/"
             "settings/hospital/fall-prevention/toolkit/index.html", "The change package's "
             "main source, with the rounding and risk assessment tools."),
            ("How-to guide: reducing injuries from falls", "https://www.ihi.org/resources",
             "Measures and changes, with worked examples.")):
        office.resource_add(collaborative=collaborative, place=coach, actor=faculty,
                            title=title, url=url, description=description)
    nurse, mercy = place_of("mercy")
    office.resource_add(collaborative=collaborative, place=mercy, actor=nurse,
                        title="Our rounding log (template)", url="https://example.org/"
                        "rounding-log", description="The door log that kept rounds going.")
    office.announcement_post(collaborative=collaborative, place=coach, actor=faculty,
                             title="Learning session 3: bring your run charts",
                             body="Each team presents its run chart of falls with injury, "
                                  "annotated with the changes it tested.")
    nurse_v, valley = place_of("valley")
    thread = discussion.thread_create(
        collaborative=collaborative, place=valley, actor=nurse_v,
        title="Rounding at night without waking patients?", category="change_ideas",
        body="Our night staff worry that hourly rounds wake patients. How did other teams "
             "handle nights?")
    discussion.reply(thread=thread, place=mercy, actor=nurse,
                     body="We paired night rounds with scheduled toileting three times a "
                          "night and kept the lights low; patients slept and unassisted "
                          "trips fell.")
    nurse_s, sierra = place_of("sierra")
    discussion.thread_create(
        collaborative=collaborative, place=sierra, actor=nurse_s,
        title="Too few falls for a control chart?", category="measurement",
        body="With few patient days our monthly rate jumps around. Should we use a run chart "
             "or a chart of days between falls?")


@transaction.atomic
def load_demo_learning(*, stdout=None, password: str = "") -> LearningCollaborative | None:
    if LearningCollaborative.objects.filter(name=NAME).exists():
        return None
    coordinator = User.objects.get(email="coordinator@pso.example")
    faculty = User.objects.get(email="facilitator@pso.example")
    today = timezone.localdate()
    months = _months(today)
    collaborative = services.collaborative_create(
        actor=coordinator, faculty=[faculty], name=NAME, topic="Inpatient falls",
        aim_statement="Reduce falls with injury on the participating units by 50 percent, "
                      "from about 1 to 0.5 per 1,000 patient days, within 18 months.",
        aim_by=months[-1] + timedelta(days=150),
        scope="Adult medical-surgical units of each hospital; not the emergency department, "
              "obstetrics or behavioral health.",
        teams_named=False, starts_on=months[0], ends_on=months[-1] + timedelta(days=180),
        report_due_day=15, reminder_days_before=3)
    for title, description, source in CHANGE_IDEAS:
        services.change_idea_add(collaborative=collaborative, actor=coordinator, title=title,
                                 description=description, source=source,
                                 change_summary="Change package")
    for fields in MEASURES:
        services.measure_add(collaborative=collaborative, actor=coordinator,
                             baseline_start=months[0], baseline_end=months[2],
                             change_summary="Measures", **fields)
    services.collaborative_set_status(collaborative=collaborative, actor=coordinator,
                                      status=CollaborativeStatus.RUNNING)
    measures = {m.short_name: m for m in collaborative.measures.all()}
    ideas = list(collaborative.change_ideas.order_by("position"))

    teams = {}
    for short, (name, *_rest) in HOSPITALS.items():
        hospital = Hospital.objects.get(name=name)
        lead = User.objects.get(email=f"lead@{short}.example")
        nurse = User.objects.get(email=f"nurse@{short}.example")
        services.team_invite(collaborative=collaborative, actor=coordinator, hospital=hospital)
        team = services.team_enrol(collaborative=collaborative, actor=lead, hospital=hospital,
                                   sponsor=lead, team_lead=nurse,
                                   focus_units="4 West, 5 East and 6 West (medical-surgical)")
        teams[short] = (team, lead, nurse)
        for user, scores in ((nurse, (2, 2, 1, 3)), (lead, (3, 2, 2, 4))):
            services.skills_submit(team=team, actor=user, model_for_improvement=scores[0],
                                   measurement=scores[1], pdsa_testing=scores[2],
                                   teamwork=scores[3],
                                   wants_help_with="Reading run charts" if user == nurse
                                   else "")
    mercy, _, mercy_nurse = teams["mercy"]
    partner = services.patient_partner_add(team=mercy, actor=mercy_nurse, email=PARTNER[0],
                                           full_name=PARTNER[1]).user
    if password:
        partner.set_password(password)
        partner.save(update_fields=["password"])

    rng = random.Random(20260101)
    for short, (team, _lead, nurse) in teams.items():
        for index, month in enumerate(months):
            last = index == len(months) - 1
            if last and short == "valley":
                continue  # Valley's last month is late
            report = monthly.report_start(team=team, actor=nurse, month=month)
            figures = _figures(short, index, rng)
            score = Decimal("2.0") if index < 4 else Decimal("2.5")
            if short == "mercy" and index >= 9:
                score = Decimal("4.0") if index >= 12 else Decimal("3.5")
            if short == "sierra" and index >= 13:
                score = Decimal("3.0")
            monthly.report_save(
                report=report, actor=nurse,
                values={measures[k]: {**v, "not_collected": False} for k, v in figures.items()},
                narrative={"what_we_tested": "Hourly rounding" if short == "mercy"
                           else "Bed alarms and risk assessment",
                           "what_we_learned": "Nights need their own plan" if short == "mercy"
                           else "Alarms alone did not change falls",
                           "what_is_next": "Spread to more units" if short == "mercy"
                           else "Start a rounding test next month"},
                progress_score=score)
            if not (last and short == "sierra"):
                monthly.report_submit(report=report, actor=nurse)
    # A correction kept beside the first figures.
    report = MonthlyReport.objects.get(team=mercy, month=months[10])
    current = report.values.get(measure=measures["falls_injury"], is_current=True)
    monthly.report_save(report=report, actor=mercy_nurse, values={measures["falls_injury"]: {
        "numerator": current.numerator + 1, "denominator": current.denominator,
        "not_collected": False}}, correction_reason="A fall reported late after chart review")

    previous = None
    for number, (title, question, prediction, do, study, decision) in enumerate(MERCY_RAMP):
        cycle = pdsa.cycle_create(
            team=mercy, actor=mercy_nurse, change_idea=ideas[0], follows=previous, title=title,
            objective="Test hourly purposeful rounding", question=question,
            prediction=prediction, plan_who="Day and night nurses, unit champion",
            plan_where="4 West" if number < 3 else "All medical-surgical units",
            plan_when=f"{months[6 + number]:%B %Y}", data_to_collect="Rounding log, call "
            "lights, falls", measures=[measures["falls_injury"], measures["bundle"]])
        cycle = pdsa.cycle_update(cycle=cycle, actor=mercy_nurse, change_idea=ideas[0],
                                  follows=previous, do_notes=do, study_notes=study,
                                  decision=decision,
                                  act_notes="Next: " + (MERCY_RAMP[number + 1][0]
                                                        if number + 1 < len(MERCY_RAMP)
                                                        else "spread beyond the pilot units"))
        previous = cycle
    pdsa.comment_add(team=mercy, actor=faculty, cycle=previous,
                     text="A clear ramp: small, then bigger, with nights tested on their own. "
                          "Please annotate the run chart where rounding started.")
    pdsa.coaching_note_add(team=mercy, actor=faculty,
                           text="Ready to present at learning session 3; ask about the log.")
    services.spread_record(team=mercy, actor=mercy_nurse, cycle=previous,
                           change="Hourly purposeful rounding with a door log",
                           spread_to="Telemetry unit (3 North)",
                           spread_on=months[-2] + timedelta(days=10),
                           notes="Unit champion from 4 West trained the telemetry staff.")
    valley, _, valley_nurse = teams["valley"]
    alarms = pdsa.cycle_create(team=valley, actor=valley_nurse, change_idea=ideas[2],
                               title="Bed exit alarms for every high-risk patient",
                               objective="Test alarms on 5 East",
                               prediction="Fewer unwitnessed falls",
                               measures=[measures["falls_injury"]])
    pdsa.cycle_update(cycle=alarms, actor=valley_nurse, change_idea=ideas[2],
                      do_notes="Alarms were on for most patients.",
                      study_notes="Alarm fatigue: many were silenced; no change in falls.",
                      decision="abandon", act_notes="Try rounding instead.")
    pdsa.cycle_create(team=valley, actor=valley_nurse, change_idea=ideas[0],
                      title="Hourly rounding on 5 East", objective="Start rounding",
                      prediction="Rounds done 8 of 10", measures=[measures["falls_injury"]])
    sierra, _, sierra_nurse = teams["sierra"]
    teach = pdsa.cycle_create(team=sierra, actor=sierra_nurse, change_idea=ideas[4],
                              title="Teach-back at admission", objective="Test teach-back",
                              measures=[measures["bundle"]])
    pdsa.cycle_update(cycle=teach, actor=sierra_nurse, change_idea=ideas[4],
                      do_notes="Used with 12 patients.", study_notes="Families asked for a "
                      "written plan too.", decision="adapt")
    monthly_report = MonthlyReport.objects.get(team=valley, month=months[-2])
    pdsa.comment_add(team=valley, actor=faculty, report=monthly_report,
                     text="Alarms alone rarely move falls; rounding may suit 5 East.")

    _office_and_discussion(collaborative, faculty, teams)
    _calendar(collaborative, faculty, months)
    for event in CalendarEvent.objects.filter(collaborative=collaborative,
                                              kind=EventKind.LEARNING_SESSION,
                                              starts_at__lt=timezone.now()):
        present = [u.pk for _team, lead, nurse in teams.values() for u in (lead, nurse)]
        services.attendance_record(event=event, actor=faculty,
                                   present_user_ids=present + [faculty.pk])
    if stdout is not None:
        stdout.write(f"Demo learning collaborative: {NAME}, {len(teams)} teams, "
                     f"{MONTHS} months of data.")
    return collaborative
