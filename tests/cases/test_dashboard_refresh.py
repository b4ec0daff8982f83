"""The dashboards' figures are computed again when the data change, by a task queued on commit,
not by the first viewer: at most one refresh per scope in a minute, never stored under a newer
version than the data it read, the same figures as computed in the request."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import dashboard, services, tasks
from cases.dashboard import (
    hospital_figures,
    pso_figures,
    refresh_soon,
    reports_changed,
    version,
)
from cases.models import IncidentReport, PatientDays, ReportStatus

from ..factories import HospitalFactory, ReportFactory
from .test_dashboard import dashboard_world, file_reports, months_ago  # noqa: F401 (fixture)
from .test_dashboard_fragments import main_of, total_on


class Counted:
    """Wraps a compute function of cases.dashboard and counts its calls."""

    def __init__(self, name):
        self.name, self.calls = name, 0
        self.real = getattr(dashboard, name)

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.real(*args, **kwargs)


@pytest.fixture
def computed(monkeypatch):
    """How many times each scope's figures were computed from the database."""
    counts = {"hospital": Counted("_hospital_figures"), "pso": Counted("_pso_figures")}
    monkeypatch.setattr(dashboard, "_hospital_figures", counts["hospital"])
    monkeypatch.setattr(dashboard, "_pso_figures", counts["pso"])
    return counts


@pytest.fixture
def queued(monkeypatch):
    """The refreshes queued, as (scope, args) pairs; they still run (in-process in tests)."""
    calls = []
    real = tasks.refresh_dashboard.delay

    def delay(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(tasks.refresh_dashboard, "delay", delay)
    return calls


def submit(world, on_commit, hospital=None, reporter=None):
    draft = ReportFactory(hospital=hospital or world.hospital, reporter=reporter or world.staff,
                          status=ReportStatus.DRAFT, submitted_at=None, reference="")
    with on_commit(execute=True):
        services.report_submit(report=draft, actor=reporter or world.staff)


def send_to_pso(hospital, month, count, on_commit):
    """Reports marked sent, then the change the sending service signals on commit."""
    with on_commit(execute=True):
        for report in file_reports(hospital, None, month, count):
            report.status = ReportStatus.SENT
            report.save()
        reports_changed(hospital.pk, sent=True)


def test_the_task_computes_and_stores_the_figures_under_the_current_version(
        dashboard_world, computed):  # noqa: F811
    world = dashboard_world
    scope = f"hospital:{world.hospital.pk}"
    assert tasks.refresh_dashboard(scope) == version(scope)
    assert computed["hospital"].calls == 1
    figures = hospital_figures(hospital_id=world.hospital.pk, months=12)
    assert computed["hospital"].calls == 1  # read from the cache
    assert figures == dashboard._hospital_figures.real(world.hospital.pk, 12,
                                                       timezone.localdate())
    assert figures.total == 6
    # Already there: a second run reads nothing from the database.
    with CaptureQueriesContext(connection) as again:
        tasks.refresh_dashboard(scope)
    assert not [q for q in again.captured_queries if "cases_" in q["sql"]]
    assert computed["hospital"].calls == 1


def test_a_burst_of_reports_queues_one_refresh_per_scope(
        world, computed, queued, django_capture_on_commit_callbacks):
    for _ in range(5):
        submit(world, django_capture_on_commit_callbacks)
    assert queued == [(f"hospital:{world.hospital.pk}",)]
    assert computed["hospital"].calls == 1
    # Another hospital is a scope of its own; the PSO's too.
    submit(world, django_capture_on_commit_callbacks, hospital=world.other_hospital,
           reporter=world.other_staff)
    assert queued[1:] == [(f"hospital:{world.other_hospital.pk}",)]
    for _ in range(4):
        send_to_pso(world.other_hospital, months_ago(1), 2, django_capture_on_commit_callbacks)
    assert queued[2:] == [("pso",)]
    assert computed["pso"].calls == 1 and computed["hospital"].calls == 2
    # Once the hold lapses, the next change is refreshed at once.
    cache.delete(dashboard._refresh_key(f"hospital:{world.hospital.pk}"))
    submit(world, django_capture_on_commit_callbacks)
    assert queued[-1] == (f"hospital:{world.hospital.pk}",)
    assert computed["hospital"].calls == 3


def test_on_a_worker_a_change_made_while_computing_is_computed_again_then_the_hold_is_let_go(
        world, computed, monkeypatch, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    delayed = []
    monkeypatch.setattr(tasks.refresh_dashboard, "delay", lambda *a: delayed.append(a))

    def no_countdown(*args, **kwargs):
        raise AssertionError("a refresh schedules nothing for later")

    monkeypatch.setattr(tasks.refresh_dashboard, "apply_async", no_countdown)
    scope = f"hospital:{world.hospital.pk}"
    for _ in range(3):
        submit(world, django_capture_on_commit_callbacks)
    assert delayed == [(scope,)]  # the burst queued one refresh

    real = computed["hospital"].real

    def a_report_arrives_meanwhile(*args):
        figures = real(*args)
        if computed["hospital"].calls == 1:
            submit(world, django_capture_on_commit_callbacks)  # held back: nothing queued
        return figures

    monkeypatch.setattr(computed["hospital"], "real", a_report_arrives_meanwhile)
    assert tasks.refresh_dashboard(*delayed[0]) == version(scope)  # what the worker runs
    assert computed["hospital"].calls == 2 and len(delayed) == 1
    monkeypatch.setattr(computed["hospital"], "real", real)
    assert hospital_figures(hospital_id=world.hospital.pk, months=12).total == 4
    assert computed["hospital"].calls == 2  # the second pass stored the newest figures
    # The hold is let go: the next change queues a refresh at once.
    submit(world, django_capture_on_commit_callbacks)
    assert delayed == [(scope,), (scope,)]
    # A refresh that fails lets go of the hold too.
    monkeypatch.setattr(computed["hospital"], "real", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        tasks.refresh_dashboard(scope)
    submit(world, django_capture_on_commit_callbacks)
    assert len(delayed) == 3


def test_a_refresh_computes_at_most_a_few_times_while_the_data_keep_moving(
        world, computed, monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    scope = f"hospital:{world.hospital.pk}"
    real = computed["hospital"].real

    def always_moving(*args):
        figures = real(*args)
        dashboard._bump(scope)
        return figures

    monkeypatch.setattr(computed["hospital"], "real", always_moving)
    dashboard.refresh_claimed(scope)
    tasks.refresh_dashboard(scope)
    assert computed["hospital"].calls == dashboard.REFRESH_PASSES


def test_figures_read_before_a_change_are_never_stored_under_its_version(world, monkeypatch):
    scope = f"hospital:{world.hospital.pk}"
    real = dashboard._hospital_figures

    def change_while_computing(*args):
        figures = real(*args)
        ReportFactory(hospital=world.hospital, reporter=world.staff)
        dashboard._bump(scope)  # the change commits while the task computes
        return figures

    monkeypatch.setattr(dashboard, "_hospital_figures", change_while_computing)
    stale = version(scope)
    tasks.refresh_dashboard(scope)
    monkeypatch.setattr(dashboard, "_hospital_figures", real)
    assert version(scope) == stale + 1
    # The task's figures sit under the version it read, where nobody looks any more.
    assert cache.get(f"dashboard:{scope}:12:{timezone.localdate().isoformat()}:{stale}"
                     ).total == 0
    assert hospital_figures(hospital_id=world.hospital.pk, months=12).total == 1


def test_the_lead_dashboard_after_a_change_shows_the_refreshed_figures_without_computing(
        dashboard_world, client_for, computed, django_capture_on_commit_callbacks):  # noqa: F811
    world = dashboard_world
    client = client_for(world.lead)
    url = reverse("reports-dashboard")
    assert total_on(client.get(url)) == "6"
    submit(world, django_capture_on_commit_callbacks)
    calls = computed["hospital"].calls
    with CaptureQueriesContext(connection) as after:
        warm = client.get(url)
    assert total_on(warm) == "7"
    assert computed["hospital"].calls == calls  # drawn from the task's figures
    assert not [q for q in after.captured_queries if "cases_" in q["sql"]]
    # The same page as figures computed in the request.
    cache.clear()
    cold = client.get(url)
    assert computed["hospital"].calls == calls + 1
    assert main_of(cold) == main_of(warm)
    # And the board's PDF reads the same cached figures and charts.
    response = client.get(reverse("reports-dashboard-pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert computed["hospital"].calls == calls + 1


def test_the_pso_dashboard_after_a_change_is_refreshed_and_still_suppressed(
        world, client_for, hospital_factory, computed, django_capture_on_commit_callbacks):
    month = months_ago(1)
    for i in range(3):
        hospital = hospital_factory(name=f"Big Hospital {i}")
        send_to_pso(hospital, month, 20 + i, django_capture_on_commit_callbacks)
        PatientDays.objects.create(hospital=hospital, month=month, patient_days=4000,
                                   entered_by=world.lead)
    tiny = hospital_factory(name="Tiny Hospital")
    client = client_for(world.coordinator)
    url = reverse("pso-reports-dashboard")
    client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        services.patient_days_record(hospital=tiny, actor=world.coordinator, month=month,
                                     patient_days=2917)
    cache.delete(dashboard._refresh_key("pso"))  # a minute later
    send_to_pso(tiny, month, 7, django_capture_on_commit_callbacks)
    calls = computed["pso"].calls
    warm = client.get(url)
    assert computed["pso"].calls == calls
    html = warm.content.decode()
    assert "Tiny Hospital" in html and "fewer than 11" in html
    funnel = html[html.index('id="chart-rates"'):]
    assert "<title>Tiny" not in funnel and "<title>Big Hospital 0" not in funnel
    assert pso_figures(months=12).total == 20 + 21 + 22 + 7
    cache.clear()
    cold = client.get(url)
    assert computed["pso"].calls == calls + 1
    assert main_of(cold) == main_of(warm)


def test_without_the_cache_or_the_broker_nothing_is_queued_and_the_page_computes(
        dashboard_world, client_for, computed, monkeypatch,  # noqa: F811
        django_capture_on_commit_callbacks):
    world = dashboard_world
    scope = f"hospital:{world.hospital.pk}"
    # The cache away: the resilient backend answers every add with False.
    with mock.patch.object(dashboard.cache, "add", return_value=False):
        assert refresh_soon(scope) is False
    assert computed["hospital"].calls == 0

    # The broker away: the change is committed all the same, and the hold is let go.
    def unreachable(*args):
        raise OSError("broker unreachable")

    monkeypatch.setattr(tasks.refresh_dashboard, "delay", unreachable)
    submit(world, django_capture_on_commit_callbacks)
    assert cache.get(dashboard._refresh_key(scope)) is None
    assert computed["hospital"].calls == 0
    assert total_on(client_for(world.lead).get(reverse("reports-dashboard"))) == "7"
    assert computed["hospital"].calls == 1


def test_a_refresh_that_fails_does_not_undo_the_change(
        world, monkeypatch, django_capture_on_commit_callbacks):
    def broken(*args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(dashboard, "_hospital_figures", broken)
    submit(world, django_capture_on_commit_callbacks)
    assert IncidentReport.objects.filter(hospital=world.hospital).exclude(
        status=ReportStatus.DRAFT).count() == 1


def test_an_unknown_scope_is_refused(db):
    with pytest.raises(ValueError):
        tasks.refresh_dashboard("hospital-7")


def test_after_midnight_the_day_s_figures_are_computed_before_the_first_viewer(
        dashboard_world, computed, time_machine):  # noqa: F811
    world = dashboard_world
    quiet = HospitalFactory(name="Quiet Test Hospital")
    time_machine.move_to(timezone.now() + timezone.timedelta(days=1))
    assert tasks.refresh_dashboards_for_the_day() == 3  # the PSO and the two that reported
    assert computed["hospital"].calls == 2 and computed["pso"].calls == 1
    # The first viewers of the new day read what the task stored.
    for hospital in (world.hospital, world.other_hospital):
        hospital_figures(hospital_id=hospital.pk, months=12)
    pso_figures(months=12)
    assert computed["hospital"].calls == 2 and computed["pso"].calls == 1
    # A hospital that has sent nothing has no dashboard worth computing ahead.
    hospital_figures(hospital_id=quiet.pk, months=12)
    assert computed["hospital"].calls == 3


def test_a_scope_that_fails_the_day_s_refresh_leaves_the_others_refreshed(
        dashboard_world, computed, monkeypatch):  # noqa: F811
    from cases import dashboard_views

    real = dashboard_views.refresh_figures

    def failing_for_the_pso(scope):
        if scope == "pso":
            raise RuntimeError("the PSO's figures could not be read")
        real(scope)

    monkeypatch.setattr(dashboard_views, "refresh_figures", failing_for_the_pso)
    assert tasks.refresh_dashboards_for_the_day() == 2
    assert computed["hospital"].calls == 2


def test_the_day_s_refresh_is_scheduled_after_midnight_in_the_portal_s_time_zone(settings):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values()
                 if e["task"] == "cases.refresh_dashboards_for_the_day")
    assert entry["task"] == tasks.refresh_dashboards_for_the_day.name
    assert entry["schedule"].hour == {7, 8} and entry["schedule"].minute == {10}
