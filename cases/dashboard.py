"""Figures for the incident-report dashboards: a safety lead's for one hospital, the PSO's for
everything sent to it.

Every figure is aggregated in the database by a fixed number of GROUP BY queries, whatever the
number of months, reports or hospitals, and the result is cached until a report or a month's
patient days change (`reports_changed`, `patient_days_changed` bump a version on commit).

When a version moves, a task (cases.tasks.refresh_dashboard) computes the figures of the views
the dashboards open with and stores them under the new version, so the next viewer reads them
instead of computing them in the request. While a refresh of a scope is queued or running, no
other is queued; the refresh computes again if the data moved while it computed. Without the
cache or the broker nothing is queued, and the first viewer computes the figures, as before.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from .taxonomy import EventCategory, EventType, HarmLevel, LocationType

PERIODS = (12, 24, 36)
OPENS_WITH = PERIODS[:1]  # the period a dashboard opens with: refreshed when data change
CACHE_SECONDS = 15 * 60  # a safety net: every change bumps the version anyway
# In-process (the embedded default) a refresh runs inside the commit that queued it, and
# holds the scope for this long: a burst of changes pays for one refresh a minute at most.
REFRESH_EVERY = 60  # seconds
# On a worker the hold lasts until the refresh has stored its figures; this bounds it if the
# worker dies meanwhile (a change in that time is computed by its first viewer).
REFRESH_HOLD = 10 * 60  # seconds
REFRESH_PASSES = 3  # computations at most per refresh, when the data keep moving

logger = logging.getLogger(__name__)


# --- Cache versions -------------------------------------------------------------------------


def _version_key(scope: str) -> str:
    return f"dashboard:v:{scope}"


def _bump(scope: str) -> None:
    key = _version_key(scope)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def _changed(*scopes: str) -> None:
    for scope in scopes:
        _bump(scope)
    for scope in scopes:
        refresh_soon(scope)


def reports_changed(hospital_id, *, sent: bool = False) -> None:
    """A report of the hospital was filed, reviewed, sent, withdrawn or imported."""
    scopes = (f"hospital:{hospital_id}", "pso") if sent else (f"hospital:{hospital_id}",)
    transaction.on_commit(lambda: _changed(*scopes))


def patient_days_changed(hospital_id) -> None:
    transaction.on_commit(lambda: _changed(f"hospital:{hospital_id}", "pso"))


def version(scope: str) -> int:
    """The scope's data version: what a page's cached fragments are keyed on."""
    return cache.get(_version_key(scope), 0)


def cached(scope: str, name: str, compute, *, at: int | None = None):
    """`compute()`, cached until the scope's version changes (or CACHE_SECONDS pass). `at`: the
    version read before the figures `compute` draws on were read, so that what is drawn from
    them is never stored under a newer version than they are."""
    return _cached(scope, name, compute, at=at)


def _cached(scope: str, name: str, compute, *, at: int | None = None):
    key = f"dashboard:{scope}:{name}:{version(scope) if at is None else at}"
    figures = cache.get(key)
    if figures is None:
        figures = compute()
        cache.set(key, figures, CACHE_SECONDS)
    return figures


# --- Refreshing the figures when the data change --------------------------------------------


def _refresh_key(scope: str) -> str:
    return f"dashboard:refresh:{scope}"


def refresh_soon(scope: str) -> bool:
    """Queue a refresh of the scope's figures, after its version moved; called on commit.

    Nothing is queued while a refresh of the scope is queued or running (it computes again if
    it finds the data moved), nor, in-process, for REFRESH_EVERY seconds after one, nor when
    the cache cannot be reached. Never raises: the change is committed whatever happens here,
    and the next viewer can compute the figures."""
    from .tasks import refresh_dashboard

    try:
        if not refresh_claimed(scope):
            return False
    except Exception:  # noqa: BLE001 - a cache that raises is a cache that is away
        logger.warning("Could not queue a refresh of the %s dashboard", scope, exc_info=True)
        return False
    try:
        refresh_dashboard.delay(scope)
    except Exception:  # noqa: BLE001 - kombu raises several types when the broker is away
        logger.warning("Could not queue a refresh of the %s dashboard", scope, exc_info=True)
        refresh_released(scope)
        return False
    return True


def refresh_claimed(scope: str) -> bool:
    """Hold the scope for one refresh; False when another holds it."""
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    return cache.add(_refresh_key(scope), 1, REFRESH_EVERY if eager else REFRESH_HOLD)


def refresh_released(scope: str) -> None:
    """The refresh has stored its figures: the next change queues one at once."""
    cache.delete(_refresh_key(scope))


# --- Months ----------------------------------------------------------------------------------


def month_starts(count: int, today: date) -> list[date]:
    """The first days of the last `count` months, oldest first, this month included."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return months[::-1]


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _month_of(value) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


# --- Shapes ---------------------------------------------------------------------------------


@dataclass
class Share:
    code: str
    label: str
    count: int
    percent: float


def breakdown(counts: Counter, choices) -> list[Share]:
    total = sum(counts.values())
    labels = dict(choices.choices)
    rows = [Share(code, labels.get(code, "Not given") if code else "Not given", n,
                  100 * n / total if total else 0.0)
            for code, n in counts.items() if n]
    order = {code: i for i, code in enumerate(labels)}
    return sorted(rows, key=lambda r: order.get(r.code, len(order)))


@dataclass
class Lag:
    """Days between two moments, summarised from a histogram of whole days."""

    count: int = 0
    median: float | None = None
    p90: float | None = None
    within_7: float | None = None  # percent

    @classmethod
    def from_histogram(cls, histogram: dict[int, int]) -> "Lag":
        total = sum(histogram.values())
        if not total:
            return cls()

        ordered = sorted(histogram.items())

        def nth(k):  # the k-th smallest day count, from 0
            seen = 0
            for days, n in ordered:
                seen += n
                if k < seen:
                    return days
            return ordered[-1][0]

        def quantile(q):
            rank = q * (total - 1)
            low, high = nth(int(rank)), nth(min(total - 1, int(rank) + 1))
            return low + (high - low) * (rank - int(rank))

        quick = sum(n for days, n in histogram.items() if days <= 7)
        return cls(total, quantile(0.5), quantile(0.9), 100 * quick / total)


def _days(value) -> int:
    if isinstance(value, timedelta):
        return max(0, value.days)
    if value is None:
        return 0
    return max(0, int(value) // 86_400_000_000)  # microseconds on some backends


@dataclass
class HospitalFigures:
    months: list[date]
    filed: dict[date, int] = field(default_factory=dict)
    near_miss: int = 0
    unsafe: int = 0
    total: int = 0
    heard_back: int = 0
    with_reporter: int = 0
    by_category: list[Share] = field(default_factory=list)
    by_harm: list[Share] = field(default_factory=list)
    by_unit: list[Share] = field(default_factory=list)
    by_event_type: list[Share] = field(default_factory=list)
    event_to_report: Lag = field(default_factory=Lag)
    report_to_review: Lag = field(default_factory=Lag)
    patient_days: dict[date, int] = field(default_factory=dict)

    @property
    def near_miss_percent(self) -> float | None:
        return 100 * self.near_miss / self.total if self.total else None

    @property
    def heard_back_percent(self) -> float | None:
        return 100 * self.heard_back / self.with_reporter if self.with_reporter else None


def _filed_month():
    return TruncMonth("submitted_at", output_field=DateField())


def hospital_figures(*, hospital_id: int, months: int, today: date | None = None,
                     at: int | None = None) -> HospitalFigures:
    today = today or timezone.localdate()
    return _cached(f"hospital:{hospital_id}", f"{months}:{today.isoformat()}",
                   lambda: _hospital_figures(hospital_id, months, today), at=at)


def _hospital_figures(hospital_id: int, months: int, today: date) -> HospitalFigures:
    from .models import IncidentReport, PatientDays, ReportStatus

    span = month_starts(months, today)
    figures = HospitalFigures(months=span)
    filed = (IncidentReport.objects.filter(hospital_id=hospital_id,
                                           submitted_at__gte=_start_of(span[0]))
             .exclude(status=ReportStatus.DRAFT))
    for row in (filed.annotate(month=_filed_month()).values("month").annotate(
            n=Count("id"),
            near=Count("id", filter=Q(event_type=EventType.NEAR_MISS)),
            unsafe=Count("id", filter=Q(event_type=EventType.UNSAFE_CONDITION)),
            with_reporter=Count("id", filter=Q(reporter__isnull=False)),
            heard=Count("id", filter=Q(reporter__isnull=False) & ~Q(feedback="")))):
        figures.filed[_month_of(row["month"])] = row["n"]
        figures.total += row["n"]
        figures.near_miss += row["near"]
        figures.unsafe += row["unsafe"]
        figures.with_reporter += row["with_reporter"]
        figures.heard_back += row["heard"]
    categories, harms, units = Counter(), Counter(), Counter()
    for row in filed.values("category", "harm_level", "location_type", "event_type").annotate(
            n=Count("id")):
        categories[row["category"]] += row["n"]
        units[row["location_type"]] += row["n"]
        if row["event_type"] == EventType.INCIDENT:
            harms[row["harm_level"]] += row["n"]
    figures.by_category = breakdown(categories, EventCategory)
    figures.by_harm = breakdown(harms, HarmLevel)
    figures.by_unit = breakdown(units, LocationType)
    figures.by_event_type = breakdown(
        Counter({EventType.INCIDENT.value: figures.total - figures.near_miss - figures.unsafe,
                 EventType.NEAR_MISS.value: figures.near_miss,
                 EventType.UNSAFE_CONDITION.value: figures.unsafe}), EventType)
    lag = ExpressionWrapper(TruncDate("submitted_at") - F("event_date"),
                            output_field=DurationField())
    histogram = Counter()
    for row in (filed.filter(event_date__isnull=False).annotate(lag=lag).values("lag")
                .annotate(n=Count("id"))):
        histogram[_days(row["lag"])] += row["n"]
    figures.event_to_report = Lag.from_histogram(histogram)
    reviewed = Coalesce("reviewed_at", "sent_at", "withdrawn_at")
    review_lag = ExpressionWrapper(TruncDate(reviewed) - TruncDate("submitted_at"),
                                   output_field=DurationField())
    histogram = Counter()
    for row in (filed.filter(Q(reviewed_at__isnull=False) | Q(sent_at__isnull=False)
                             | Q(withdrawn_at__isnull=False))
                .annotate(lag=review_lag).values("lag").annotate(n=Count("id"))):
        histogram[_days(row["lag"])] += row["n"]
    figures.report_to_review = Lag.from_histogram(histogram)
    figures.patient_days = dict(PatientDays.objects.filter(
        hospital_id=hospital_id, month__gte=span[0], month__lte=span[-1])
        .values_list("month", "patient_days"))
    return figures


# --- The PSO's dashboard --------------------------------------------------------------------


@dataclass
class HospitalRate:
    hospital_id: int
    name: str
    reports: int  # sent reports filed in months with patient days entered
    patient_days: int
    months_entered: int


@dataclass
class PsoFigures:
    months: list[date]
    sent: dict[date, int] = field(default_factory=dict)
    total: int = 0
    # (month, category, harm) -> count
    cells: dict[tuple[date, str, str], int] = field(default_factory=dict)
    rates: list[HospitalRate] = field(default_factory=list)
    without_patient_days: int = 0  # hospitals that sent reports but entered no patient days

    def category_by_harm(self) -> list[tuple[str, str, list[int], int]]:
        """Rows (code, label, counts per harm level, total) for the whole period."""
        harms = [code for code, _ in HarmLevel.choices] + [""]
        column = {harm: i for i, harm in enumerate(harms)}
        counts: dict[str, list[int]] = {}
        for (_, category, harm), n in self.cells.items():
            row = counts.setdefault(category, [0] * len(harms))
            row[column.get(harm, len(harms) - 1)] += n
        return [(code, label, counts[code], sum(counts[code]))
                for code, label in EventCategory.choices if sum(counts.get(code, [0]))]

    def harm_by_quarter(self) -> list[tuple[str, list[int], int]]:
        harms = [code for code, _ in HarmLevel.choices] + [""]
        quarters: dict[str, list[int]] = {}
        for month in self.months:
            quarters.setdefault(f"{month.year} Q{(month.month - 1) // 3 + 1}", [0] * len(harms))
        for (month, _, harm), n in self.cells.items():
            key = f"{month.year} Q{(month.month - 1) // 3 + 1}"
            if key in quarters:
                quarters[key][harms.index(harm) if harm in harms else -1] += n
        return [(key, counts, sum(counts)) for key, counts in quarters.items()]


def pso_figures(*, months: int, today: date | None = None, at: int | None = None
                ) -> PsoFigures:
    today = today or timezone.localdate()
    return _cached("pso", f"{months}:{today.isoformat()}",
                   lambda: _pso_figures(months, today), at=at)


def _pso_figures(months: int, today: date) -> PsoFigures:
    from .models import IncidentReport, PatientDays, ReportStatus

    span = month_starts(months, today)
    figures = PsoFigures(months=span)
    sent = IncidentReport.objects.filter(status=ReportStatus.SENT,
                                         submitted_at__gte=_start_of(span[0]))
    for row in (sent.annotate(month=_filed_month()).values("month", "category", "harm_level")
                .annotate(n=Count("id"))):
        month = _month_of(row["month"])
        figures.cells[(month, row["category"], row["harm_level"])] = row["n"]
        figures.sent[month] = figures.sent.get(month, 0) + row["n"]
        figures.total += row["n"]
    entered = PatientDays.objects.filter(month__gte=span[0], month__lte=span[-1])
    days, names = {}, {}
    for row in entered.values("hospital_id", "hospital__name").annotate(
            days=Sum("patient_days"), months=Count("id")):
        days[row["hospital_id"]] = (row["days"], row["months"])
        names[row["hospital_id"]] = row["hospital__name"]
    counted = dict(
        sent.annotate(month=_filed_month())
        .filter(Exists(entered.filter(hospital_id=OuterRef("hospital_id"),
                                      month=OuterRef("month"))))
        .values("hospital_id").annotate(n=Count("id")).values_list("hospital_id", "n"))
    senders = set(sent.values_list("hospital_id", flat=True).distinct())
    figures.without_patient_days = len(senders - set(days))
    figures.rates = sorted(
        (HospitalRate(hospital_id, names.get(hospital_id, ""), counted.get(hospital_id, 0),
                      total_days, entered_months)
         for hospital_id, (total_days, entered_months) in days.items()),
        key=lambda r: r.name)
    return figures
