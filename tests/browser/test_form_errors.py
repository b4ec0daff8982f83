"""Nothing typed is lost and errors are where people look (issue 13, items 1 and 2)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import IncidentReport, ReportStatus
from tests.browser.test_journeys import sign_in
from tests.browser.test_report_journey import people  # noqa: F401 (fixture)
from tests.factories import ReportFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_on_a_phone_a_missing_harm_level_is_announced_at_the_top(new_page, people):  # noqa: F811
    _, nurse, _ = people
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, nurse.email)
    page.goto("/reports/new/")
    page.check("input[name=event_type][value=incident]")
    expect(page.get_by_text("(required for incidents)")).to_be_visible()
    page.select_option("select[name=category]", "fall")
    page.fill("input[name=event_date]", str(timezone.localdate() - timedelta(days=1)))
    page.select_option("select[name=location_type]", "med_surg")
    page.fill("textarea[name=narrative]", "Found on the floor beside the bed at night.")
    page.get_by_role("button", name="Submit the report").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Say whether the patient was harmed")
    # What was typed is still there.
    expect(page.locator("textarea[name=narrative]")).to_have_value(
        "Found on the floor beside the bed at night.")
    summary.get_by_role("link").click()
    first = page.locator("input[name=harm_level]").first
    expect(first).to_be_focused()
    expect(first).to_be_in_viewport()
    expect(first).to_have_attribute("aria-invalid", "true")
    assert page.locator('[id="-errors"]').count() == 0
    assert not IncidentReport.objects.exists()


def test_sending_saves_the_review_first_and_asks_before_freezing(new_page, people):  # noqa: F811
    hospital, nurse, lead = people
    report = ReportFactory(hospital=hospital, reporter=nurse)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, lead.email)
    page.goto(f"/reports/{report.public_id}/review/")
    page.get_by_label("Physical surroundings").check()
    page.get_by_label("Health IT").check()
    page.get_by_label("Communication").check()
    page.fill("textarea[name=feedback]", "Thank you, the alarm volume is now locked.")
    # The summary is forgotten: the send stops at the summary, keeps everything else.
    page.get_by_role("button", name="Save and check what will be sent").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Write the summary for the PSO before sending")
    expect(page.get_by_label("Health IT")).to_be_checked()
    expect(page.locator("textarea[name=feedback]")).to_have_value(
        "Thank you, the alarm volume is now locked.")
    expect(page.locator("textarea[name=pso_summary]")).to_have_attribute("aria-invalid", "true")
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW and report.contributing_factors.count() == 3

    page.fill("textarea[name=pso_summary]", "A quiet bed alarm; a fall at night.")
    page.get_by_role("button", name="Save and check what will be sent").click()
    page.wait_for_url(re.compile(r"/reports/[0-9a-f-]{36}/send/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Send")
    expect(page.get_by_text("cannot be undone")).to_be_visible()
    expect(page.get_by_test_id("send-review")).to_contain_text("A quiet bed alarm")
    expect(page.get_by_test_id("send-review")).to_contain_text("Health IT")
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW

    # Going back changes nothing; confirming sends.
    page.get_by_role("link", name="Back to the review").click()
    expect(page.locator("textarea[name=pso_summary]")).to_have_value(
        "A quiet bed alarm; a fall at night.")
    page.get_by_role("button", name="Save and check what will be sent").click()
    page.get_by_role("button", name="Send to the PSO now").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sent to the PSO")
    # The factors stay visible on the frozen review.
    expect(page.get_by_text("Physical surroundings")).to_be_visible()
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT
    assert report.sent_copy.data["pso_summary"] == "A quiet bed alarm; a fall at night."
