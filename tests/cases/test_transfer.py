"""CSV import (all or nothing, no duplicates, in the background) and audited PSWP exports."""

import csv
import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases import services, tasks
from cases.models import ImportStatus, IncidentReport, ReportImport, ReportStatus
from cases.taxonomy import EventCategory, HarmLevel, LocationType
from cases.transfer import IMPORT_COLUMNS, PSWP_LABEL, read_rows
from chpso_portal.audit.models import AuditEvent
from tests.factories import ReportFactory

HEADER = list(IMPORT_COLUMNS)


def row(source_id, **overrides):
    day = (timezone.localdate() - timedelta(days=3)).isoformat()
    values = {
        "source_id": source_id, "event_type": "incident", "category": "fall",
        "event_date": day, "event_time": "14:30", "discovered_date": day,
        "location_type": "med_surg", "location_detail": "corridor",
        "narrative": f"Patient slipped on a wet floor ({source_id}).", "harm_level": "mild",
        "harm_duration": "temporary", "medication_category": "", "near_miss_recovery": "",
    }
    values.update(overrides)
    return values


def csv_bytes(rows, header=HEADER):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(client, content, *, source="Legacy RL", name="reports.csv", capture):
    with capture(execute=True):
        return client.post(reverse("report-import"), {
            "source_system": source,
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        })


def read_csv(response):
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


# Import ---------------------------------------------------------------------------------------

def test_a_valid_file_is_imported(world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.lead)
    content = csv_bytes([row("A-1"), row("A-2", event_type="near_miss", harm_level="",
                                         harm_duration="", near_miss_recovery="Alarm mat"),
                         row("A-3", category="medication", medication_category="D")])
    response = upload(client, content, capture=django_capture_on_commit_callbacks)
    job = ReportImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("report-import-status", args=[job.public_id])
    assert job.status == ImportStatus.DONE
    assert (job.total_rows, job.processed_rows, job.created_count, job.skipped_count) == (
        3, 3, 3, 0)
    reports = IncidentReport.objects.order_by("reference")
    year = timezone.localdate().year
    assert [r.reference for r in reports] == [f"MTH-{year}-000{i}" for i in (1, 2, 3)]
    assert {r.source_id for r in reports} == {"A-1", "A-2", "A-3"}
    assert all(r.hospital == world.hospital and r.status == ReportStatus.SUBMITTED
               and r.source_system == "Legacy RL" and r.reporter is None for r in reports)
    page = client.get(response.url).content.decode()
    assert "3 reports imported" in page
    assert AuditEvent.objects.filter(action="create", summary__startswith="Imported 3").exists()
    # Imported reports are ordinary reports in the queue and continue the numbering.
    queue = client.get(reverse("review-queue")).content.decode()
    assert f"MTH-{year}-0001" in queue


def test_uploading_the_same_file_again_creates_no_duplicates(
        world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.lead)
    content = csv_bytes([row("B-1"), row("B-2")])
    upload(client, content, capture=django_capture_on_commit_callbacks)
    upload(client, content, capture=django_capture_on_commit_callbacks)
    assert IncidentReport.objects.count() == 2
    second = ReportImport.objects.order_by("-created_at", "-id").first()
    assert second.status == ImportStatus.DONE
    assert (second.created_count, second.skipped_count) == (0, 2)
    # A new row in a later file is added; the old ones are still recognised.
    upload(client, csv_bytes([row("B-1"), row("B-3")]),
           capture=django_capture_on_commit_callbacks)
    assert sorted(IncidentReport.objects.values_list("source_id", flat=True)) == [
        "B-1", "B-2", "B-3"]
    # The same identifier from another system is another report.
    upload(client, csv_bytes([row("B-1")]), source="Other system",
           capture=django_capture_on_commit_callbacks)
    assert IncidentReport.objects.filter(source_id="B-1").count() == 2


def test_one_bad_row_among_valid_ones_saves_nothing(
        world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.lead)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    content = csv_bytes([row("C-1"), row("C-2"),
                         row("C-3", category="not-a-category", event_date=tomorrow),
                         row("C-4")])
    response = upload(client, content, capture=django_capture_on_commit_callbacks)
    job = ReportImport.objects.get()
    assert job.status == ImportStatus.FAILED
    assert IncidentReport.objects.count() == 0
    assert job.created_count == 0
    assert {"row": 4, "column": "category",
            "message": "'not-a-category' is not one of: blood, device, fall, hai, medication, "
                       "perinatal, pressure_injury, surgery, vte, other"} in job.errors
    assert all(e["row"] == 4 for e in job.errors)
    page = client.get(response.url).content.decode()
    assert "Nothing was imported" in page and "not-a-category" in page
    assert AuditEvent.objects.filter(outcome="failure", summary__contains="nothing saved").exists()


def test_rule_errors_are_listed_by_row_and_column(
        world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.lead)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    content = csv_bytes([
        row("D-1", event_date=tomorrow, discovered_date=""),
        row("D-2", event_type="near_miss", harm_duration=""),
        row("D-3", event_time="25:99"),
        row("D-3"),
        row("", narrative=""),
    ])
    upload(client, content, capture=django_capture_on_commit_callbacks)
    job = ReportImport.objects.get()
    assert job.status == ImportStatus.FAILED
    found = {(e["row"], e["column"]) for e in job.errors}
    assert {(2, "event_date"), (3, "harm_level"), (3, "near_miss_recovery"),
            (4, "event_time"), (5, "source_id"), (6, "source_id"),
            (6, "narrative")} <= found
    assert not IncidentReport.objects.exists()


def test_a_file_without_required_columns_is_refused(
        world, client_for, django_capture_on_commit_callbacks):
    header = [c for c in HEADER if c not in ("narrative", "category")]
    upload(client_for(world.lead), csv_bytes([row("E-1")], header=header),
           capture=django_capture_on_commit_callbacks)
    job = ReportImport.objects.get()
    assert job.status == ImportStatus.FAILED
    assert {(e["row"], e["column"]) for e in job.errors} == {(1, "narrative"), (1, "category")}
    assert not IncidentReport.objects.exists()


def test_a_file_that_is_not_utf8_is_refused():
    rows, errors = read_rows("source_id\nr\xe9sum\xe9\n".encode("latin-1"))
    assert rows == [] and errors[0]["message"] == "The file is not UTF-8 text."


def test_the_template_holds_the_header_only_and_the_page_documents_the_codes(
        world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.lead)
    response = client.get(reverse("report-import-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = read_csv(response)
    assert lines == [[PSWP_LABEL], HEADER]
    # Imported as it is, the template creates nothing: no example becomes a report.
    content = b"".join(client.get(reverse("report-import-template")).streaming_content)
    upload(client, content, source="Template", capture=django_capture_on_commit_callbacks)
    assert not IncidentReport.objects.exists()
    page = client.get(reverse("report-import")).content.decode()
    for column in HEADER:
        assert f"<code>{column}</code>" in page
    # Every code of every coded column is listed, with the example beside the columns.
    for code, label in HarmLevel.choices + LocationType.choices + EventCategory.choices:
        assert f"<li><code>{code}</code> {escape(label)}</li>" in page
    assert "EXAMPLE-1" in page


def test_the_import_runs_only_after_commit(world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.lead)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("report-import"), {
            "source_system": "Legacy",
            "file": SimpleUploadedFile("r.csv", csv_bytes([row("F-1")]), "text/csv"),
        })
    job = ReportImport.objects.get()
    assert len(callbacks) == 1
    assert job.status == ImportStatus.QUEUED and not IncidentReport.objects.exists()
    page = client.get(reverse("report-import-status", args=[job.public_id])).content.decode()
    assert "Queued" in page and 'data-reload-after' in page
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and IncidentReport.objects.count() == 1


def test_the_task_runs_a_job_once(world, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        client_for(world.lead).post(reverse("report-import"), {
            "source_system": "Legacy",
            "file": SimpleUploadedFile("r.csv", csv_bytes([row("G-1")]), "text/csv"),
        })
    job = ReportImport.objects.get()
    assert tasks.import_reports(job.pk) == ImportStatus.DONE
    assert tasks.import_reports(job.pk) == ""  # a retried message does nothing
    assert tasks.import_reports(999_999) == ""
    assert IncidentReport.objects.count() == 1


def test_upload_form_refuses_other_files(world, client_for, django_capture_on_commit_callbacks):
    response = upload(client_for(world.lead), b"not,a,csv", name="reports.xlsx",
                      capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "Upload a .csv file." in response.content.decode()
    assert not ReportImport.objects.exists()


def test_only_the_lead_imports_and_sees_import_status(
        world, client_for, django_capture_on_commit_callbacks):
    upload(client_for(world.lead), csv_bytes([row("H-1")]),
           capture=django_capture_on_commit_callbacks)
    job = ReportImport.objects.get()
    url = reverse("report-import-status", args=[job.public_id])
    assert client_for(world.staff).get(url).status_code == 403
    assert client_for(world.other_lead).get(url).status_code == 404
    response = client_for(world.staff).post(reverse("report-import"), {
        "source_system": "x", "file": SimpleUploadedFile("r.csv", b"", "text/csv")})
    assert response.status_code == 403
    assert ReportImport.objects.count() == 1


# Export ---------------------------------------------------------------------------------------

def test_the_lead_exports_the_hospitals_reports(world, client_for):
    mine = ReportFactory(hospital=world.hospital, reporter=world.staff)
    services.report_review_save(report=mine, actor=world.lead, factors=["handover", "data"],
                                systems_issue=True, feedback="Private feedback")
    draft = ReportFactory(hospital=world.hospital, reporter=world.staff, status="draft",
                          reference="", narrative="A draft nobody should export.")
    other = ReportFactory(hospital=world.other_hospital)
    response = client_for(world.lead).get(reverse("report-export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    lines = read_csv(response)
    assert lines[0] == [PSWP_LABEL]
    header, rows = lines[1], lines[2:]
    assert [r[header.index("reference")] for r in rows] == [mine.reference]
    record = dict(zip(header, rows[0], strict=True))
    assert record["contributing_factors"] in ("handover;data", "data;handover")
    assert record["systems_issue"] == "yes"
    text = str(lines)
    assert draft.narrative not in text and other.reference not in text
    assert "Private feedback" not in text and world.staff.email not in text
    event = AuditEvent.objects.get(action="export")
    assert event.actor == world.lead and event.hospital == world.hospital


def test_the_export_follows_the_filters(world, client_for):
    fall = ReportFactory(hospital=world.hospital, category="fall")
    ReportFactory(hospital=world.hospital, category="medication")
    lines = read_csv(client_for(world.lead).get(reverse("report-export"), {"category": "fall"}))
    assert [r[0] for r in lines[2:]] == [fall.reference]
    assert AuditEvent.objects.get(action="export").detail == {"filters": {"category": "fall"}}


def test_the_coordinator_exports_only_what_was_sent(world, client_for):
    sent = ReportFactory(hospital=world.hospital, reporter=world.staff,
                         pso_summary="Sent summary.")
    services.report_review_save(report=sent, actor=world.lead, factors=[],
                                pso_summary="Sent summary.", feedback="Private feedback")
    services.report_send(report=sent, actor=world.lead)
    ReportFactory(hospital=world.hospital, reporter=world.staff, status="draft", reference="",
                  narrative="Draft narrative.")
    submitted = ReportFactory(hospital=world.hospital)
    withdrawn = ReportFactory(hospital=world.hospital)
    services.report_withdraw(report=withdrawn, actor=world.lead, reason="Duplicate")
    response = client_for(world.coordinator).get(reverse("pso-report-export"))
    assert response.status_code == 200
    lines = read_csv(response)
    assert lines[0] == [PSWP_LABEL]
    header, rows = lines[1], lines[2:]
    assert header[0] == "hospital"
    assert [r[header.index("reference")] for r in rows] == [sent.reference]
    assert rows[0][0] == world.hospital.name
    text = str(lines)
    assert "Draft narrative." not in text
    assert submitted.reference not in text and withdrawn.reference not in text
    assert "Private feedback" not in text
    assert world.staff.email not in text and world.staff.full_name not in text
    # The columns are what was sent: no reporter, feedback, status or source identifiers.
    assert not {"feedback", "reporter", "reporter_hidden", "source_id", "status"} & set(header)
    record = dict(zip(header, rows[0], strict=True))
    assert record["pso_summary"] == "Sent summary." and record["narrative"] == sent.narrative
    assert AuditEvent.objects.filter(action="export", actor=world.coordinator).count() == 1


def test_only_leads_and_the_pso_export(world, client_for):
    assert client_for(world.staff).get(reverse("report-export")).status_code == 403
    assert client_for(world.lead).get(reverse("pso-report-export")).status_code == 403
    assert client_for(world.facilitator).get(reverse("pso-report-export")).status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_errors_point_at_the_line_of_the_file(world, client_for,
                                              django_capture_on_commit_callbacks):
    body = csv_bytes([row("J-1", narrative="First line of the story.\nSecond line."),
                      row("J-2", location_type="moon")]).decode()
    header, rest = body.split("\r\n", 1)
    content = "\r\n".join([PSWP_LABEL, header, "# a note about the columns", rest]).encode()
    upload(client_for(world.lead), content, capture=django_capture_on_commit_callbacks)
    job = ReportImport.objects.get()
    assert job.status == ImportStatus.FAILED
    # Line 1 label, 2 header, 3 comment, 4-5 the first row (two lines), 6 the bad row.
    assert [(e["row"], e["column"]) for e in job.errors] == [(6, "location_type")]
    assert job.total_rows == 2


def test_a_multiline_narrative_is_kept(world, client_for, django_capture_on_commit_callbacks):
    content = csv_bytes([row("K-1", narrative="First line.\n# not a comment\nThird line.")])
    upload(client_for(world.lead), content, capture=django_capture_on_commit_callbacks)
    assert ReportImport.objects.get().status == ImportStatus.DONE
    assert IncidentReport.objects.get().narrative == "First line.\n# not a comment\nThird line."


def test_an_unexpected_failure_saves_nothing_and_ends_the_job(
        world, client_for, django_capture_on_commit_callbacks, monkeypatch):
    from django.db import IntegrityError

    def clash(*args, **kwargs):
        raise IntegrityError("duplicate key")

    monkeypatch.setattr(IncidentReport.objects, "bulk_create", clash)
    upload(client_for(world.lead), csv_bytes([row("L-1"), row("L-2")]),
           capture=django_capture_on_commit_callbacks)
    job = ReportImport.objects.get()
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    assert job.errors[0]["message"].startswith("The import stopped unexpectedly")
    assert not IncidentReport.objects.exists()
    # The reference numbers reserved inside the failed transaction were given back.
    assert services.allocate_references(hospital=world.hospital, year=timezone.localdate().year
                                        ) == [f"MTH-{timezone.localdate().year}-0001"]
