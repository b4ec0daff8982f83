"""Reads of monthly data: what the chart engine, dashboards and comparisons are built on.

`team_series` and `collaborative_month_values` are the entry points for charts and funnel plots:
each is one query over the current versions of the values, never over superseded ones.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .models import Measure, MeasureValue, ReportStatus


@dataclass(frozen=True)
class MonthPoint:
    month: date
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    not_collected: bool
    submitted: bool


def team_series(*, team, measure: Measure, include_drafts: bool = False) -> list[MonthPoint]:
    """A team's current value of one measure for each month it reported, oldest first (one
    query). Only submitted months unless `include_drafts`: drafts are for the team's own eyes,
    so pass it only for the team itself."""
    values = MeasureValue.objects.current().filter(team=team, measure=measure)
    if not include_drafts:
        values = values.filter(report__status=ReportStatus.SUBMITTED)
    rows = values.order_by("month").values_list(
        "month", "numerator", "denominator", "value", "not_collected", "report__status")
    return [MonthPoint(month, numerator, denominator, value, not_collected,
                       status == ReportStatus.SUBMITTED)
            for month, numerator, denominator, value, not_collected, status in rows]


@dataclass(frozen=True)
class TeamMonthValue:
    team_id: int
    peer_code: str | None
    month: date
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    not_collected: bool


def collaborative_month_values(*, measure: Measure, months: tuple[date, date] | None = None
                               ) -> list[TeamMonthValue]:
    """Every enrolled team's submitted current values of one measure (one query), each with the
    team's peer code and never its hospital: what comparisons across teams start from. Naming a
    team is for the page to decide through programmes.selectors.teams_named."""
    values = (MeasureValue.objects.current()
              .filter(measure=measure, report__status=ReportStatus.SUBMITTED,
                      team__status="enrolled"))
    if months is not None:
        values = values.filter(month__gte=months[0], month__lte=months[1])
    rows = values.order_by("team_id", "month").values_list(
        "team_id", "team__peer_code__code", "month", "numerator", "denominator", "value",
        "not_collected")
    return [TeamMonthValue(*row) for row in rows]
