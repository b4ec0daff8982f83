"""List pages paginate and make the same number of queries whatever the data size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import ContributingFactor
from tests.factories import ReportFactory

BUDGET = 20


def queries_for(client, url, params=None):
    client.get(url, params or {})  # the first request of a session does some one-off work
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def add_reports(world, count, *, sent=False, hospital=None, reporter=None):
    hospital = hospital or world.hospital
    reporter = reporter or world.staff
    factor = ContributingFactor.objects.get(code="handover")
    now = timezone.now()
    for i in range(count):
        report = ReportFactory(hospital=hospital, reporter=reporter,
                               submitted_at=now - timedelta(minutes=i),
                               feedback="Thanks" if i % 2 else "",
                               pso_summary="Summary for the PSO.")
        report.contributing_factors.add(factor)
        if sent:
            services.report_send(report=report, actor=world.lead if hospital == world.hospital
                                 else world.other_lead)


@pytest.mark.parametrize("params", [{}, {"category": "medication", "sort": "oldest"},
                                    {"q": "pump", "page": "2"}])
def test_my_reports_does_not_grow(world, client_for, django_assert_max_num_queries, params):
    client = client_for(world.staff)
    add_reports(world, 3)
    small, _ = queries_for(client, reverse("my-reports"), params)
    add_reports(world, 37)
    large, response = queries_for(client, reverse("my-reports"), params)
    assert large == small
    with django_assert_max_num_queries(BUDGET):
        client.get(reverse("my-reports"), params)
    if not params:
        assert len(response.context["page"]) == 25 and response.context["page"].has_next


@pytest.mark.parametrize("params", [{}, {"status": "submitted", "harm": "mild"},
                                    {"q": "pump", "sort": "event", "page": "2"}])
def test_review_queue_does_not_grow(world, client_for, django_assert_max_num_queries, params):
    client = client_for(world.lead)
    add_reports(world, 3)
    small, _ = queries_for(client, reverse("review-queue"), params)
    add_reports(world, 37)
    large, response = queries_for(client, reverse("review-queue"), params)
    assert large == small
    with django_assert_max_num_queries(BUDGET):
        client.get(reverse("review-queue"), params)
    if not params:
        assert len(response.context["page"]) == 25


@pytest.mark.parametrize("params", [{}, {"category": "medication", "sort": "oldest"},
                                    {"page": "2"}])
def test_pso_list_does_not_grow(world, client_for, django_assert_max_num_queries, params):
    client = client_for(world.coordinator)
    add_reports(world, 2, sent=True)
    add_reports(world, 1, sent=True, hospital=world.other_hospital, reporter=world.other_staff)
    small, _ = queries_for(client, reverse("pso-report-list"), params)
    add_reports(world, 20, sent=True)
    add_reports(world, 17, sent=True, hospital=world.other_hospital,
                reporter=world.other_staff)
    large, response = queries_for(client, reverse("pso-report-list"), params)
    assert large == small
    with django_assert_max_num_queries(BUDGET):
        client.get(reverse("pso-report-list"), params)
    if not params:
        page = response.context["page"]
        assert len(page) == 25 and page.has_next
        assert {r.hospital for r in page} == {world.hospital, world.other_hospital}


def test_exports_read_a_fixed_number_of_queries(world, client_for):
    add_reports(world, 3, sent=True)
    lead, pso = client_for(world.lead), client_for(world.coordinator)

    def export_queries(client, name):
        b"".join(client.get(reverse(name)).streaming_content)  # a warm session
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(name))
            body = b"".join(response.streaming_content)
        return len(ctx.captured_queries), body.count(b"\n")

    small = export_queries(lead, "report-export"), export_queries(pso, "pso-report-export")
    add_reports(world, 37, sent=True)
    large = export_queries(lead, "report-export"), export_queries(pso, "pso-report-export")
    assert [q for q, _ in large] == [q for q, _ in small]
    assert [lines for _, lines in large] == [2 + 40, 2 + 40]
