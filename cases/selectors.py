"""Reads for reports. Lists never count the whole table: they fetch one page plus one row."""

from dataclasses import dataclass

from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Substr

from .models import HARM_RANK, NEEDS_ACTION, ContributingFactor, IncidentReport, ReportStatus

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


# The review queue's orders, by the `sort` value that names them; anything else is ignored.
# Each descending order is its ascending one with every column turned round, so that one index
# read backwards serves both (report_queue_idx for status, report_filed_cat_idx for category,
# report_filed_harm_idx for harm, the *_event_idx ones for the event date).
SORTS = {
    "newest": ("-submitted_at", "-id"),
    "oldest": ("submitted_at", "id"),
    "event": ("-event_date", "-id"),
    "event_oldest": ("event_date", "id"),
    "category": ("category", "-submitted_at", "-id"),
    "category_desc": ("-category", "submitted_at", "id"),
    # Most harm first: death, severe, moderate, mild, none, unknown, not said.
    "harm": (HARM_RANK.asc(), "-submitted_at", "-id"),
    "harm_desc": (HARM_RANK.desc(), "submitted_at", "id"),
    "status": ("status", "-submitted_at", "-id"),
    "status_desc": ("-status", "submitted_at", "id"),
    "reference": ("-reference",),
}

# The status filter's two views that are not a single status.
ACTION = "action"  # submitted or in review: what the lead has to act on (the default)
ALL = "all"  # every filed report

SNIPPET_LENGTH = 100


def _apply_filters(reports, filters: dict):
    status = filters.get("status")
    if status == ACTION:
        reports = reports.filter(status__in=NEEDS_ACTION)
    elif status and status != ALL:
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


def review_queue_rows(*, hospital, filters: dict, fields):
    """The queue's rows: `fields`, the start of the narrative (cut in the database, so a page
    never reads whole narratives) and the reporter's name, which the database itself leaves
    empty when the reporter hid it: a hidden name never reaches the page's context."""
    return review_queue(hospital=hospital, filters=filters).only(*fields).annotate(
        snippet=Substr("narrative", 1, SNIPPET_LENGTH + 1),
        reporter_name=Case(
            When(reporter_hidden=True, then=Value("")),
            default=F("reporter__full_name"), output_field=CharField()),
        reporter_email=Case(
            When(reporter_hidden=True, then=Value("")),
            default=F("reporter__email"), output_field=CharField()),
    )


def pso_reports(*, filters: dict):
    reports = IncidentReport.objects.filter(status=ReportStatus.SENT).select_related("hospital")
    if hospital := filters.get("hospital"):
        reports = reports.filter(hospital__public_id=hospital)
    # The words are searched in the copy the PSO received, where the reviewer may have put a
    # placeholder for a name: the hospital's own words must not answer the PSO's search.
    text = (filters.get("q") or "").strip()
    filters = {k: v for k, v in filters.items() if k not in ("status", "q")}
    reports = _apply_filters(reports, filters)
    if text:
        reports = reports.filter(Q(reference__iexact=text)
                                 | Q(sent_copy__data__narrative__icontains=text))
    sort = {"newest": ("-sent_at", "-id"), "oldest": ("sent_at", "id")}.get(
        filters.get("sort") or "newest", ("-sent_at", "-id")
    )
    return reports.order_by(*sort)


def factors():
    return list(ContributingFactor.objects.all())
