"""The incident-report dashboards: figures, charts, downloads, patient days, query budgets."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.dashboard import Lag, hospital_figures, month_starts, pso_figures
from cases.models import PatientDays, ReportStatus
from chpso_portal.audit.models import AuditEvent

from ..disclosure_checks import leaks
from ..factories import ReportFactory


def at(day: date, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def months_ago(n: int) -> date:
    return month_starts(n + 1, timezone.localdate())[0]


def file_reports(hospital, reporter, month: date, count: int, **fields):
    return [ReportFactory(hospital=hospital, reporter=reporter, submitted_at=at(month + timedelta(
        days=4)), event_date=month + timedelta(days=2), **fields) for _ in range(count)]


@pytest.fixture
def dashboard_world(world):
    now = timezone.localdate().replace(day=1)
    file_reports(world.hospital, world.staff, now, 3, event_type="near_miss", harm_level="",
                 harm_duration="")
    file_reports(world.hospital, world.staff, months_ago(1), 2, category="fall",
                 harm_level="moderate", feedback="Thank you: the bed alarms are fixed.")
    file_reports(world.hospital, None, months_ago(2), 1, location_type="icu")
    ReportFactory(hospital=world.hospital, reporter=world.staff, status=ReportStatus.DRAFT,
                  submitted_at=None)
    file_reports(world.other_hospital, world.other_staff, now, 5)
    return world


def test_lead_figures(dashboard_world):
    world = dashboard_world
    figures = hospital_figures(hospital_id=world.hospital.pk, months=12)
    assert figures.total == 6  # the draft is not counted
    assert figures.near_miss == 3 and figures.near_miss_percent == 50
    assert figures.with_reporter == 5 and figures.heard_back == 2
    assert figures.filed[timezone.localdate().replace(day=1)] == 3
    assert {s.code: s.count for s in figures.by_category} == {"medication": 4, "fall": 2}
    assert {s.code: s.count for s in figures.by_harm} == {"moderate": 2, "mild": 1}
    assert {s.code: s.count for s in figures.by_unit} == {"med_surg": 5, "icu": 1}
    assert figures.event_to_report.count == 6 and figures.event_to_report.median == 2


def test_lag_percentiles_from_a_histogram():
    # Days 1, 2, 2, 3, 10: median 2; 90th percentile at rank 3.6 -> 3 + 0.6 * 7 = 7.2.
    lag = Lag.from_histogram({1: 1, 2: 2, 3: 1, 10: 1})
    assert lag.median == 2 and lag.p90 == pytest.approx(7.2)
    assert lag.within_7 == 80
    assert Lag.from_histogram({}).median is None


def test_review_time_from_the_first_review(world):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff,
                           submitted_at=timezone.now() - timedelta(days=3))
    services.report_review_save(report=report, actor=world.lead, factors=[],
                                feedback="Thanks")
    report.refresh_from_db()
    assert report.reviewed_at is not None
    first = report.reviewed_at
    services.report_review_save(report=report, actor=world.lead, factors=[], feedback="More")
    report.refresh_from_db()
    assert report.reviewed_at == first
    figures = hospital_figures(hospital_id=world.hospital.pk, months=12)
    assert figures.report_to_review.count == 1 and figures.report_to_review.median == 3


def test_figures_are_cached_and_refreshed_when_a_report_changes(
        world, django_capture_on_commit_callbacks):
    hospital_figures(hospital_id=world.hospital.pk, months=12)
    with CaptureQueriesContext(connection) as cached:
        assert hospital_figures(hospital_id=world.hospital.pk, months=12).total == 0
    assert len(cached) == 0
    draft = ReportFactory(hospital=world.hospital, reporter=world.staff,
                          status=ReportStatus.DRAFT, submitted_at=None, reference="")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=draft, actor=world.staff)
    assert hospital_figures(hospital_id=world.hospital.pk, months=12).total == 1


def test_lead_dashboard_page(dashboard_world, client_for):
    client = client_for(dashboard_world.lead)
    page = client.get(reverse("reports-dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Reports filed per month" in html and "<svg" in html
    assert 'data-testid="near-miss">50%' in html
    assert "Patient Safety Work Product" in html
    assert "js/charts.js" in html and "<script>" not in html
    # Staff may not see the dashboard.
    assert client_for(dashboard_world.staff).get(reverse("reports-dashboard")).status_code == 403


def test_chart_downloads_are_audited(dashboard_world, client_for):
    client = client_for(dashboard_world.lead)
    before = AuditEvent.objects.filter(action="export").count()
    svg = client.get(reverse("reports-dashboard"), {"download": "filed.svg", "months": 24})
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert svg.content.startswith(b"<svg")
    response = client.get(reverse("reports-dashboard"), {"download": "filed.csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0].startswith("# Patient Safety Work Product")
    assert rows[3][:2] == ["Period", "Reports"]
    assert len(rows) == 4 + 12
    assert AuditEvent.objects.filter(action="export").count() == before + 2
    assert client.get(reverse("reports-dashboard"), {"download": "nope.csv"}).status_code == 404


def test_patient_days_entered_and_corrected(world, client_for):
    client = client_for(world.lead)
    month = months_ago(1)
    response = client.post(reverse("patient-days"), {"month": month.isoformat(),
                                                     "patient_days": 1200})
    assert response.status_code == 302
    client.post(reverse("patient-days"), {"month": month.isoformat(), "patient_days": 1250})
    row = PatientDays.objects.get(hospital=world.hospital, month=month)
    assert row.patient_days == 1250
    event = AuditEvent.objects.filter(object_type="cases.patientdays").latest("id")
    assert event.detail == {"month": f"{month:%Y-%m}", "old": 1200, "new": 1250}
    page = client.get(reverse("reports-dashboard")).content.decode()
    assert "Reports per 1,000 patient days" in page
    bad = client.post(reverse("patient-days"), {"month": "2001-01-01", "patient_days": 5})
    assert bad.status_code == 200  # not one of the months offered


def queries_for(client, url):
    client.get(url)  # the session's first request loads what later ones find cached
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    return len(cold), len(warm)


def test_lead_dashboard_query_count_does_not_grow(world, client_for):
    client = client_for(world.lead)
    url = reverse("reports-dashboard") + "?months=36"
    file_reports(world.hospital, world.staff, months_ago(1), 1)
    small = queries_for(client, url)
    for n in range(0, 30, 3):
        file_reports(world.hospital, world.staff, months_ago(n), 3, category="fall")
        PatientDays.objects.create(hospital=world.hospital, month=months_ago(n),
                                   patient_days=900 + n, entered_by=world.lead)
    large = queries_for(client, url)
    assert small == large
    assert large[1] < large[0]  # the figures come from the cache once computed


def test_pso_dashboard_query_count_does_not_grow(world, client_for, hospital_factory):
    client = client_for(world.coordinator)
    url = reverse("pso-reports-dashboard") + "?months=24"
    small = queries_for(client, url)
    for _i in range(6):
        hospital = hospital_factory()
        for n in range(0, 12, 2):
            for report in file_reports(hospital, None, months_ago(n), 2):
                report.status = ReportStatus.SENT
                report.save()
            PatientDays.objects.create(hospital=hospital, month=months_ago(n),
                                       patient_days=3000, entered_by=world.lead)
    large = queries_for(client, url)
    assert small == large


def sent(hospital, month, count):
    for report in file_reports(hospital, None, month, count):
        report.status = ReportStatus.SENT
        report.save()


def test_pso_rates_are_suppressed_and_never_ranked(world, client_for, hospital_factory):
    month = months_ago(1)
    big = [hospital_factory(name=f"Big Hospital {i}") for i in range(3)]
    small = hospital_factory(name="Tiny Hospital")
    for i, hospital in enumerate(big):
        sent(hospital, month, 20 + i)
        PatientDays.objects.create(hospital=hospital, month=month, patient_days=4000,
                                   entered_by=world.lead)
    sent(small, month, 7)
    PatientDays.objects.create(hospital=small, month=month, patient_days=2917,
                               entered_by=world.lead)
    figures = pso_figures(months=12)
    assert {r.name: r.reports for r in figures.rates}["Tiny Hospital"] == 7
    client = client_for(world.coordinator)
    html = client.get(reverse("pso-reports-dashboard")).content.decode()
    # 7 / 2917 * 1000 = 2.3997...: hidden wherever it could show. With one hospital hidden,
    # the overall rate would give its count back, so the smallest other count (20, Big
    # Hospital 0) is hidden too: two points drawn.
    assert leaks(html, 7 / 2917 * 1000) == []
    assert "5.25" in leaks(html, 21 / 4000 * 1000)  # a shown value is found: the check works
    funnel_svg = html[html.index('id="chart-rates"'):]
    assert funnel_svg.count("<title>Big Hospital") == 2
    assert "<title>Big Hospital 0" not in funnel_svg
    assert "<title>Tiny" not in funnel_svg
    assert "fewer than 11" in html
    table = html[html.index('data-testid="funnel-table"'):]
    assert table.index("Big Hospital 0") < table.index("Big Hospital 1") < table.index(
        "Big Hospital 2") < table.index("Tiny Hospital")  # by name, never by rate
    rows = list(csv.reader(io.StringIO(client.get(
        reverse("pso-reports-dashboard"), {"download": "rates.csv"}).content.decode())))
    tiny = next(r for r in rows if r and r[0] == "Tiny Hospital")
    assert tiny[1] == "fewer than 11" and tiny[3].startswith("hidden")
    complement = next(r for r in rows if r and r[0] == "Big Hospital 0")
    assert complement[1] == "" and complement[3].startswith("hidden")
    assert client_for(world.facilitator).get(reverse("pso-reports-dashboard")).status_code \
        == 403


def test_board_pdf_has_the_pswp_label_on_every_page(dashboard_world, client_for):
    from pypdf import PdfReader

    before = AuditEvent.objects.filter(action="export").count()
    response = client_for(dashboard_world.lead).get(reverse("reports-dashboard-pdf"),
                                                    {"months": 24})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) >= 2
    texts = [page.extract_text() for page in pages]
    assert all("Patient Safety Work Product" in text for text in texts)
    assert "Mercy Test Hospital" in texts[0] and "Reports filed per month" in texts[0]
    assert AuditEvent.objects.filter(action="export").count() == before + 1
    assert client_for(dashboard_world.other_staff).get(
        reverse("reports-dashboard-pdf")).status_code == 403


def test_pdf_documents_fetch_nothing():
    from chpso_portal.pdf import _only_inline

    assert _only_inline("file:///etc/passwd", None) == ""
    assert _only_inline("http://127.0.0.1:6379/", None) == ""
    assert _only_inline("data:image/svg+xml;base64,PHN2Zy8+", None).startswith("data:")


def test_category_by_harm_and_harm_by_quarter():
    from cases.dashboard import PsoFigures

    jan, feb, apr = date(2026, 1, 1), date(2026, 2, 1), date(2026, 4, 1)
    figures = PsoFigures(months=[jan, feb, date(2026, 3, 1), apr], cells={
        (jan, "fall", "mild"): 2, (feb, "fall", "mild"): 3, (feb, "fall", ""): 1,
        (apr, "medication", "severe"): 4})
    rows = {code: (counts, total) for code, _, counts, total in figures.category_by_harm()}
    # Harm columns: death, severe, moderate, mild, none, unknown, not given.
    assert rows == {"fall": ([0, 0, 0, 5, 0, 0, 1], 6), "medication": ([0, 4, 0, 0, 0, 0, 0], 4)}
    quarters = {q: total for q, _, total in figures.harm_by_quarter()}
    assert quarters == {"2026 Q1": 6, "2026 Q2": 4}
