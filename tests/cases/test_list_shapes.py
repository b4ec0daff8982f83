"""The report lists run SQL compiled once per filter set and order (chpso_portal.compiled):
every filter, order and page reads exactly what the ORM's own query reads, for each hospital,
viewer and reporter, and a search is never kept."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import selectors, services
from cases.conversation import report_message_post
from cases.models import MessageSide
from cases.views import QUEUE_FIELDS, ROW_FIELDS
from tests.factories import ReportFactory

PSO_FIELDS = (*ROW_FIELDS, "hospital__name")
MY_FIELDS = (*ROW_FIELDS, "feedback", "narrative")


@pytest.fixture
def filed(world):
    now, today = timezone.now(), timezone.localdate()
    made = []
    for hospital, lead, reporter in ((world.hospital, world.lead, world.staff),
                                     (world.other_hospital, world.other_lead, world.other_staff)):
        for i in range(12):
            report = ReportFactory(
                hospital=hospital, reporter=reporter if i % 4 else lead,
                category=("fall", "medication", "surgery")[i % 3],
                harm_level=("mild", "none", "severe", "")[i % 4],
                location_type=("med_surg", "icu")[i % 2],
                event_date=today - timedelta(days=i * 3), reporter_hidden=i == 5,
                submitted_at=now - timedelta(hours=i * 7), pso_summary="A late dose.")
            if i % 5 == 1:
                report_message_post(report=report, author=lead, side=MessageSide.REVIEWER,
                                    text="Which pump was it?")
            if i % 3 == 2:
                services.report_send(report=report, actor=lead)
            made.append(report)
    return made


def read(page):
    return [(r.pk, r.public_id, r.reference, r.status, r.event_date, r.submitted_at,
             getattr(r, "snippet", None), getattr(r, "reporter_name", None),
             getattr(r, "reporter_email", None), getattr(r, "messages_by_others", None),
             getattr(r, "messages_by_others_answered", None),
             r.hospital.name if "hospital" in r._state.fields_cache else None,
             {k: v for k, v in vars(r).items() if k != "_state"}, r._state.db, r._state.adding)
            for r in page], page.number, page.has_next


def same_sql(compiled, orm):
    with CaptureQueriesContext(connection) as ours:
        found = compiled()
    with CaptureQueriesContext(connection) as theirs:
        expected = orm()
    assert [q["sql"] for q in ours.captured_queries] == \
        [q["sql"] for q in theirs.captured_queries]
    assert read(found) == read(expected)
    return found


QUEUE_FILTERS = [
    {"status": selectors.ACTION},
    {"status": selectors.ALL, "sort": "harm"},
    {"status": "sent", "category": "surgery", "sort": "oldest"},
    {"status": selectors.ALL, "harm": "mild", "unit": "med_surg", "sort": "event_oldest"},
    {"status": selectors.ACTION, "date_from": timezone.localdate() - timedelta(days=20),
     "date_to": timezone.localdate() - timedelta(days=3), "sort": "category_desc"},
    {"status": selectors.ALL, "factor": "handover"},
    {"status": selectors.ALL, "q": "pump"},
    *({"status": selectors.ALL, "sort": sort} for sort in selectors.SORTS),
]


@pytest.mark.parametrize("filters", QUEUE_FILTERS)
@pytest.mark.parametrize("page_number", [None, "2"])
def test_the_queue_reads_what_the_orm_reads(world, filed, filters, page_number):
    for hospital, viewer in ((world.hospital, world.lead), (world.hospital, world.staff),
                             (world.other_hospital, world.other_lead)):
        ids = {"hospital": hospital.pk, "viewer": viewer.pk}
        shape = (QUEUE_FIELDS, selectors.filter_shape(filters))
        page = same_sql(
            lambda: selectors.review_queue_page(hospital=hospital, viewer=viewer,
                                                filters=filters, fields=QUEUE_FIELDS,
                                                page_number=page_number),
            lambda: selectors.paginate(selectors.REVIEW_QUEUE.orm(shape, **ids), page_number,
                                       per_page=selectors.PAGE_SIZE))
        assert {r.hospital_id for r in page} <= {hospital.pk}


def test_each_hospital_sees_its_own_queue_through_the_same_kept_sql(world, filed, client_for):
    def references(client, **params):
        response = client.get(reverse("review-queue"), {"status": "all", **params})
        return {r.reference for r in response.context["page"]}

    ours = {r.reference for r in filed if r.hospital_id == world.hospital.pk}
    theirs = {r.reference for r in filed if r.hospital_id == world.other_hospital.pk}
    lead, other_lead = client_for(world.lead), client_for(world.other_lead)
    assert references(lead) == ours
    assert references(other_lead) == theirs
    assert references(lead, category="fall") < ours
    assert references(other_lead, category="fall") < theirs
    assert not references(lead, category="fall") & theirs


def test_the_new_message_counts_are_the_viewers_own(world, filed, client_for):
    report = next(r for r in filed if r.hospital_id == world.hospital.pk and r.status !=
                  "sent" and r.reporter_id == world.staff.pk)
    report_message_post(report=report, author=world.staff, side=MessageSide.REPORTER,
                        text="It was the left pump.")

    def badge(client, url):
        response = client.get(url, {"status": "all"})
        row = next(r for r in response.context["page"] if r.pk == report.pk)
        return row.new_messages

    assert badge(client_for(world.lead), reverse("review-queue")) == 1
    assert badge(client_for(world.staff), reverse("my-reports")) == 0
    report_message_post(report=report, author=world.lead, side=MessageSide.REVIEWER,
                        text="Thank you.")
    assert badge(client_for(world.staff), reverse("my-reports")) == 1


@pytest.mark.parametrize("page_number", [None, "2", "x"])
def test_my_reports_read_what_the_orm_reads(world, filed, page_number):
    for membership in (world.staff.memberships.get(), world.lead.memberships.get(),
                       world.other_staff.memberships.get()):
        same_sql(
            lambda: selectors.my_reports_page(membership=membership, fields=MY_FIELDS,
                                              page_number=page_number),
            lambda: selectors.paginate(selectors.MY_REPORTS.orm(
                MY_FIELDS, hospital=membership.hospital_id, user=membership.user_id),
                page_number))


def test_my_reports_are_the_reporters_own_in_the_acting_hospital(world, filed, client_for):
    page = client_for(world.staff).get(reverse("my-reports")).context["page"]
    assert page.items and {(r.hospital_id, r.reporter_id) for r in page} == {
        (world.hospital.pk, world.staff.pk)}


def pso_filters(world):
    return [
        {},
        {"sort": "oldest"},
        {"hospital": str(world.other_hospital.public_id)},
        {"hospital": str(world.hospital.public_id), "category": "surgery", "sort": "oldest"},
        {"harm": "severe", "unit": "icu"},
        {"date_from": timezone.localdate() - timedelta(days=30)},
        {"q": "pump"},
    ]


@pytest.mark.parametrize("page_number", [None, "2"])
def test_the_pso_list_reads_what_the_orm_reads(world, filed, page_number):
    for filters in pso_filters(world):
        shape = (PSO_FIELDS, selectors.filter_shape(filters))
        page = same_sql(
            lambda: selectors.pso_reports_page(filters=filters, fields=PSO_FIELDS,
                                               page_number=page_number),
            lambda: selectors.paginate(selectors.PSO_REPORTS.orm(shape), page_number))
        assert all(r.status == "sent" for r in page)
        if filters.get("hospital"):
            assert {str(r.hospital.public_id) for r in page} <= {filters["hospital"]}


def test_the_pso_list_filters_by_hospital_through_the_page(world, filed, client_for):
    client = client_for(world.coordinator)
    page = client.get(reverse("pso-report-list"),
                      {"hospital": str(world.other_hospital.public_id)}).context["page"]
    assert page.items and {r.hospital for r in page} == {world.other_hospital}
    page = client.get(reverse("pso-report-list"),
                      {"hospital": str(world.hospital.public_id)}).context["page"]
    assert page.items and {r.hospital for r in page} == {world.hospital}


def test_a_search_is_never_kept(world, filed, client_for):
    secret = "zebrafinch"
    client_for(world.lead).get(reverse("review-queue"), {"q": secret})
    client_for(world.coordinator).get(reverse("pso-report-list"), {"q": secret})
    for query in (selectors.REVIEW_QUEUE, selectors.PSO_REPORTS):
        assert query._shapes and secret not in repr(list(query._shapes))


def test_each_list_makes_its_instances_directly(world):
    """Each list's rows are plain columns of their model, so its instances are made without
    walking every field of the model (chpso_portal.compiled._plain)."""
    assert selectors.REVIEW_QUEUE.compiled((QUEUE_FIELDS, ())).plain
    assert selectors.MY_REPORTS.compiled(MY_FIELDS).plain
    assert selectors.PSO_REPORTS.compiled((PSO_FIELDS, ())).plain
