"""Charts in a real browser: the team sees its improvement after a PDSA ramp and downloads the
chart (SVG, PNG) and the PDF; a member of another hospital finds itself in the funnel plot and
the others under codes; a safety lead opens the report dashboard and its board PDF."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import expect

from tests.browser.test_journeys import sign_in
from tests.collaboratives.feedback_world import build_world

pytestmark = pytest.mark.browser


def lead_signs_in(page, lead):
    """Safety leads manage members, so they sign in with a second factor: a real one here."""
    Authenticator.objects.filter(user=lead).delete()
    secret = generate_totp_secret()
    TOTP.activate(lead, secret)
    sign_in(page, lead.email, totp_secret=secret)


def download(page, trigger):
    with page.expect_download(timeout=90_000) as info:
        trigger()
    path = info.value.path()
    return info.value.suggested_filename, open(path, "rb").read()


def test_team_charts_downloads_and_the_funnel(world, new_page):
    collaborative, (mine, theirs, *others) = build_world(world)
    page = new_page(viewport={"width": 390, "height": 844})  # a phone
    lead_signs_in(page, world.lead)
    page.goto(f"/collaboratives/feedback/teams/{mine.public_id}/")
    expect(page.get_by_test_id("improvement").first).to_have_text("Improvement since Jul 2025")
    chart = page.locator("#chart-m2-bundle")
    expect(chart.locator("svg")).to_be_visible()
    box = chart.locator("svg").bounding_box()
    assert box["width"] <= 390  # the chart fits the phone's width
    name, svg = download(page, lambda: chart.get_by_test_id("download-svg").click())
    assert name.endswith(".svg") and svg.startswith(b"<svg")
    name, png = download(page, lambda: chart.get_by_role("button", name="PNG").click())
    assert name.endswith(".png") and png.startswith(b"\x89PNG")
    name, csv_file = download(page, lambda: chart.get_by_test_id("download-csv").click())
    assert b"Patient Safety Work Product" in csv_file
    name, pdf = download(page, lambda: page.get_by_test_id("team-pdf").click(timeout=90_000))
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF")

    other = new_page(viewport={"width": 1280, "height": 900})
    lead_signs_in(other, world.other_lead)
    bundle = collaborative.measures.get(short_name="bundle")
    other.goto(f"/collaboratives/feedback/{collaborative.public_id}/measures/"
               f"{bundle.public_id}/compare/?month=2026-06&span=3")
    table = other.get_by_test_id("funnel-table")
    expect(table.locator("tr.table-primary")).to_contain_text(world.other_hospital.name)
    for team in (mine, *others):
        expect(table).to_contain_text(f"Team {team.peer_code.code}")
    expect(other.locator("body")).not_to_contain_text(world.hospital.name)
    expect(other.locator("#chart-funnel svg")).to_contain_text(world.other_hospital.name)


def test_safety_lead_report_dashboard_and_board_pdf(world, page):
    from tests.factories import ReportFactory

    for _ in range(3):
        ReportFactory(hospital=world.hospital, reporter=world.staff)
    lead_signs_in(page, world.lead)
    page.get_by_role("link", name="Review").first.click()
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(re.compile(r"/reports/dashboard/$"))
    expect(page.get_by_test_id("total")).to_have_text("3")
    expect(page.locator("#chart-filed svg")).to_be_visible()
    name, pdf = download(page, lambda: page.get_by_test_id("board-pdf").click(timeout=90_000))
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF")
