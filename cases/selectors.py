"""Reads for reports. Lists never count the whole table: they fetch one page plus one row."""

from dataclasses import dataclass

from django.db.models import Q

from .models import ContributingFactor, IncidentReport, ReportStatus

PAGE_SIZE = 25


@dataclass
class Page:
    """A page of results that knows whether there is a next one without counting them all."""

    items: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def paginate(queryset, page_number, per_page: int = PAGE_SIZE) -> Page:
    try:
        number = max(1, min(int(page_number or 1), 10_000))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start:start + per_page + 1])
    return Page(items=rows[:per_page], number=number, has_next=len(rows) > per_page)


SORTS = {
    "newest": ("-submitted_at", "-id"),
    "oldest": ("submitted_at", "id"),
    "event": ("-event_date", "-id"),
    "reference": ("-reference",),
}


def _apply_filters(reports, filters: dict):
    if status := filters.get("status"):
        reports = reports.filter(status=status)
    if category := filters.get("category"):
        reports = reports.filter(category=category)
    if harm := filters.get("harm"):
        reports = reports.filter(harm_level=harm)
    if unit := filters.get("unit"):
        reports = reports.filter(location_type=unit)
    if start := filters.get("date_from"):
        reports = reports.filter(event_date__gte=start)
    if end := filters.get("date_to"):
        reports = reports.filter(event_date__lte=end)
    if factor := filters.get("factor"):
        reports = reports.filter(contributing_factors=factor)
    if text := (filters.get("q") or "").strip():
        reports = reports.filter(Q(reference__iexact=text) | Q(narrative__icontains=text))
    return reports


def my_reports(*, membership):
    return IncidentReport.objects.filter(
        hospital=membership.hospital, reporter=membership.user
    ).order_by("-created_at", "-id")


def review_queue(*, hospital, filters: dict):
    reports = IncidentReport.objects.filter(hospital=hospital).exclude(status=ReportStatus.DRAFT)
    reports = _apply_filters(reports, filters)
    return reports.order_by(*SORTS.get(filters.get("sort") or "newest", SORTS["newest"]))


def pso_reports(*, filters: dict):
    reports = IncidentReport.objects.filter(status=ReportStatus.SENT).select_related("hospital")
    if hospital := filters.get("hospital"):
        reports = reports.filter(hospital__public_id=hospital)
    filters = {k: v for k, v in filters.items() if k != "status"}
    reports = _apply_filters(reports, filters)
    sort = {"newest": ("-sent_at", "-id"), "oldest": ("sent_at", "id")}.get(
        filters.get("sort") or "newest", ("-sent_at", "-id")
    )
    return reports.order_by(*sort)


def factors():
    return list(ContributingFactor.objects.all())
