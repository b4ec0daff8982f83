"""New messages in a report's conversation, in a real browser at phone width: the safety lead
sees in the review queue that a hidden reporter wrote twice, opens the report on the first
new message, and once read, nothing is marked new any more."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from cases.conversation import report_message_post
from cases.models import MessageSide
from members.roles import HospitalRole
from tests.browser.test_accessibility import FAILING_IMPACTS, WCAG_TAGS
from tests.browser.test_journeys import make_lead, sign_in
from tests.factories import MembershipFactory, ReportFactory

pytestmark = pytest.mark.browser

QUESTION = "Was the new order printed, or only shown on the screen?"
ANSWER = "Only on the screen. The printer on the unit was out of paper."
MORE = "I remembered later: the pump library had no entry for the new concentration."


def passes_axe(page):
    results = Axe().run(page, options={
        "runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    return [v["id"] for v in results.response["violations"] if v["impact"] in FAILING_IMPACTS]


def test_the_lead_finds_and_reads_the_new_messages(new_page):
    hospital, lead = make_lead()
    nurse = MembershipFactory(hospital=hospital, role=HospitalRole.STAFF,
                              user__email="nina@mercy.test", user__full_name="Nina Nightshift").user
    report = ReportFactory(hospital=hospital, reporter=nurse, reporter_hidden=True)
    report_message_post(report=report, author=lead, side=MessageSide.REVIEWER, text=QUESTION)
    for text in (ANSWER, MORE):
        report_message_post(report=report, author=nurse, side=MessageSide.REPORTER, text=text)

    page = new_page(viewport={"width": 390, "height": 844})
    sign_in(page, lead.email, totp_secret=lead.secret)
    page.goto(reverse("review-queue"))
    row = page.get_by_role("row").filter(has_text=report.reference)
    expect(row.get_by_test_id("new-messages")).to_have_text("2 new messages")
    assert passes_axe(page) == []

    row.get_by_role("link", name=report.reference).click()
    notice = page.get_by_test_id("conversation-new")
    expect(notice).to_have_text("2 new messages since you last read this conversation.")
    thread = page.locator("#conversation li")
    expect(thread).to_have_count(3)
    expect(thread.nth(0)).not_to_contain_text("New")  # the lead's own question
    for n in (1, 2):
        expect(thread.nth(n).get_by_text("New", exact=True)).to_be_visible()
        expect(thread.nth(n).get_by_role("heading")).to_have_text("Reporter (name hidden)")
    notice.get_by_role("link").click()
    expect(page.locator("#conversation-first-new")).to_contain_text(ANSWER)
    expect(page.locator("#conversation-first-new")).to_be_in_viewport()
    assert passes_axe(page) == []
    assert "Nina" not in page.content() and nurse.email not in page.content()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0

    # Read once: nothing is new on the page or in the queue any more.
    page.reload()
    expect(page.locator("#conversation li")).to_have_count(3)
    expect(page.get_by_test_id("conversation-new")).to_have_count(0)
    expect(page.locator("#conversation li[data-new]")).to_have_count(0)
    page.goto(reverse("review-queue"))
    expect(page.get_by_role("row").filter(has_text=report.reference)
           .get_by_test_id("new-messages")).to_have_count(0)
