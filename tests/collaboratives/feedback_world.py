"""A learning collaborative with four teams and monthly data, for the charts and comparisons."""

from datetime import date

from django.utils import timezone

from collaboratives.measures.models import MeasureValue, MonthlyReport, ReportStatus
from collaboratives.pdsa.models import PdsaCycle
from collaboratives.programmes.models import TeamRole

from ..factories import ContractFactory, MembershipFactory
from .learning import enrol, make_collaborative

FIRST = date(2025, 1, 1)


def month(k: int) -> date:
    return date(FIRST.year + (FIRST.month - 1 + k) // 12, (FIRST.month - 1 + k) % 12 + 1, 1)


def submit(team, user, k: int, figures: dict):
    """Submit month k with {measure short name: (numerator, denominator) or value}."""
    report = MonthlyReport.objects.create(
        team=team, month=month(k), created_by=user, status=ReportStatus.SUBMITTED,
        submitted_at=timezone.now(), submitted_by=user, progress_score="3.0")
    measures = {m.short_name: m for m in team.collaborative.measures.all()}
    for name, figure in figures.items():
        numerator, denominator = figure if isinstance(figure, tuple) else (figure, None)
        MeasureValue.objects.create(report=report, team=team, measure=measures[name],
                                    month=report.month, numerator=numerator,
                                    denominator=denominator, entered_by=user)
    return report


def build_world(world, *, months=18, extra_teams=2):
    """Four teams: the world's hospital (improves on the bundle after a PDSA ramp from month
    6), the other hospital (flat), and `extra_teams` more. Returns (collaborative, teams)."""
    collaborative = make_collaborative(world)
    collaborative.starts_on = FIRST
    collaborative.save(update_fields=["starts_on"])
    mine = enrol(collaborative, world.hospital, world.lead,
                 members=[(world.staff, TeamRole.NURSE)])
    theirs = enrol(collaborative, world.other_hospital, world.other_lead)
    teams = [mine, theirs]
    for i in range(extra_teams):
        hospital = ContractFactory(hospital__name=f"Extra Test Hospital {i}").hospital
        lead = MembershipFactory(hospital=hospital, role="safety_lead").user
        teams.append(enrol(collaborative, hospital, lead))
    for k in range(months):
        improved = k >= 6
        submit(mine, world.lead, k, {"bundle": (95 if improved else 60, 100),
                                     "falls_injury": (2 if improved else 4, 1000),
                                     "restraints": 3})
        submit(theirs, world.other_lead, k, {"bundle": (61, 100), "falls_injury": (4, 1000),
                                             "restraints": 4})
        for i, team in enumerate(teams[2:]):
            submit(team, team.team_lead, k, {"bundle": (58 + i, 100),
                                             "falls_injury": (5, 1000), "restraints": 5})
    bundle = collaborative.measures.get(short_name="bundle")
    for n, k in enumerate((4, 5, 6), 1):
        cycle = PdsaCycle.objects.create(team=mine, number=n, title=f"Bundle test {n}",
                                         own_idea="Falls bundle", objective="Test the bundle",
                                         started_on=month(k),
                                         created_by=world.lead)
        cycle.measures.add(bundle)
    return collaborative, teams
