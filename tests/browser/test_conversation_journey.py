"""The conversation on a report, in a real browser: a nurse who hid their name files a report,
the safety lead asks a question, the nurse answers and adds information, and the lead reads the
answers from "Reporter (name hidden)", never the nurse's name."""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import IncidentReport, MessageSide, ReportMessage
from members.roles import HospitalRole
from tests.browser.test_accessibility import FAILING_IMPACTS, WCAG_TAGS
from tests.browser.test_journeys import make_lead, sign_in
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser

NARRATIVE = ("Insulin drip found running at the old rate after the order was changed at shift "
             "change. Glucose checked at once and was within range.")
QUESTION = "Was the new order printed, or only shown on the screen at the bedside?"
ANSWER = "Only on the screen. The printer on the unit was out of paper that evening."
MORE = "I remembered later: the pump library had no entry for the new concentration."


def file_hidden_report(page):
    page.goto("/reports/new/")
    page.check("input[name=event_type][value=incident]")
    page.select_option("select[name=category]", "medication")
    page.fill("input[name=event_date]", str(timezone.localdate() - timedelta(days=1)))
    page.select_option("select[name=location_type]", "icu")
    page.fill("textarea[name=narrative]", NARRATIVE)
    page.check("input[name=harm_level][value=none]")
    page.get_by_label("hide my name from reviewers").check()
    page.get_by_role("button", name="Submit the report").click()
    page.wait_for_url(re.compile(r"/reports/[0-9a-f-]{36}/$"))


def test_the_lead_and_a_hidden_reporter_talk_about_the_report(new_page):
    hospital, lead = make_lead()
    nurse = MembershipFactory(hospital=hospital, role=HospitalRole.STAFF,
                              user__email="nina@mercy.test", user__full_name="Nina Nightshift").user

    nurse_page = new_page(viewport={"width": 390, "height": 844})
    sign_in(nurse_page, nurse.email)
    file_hidden_report(nurse_page)
    report = IncidentReport.objects.get(hospital=hospital)
    assert report.reporter_hidden and report.reporter == nurse
    conversation = nurse_page.locator("#conversation")
    expect(conversation).to_contain_text("No messages yet.")
    expect(conversation).to_contain_text("your name stays hidden")

    # The lead asks a question from the review page.
    lead_page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(lead_page, lead.email, totp_secret=lead.secret)
    lead_page.goto(reverse("report-review", args=[report.public_id]))
    lead_page.get_by_label("Write to the reporter").fill(QUESTION)
    lead_page.get_by_role("button", name="Send to the reporter").click()
    expect(lead_page.get_by_role("alert").filter(has_text="The reporter is notified")
           ).to_be_visible()
    expect(lead_page.locator("#conversation li")).to_have_count(1)
    expect(lead_page.locator("#conversation li").first).to_contain_text(QUESTION)

    # The nurse is told, opens the notice and answers; an empty answer is refused first.
    nurse_page.goto(reverse("notification-list"))
    nurse_page.get_by_role("button", name=re.compile("wrote to you about report")).click()
    nurse_page.wait_for_url(re.compile(r"/reports/[0-9a-f-]{36}/#conversation$"))
    thread = nurse_page.locator("#conversation li")
    expect(thread.first).to_contain_text(QUESTION)
    expect(thread.first.get_by_role("heading")).to_have_text("Lee Lead (safety team)")
    nurse_page.get_by_role("button", name="Send to my safety team").click()
    expect(nurse_page.locator("[data-error-summary]")).to_contain_text("Write your message.")
    # The page that shows the message again with its error passes the accessibility check.
    results = Axe().run(nurse_page, options={
        "runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    assert [v["id"] for v in results.response["violations"]
            if v["impact"] in FAILING_IMPACTS] == []
    nurse_page.get_by_label("Answer or add information").fill(ANSWER)
    nurse_page.get_by_role("button", name="Send to my safety team").click()
    expect(nurse_page.get_by_role("alert").filter(has_text="Your safety team is notified")
           ).to_be_visible()
    nurse_page.get_by_label("Answer or add information").fill(MORE)
    nurse_page.get_by_role("button", name="Send to my safety team").click()
    expect(thread).to_have_count(3)
    expect(thread.last).to_contain_text(MORE)
    expect(thread.last.get_by_role("heading")).to_have_text("You")
    overflow = nurse_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0

    # The lead reads the answers under the reporter's role, never their name.
    lead_page.reload()
    thread = lead_page.locator("#conversation li")
    expect(thread).to_have_count(3)
    expect(thread.nth(1).get_by_role("heading")).to_have_text("Reporter (name hidden)")
    expect(thread.nth(1)).to_contain_text(ANSWER)
    expect(thread.nth(2).get_by_role("heading")).to_have_text("Reporter (name hidden)")
    expect(thread.nth(2)).to_contain_text(MORE)
    source = lead_page.content()
    assert "Nina" not in source and "Nightshift" not in source and nurse.email not in source
    sides = list(ReportMessage.objects.order_by("id").values_list("side", flat=True))
    assert sides == [MessageSide.REVIEWER, MessageSide.REPORTER, MessageSide.REPORTER]
