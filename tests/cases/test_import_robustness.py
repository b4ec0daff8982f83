"""CSV import: every bad value is named by row and column (nothing stops "unexpectedly"); large
files never run inside the request; a job that dies is marked failed and says so."""

import threading
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import tasks, transfer
from cases.models import ImportStatus, IncidentReport, ReportImport

from .test_transfer import csv_bytes, row, upload


def errors_of(job):
    return {(e["row"], e["column"]): e["message"] for e in job.errors}


def import_file(world, client_for, capture, content):
    upload(client_for(world.lead), content, capture=capture)
    job = ReportImport.objects.get()
    assert job.status == ImportStatus.FAILED
    assert not IncidentReport.objects.exists()
    return errors_of(job)


def test_an_over_long_location_is_named(world, client_for, django_capture_on_commit_callbacks):
    errors = import_file(world, client_for, django_capture_on_commit_callbacks, csv_bytes(
        [row("A-1"), row("A-2", location_detail="x" * 201)]))
    assert errors == {(3, "location_detail"): "is 201 characters long; at most 200 are allowed"}


def test_an_over_long_source_id_is_named(world, client_for, django_capture_on_commit_callbacks):
    errors = import_file(world, client_for, django_capture_on_commit_callbacks,
                         csv_bytes([row("S" * 81)]))
    assert set(errors) == {(2, "source_id")}


def test_a_nul_byte_is_named(world, client_for, django_capture_on_commit_callbacks):
    errors = import_file(world, client_for, django_capture_on_commit_callbacks, csv_bytes(
        [row("N-1", narrative="Before\x00after")]))
    assert set(errors) == {(2, "narrative")} and "NUL" in errors[(2, "narrative")]


def test_a_line_break_in_a_one_line_column_is_named(world, client_for,
                                                    django_capture_on_commit_callbacks):
    errors = import_file(world, client_for, django_capture_on_commit_callbacks, csv_bytes(
        [row("L-1", location_detail="ward\r\nBcc: x")]))
    assert set(errors) == {(2, "location_detail")}


def test_an_unterminated_quote_is_named_by_row_and_column(
        world, client_for, django_capture_on_commit_callbacks):
    good = csv_bytes([row("Q-1"), row("Q-2")]).decode().splitlines()
    broken = good[2].replace("Patient slipped", '"Patient slipped', 1)
    content = "\r\n".join([good[0], good[1], broken, ""]).encode()
    errors = import_file(world, client_for, django_capture_on_commit_callbacks, content)
    assert list(errors) == [(3, "narrative")]
    assert "never closed" in errors[(3, "narrative")]


def test_quoted_line_breaks_in_the_narrative_still_import(
        world, client_for, django_capture_on_commit_callbacks):
    upload(client_for(world.lead), csv_bytes([row("M-1", narrative="First line\nsecond line")]),
           capture=django_capture_on_commit_callbacks)
    assert ReportImport.objects.get().status == ImportStatus.DONE


@pytest.mark.django_db(transaction=True)
def test_a_large_import_without_redis_runs_outside_the_request(
        world, client_for, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.IMPORT_INLINE_MAX_BYTES = 10
    ran_in = []
    started = []
    real_run = transfer.run_import

    def run(**kwargs):
        ran_in.append(threading.current_thread())
        return real_run(**kwargs)

    real_thread = threading.Thread

    class LaterThread(real_thread):
        # Starts only once the response is back, so that the test's in-memory database is not
        # written by two threads at once.
        def start(self):
            started.append(self)

    monkeypatch.setattr(tasks, "run_import", run)
    monkeypatch.setattr(tasks.threading, "Thread", LaterThread)
    response = upload(client_for(world.lead), csv_bytes([row("B-1"), row("B-2")]),
                      capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert not ran_in  # nothing was imported inside the request
    assert len(started) == 1
    real_thread.start(started[0])
    started[0].join(timeout=60)
    assert ran_in and ran_in[0] is not threading.main_thread()
    job = ReportImport.objects.get()
    assert job.status == ImportStatus.DONE and job.created_count == 2


def test_an_import_thread_that_dies_marks_its_job_failed(world, monkeypatch):
    job = ReportImport.objects.create(hospital=world.hospital, uploaded_by=world.lead,
                                      source_system="x", file="imports/x.csv")

    def die(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(tasks, "run_import", die)
    monkeypatch.setattr(tasks.connections, "close_all", lambda: None)
    tasks._import_in_thread(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "stopped" in job.errors[0]["message"]


def test_a_job_left_running_by_a_dead_process_reads_and_is_marked_failed(
        world, client_for, django_capture_on_commit_callbacks):
    job = ReportImport.objects.create(hospital=world.hospital, uploaded_by=world.lead,
                                      source_system="x", file="imports/x.csv",
                                      status=ImportStatus.RUNNING)
    ReportImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=2))
    client = client_for(world.lead)
    page = client.get(reverse("report-import-status", args=[job.public_id])).content.decode()
    assert "stopped before it finished" in page and "data-reload-after" not in page
    assert tasks.fail_stale_imports_task() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "stopped" in job.errors[0]["message"]


def test_a_fresh_running_job_is_left_alone(world):
    ReportImport.objects.create(hospital=world.hospital, uploaded_by=world.lead,
                                source_system="x", file="imports/x.csv",
                                status=ImportStatus.RUNNING)
    assert transfer.fail_stale_imports() == 0

