"""A safety lead's daily tools in a real browser: the review queue (sorting, saved views, a
phone screen)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from members.roles import HospitalRole
from tests.browser.test_journeys import make_lead, sign_in
from tests.factories import MembershipFactory, ReportFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def queue_world():
    hospital, lead = make_lead()
    nurse = MembershipFactory(hospital=hospital, role=HospitalRole.STAFF,
                              user__email="nurse@mercy.test", user__full_name="Nell Nightly").user
    now = timezone.now()
    reports = {
        "fall": ReportFactory(hospital=hospital, reporter=nurse, reference="OLD-2026-0001",
                              category="fall", harm_level="severe",
                              submitted_at=now - timedelta(days=4),
                              narrative="Found on the floor beside the bed at night."),
        "med": ReportFactory(hospital=hospital, reporter=nurse, reference="OLD-2026-0002",
                             category="medication", harm_level="mild",
                             submitted_at=now - timedelta(days=1), reporter_hidden=True,
                             narrative="A dose was given two hours late after a pump alarm."),
        "fall2": ReportFactory(hospital=hospital, reporter=nurse, reference="OLD-2026-0003",
                               category="fall", harm_level="none", submitted_at=now,
                               narrative="Slipped in the bathroom, caught by the aide."),
    }
    return hospital, lead, nurse, reports


def row_references(page):
    return page.locator("table.queue-table tbody tr td:first-child").all_inner_texts()


def test_the_lead_sorts_the_queue_and_saves_a_view(page, queue_world):
    _, lead, nurse, reports = queue_world
    sign_in(page, lead.email, totp_secret=lead.secret)
    page.goto("/reports/review/")
    expect(page.get_by_role("heading", name="Reports to review")).to_be_visible()
    assert row_references(page) == ["OLD-2026-0003", "OLD-2026-0002", "OLD-2026-0001"]
    expect(page.get_by_role("link", name="Needs action")).to_have_attribute("aria-current",
                                                                          "page")
    table = page.locator("table.queue-table")
    expect(table).to_contain_text("4 days")
    expect(table).to_contain_text("Name hidden")
    expect(table).to_contain_text("Found on the floor beside the bed")

    # Harm, most first; a second click turns the order round.
    page.locator("th.col-harm a").click()
    page.wait_for_url(re.compile(r"sort=harm$"))
    expect(page.locator("th.col-harm")).to_have_attribute("aria-sort", "descending")
    assert row_references(page) == ["OLD-2026-0001", "OLD-2026-0002", "OLD-2026-0003"]
    page.locator("th.col-harm a").click()
    page.wait_for_url(re.compile(r"sort=harm_desc$"))
    expect(page.locator("th.col-harm")).to_have_attribute("aria-sort", "ascending")
    assert row_references(page) == ["OLD-2026-0003", "OLD-2026-0002", "OLD-2026-0001"]

    # Falls only, most harm first, saved as a view.
    page.select_option("select[name=category]", "fall")
    page.select_option("select[name=sort]", "harm")
    page.get_by_role("button", name="Filter").click()
    assert row_references(page) == ["OLD-2026-0001", "OLD-2026-0003"]
    page.locator("summary", has_text="Save these filters").click()
    page.get_by_label("Save this view as").fill("Falls by harm")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_text('Saved the view "Falls by harm"')).to_be_visible()

    # Back to the default view, then the saved one again.
    page.get_by_role("link", name="Needs action").click()
    assert len(row_references(page)) == 3
    page.get_by_role("link", name="Falls by harm", exact=True).click()
    assert row_references(page) == ["OLD-2026-0001", "OLD-2026-0003"]
    expect(page.get_by_role("link", name="Falls by harm", exact=True)).to_have_attribute(
        "aria-current", "page")

    # Deleting it asks first.
    page.get_by_role("link", name="Delete the saved view Falls by harm").click()
    expect(page.get_by_role("heading", name='Delete the saved view "Falls by harm"?')
           ).to_be_visible()
    page.get_by_role("button", name="Delete the view").click()
    expect(page.get_by_text("Deleted the saved view")).to_be_visible()
    expect(page.get_by_role("link", name="Falls by harm", exact=True)).to_have_count(0)


def test_the_queue_fits_a_phone_and_shows_the_status(new_page, queue_world):
    _, lead, _, _ = queue_world
    page = new_page(viewport={"width": 390, "height": 844})
    sign_in(page, lead.email, totp_secret=lead.secret)
    page.goto("/reports/review/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    status = page.locator("table.queue-table tbody tr").first.locator(".badge")
    expect(status).to_be_visible()
    box = status.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390


def test_the_lead_adds_a_unit_and_a_nurse_reports_from_it(page, new_page, queue_world):
    from cases.models import IncidentReport

    hospital, lead, nurse, _ = queue_world
    sign_in(page, lead.email, totp_secret=lead.secret)
    page.get_by_role("link", name="Manage units").click()
    expect(page.get_by_role("heading", name=re.compile("Units and locations"))).to_be_visible()
    expect(page.get_by_test_id("empty-units")).to_be_visible()
    page.get_by_label("Unit name").fill("Tower 7 North")
    page.get_by_label("Kind of location").select_option("step_down")
    page.get_by_role("button", name="Add the unit").click()
    expect(page.get_by_text("Added the unit Tower 7 North")).to_be_visible()
    expect(page.get_by_test_id("unit-list")).to_contain_text("Step-down / telemetry")

    nurse_page = new_page(viewport={"width": 390, "height": 844})
    sign_in(nurse_page, nurse.email)
    nurse_page.goto("/reports/new/")
    nurse_page.check("input[name=event_type][value=near_miss]")
    nurse_page.select_option("select[name=category]", "medication")
    nurse_page.get_by_label("Unit (optional)").select_option(label="Tower 7 North")
    # Choosing the unit fills in its kind of location.
    expect(nurse_page.locator("select[name=location_type]")).to_have_value("step_down")
    nurse_page.fill("textarea[name=narrative]",
                    "Two look-alike vials were stored side by side in the medication room.")
    nurse_page.fill("textarea[name=near_miss_recovery]", "Barcode scan at the bedside.")
    nurse_page.get_by_role("button", name="Submit the report").click()
    expect(nurse_page.get_by_text("was submitted")).to_be_visible()
    assert nurse_page.evaluate("document.documentElement.scrollWidth") <= 390
    report = IncidentReport.objects.get(hospital=hospital, reporter=nurse,
                                        event_type="near_miss")
    assert report.unit.name == "Tower 7 North" and report.location_type == "step_down"

    # The unit is shown to the lead; retiring it asks first and the report keeps it.
    page.goto("/hospital/units/")
    page.get_by_role("link", name="Retire Tower 7 North").click()
    expect(page.get_by_test_id("what-follows")).to_contain_text("The 1 report that names it")
    page.get_by_role("button", name="Retire the unit").click()
    expect(page.get_by_test_id("unit-list")).to_contain_text("Retired")
    report.refresh_from_db()
    assert report.unit.name == "Tower 7 North"


def test_a_new_nurse_finds_help_where_she_is(new_page, settings):
    """A nurse who has filed nothing yet is told what to do, reads what "Patient Safety Work
    Product" means from the notice on her page, and finds the PSO's contact in the footer, on a
    phone."""
    settings.PSO_CONTACT_EMAIL = "safety-help@pso.test"
    settings.PSO_CONTACT_PHONE = "(916) 555-0199"
    hospital, _ = make_lead()
    nurse = MembershipFactory(hospital=hospital, role=HospitalRole.STAFF,
                              user__email="new.nurse@mercy.test").user
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sign_in(page, nurse.email)

    page.goto("/reports/mine/")
    expect(page.get_by_test_id("empty-state")).to_contain_text("Report an event")
    footer = page.get_by_test_id("pso-contact")
    expect(footer.get_by_role("link", name="safety-help@pso.test")).to_have_attribute(
        "href", "mailto:safety-help@pso.test")
    expect(footer.get_by_role("link", name="(916) 555-0199")).to_be_visible()

    page.get_by_role("link", name="What this means").first.click()
    page.wait_for_url(re.compile(r"/help/glossary/#pswp$"))
    term = page.locator("dt#pswp")
    expect(term).to_contain_text("Patient Safety Work Product")
    expect(page.locator("dt#pswp + dd")).to_contain_text("confidential")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
