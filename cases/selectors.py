"""Reads for reports. Lists never count the whole table: they fetch one page plus one row."""

from dataclasses import dataclass

from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Substr

from chpso_portal.compiled import ListQuery

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


def _page_number(page_number) -> int:
    try:
        return max(1, min(int(page_number or 1), 10_000))
    except (TypeError, ValueError):
        return 1


def paginate(queryset, page_number, per_page: int = PAGE_SIZE) -> Page:
    number = _page_number(page_number)
    start = (number - 1) * per_page
    rows = list(queryset[start:start + per_page + 1])
    return Page(items=rows[:per_page], number=number, has_next=len(rows) > per_page)


def paginate_compiled(query: ListQuery, shape, page_number, per_page: int = PAGE_SIZE,
                      **ids) -> Page:
    """`paginate` for a list compiled once per shape (chpso_portal.compiled): the same page,
    read with the SQL kept for the shape and the request's own ids."""
    number = _page_number(page_number)
    rows = query.rows(shape, offset=(number - 1) * per_page, limit=per_page + 1, **ids)
    return Page(items=rows[:per_page], number=number, has_next=len(rows) > per_page)


def filter_shape(filters: dict) -> tuple:
    """The filters that were given, as part of a list's shape (chpso_portal.compiled)."""
    return tuple(sorted((key, value) for key, value in filters.items()
                        if value not in (None, "")))


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


def my_reports(*, hospital, reporter):
    """A member's own reports in a hospital, newest first (the hospital and the reporter as
    instances or ids)."""
    return IncidentReport.objects.filter(
        hospital=hospital, reporter=reporter
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


def _queue_rows_for_shape(shape, *, hospital, viewer):
    from .conversation import with_message_counts

    fields, filters = shape
    return with_message_counts(
        review_queue_rows(hospital=hospital, filters=dict(filters), fields=fields),
        viewer_id=viewer)


# The queue's rows with the viewer's message counts, compiled once per filter set and order.
REVIEW_QUEUE = ListQuery(_queue_rows_for_shape, ids=("hospital", "viewer"))


def review_queue_page(*, hospital, viewer, filters: dict, fields, page_number) -> Page:
    """A page of `review_queue_rows` with the counts `conversation.count_new` needs. A search
    for words is built through the ORM on each request (free text is kept in no shape)."""
    shape = (tuple(fields), filter_shape(filters))
    ids = {"hospital": hospital.pk, "viewer": viewer.pk}
    if (filters.get("q") or "").strip():
        return paginate(REVIEW_QUEUE.orm(shape, **ids), page_number)
    return paginate_compiled(REVIEW_QUEUE, shape, page_number, **ids)


def _my_rows_for_shape(fields, *, hospital, user):
    from .conversation import with_message_counts

    return with_message_counts(my_reports(hospital=hospital, reporter=user).only(*fields),
                               viewer_id=user)


MY_REPORTS = ListQuery(_my_rows_for_shape, ids=("hospital", "user"))


def my_reports_page(*, membership, fields, page_number) -> Page:
    """A page of the member's own reports in the hospital (`my_reports`), newest first, with
    the counts `conversation.count_new` needs."""
    return paginate_compiled(MY_REPORTS, tuple(fields), page_number,
                             hospital=membership.hospital_id, user=membership.user_id)


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


def _pso_rows_for_shape(shape):
    fields, filters = shape
    return pso_reports(filters=dict(filters)).only(*fields)


PSO_REPORTS = ListQuery(_pso_rows_for_shape, ids=())


def pso_reports_page(*, filters: dict, fields, page_number) -> Page:
    """A page of `pso_reports` with `fields` (which may reach the hospital's). The hospital
    filter is one of the member hospitals the form accepts, so it is part of the shape."""
    shape = (tuple(fields), filter_shape(filters))
    if (filters.get("q") or "").strip():
        return paginate(PSO_REPORTS.orm(shape), page_number)
    return paginate_compiled(PSO_REPORTS, shape, page_number)


def factors():
    return list(ContributingFactor.objects.all())
