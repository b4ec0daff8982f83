"""Demo data for measurement: a collaborative whose measures show every kind of chart, a team
that improves after a PDSA ramp and becomes a positive deviant, and monthly patient days for
the report dashboards. Idempotent; called by `manage.py demo_data`."""

import random
from datetime import date, timedelta

from django.utils import timezone

from cases.models import PatientDays
from collaboratives.measures.models import (
    Direction,
    Measure,
    MeasureKind,
    MeasureType,
    MeasureValue,
    MonthlyReport,
    ReportStatus,
)
from collaboratives.pdsa.models import PdsaCycle, PdsaDecision, PdsaStage
from collaboratives.programmes import services as programme_services
from collaboratives.programmes.models import (
    CollaborativeStatus,
    LearningCollaborative,
    Team,
    TeamMember,
    TeamRole,
    TeamStatus,
)
from members.models import Hospital, Membership, User

from . import services
from .models import ChartPhase, DevianceFlag

NAME = "Preventing pressure injuries"
MONTHS = 18
HOSPITALS = {  # short name in the demo's emails -> hospital name
    "mercy": "Mercy General Hospital",
    "valley": "Valley Regional Medical Center",
    "sierra": "Sierra Community Hospital",
}
PATIENT_DAYS = {"mercy": 9800, "valley": 14200, "sierra": 2100}

MEASURES = [
    # short name, name, type, kind, multiplier, direction, target, unit
    ("hapi", "Hospital-acquired pressure injuries per 1,000 patient days", MeasureType.OUTCOME,
     MeasureKind.RATE, 1000, Direction.DOWN, "1.0", ""),
    ("skin_check", "At-risk patients with a skin assessment within 8 hours of admission",
     MeasureType.PROCESS, MeasureKind.PROPORTION, None, Direction.UP, "90", ""),
    ("turning", "Scheduled repositioning done on time (every shift, from the EHR)",
     MeasureType.PROCESS, MeasureKind.PROPORTION, None, Direction.UP, "85", ""),
    ("stage3", "Stage 3, 4 or unstageable pressure injuries", MeasureType.OUTCOME,
     MeasureKind.COUNT, None, Direction.DOWN, None, ""),
    ("assess_minutes", "Minutes from admission to risk assessment", MeasureType.BALANCING,
     MeasureKind.CONTINUOUS, None, Direction.DOWN, "240", "minutes"),
]


def _months(today: date) -> list[date]:
    first = date(today.year, today.month, 1)
    months = []
    for _ in range(MONTHS):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return months[::-1]


def _figures(short: str, k: int, rng: random.Random) -> dict:
    """One month's figures. Mercy improves from month 7 after a PDSA ramp; Valley has tested
    changes without improvement yet; Sierra is small and steady."""
    improving = short == "mercy" and k >= 7
    days = PATIENT_DAYS[short] + rng.randint(-300, 300) * (PATIENT_DAYS[short] // 5000 + 1)
    at_risk = {"mercy": 140, "valley": 190, "sierra": 38}[short] + rng.randint(-8, 8)
    skin_rate = 0.93 if improving else {"mercy": 0.62, "valley": 0.64, "sierra": 0.6}[short]
    shifts = days * 3 // 2
    turning_rate = (0.86 if short == "mercy" and k >= 9 else 0.74) + rng.uniform(-0.02, 0.02)
    hapi_rate = (1.1 if improving else 2.6) / 1000
    return {
        "hapi": (max(0, round(days * hapi_rate + rng.gauss(0, 2))), days),
        "skin_check": (min(at_risk, round(at_risk * (skin_rate + rng.uniform(-0.04, 0.04)))),
                       at_risk),
        "turning": (round(shifts * turning_rate), shifts),
        "stage3": (max(0, round((1.2 if improving else 3.2) + rng.gauss(0, 1.2))), None),
        "assess_minutes": round((190 if improving else 320) + rng.gauss(0, 35), 1),
    }


def load_demo_measurement(stdout=None) -> None:
    if LearningCollaborative.objects.filter(name=NAME).exists():
        return
    rng = random.Random(11)
    today = timezone.localdate()
    months = _months(today)
    coordinator = User.objects.get(email="coordinator@pso.example")
    facilitator = User.objects.get(email="facilitator@pso.example")
    hospitals = {short: Hospital.objects.get(name=name) for short, name in HOSPITALS.items()}

    for short, hospital in hospitals.items():
        for k, month in enumerate(months[-12:]):
            PatientDays.objects.get_or_create(
                hospital=hospital, month=month,
                defaults={"patient_days": PATIENT_DAYS[short] + 37 * k,
                          "entered_by": User.objects.get(email=f"lead@{short}.example")})

    collaborative = LearningCollaborative.objects.create(
        name=NAME, topic="Pressure injuries",
        aim_statement="Cut hospital-acquired pressure injuries by half within 18 months.",
        status=CollaborativeStatus.RUNNING, starts_on=months[0],
        ends_on=months[-1] + timedelta(days=200), created_by=coordinator)
    collaborative.faculty.add(facilitator)
    measures = {}
    for position, (short, name, kind_type, kind, multiplier, direction, target, unit) in \
            enumerate(MEASURES, 1):
        measures[short] = Measure.objects.create(
            collaborative=collaborative, position=position, name=name, short_name=short,
            type=kind_type, kind=kind, rate_multiplier=multiplier, direction=direction,
            target_value=target, unit=unit,
            numerator_definition="See the charter's operational definition.",
            denominator_definition="See the charter's operational definition." if kind in (
                MeasureKind.PROPORTION, MeasureKind.RATE) else "",
            baseline_start=months[0], baseline_end=months[5])
    teams = {}
    for short, hospital in hospitals.items():
        lead = User.objects.get(email=f"lead@{short}.example")
        team = Team.objects.create(collaborative=collaborative, hospital=hospital,
                                   status=TeamStatus.ENROLLED, sponsor=lead, team_lead=lead,
                                   enrolled_at=timezone.now(), created_by=coordinator)
        programme_services.assign_peer_code(team)
        for email, role in ((f"lead@{short}.example", TeamRole.TEAM_LEAD),
                            (f"nurse@{short}.example", TeamRole.NURSE)):
            user = User.objects.get(email=email)
            TeamMember.objects.create(
                team=team, user=user, role=role, added_by=lead,
                membership=Membership.objects.get(hospital=hospital, user=user))
        teams[short] = team
        for k, month in enumerate(months):
            report = MonthlyReport.objects.create(
                team=team, month=month, created_by=lead, status=ReportStatus.SUBMITTED,
                submitted_at=timezone.now(), submitted_by=lead,
                progress_score="3.5" if short == "mercy" and k >= 7 else "2.5",
                what_we_tested="Skin checks at admission" if short == "mercy" else "")
            for measure_short, figure in _figures(short, k, rng).items():
                measure = measures[measure_short]
                numerator, denominator, value = (
                    (figure[0], figure[1], None) if isinstance(figure, tuple) else
                    (None, None, figure))
                MeasureValue.objects.create(report=report, team=team, measure=measure,
                                            month=month, numerator=numerator,
                                            denominator=denominator, value=value,
                                            entered_by=lead)
    mercy_lead = User.objects.get(email="lead@mercy.example")
    ramp = [("Skin check by the admitting nurse, one unit, one week", PdsaDecision.ADAPT),
            ("Skin check prompt in the admission note, two units", PdsaDecision.ADOPT),
            ("Prompt and a daily audit on every adult unit", PdsaDecision.ADOPT)]
    previous = None
    for number, (title, decision) in enumerate(ramp, 1):
        cycle = PdsaCycle.objects.create(
            team=teams["mercy"], number=number, title=title, own_idea="Skin check at admission",
            objective="More at-risk patients assessed within 8 hours",
            prediction="Most admissions checked within the shift", stage=PdsaStage.ACT,
            decision=decision, started_on=months[4 + number], completed_on=months[4 + number]
            + timedelta(days=20), follows=previous,
            ramp_start=previous.ramp_start or previous if previous else None,
            created_by=mercy_lead)
        cycle.measures.add(measures["skin_check"], measures["hapi"])
        previous = cycle
    ChartPhase.objects.create(team=teams["mercy"], measure=measures["turning"],
                              month=months[9], label="Turning clock on every unit",
                              created_by=mercy_lead)
    services.deviance_scan(collaborative=collaborative, actor=coordinator)
    flag = DevianceFlag.objects.filter(team=teams["mercy"],
                                       measure=measures["skin_check"]).first()
    if flag is not None:
        services.deviance_ask(flag=flag, actor=coordinator,
                              how_to_share="A ten-minute story at learning session 3")
    if stdout is not None:
        stdout.write(f"  Measurement: {NAME} with {len(teams)} teams and {MONTHS} months; "
                     f"{DevianceFlag.objects.filter(collaborative=collaborative).count()} "
                     "positive deviance flag(s); patient days for the report dashboards.")


