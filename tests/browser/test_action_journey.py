"""An action plan in a real browser: the safety lead adds an action to a report with an owner and
a due date, the owner finds it in their own list and marks it done, and the lead's list of open
actions no longer shows it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from actions.models import ActionItem, ActionStatus
from members.roles import HospitalRole
from tests.browser.test_journeys import make_lead, sign_in
from tests.factories import MembershipFactory, ReportFactory

pytestmark = pytest.mark.browser

TITLE = "Lock the bed exit alarm volume at a minimum level"


def test_an_action_goes_from_the_lead_to_its_owner_and_off_the_open_list(new_page):
    hospital, lead = make_lead()
    membership = MembershipFactory(hospital=hospital, role=HospitalRole.STAFF,
                                   user__email="nurse@mercy.test",
                                   user__full_name="Nell Nightly")
    nurse = membership.user
    report = ReportFactory(hospital=hospital, reporter=nurse, reference="MBH-2026-0007")
    due = timezone.localdate() + timedelta(days=14)

    # The lead adds an action on the report's review page.
    lead_page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(lead_page, lead.email, totp_secret=lead.secret)
    lead_page.goto(f"/reports/{report.public_id}/review/")
    actions_card = lead_page.locator("#actions")
    expect(actions_card).to_contain_text("No actions yet")
    actions_card.get_by_role("link", name="Add an action").click()
    expect(lead_page.get_by_role("heading", level=1)).to_have_text("Add an action")
    lead_page.get_by_label("Action", exact=True).fill(TITLE)
    owner = lead_page.get_by_label("Owner")
    expect(owner.locator("option", has_text="Nell Nightly")).to_have_count(1)
    owner.select_option(str(membership.public_id))
    lead_page.get_by_label("Due by").fill(str(due))
    lead_page.get_by_label("Stronger").check()
    lead_page.get_by_role("button", name="Add the action").click()
    lead_page.wait_for_url(re.compile(rf"/reports/{report.public_id}/review/"))
    expect(lead_page.get_by_role("alert").filter(has_text="Action added")).to_be_visible()
    expect(lead_page.locator("#actions")).to_contain_text(TITLE)
    action = ActionItem.objects.get(report=report)
    assert action.owner == nurse and action.due_date == due

    # The lead's list of open actions shows it.
    lead_page.goto("/actions/")
    expect(lead_page.get_by_test_id("action-row")).to_have_count(1)
    expect(lead_page.get_by_test_id("action-row")).to_contain_text("Nell Nightly")

    # The nurse finds it on the home page and in their own list, and marks it done.
    nurse_page = new_page(viewport={"width": 390, "height": 844})
    sign_in(nurse_page, nurse.email)
    expect(nurse_page.get_by_role("link", name=TITLE)).to_be_visible()
    nurse_page.get_by_role("link", name="My actions").click()
    nurse_page.wait_for_url(re.compile(r"/actions/mine/$"))
    nurse_page.get_by_role("link", name=TITLE).click()
    nurse_page.get_by_role("radio", name="Done").check()
    nurse_page.get_by_role("textbox", name=re.compile("What was done")).fill(
        "Volume locked on all 32 beds of 4 West.")
    nurse_page.get_by_role("button", name="Save progress").click()
    expect(nurse_page.get_by_role("alert").filter(has_text="Marked done")).to_be_visible()
    expect(nurse_page.get_by_role("heading", level=1)).to_contain_text("Done")
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    nurse_page.goto("/actions/mine/")
    expect(nurse_page.get_by_test_id("empty")).to_be_visible()

    # The lead's open list no longer shows it; it says what to do next.
    lead_page.goto("/actions/")
    expect(lead_page.get_by_test_id("action-row")).to_have_count(0)
    expect(lead_page.get_by_test_id("empty")).to_contain_text("Add an action")
    lead_page.get_by_label("Status").select_option("done")
    lead_page.get_by_role("button", name="Filter").click()
    expect(lead_page.get_by_test_id("action-row")).to_contain_text(TITLE)
