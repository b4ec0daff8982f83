"""A photo's journey in a real browser: a nurse on a phone attaches it to a report, the safety
lead sees it on the review page and ticks it when sending the report, and the PSO coordinator
opens it. A file the lead did not tick stays in the hospital."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from cases.models import IncidentReport, ReportAttachment, ReportStatus
from tests.browser.test_journeys import sign_in
from tests.browser.test_lesson_journey import pso_user
from tests.browser.test_report_journey import NARRATIVE, SUMMARY, people  # noqa: F401
from tests.cases.test_attachments import jpeg

pytestmark = pytest.mark.browser


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private")}}}


def test_a_photo_goes_from_the_nurse_to_the_pso_only_when_ticked(new_page, people,  # noqa: F811
                                                                  private_storage):
    hospital, nurse, lead = people
    coordinator, secret = pso_user("coordinator@pso.test", "Cora Coordinator", "coordinator")

    # The nurse, on a phone, files a report with a photo of the bed alarm's panel.
    phone = new_page(viewport={"width": 390, "height": 844})
    sign_in(phone, nurse.email)
    phone.goto("/reports/new/")
    phone.check("input[name=event_type][value=incident]")
    phone.select_option("select[name=category]", "fall")
    phone.fill("input[name=event_date]", str(timezone.localdate() - timedelta(days=1)))
    phone.select_option("select[name=location_type]", "med_surg")
    phone.fill("textarea[name=narrative]", NARRATIVE)
    phone.check("input[name=harm_level][value=mild]")
    phone.select_option("select[name=harm_duration]", "temporary")
    files = phone.get_by_label("Photos or documents")
    expect(files).to_have_attribute("accept", re.compile(r"\.jpg"))
    expect(phone.get_by_text("at most 10 MB each")).to_be_visible()
    files.set_input_files([
        {"name": "bed_alarm_panel.jpg", "mimeType": "image/jpeg", "buffer": jpeg(exif=True)},
        {"name": "unit_rota.jpg", "mimeType": "image/jpeg", "buffer": jpeg()},
    ])
    phone.get_by_role("button", name="Submit the report").click()
    phone.wait_for_url(re.compile(r"/reports/[0-9a-f-]{36}/$"))
    report = IncidentReport.objects.get(hospital=hospital)
    assert report.status == ReportStatus.SUBMITTED
    panel = phone.get_by_test_id("attachments")
    expect(panel.get_by_role("link", name="bed_alarm_panel.jpg")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth"
                          " - document.documentElement.clientWidth") <= 0
    photo = report.attachments.get(display_name="bed_alarm_panel.jpg")
    assert photo.metadata_removed

    # The safety lead sees the photos on the review page and sends the report with one.
    desk = new_page(viewport={"width": 1280, "height": 900})
    sign_in(desk, lead.email)
    desk.goto(f"/reports/{report.public_id}/review/")
    attachments = desk.get_by_test_id("attachments")
    expect(attachments.get_by_role("link", name="bed_alarm_panel.jpg")).to_be_visible()
    expect(attachments.get_by_role("link", name="unit_rota.jpg")).to_be_visible()
    expect(attachments).to_contain_text("(reporter)")
    desk.fill("textarea[name=pso_summary]", SUMMARY)
    desk.get_by_role("button", name="Save and check what will be sent").click()
    desk.wait_for_url(re.compile(r"/reports/[0-9a-f-]{36}/send/$"))
    chosen = desk.get_by_label(re.compile(r"^bed_alarm_panel\.jpg"))
    expect(chosen).not_to_be_checked()
    expect(desk.get_by_label(re.compile(r"^unit_rota\.jpg"))).not_to_be_checked()
    chosen.check()
    desk.get_by_role("button", name="Send to the PSO now").click()
    expect(desk.get_by_role("alert").filter(has_text="was sent to the PSO")).to_be_visible()
    expect(desk.get_by_test_id("attachments").get_by_text("Sent to the PSO")).to_have_count(1)
    photo.refresh_from_db()
    assert photo.share_with_pso
    assert not ReportAttachment.objects.get(display_name="unit_rota.jpg").share_with_pso

    # The PSO coordinator finds the report and opens the photo sent with it, and only it.
    pso = new_page(viewport={"width": 1280, "height": 900})
    sign_in(pso, coordinator.email, totp_secret=secret)
    pso.goto("/pso/reports/")
    pso.get_by_role("link", name=report.reference).click()
    received = pso.get_by_test_id("received-attachments")
    link = received.get_by_role("link", name="bed_alarm_panel.jpg")
    expect(link).to_be_visible()
    expect(pso.get_by_text("unit_rota.jpg")).to_have_count(0)
    response = pso.goto(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    with Image.open(io.BytesIO(response.body())) as image:
        assert not image.getexif()
