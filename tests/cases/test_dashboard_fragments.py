"""The dashboards' rendered fragments are cached under the data version of whose figures they
show: drawn again after a write, never shown to another hospital."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import PatientDays, ReportStatus

from ..factories import ReportFactory
from .test_dashboard import dashboard_world, file_reports, months_ago  # noqa: F401 (fixture)


def total_on(page) -> str:
    html = page.content.decode()
    return html.split('data-testid="total">', 1)[1].split("<", 1)[0]


def main_of(page) -> str:
    """The page's main content (the header's forms carry a fresh CSRF mask each time)."""
    return page.content.decode().split('<main', 1)[1]


def test_a_repeated_view_reads_no_figures_and_a_new_report_redraws_it(
        dashboard_world, client_for, django_capture_on_commit_callbacks):  # noqa: F811
    world = dashboard_world
    client = client_for(world.lead)
    url = reverse("reports-dashboard")
    first = client.get(url)
    assert total_on(first) == "6"
    with CaptureQueriesContext(connection) as again:
        second = client.get(url)
    assert main_of(second) == main_of(first)
    # Only what every signed-in page reads (the session's user); no figure, no report row.
    assert not [q for q in again.captured_queries if "cases_" in q["sql"]]

    draft = ReportFactory(hospital=world.hospital, reporter=world.staff,
                          status=ReportStatus.DRAFT, submitted_at=None, reference="")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=draft, actor=world.staff)
    assert total_on(client.get(url)) == "7"


def test_each_hospital_sees_its_own_figures_whoever_looked_first(
        dashboard_world, client_for):  # noqa: F811
    world = dashboard_world
    url = reverse("reports-dashboard")
    for _ in range(2):  # the second time round, both fragments are in the cache
        mine = client_for(world.lead).get(url)
        theirs = client_for(world.other_lead).get(url)
        assert total_on(mine) == "6" and total_on(theirs) == "5"
        assert world.hospital.name in mine.content.decode()
        assert world.hospital.name not in theirs.content.decode()


def test_the_download_links_follow_the_query_string(dashboard_world, client_for):  # noqa: F811
    client = client_for(dashboard_world.lead)
    url = reverse("reports-dashboard")
    assert "?download=filed.svg" in client.get(url).content.decode()
    assert "?months=24&amp;download=filed.svg" in client.get(
        url, {"months": 24}).content.decode()
    # And the plain page again: its own fragment, not the last one drawn.
    assert "?months=24" not in client.get(url).content.decode()


def test_the_pso_dashboard_is_redrawn_when_patient_days_change(
        world, client_for, hospital_factory, django_capture_on_commit_callbacks):
    client = client_for(world.coordinator)
    url = reverse("pso-reports-dashboard")
    hospital = hospital_factory(name="Rate Hospital")
    month = months_ago(1)
    for report in file_reports(hospital, None, month, 30):
        report.status = ReportStatus.SENT
        report.save()
    before = client.get(url).content.decode()
    assert "Rate Hospital" not in before  # no patient days yet: not in the comparison
    assert main_of(client.get(url)) == before.split('<main', 1)[1]  # cached
    with django_capture_on_commit_callbacks(execute=True):
        services.patient_days_record(hospital=hospital, actor=world.coordinator, month=month,
                                     patient_days=4000)
    assert PatientDays.objects.filter(hospital=hospital).exists()
    assert "Rate Hospital" in client.get(url).content.decode()
