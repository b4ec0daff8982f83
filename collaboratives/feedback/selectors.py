"""Reads for a team's charts and a measure's comparison, each in a fixed number of queries.

Charts are built by the chart engine and comparisons go through chpso_portal.disclosure: a
team other than the viewer's appears under its peer code unless it agreed to be named.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.core.cache import cache

from chpso_portal import disclosure
from chpso_portal.chart_pages import ChartBlock, FunnelBlock, month_label, short_month
from chpso_portal.charts.engine import P_PRIME, U_PRIME, Annotation, C, I, P, Period, U, build
from chpso_portal.charts.funnel import PROPORTION, RATE, Unit, funnel, positive_deviants
from collaboratives.measures.models import Measure, MeasureKind, MeasureValue, ReportStatus
from collaboratives.measures.selectors import collaborative_month_values
from collaboratives.pdsa.models import PdsaCycle
from collaboratives.programmes.models import Team, TeamStatus
from collaboratives.programmes.selectors import peer_code_label

from .models import ChartPhase, DevianceFlag, DevianceStatus

# Above this average denominator a P or U chart's limits hug the centre line and flag
# everything (overdispersion): the Laney P' or U' chart is used instead.
LANEY_DENOMINATOR = 10_000


def months_between(first: date, last: date) -> list[date]:
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


def multiplier(measure: Measure) -> float:
    if measure.kind == MeasureKind.PROPORTION:
        return 100.0
    if measure.kind == MeasureKind.RATE:
        return float(measure.rate_multiplier or 1)
    return 1.0


def unit_label(measure: Measure) -> str:
    if measure.kind == MeasureKind.PROPORTION:
        return "%"
    if measure.kind == MeasureKind.RATE:
        return f"per {measure.rate_multiplier:,}"
    return measure.unit or ""


def _number(value):
    return None if value is None else float(value)


def _chart_kind(measure: Measure, rows) -> str:
    if measure.kind in (MeasureKind.PROPORTION, MeasureKind.RATE):
        denominators = [float(r[2]) for r in rows if r[2]]
        large = denominators and sum(denominators) / len(denominators) > LANEY_DENOMINATOR
        if measure.kind == MeasureKind.PROPORTION:
            return P_PRIME if large else P
        return U_PRIME if large else U
    return C if measure.kind == MeasureKind.COUNT else I


@dataclass
class MeasureChart:
    measure: Measure
    block: ChartBlock

    @property
    def improvement_since(self) -> str | None:
        return self.block.chart.improvement_since()


CACHE_SECONDS = 15 * 60


def team_version_sql(team_alias: str) -> str:
    """The columns a team's charts depend on, as subqueries on the team `team_alias` of a
    query: a change to any of it (a value entered or corrected, a month submitted, a PDSA
    cycle, a marked change, the charter) gives a new cache key. Plain SQL: read on every view
    of the page, and the ORM took longer to compile it than the database took to answer it.
    The team charts' access check reads them in its own query (`team_version_of`)."""
    from django.db import connection

    from collaboratives.measures.models import MonthlyReport

    from ..programmes.models import LearningCollaborative

    tables = {name: connection.ops.quote_name(model._meta.db_table) for name, model in (
        ("values", MeasureValue), ("reports", MonthlyReport), ("cycles", PdsaCycle),
        ("phases", ChartPhase), ("collaboratives", LearningCollaborative))}
    t = team_alias
    return (f"(SELECT MAX(id) FROM {tables['values']} WHERE team_id = {t}.id), "
            f"(SELECT MAX(submitted_at) FROM {tables['reports']} WHERE team_id = {t}.id), "
            f"(SELECT MAX(updated_at) FROM {tables['cycles']} WHERE team_id = {t}.id), "
            f"(SELECT COUNT(*) FROM {tables['phases']} WHERE team_id = {t}.id), "
            f"(SELECT charter_version FROM {tables['collaboratives']} "
            f"WHERE id = {t}.collaborative_id)")


TEAM_VERSION_COLUMNS = 5


def team_version_of(parts) -> str:
    """The version of a team's charts from the columns `team_version_sql` read."""
    return hashlib.sha1("|".join(str(part) for part in parts).encode()).hexdigest()[:20]


def _team_version(team: Team) -> str:
    """What a team's charts depend on (`team_version_sql`), in one query; or as the access
    check read it with the team in this request."""
    known = getattr(team, "charts_version", None)
    if known is not None:
        return known
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {team_version_sql('t')} FROM "
                       f"{connection.ops.quote_name(Team._meta.db_table)} t WHERE t.id = %s",
                       [team.pk])
        row = cursor.fetchone()
    return team_version_of(row)


def team_charts_key(team: Team) -> str:
    """The cache key of the team's charts as the data stand now: the page's fragments are
    cached under it too."""
    return f"feedback:team:{team.pk}:{_team_version(team)}"


def team_charts_cached(*, team: Team, query: str = "",
                       key: str | None = None) -> list["MeasureChart"]:
    key = key or team_charts_key(team)
    charts = cache.get(key)
    if charts is None:
        charts = team_charts(team=team)
        for item in charts:
            item.block.prepare()
        cache.set(key, charts, CACHE_SECONDS)
    for item in charts:
        item.block.query = query
    return charts


class ChartFragment(NamedTuple):
    """One chart of the team's page, drawn: its slug, the measure a marked change goes to,
    and its HTML (heading, chart, data table, links), which depends on nothing but the team's
    data and the page's query string."""

    slug: str
    measure_public_id: str
    html: str


def team_fragments_key(key: str, query: str) -> str:
    return f"{key}:page:{hashlib.sha1(query.encode()).hexdigest()[:20]}"


def team_chart_fragments(*, team: Team, query: str = "",
                         key: str | None = None) -> list[ChartFragment]:
    """Every chart of the team's page drawn, cached under the charts' key (team and data
    version) and the query string its download links carry: a repeated view reads them from
    the process's memory or in one cache read, and unpickles no chart."""
    from django.template.loader import render_to_string

    from collaboratives.fragments import versioned

    key = key or team_charts_key(team)

    def draw():
        charts = team_charts_cached(team=team, query=query, key=key)
        return [ChartFragment(item.block.slug, str(item.measure.public_id),
                              render_to_string("feedback/_team_chart.html", {
                                  "item": item, "collaborative": team.collaborative}))
                for item in charts]

    return versioned(team_fragments_key(key, query), draw, CACHE_SECONDS)


def warm_team_charts(team_id: int) -> int:
    """Draw and cache an enrolled team's charts and its page's fragments (no query string) as
    the data stand now, so that the first viewer after a change reads them from the cache.
    Returns how many charts were drawn (0 for a team that is not enrolled)."""
    team = (Team.objects.filter(pk=team_id, status=TeamStatus.ENROLLED)
            .select_related("collaborative", "hospital").first())
    if team is None:
        return 0
    return len(team_chart_fragments(team=team))


def team_charts_changed(team_id: int) -> None:
    """A team's charts changed (a month submitted or corrected, a PDSA cycle, a marked
    change): once the change is committed, a worker draws them again."""
    from django.db import transaction

    transaction.on_commit(lambda: enqueue_warm_team_charts(team_id))


def enqueue_warm_team_charts(team_id: int) -> bool:
    """Hand the drawing to the workers. Never raises: with the broker away, the first viewer
    draws the charts, as without the worker."""
    import logging

    from collaboratives.tasks import warm_team_charts as task

    try:
        task.delay(team_id)
    except Exception:  # kombu raises several types when Redis is unreachable
        logging.getLogger(__name__).warning(
            "Could not enqueue drawing the charts of team %s", team_id, exc_info=True)
        return False
    return True


def team_charts(*, team: Team, query: str = "") -> list[MeasureChart]:
    """Every active measure's chart for the team: submitted months, target, direction,
    baseline, PDSA cycles and the monthly notes as annotations, the team's marked changes as
    phases (5 queries)."""
    collaborative = team.collaborative
    measures = list(Measure.objects.filter(collaborative=collaborative, is_active=True))
    values = defaultdict(list)
    for row in (MeasureValue.objects.current()
                .filter(team=team, report__status=ReportStatus.SUBMITTED,
                        measure__collaborative=collaborative)
                .order_by("month")
                .values_list("measure_id", "month", "numerator", "denominator", "value",
                             "not_collected")):
        values[row[0]].append(row[1:])
    notes = defaultdict(list)
    for number, title, started, measure_id in (
            PdsaCycle.objects.filter(team=team, started_on__isnull=False)
            .values_list("number", "title", "started_on", "measures")):
        notes[measure_id].append(Annotation(month_label(started.replace(day=1)),
                                            f"PDSA {number}: {title}", "pdsa"))
    # The team's own monthly notes ("what we tested") mark every chart of the month.
    from collaboratives.measures.models import MonthlyReport

    for month, tested in (MonthlyReport.objects.filter(team=team,
                                                       status=ReportStatus.SUBMITTED)
                          .exclude(what_we_tested="").values_list("month", "what_we_tested")):
        text = tested if len(tested) <= 80 else tested[:79] + "…"
        notes[None].append(Annotation(month_label(month), f"Tested: {text}", "note"))
    phases = defaultdict(list)
    for measure_id, month, label in ChartPhase.objects.filter(team=team).values_list(
            "measure_id", "month", "label"):
        phases[measure_id].append((month, label))
    every = [row[0] for rows in values.values() for row in rows]
    first = collaborative.starts_on or (min(every) if every else date.today())
    last = max(every) if every else first
    charts = []
    for measure in measures:
        rows = values.get(measure.pk, [])
        start = min([first] + [r[0] for r in rows] + ([measure.baseline_start]
                                                       if measure.baseline_start else []))
        span = months_between(start, max([last] + [r[0] for r in rows]))
        by_month = {r[0]: r for r in rows}
        periods = []
        for month in span:
            row = by_month.get(month)
            label = month_label(month)
            if row is None or row[4]:
                periods.append(Period(label))
            elif measure.kind in (MeasureKind.PROPORTION, MeasureKind.RATE):
                periods.append(Period(label, _number(row[1]), _number(row[2])))
            elif measure.kind == MeasureKind.COUNT:
                periods.append(Period(label, value=_number(row[1])))
            else:
                periods.append(Period(label, value=_number(row[3])))
        baseline = None
        if measure.baseline_start and measure.baseline_end:
            baseline = len([m for m in span if measure.baseline_start <= m <= measure.baseline_end
                            and m in by_month]) or None
        marked = sorted((m, label) for m, label in phases.get(measure.pk, []) if m in span)
        kind = _chart_kind(measure, rows)
        chart = build(kind, periods, better=measure.direction, multiplier=multiplier(measure),
                      target=_number(measure.target_value), baseline=baseline,
                      phase_starts=[span.index(m) for m, _ in marked],
                      phase_labels=["Baseline" if baseline else "Before"]
                      + [label for _, label in marked],
                      annotations=notes.get(measure.pk, []) + notes.get(None, []))
        charts.append(MeasureChart(measure, ChartBlock(
            f"m{measure.position}-{measure.short_name}", measure.name, chart,
            unit=unit_label(measure), value_label=measure.short_name,
            numerator_label="Numerator" if measure.is_ratio else "",
            denominator_label="Denominator" if measure.is_ratio else "",
            short_labels={month_label(m): short_month(m) for m in span}, query=query)))
    return charts


# --- Comparisons ------------------------------------------------------------------------------

SPANS = (1, 3, 6, 12)


@dataclass
class Comparison:
    measure: Measure
    months: list[date]
    block: FunnelBlock | None  # None for counts and continuous values: a table only
    table: disclosure.Comparison


def _labels(measure, viewer, team_ids):
    """{team id: (code label, name, named)} for the teams in the comparison (at most 2
    queries: named teams, and every name for PSO viewers)."""
    agreed = set(DevianceFlag.objects.filter(measure=measure, status=DevianceStatus.NAMED)
                 .values_list("team_id", flat=True))
    names = {}
    wanted = set(team_ids) if viewer.pso else agreed
    if viewer.team is not None:
        names[viewer.team.pk] = viewer.team.hospital.name
    if wanted:
        names.update(Team.objects.filter(pk__in=wanted).values_list("pk", "hospital__name"))
    return names, agreed


def first_month(end: date, span: int) -> date:
    """The first of the `span` months that end with `end`."""
    first = end
    for _ in range(span - 1):
        first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    return first


def measure_comparison(*, measure: Measure, viewer, end: date, span: int,
                       query: str = "") -> Comparison:
    first = first_month(end, span)
    months = months_between(first, end)
    totals: dict[int, list] = {}
    codes: dict[int, str] = {}
    for value in collaborative_month_values(measure=measure, months=(first, end)):
        codes[value.team_id] = f"Team {value.peer_code}" if value.peer_code else "Team"
        entry = totals.setdefault(value.team_id, [0.0, 0.0, 0])
        if value.not_collected:
            continue
        if measure.is_ratio:
            entry[0] += float(value.numerator or 0)
            entry[1] += float(value.denominator or 0)
        else:
            entry[0] += float(value.numerator if value.numerator is not None else
                              value.value or 0)
        entry[2] += 1
    names, agreed = _labels(measure, viewer, list(totals))
    kind = {MeasureKind.PROPORTION: disclosure.PROPORTION,
            MeasureKind.RATE: disclosure.RATE}.get(measure.kind, disclosure.COUNT)
    rows = []
    for team_id, (numerator, denominator, reported) in totals.items():
        own = viewer.team is not None and team_id == viewer.team.pk
        rows.append(disclosure.Row(
            key=team_id, code=codes[team_id],
            numerator=numerator if reported else None,
            denominator=(denominator if measure.is_ratio else 0) if reported else None,
            own=own, name=names.get(team_id, ""),
            named=viewer.pso or team_id in agreed))
    if viewer.team is not None and viewer.team.pk not in totals:
        rows.append(disclosure.Row(key=viewer.team.pk, code=peer_code_label(viewer.team),
                                   numerator=None, denominator=None, own=True,
                                   name=viewer.team.hospital.name))
    table = disclosure.compare(rows, kind=kind, multiplier=multiplier(measure))
    block = None
    if measure.is_ratio:
        block = FunnelBlock.build(
            "funnel", f"{measure.name}: {month_label(first)}"
            + (f" to {month_label(end)}" if span > 1 else ""), table,
            [(team_id, t[0], t[1]) for team_id, t in totals.items() if t[2]],
            kind=PROPORTION if measure.kind == MeasureKind.PROPORTION else RATE,
            multiplier=multiplier(measure), better=measure.direction, unit=unit_label(measure),
            x_label="Denominator", value_label=measure.short_name, numerator_label="Numerator",
            denominator_label="Denominator", query=query, row_label="Team")
    return Comparison(measure, months, block, table)


def _measure_version(measure: Measure) -> str:
    """What a comparison depends on, in one query: the measure's values, the months
    submitted in its collaborative, and the teams' choices to be named. Plain SQL, as for
    `_team_version`: read on every view of the page."""
    from django.db import connection

    from collaboratives.measures.models import MonthlyReport

    values, reports, teams, flags = (connection.ops.quote_name(model._meta.db_table)
                                     for model in (MeasureValue, MonthlyReport, Team,
                                                   DevianceFlag))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {values} WHERE measure_id = %s), "
            # Each team's latest from its own index, not a walk of every team's months.
            f"(SELECT MAX((SELECT MAX(r.submitted_at) FROM {reports} r "
            f"WHERE r.team_id = t.id)) FROM {teams} t WHERE t.collaborative_id = %s), "
            f"(SELECT MAX(decided_at) FROM {flags} WHERE measure_id = %s)",
            [measure.pk, measure.collaborative_id, measure.pk])
        row = cursor.fetchone()
    return hashlib.sha1("|".join(str(part) for part in row).encode()).hexdigest()[:20]


def measure_comparison_key(*, measure: Measure, viewer, end: date, span: int) -> str:
    """The cache key of a comparison as `viewer` sees it (the PSO, or one team: its own row
    is highlighted and named) with the data as they stand now."""
    who = "pso" if viewer.pso else viewer.team.pk
    return (f"feedback:compare:{measure.pk}:{who}:{end.isoformat()}:{span}:"
            + _measure_version(measure))


def comparison_fragment_key(key: str, query: str) -> str:
    """The drawn funnel of the comparison under `key`, with the query string its download
    links carry."""
    return f"{key}:funnel:{hashlib.sha1(query.encode()).hexdigest()[:20]}"


def measure_comparison_cached(*, measure: Measure, viewer, end: date, span: int,
                              query: str = "", key: str | None = None) -> Comparison:
    key = key or measure_comparison_key(measure=measure, viewer=viewer, end=end, span=span)
    comparison = cache.get(key)
    if comparison is None:
        comparison = measure_comparison(measure=measure, viewer=viewer, end=end, span=span)
        if comparison.block is not None:
            comparison.block.prepare()
        cache.set(key, comparison, CACHE_SECONDS)
    if comparison.block is not None:
        comparison.block.query = query
    return comparison


def deviants(*, measure: Measure) -> dict[int, list[date]]:
    """Teams beyond the better-side 99.8% limit of the monthly funnel for three months or
    more in a row: {team id: months} (one query)."""
    if not measure.is_ratio:
        return {}
    by_month: dict[date, list[Unit]] = defaultdict(list)
    for value in collaborative_month_values(measure=measure):
        if value.not_collected or value.numerator is None or not value.denominator:
            continue
        by_month[value.month].append(Unit(value.team_id, float(value.numerator),
                                          float(value.denominator)))
    kind = PROPORTION if measure.kind == MeasureKind.PROPORTION else RATE
    monthly = [(month, funnel(units, kind=kind, better=measure.direction))
               for month, units in sorted(by_month.items()) if len(units) >= 3]
    return positive_deviants(monthly)


def enrolled_teams(collaborative):
    return Team.objects.filter(collaborative=collaborative, status=TeamStatus.ENROLLED)
