"""De-identification where text leaves the writer's hands, in a real browser: a nurse types a
patient's name into a report on a phone and sees it highlighted before sending; a CSV import row
with a record number and a name shows both on the report's review page."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import IncidentReport, ReportImport, ReportStatus
from cases.transfer import IMPORT_COLUMNS
from tests.browser.test_journeys import sign_in
from tests.browser.test_report_journey import UUID_PATH, people  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# A patient the portal has never heard of, written as a nurse types between tasks.
PATIENT = "john baker"
NARRATIVE = (f"pt {PATIENT} was given the evening dose twice. The night nurse noticed the "
             "second dose on the MAR and stopped the pump.")
IMPORTED_PATIENT = "John Baker"
MRN = "00482913"


def test_a_nurse_sees_the_patients_name_highlighted_before_sending(new_page, people):  # noqa: F811
    hospital, nurse, _ = people
    page = new_page(viewport=PHONE, has_touch=True, is_mobile=True)
    sign_in(page, nurse.email)
    page.goto("/reports/new/")
    page.check("input[name=event_type][value=incident]")
    page.select_option("select[name=category]", "medication")
    page.fill("input[name=event_date]", str(timezone.localdate() - timedelta(days=1)))
    page.select_option("select[name=location_type]", "med_surg")
    page.fill("textarea[name=narrative]", NARRATIVE)
    page.check("input[name=harm_level][value=mild]")
    page.select_option("select[name=harm_duration]", "temporary")
    page.select_option("select[name=medication_category]", "E")
    page.get_by_role("button", name="Submit the report").last.click()

    # Nothing was sent: the warning opens the form, has the focus and is on the screen.
    warning = page.get_by_test_id("screening-findings")
    expect(warning).to_be_visible()
    expect(warning).to_be_focused()
    expect(warning).to_be_in_viewport()
    assert not IncidentReport.objects.exclude(status=ReportStatus.DRAFT).exists()
    highlighted = warning.locator("mark.finding")
    expect(highlighted).to_have_count(1)
    expect(highlighted).to_contain_text(PATIENT)
    # The kind is in words for a screen reader, not only a colour.
    expect(highlighted.locator(".visually-hidden")).to_contain_text("possible identifier")
    expect(warning).to_contain_text("We found:")
    # The page fits the phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Everything typed is still there.
    expect(page.locator("textarea[name=narrative]")).to_have_value(NARRATIVE)
    expect(page.locator("select[name=medication_category]")).to_have_value("E")
    expect(page.locator("input[name=harm_level][value=mild]")).to_be_checked()

    # The nurse changes the words and sends.
    page.fill("textarea[name=narrative]", NARRATIVE.replace(f"pt {PATIENT}", "The patient"))
    page.get_by_role("button", name="Submit the report").first.click()
    page.wait_for_url(re.compile(UUID_PATH))
    report = IncidentReport.objects.get(hospital=hospital)
    assert report.status == ReportStatus.SUBMITTED and PATIENT not in report.narrative


def test_a_nurse_may_send_the_words_as_they_are(new_page, people):  # noqa: F811
    hospital, nurse, _ = people
    page = new_page(viewport=PHONE, has_touch=True, is_mobile=True)
    sign_in(page, nurse.email)
    page.goto("/reports/new/")
    page.check("input[name=event_type][value=near_miss]")
    page.select_option("select[name=category]", "medication")
    page.select_option("select[name=location_type]", "med_surg")
    page.fill("textarea[name=narrative]", NARRATIVE)
    page.fill("textarea[name=near_miss_recovery]", "The barcode scan stopped it.")
    page.get_by_role("button", name="Submit the report").last.click()
    warning = page.get_by_test_id("screening-findings")
    expect(warning.locator("mark.finding")).to_contain_text(PATIENT)
    warning.get_by_label("I checked the highlighted words").check()
    warning.get_by_role("button", name="Submit the report").click()
    page.wait_for_url(re.compile(UUID_PATH))
    report = IncidentReport.objects.get(hospital=hospital)
    assert report.status == ReportStatus.SUBMITTED and report.narrative == NARRATIVE


def import_file(tmp_path):
    day = (timezone.localdate() - timedelta(days=2)).isoformat()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(IMPORT_COLUMNS))
    writer.writeheader()
    writer.writerow({
        "source_id": "RL-1", "event_type": "incident", "category": "fall", "event_date": day,
        "discovered_date": day, "location_type": "med_surg", "location_detail": "corridor",
        "narrative": f"Patient {IMPORTED_PATIENT}, MRN {MRN}, slipped on a wet floor.",
        "harm_level": "mild", "harm_duration": "temporary"})
    writer.writerow({
        "source_id": "RL-2", "event_type": "unsafe_condition", "category": "fall",
        "location_type": "med_surg", "narrative": "A wet floor sign was missing."})
    path = tmp_path / "reports.csv"
    path.write_text(out.getvalue())
    return path


def test_an_imported_row_shows_its_record_number_and_name_on_the_review_page(
        new_page, people, tmp_path):  # noqa: F811
    hospital, _, lead = people
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, lead.email)
    page.goto("/reports/import/")
    page.fill("input[name=source_system]", "Legacy RL")
    page.set_input_files("input[name=file]", str(import_file(tmp_path)))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Imported")
    assert ReportImport.objects.get().flagged_rows == 1

    # The import result lists the row, the column and the words.
    findings = page.get_by_test_id("import-findings")
    expect(findings).to_contain_text("1 imported row may identify")
    table_row = page.locator("table tr", has_text=MRN)
    expect(table_row).to_contain_text("narrative")
    expect(table_row).to_contain_text(IMPORTED_PATIENT)
    expect(table_row.locator("td").first).to_have_text("2")
    report = IncidentReport.objects.get(hospital=hospital, source_id="RL-1")
    table_row.get_by_role("link", name=report.reference).click()

    # The review page shows both in their context, and sending waits for a reason.
    page.wait_for_url(re.compile(r"/review/$"))
    warning = page.get_by_test_id("screening-findings")
    highlighted = warning.locator("mark.finding")
    expect(highlighted).to_have_count(2)
    expect(highlighted.nth(0)).to_contain_text(IMPORTED_PATIENT)
    expect(highlighted.nth(1)).to_contain_text(MRN)
    page.fill("textarea[name=pso_summary]", "A fall on a wet floor with a minor injury.")
    page.get_by_role("button", name="Save and check what will be sent").click()
    expect(page.get_by_role("alert").filter(has_text="fix or dismiss")).to_contain_text(MRN)
    assert page.url.endswith(f"/reports/{report.public_id}/review/")
    report.refresh_from_db()
    assert report.status != ReportStatus.SENT

    # The lead keeps both, each with a reason, checks what will go and sends.
    page.get_by_label(re.compile(rf"Reason to keep \W*{MRN}")).fill(
        "A made-up number in the source system's test data.")
    page.get_by_label(re.compile(rf"Reason to keep \W*{IMPORTED_PATIENT}")).fill(
        "A made-up name in the source system's test data.")
    page.get_by_role("button", name="Save and check what will be sent").click()
    page.wait_for_url(re.compile(r"/send/$"))
    expect(page.get_by_test_id("screening-findings")).to_contain_text("made-up number")
    page.get_by_role("button", name="Send to the PSO now").click()
    expect(page.get_by_role("alert").filter(has_text="was sent to the PSO")).to_be_visible()
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT
    assert {d["text"] for d in report.dismissed_findings} == {MRN, IMPORTED_PATIENT}
