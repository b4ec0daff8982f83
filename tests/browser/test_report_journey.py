"""A report's whole journey in a real browser: a nurse files it, the safety lead reviews and
sends it to the PSO, and the nurse sees the outcome and the feedback."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import FACTOR_SEED, ContributingFactor, IncidentReport, ReportStatus
from members.roles import HospitalRole
from tests.browser.test_journeys import sign_in
from tests.factories import ContractFactory, MembershipFactory

pytestmark = pytest.mark.browser

NARRATIVE = ("Pt found on the floor beside the bed during hourly rounding on night shift. "
             "Bed alarm was on but turned down too low to hear from the station. Small skin "
             "tear on the forearm, no head strike. Covering physician notified, neuro checks "
             "started.")
SUMMARY = ("Unwitnessed fall at night on a med-surg unit; the bed exit alarm was too quiet to "
           "hear at the station. Minor skin tear.")
FEEDBACK = ("Thank you for reporting this. The bed alarm volume is now locked at a minimum "
            "level on the whole unit.")
UUID_PATH = r"/reports/[0-9a-f-]{36}/$"


@pytest.fixture
def people():
    # live_server runs on a transactional database, emptied between tests: the seeded
    # contributing factors may be gone.
    for seed in FACTOR_SEED:
        ContributingFactor.objects.get_or_create(code=seed["code"], defaults=seed)
    hospital = ContractFactory(hospital__name="Mercy Browser Hospital").hospital
    nurse = MembershipFactory(hospital=hospital, role=HospitalRole.STAFF,
                              user__email="nurse@mercy.test", user__full_name="Nell Nightly").user
    lead = MembershipFactory(hospital=hospital, role=HospitalRole.SAFETY_LEAD,
                             user__email="lead@mercy.test", user__full_name="Lee Lead").user
    return hospital, nurse, lead


def file_report(page):
    page.get_by_role("link", name="Report an event").first.click()
    page.wait_for_url(re.compile(r"/reports/new/$"))
    page.check("input[name=event_type][value=incident]")
    page.select_option("select[name=category]", "fall")
    page.fill("input[name=event_date]", str(timezone.localdate() - timedelta(days=1)))
    page.select_option("select[name=location_type]", "med_surg")
    page.fill("input[name=location_detail]", "adult med-surg floor")
    page.fill("textarea[name=narrative]", NARRATIVE)
    # The harm questions appear once "Incident" is chosen.
    expect(page.locator("input[name=harm_level][value=mild]")).to_be_visible()
    page.check("input[name=harm_level][value=mild]")
    page.select_option("select[name=harm_duration]", "temporary")
    expect(page.locator("textarea[name=near_miss_recovery]")).to_be_hidden()
    page.get_by_role("button", name="Submit the report").click()
    if page.locator("[data-testid=screening-findings]").count():
        findings = page.locator("[data-testid=screening-findings]").inner_text()
        pytest.fail(f"The narrative was flagged by the screening: {findings}")
    page.wait_for_url(re.compile(UUID_PATH))


def test_a_report_goes_from_the_nurse_to_the_pso_and_feedback_comes_back(new_page, people):
    hospital, nurse, lead = people

    # The nurse files the report.
    nurse_page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(nurse_page, nurse.email)
    file_report(nurse_page)
    report = IncidentReport.objects.get(hospital=hospital)
    assert report.status == ReportStatus.SUBMITTED and report.reporter == nurse
    assert re.fullmatch(rf"MBH-{timezone.localdate().year}-0001", report.reference)
    expect(nurse_page.get_by_role("alert").filter(has_text=report.reference)).to_contain_text(
        "was submitted")
    expect(nurse_page.get_by_role("heading", level=1)).to_contain_text(report.reference)
    expect(nurse_page.get_by_role("heading", level=1)).to_contain_text("Submitted")

    # The safety lead reviews it and sends it to the PSO.
    lead_page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(lead_page, lead.email)
    lead_page.get_by_role("link", name="Review", exact=True).click()
    lead_page.wait_for_url(re.compile(r"/reports/review/$"))
    row = lead_page.locator("tr", has_text=report.reference)
    expect(row).to_contain_text("Fall")
    expect(row).to_contain_text("Submitted")
    row.get_by_role("link", name=report.reference).click()
    lead_page.wait_for_url(re.compile(r"/reports/[0-9a-f-]{36}/review/$"))
    expect(lead_page.get_by_text(NARRATIVE)).to_be_visible()
    lead_page.get_by_label("Physical surroundings").check()
    lead_page.get_by_label("Health IT").check()
    lead_page.select_option("select[name=systems_issue]", "true")
    lead_page.select_option("select[name=preventability]", "likely")
    lead_page.select_option("select[name=handover_involved]", "false")
    lead_page.fill("textarea[name=pso_summary]", SUMMARY)
    lead_page.fill("textarea[name=feedback]", FEEDBACK)
    lead_page.get_by_role("button", name="Save the review").click()
    expect(lead_page.get_by_role("alert").filter(has_text="Review saved.")).to_be_visible()
    expect(lead_page.get_by_role("heading", level=1)).to_contain_text("In review")
    expect(lead_page.get_by_label("Physical surroundings")).to_be_checked()
    expect(lead_page.locator("select[name=systems_issue]")).to_have_value("true")

    lead_page.get_by_role("button", name="Save and check what will be sent").click()
    lead_page.wait_for_url(re.compile(r"/reports/[0-9a-f-]{36}/send/$"))
    expect(lead_page.get_by_text(SUMMARY)).to_be_visible()
    lead_page.get_by_role("button", name="Send to the PSO now").click()
    expect(lead_page.get_by_role("alert").filter(has_text="was sent to the PSO")).to_be_visible()
    expect(lead_page.get_by_role("heading", level=1)).to_contain_text("Sent to the PSO")
    expect(lead_page.get_by_role("button", name="Send to the PSO")).to_have_count(0)

    report.refresh_from_db()
    assert report.status == ReportStatus.SENT and report.systems_issue is True
    copy = report.sent_copy
    assert copy.sent_by == lead
    assert copy.data["contributing_factors"] == ["health_it", "physical_surroundings"]
    assert copy.data["pso_summary"] == SUMMARY and copy.data["narrative"] == NARRATIVE
    assert "feedback" not in copy.data

    # The nurse signs out, signs in again and sees the outcome and the feedback.
    nurse_page.goto("/home/")
    nurse_page.locator("nav .dropdown-toggle").last.click()
    nurse_page.get_by_role("button", name="Sign out").click()
    expect(nurse_page.locator("#nav").get_by_role("link", name="Sign in")).to_be_visible()
    sign_in(nurse_page, nurse.email)
    nurse_page.locator("#nav").get_by_role("link", name="My reports").click()
    nurse_page.wait_for_url(re.compile(r"/reports/mine/$"))
    item = nurse_page.locator(".list-group-item", has_text=report.reference)
    expect(item).to_contain_text("Sent to the PSO")
    expect(item).to_contain_text("Feedback from your safety lead")
    item.click()
    nurse_page.wait_for_url(re.compile(UUID_PATH))
    expect(nurse_page.get_by_test_id("feedback")).to_contain_text(FEEDBACK)
    expect(nurse_page.get_by_role("heading", level=1)).to_contain_text("Sent to the PSO")
    expect(nurse_page.get_by_text(NARRATIVE)).to_be_visible()
    # The reporter sees neither the review nor a way to edit a filed report.
    expect(nurse_page.get_by_text(SUMMARY)).to_have_count(0)
    expect(nurse_page.get_by_role("link", name="Edit and submit")).to_have_count(0)


def test_answers_to_questions_hidden_after_changing_the_type_are_not_sent(new_page, people):
    hospital, nurse, _ = people
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, nurse.email)
    page.goto("/reports/new/")
    page.check("input[name=event_type][value=incident]")
    page.select_option("select[name=category]", "medication")
    page.check("input[name=harm_level][value=mild]")
    page.select_option("select[name=harm_duration]", "temporary")
    page.select_option("select[name=medication_category]", "E")
    # On second thought it did not reach the patient, and it was a device problem.
    page.check("input[name=event_type][value=near_miss]")
    page.select_option("select[name=category]", "device")
    expect(page.locator("input[name=harm_level][value=mild]")).to_be_hidden()
    expect(page.locator("select[name=medication_category]")).to_be_hidden()
    page.select_option("select[name=location_type]", "icu")
    page.fill("textarea[name=narrative]", "Feeding pump tubing was about to be connected to "
                                          "the IV extension set on day shift.")
    page.fill("textarea[name=near_miss_recovery]", "The nurse saw the formula in the line.")
    page.get_by_role("button", name="Submit the report").click()

    page.wait_for_url(re.compile(UUID_PATH))
    report = IncidentReport.objects.get(hospital=hospital)
    assert (report.event_type, report.category, report.status) == (
        "near_miss", "device", ReportStatus.SUBMITTED)
    assert (report.harm_level, report.harm_duration, report.medication_category) == ("", "", "")
