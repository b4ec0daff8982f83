"""Photos and documents on reports: checked by content, kept private, screened by name, and
sent to the PSO only when the safety lead ticks them."""

import io
import os
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cases import attachments
from cases.models import ATTACHMENTS_PER_REPORT, ReportAttachment, ReportStatus, SentReport
from cases.screening import finding_rows
from cases.services import report_review_save, report_send
from chpso_portal.audit.models import AuditEvent
from chpso_portal.uploads import check_upload
from members.roles import HospitalRole
from tests.cases.test_views import form_data
from tests.factories import MembershipFactory, ReportFactory


def pdf() -> bytes:
    """A one-page PDF: a PDF is written again on upload, so it must be one pypdf reads."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = pdf()


def jpeg(exif: bool = False, size=(40, 30)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x013B] = "Nell Nightly"  # Artist
        data[0x8825] = {1: "N", 2: (42.0, 21.0, 30.0), 3: "W", 4: (71.0, 3.0, 40.0)}  # GPS
        image.save(out, "JPEG", exif=data, comment=b"room 12 bed 2")
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 0)).save(out, "PNG")
    return out.getvalue()


def office(kind: str, macro: bool = False) -> bytes:
    out = io.BytesIO()
    part = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
        if macro:
            archive.writestr("word/vbaProject.bin", b"\x00")
    return out.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


@pytest.fixture
def report(world):
    return ReportFactory(hospital=world.hospital, reporter=world.staff)


def membership(world, user, hospital=None):
    return (hospital or world.hospital).memberships.get(user=user)


def attach(world, report, name="wound.jpg", content=None, user=None):
    user = user or world.staff
    return attachments.attachments_add(
        report=report, actor=user, membership=membership(world, user),
        uploads=[upload(name, content if content is not None else jpeg())])[0]


def body(response):
    return b"".join(response.streaming_content)


# --- Type, size, count ----------------------------------------------------------------------


@pytest.mark.parametrize("name,content", [
    ("photo.jpg", jpeg()), ("photo.jpeg", jpeg()), ("chart.png", png()), ("log.pdf", PDF),
    ("notes.txt", "Bed alarm too quiet. Café.".encode()), ("rota.docx", office("docx")),
    ("counts.xlsx", office("xlsx")),
])
def test_allowed_types_are_accepted_by_their_content(name, content):
    assert check_upload(upload(name, content), allowed=("jpg", "png", "pdf", "txt", "docx",
                                                        "xlsx"), max_bytes=10 * 1024 * 1024)


@pytest.mark.parametrize("name,content,message", [
    ("photo.jpg", b"<html><script>alert(1)</script></html>", "not a .jpg"),
    ("photo.jpg", png(), "not a .jpg"),
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"broken", "not a .png"),
    ("log.pdf", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a .pdf"),
    ("rota.docx", b"PK\x03\x04 not really a zip", "not a .docx"),
    ("rota.docx", office("xlsx"), "not a .docx"),
    ("rota.docx", office("docx", macro=True), "not a .docx"),
    ("notes.txt", b"\xff\xfe\x00binary", "UTF-8"),
    ("page.html", b"<html></html>", "upload a JPEG, PNG, PDF"),
    ("drawing.svg", b"<svg/>", "upload a JPEG"),
    ("photo.heic", b"\x00\x00\x00\x18ftypheic", "HEIC photos are not accepted"),
    ("run.exe", b"MZ", "upload a JPEG"),
])
def test_a_file_whose_content_is_not_its_type_is_refused(world, report, name, content,
                                                         message):
    with pytest.raises(ValidationError, match=message):
        attach(world, report, name, content)
    assert not ReportAttachment.objects.exists()


def test_size_limit(world, report):
    big = PDF + b"0" * (10 * 1024 * 1024)
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        attach(world, report, "big.pdf", big)


def test_count_limit(world, report):
    for i in range(ATTACHMENTS_PER_REPORT):
        attach(world, report, f"photo{i}.jpg")
    with pytest.raises(ValidationError, match=f"at most {ATTACHMENTS_PER_REPORT} files"):
        attach(world, report, "one-more.jpg")
    assert report.attachments.count() == ATTACHMENTS_PER_REPORT


def test_stored_under_a_random_name_in_private_storage(world, report, settings):
    attachment = attach(world, report, "john_smith_MRN1234567_fall.jpg")
    assert attachment.file.name.startswith("reports/attachments/")
    assert re.fullmatch(r"reports/attachments/[0-9a-f]{32}\.jpg", attachment.file.name)
    assert "smith" not in attachment.file.name.lower()
    assert attachment.display_name == "john_smith_MRN1234567_fall.jpg"
    location = settings.STORAGES["private"]["OPTIONS"]["location"]
    assert attachment.file.path.startswith(location)


def test_photo_metadata_is_removed(world, report):
    original = jpeg(exif=True)
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif()[0x013B] == "Nell Nightly"  # the test photo carries it
    attachment = attach(world, report, "fall.jpg", original)
    attachment.file.open("rb")
    stored = attachment.file.read()
    attachment.file.close()
    assert attachment.metadata_removed and attachment.size == len(stored)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (40, 30)
        assert not image.getexif() and "comment" not in image.info
    assert b"Nell Nightly" not in stored and b"room 12" not in stored


# --- File name screening ----------------------------------------------------------------------


def test_file_name_screening_finds_a_name_and_a_record_number(world, report):
    screened = attachments.screen_name("john_smith_MRN1234567_fall.jpg")
    assert screened.text == "john smith MRN1234567 fall jpg"
    found = {(str(f.kind), f.text) for f in screened.findings}
    assert ("person", "john smith") in found
    assert ("long_number", "MRN1234567") in found
    assert attachments.screen_name("bed_alarm_volume.jpg").findings == ()
    attachment = attach(world, report, "john_smith_MRN1234567_fall.jpg")
    assert {"kind": "long_number", "text": "MRN1234567"} in attachment.name_findings
    assert attachments.name_unresolved(attachment)
    # A known member's name, even joined up.
    world.staff.full_name = "Nell Nightly"
    world.staff.save()
    from django.core.cache import cache
    cache.clear()
    assert [f.text for f in attachments.screen_name("NellNightly.pdf").findings] == [
        "Nell Nightly"]


@pytest.mark.parametrize("name", ["rota.docx", "Rota.XLSX", "staff_rota.pdf",
                                  "bed_alarm_volume.txt"])
def test_the_extension_is_shown_but_not_read_as_a_word_of_the_name(name):
    screened = attachments.screen_name(name, known=())
    assert screened.text.lower().endswith(name.rpartition(".")[2].lower())
    assert screened.findings == ()


def test_a_name_just_before_the_extension_is_still_found():
    for name in ("maria_lopez.jpg", "MariaLopez.PNG", "fall_maria_lopez.docx"):
        assert [f.text.lower() for f in attachments.screen_name(name, known=()).findings] == [
            "maria lopez"], name


def test_the_page_shows_findings_in_context(world, report, client_for):
    attach(world, report, "john_smith_MRN1234567_fall.jpg")
    page = client_for(world.staff).get(reverse("report-attachments",
                                               args=[report.public_id])).content.decode()
    assert 'data-testid="name-findings"' in page
    assert '<mark class="finding" data-kind="long_number">MRN1234567' in page


def test_renaming_or_a_reason_resolves_the_name(world, report, client_for):
    attachment = attach(world, report, "john_smith_MRN1234567_fall.jpg")
    client = client_for(world.lead)
    url = reverse("attachment-name", args=[attachment.public_id])
    prefix = f"a{attachment.pk}-"
    # An empty name is refused through the error summary.
    page = client.post(url, {prefix + "display_name": ""}).content.decode()
    assert "data-error-summary" in page
    # Renamed: the record number is gone, and the name screened again.
    client.post(url, {prefix + "display_name": "fall_scene.jpg"})
    attachment.refresh_from_db()
    assert attachment.display_name == "fall_scene.jpg" and attachment.name_findings == []
    assert not attachments.name_unresolved(attachment)
    # Kept with a reason: recorded with who and when.
    other = attach(world, report, "bed_20260314.jpg")
    assert attachments.name_unresolved(other)
    rows, _ = finding_rows([attachments.screen_name(other.display_name)])
    client.post(reverse("attachment-name", args=[other.public_id]), {
        f"a{other.pk}-display_name": other.display_name,
        f"dismiss-{rows[0]['key']}": "The camera's own numbering, not a patient's date."})
    other.refresh_from_db()
    assert other.name_dismissed[0]["by"] == world.lead.email
    assert not attachments.name_unresolved(other)


# --- Upload through the pages -----------------------------------------------------------------


def test_reporter_attaches_on_the_report_form(world, client_for):
    client = client_for(world.staff)
    response = client.post(reverse("report-new"), {
        **form_data(), "submit": "1", "files": [upload("pump.jpg", jpeg()),
                                                upload("log.pdf", PDF)]})
    assert response.status_code == 302
    report = world.hospital.reports.get()
    assert report.status == ReportStatus.SUBMITTED
    assert sorted(report.attachments.values_list("display_name", flat=True)) == [
        "log.pdf", "pump.jpg"]


def test_a_flagged_file_name_is_pointed_out_after_submitting(world, client_for):
    response = client_for(world.staff).post(reverse("report-new"), {
        **form_data(), "submit": "1",
        "files": [upload("john_smith_MRN1234567_fall.jpg", jpeg())]}, follow=True)
    page = response.content.decode()
    assert "The name of 1 file may identify someone" in page
    assert "Check the file name" in page


def test_an_upload_error_keeps_what_was_typed(world, client_for):
    client = client_for(world.staff)
    narrative = "The pump alarm was silenced and the dose ran two hours late on nights."
    response = client.post(reverse("report-new"), {
        **form_data(narrative=narrative), "submit": "1",
        "files": [upload("photo.jpg", b"<html>not a photo</html>")]})
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'data-error-summary.*href="#id_files"', page, re.S)
    assert "not a .jpg" in page and narrative in page
    assert 'data-testid="files-lost"' in page and "Choose them again" in page
    assert not world.hospital.reports.exists()


def test_reviewer_adds_a_file_on_the_review_page(world, report, client_for):
    client = client_for(world.lead)
    review = client.get(reverse("report-review", args=[report.public_id])).content.decode()
    assert 'enctype="multipart/form-data"' in review and 'id="id_files"' in review
    response = client.post(reverse("report-attachments", args=[report.public_id]),
                           {"files": upload("rota.docx", office("docx")), "back": "review"})
    assert response["Location"] == reverse("report-review", args=[report.public_id])
    assert report.attachments.get().uploaded_by == world.lead
    page = client.get(reverse("report-review", args=[report.public_id])).content.decode()
    assert "rota.docx" in page


def test_upload_page_shows_errors_in_the_summary(world, report, client_for):
    response = client_for(world.staff).post(
        reverse("report-attachments", args=[report.public_id]),
        {"files": upload("x.jpg", b"GIF89a")})
    page = response.content.decode()
    assert response.status_code == 200 and "data-error-summary" in page
    assert "Choose the files again" in page


def test_reporter_sees_only_their_own_files_and_a_hidden_reporter_stays_hidden(
        world, report, client_for):
    report.reporter_hidden = True
    report.save()
    mine = attach(world, report, "mine.jpg")
    theirs = attach(world, report, "lead-notes.pdf", PDF, user=world.lead)
    staff = client_for(world.staff)
    assert staff.get(reverse("attachment-download", args=[mine.public_id])).status_code == 200
    assert staff.get(reverse("attachment-download",
                             args=[theirs.public_id])).status_code == 404
    review = client_for(world.lead).get(reverse("report-attachments", args=[report.public_id]))
    assert "the reporter" in review.content.decode()
    assert world.staff.display_name not in review.content.decode()
    created = AuditEvent.objects.get(object_id=str(mine.public_id), action="create")
    assert created.actor is None and "hidden reporter" in created.actor_email


# --- Download -------------------------------------------------------------------------------


def test_download_is_checked_audited_and_named_safely(world, report, client_for):
    attachment = attach(world, report, 'report "final"\r\n<b>.pdf', PDF)
    url = reverse("attachment-download", args=[attachment.public_id])
    response = client_for(world.lead).get(url)
    with attachment.file.open("rb") as stored:
        assert response.status_code == 200 and body(response) == stored.read()
    assert body(client_for(world.lead).get(url)).startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="report -final-b.pdf"'
    assert AuditEvent.objects.filter(action="download", object_id=str(attachment.public_id),
                                     actor=world.lead).exists()
    photo = attach(world, report, "wound.jpg")
    shown = client_for(world.lead).get(reverse("attachment-download", args=[photo.public_id]))
    assert shown["Content-Disposition"].startswith("inline;")
    assert "sandbox" in shown["Content-Security-Policy"]


def test_outsiders_get_404_and_it_is_audited(world, report, client_for):
    attachment = attach(world, report)
    url = reverse("attachment-download", args=[attachment.public_id])
    colleague = MembershipFactory(hospital=world.hospital, role=HospitalRole.STAFF).user
    before = AuditEvent.objects.filter(action="denied").count()
    assert client_for(colleague).get(url).status_code == 404  # same hospital, not theirs
    assert client_for(world.other_lead).get(url).status_code == 404  # another hospital
    assert client_for(world.other_staff).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="denied").count() == before + 3
    assert client_for(world.outsider).get(url).status_code == 403  # no hospital at all
    for who in (colleague, world.other_lead):
        client = client_for(who)
        assert client.get(reverse("attachment-remove",
                                  args=[attachment.public_id])).status_code == 404
        assert client.post(reverse("attachment-name", args=[attachment.public_id]),
                           {}).status_code == 404


def test_a_draft_files_are_the_reporters_alone(world, client_for):
    draft = ReportFactory(hospital=world.hospital, reporter=world.staff,
                          status=ReportStatus.DRAFT, reference="")
    attachment = attach(world, draft)
    url = reverse("attachment-download", args=[attachment.public_id])
    assert client_for(world.lead).get(url).status_code == 404
    assert client_for(world.staff).get(url).status_code == 200


# --- Sending to the PSO -------------------------------------------------------------------------


def ready(report, world):
    report_review_save(report=report, actor=world.lead, factors=[],
                       pso_summary="A late dose after a silenced pump alarm.")


def test_pso_gets_only_the_files_the_lead_ticked(world, report, client_for):
    shared = attach(world, report, "pump-display.jpg")
    kept = attach(world, report, "rota.pdf", PDF, user=world.lead)
    ready(report, world)
    client = client_for(world.lead)
    send_page = client.get(reverse("report-send", args=[report.public_id])).content.decode()
    assert 'name="attachments"' in send_page and " checked" not in re.search(
        r'<fieldset class="card mb-3" data-testid="send-attachments".*?</fieldset>',
        send_page, re.S).group(0)
    client.post(reverse("report-send", args=[report.public_id]),
                {"attachments": [str(shared.public_id)]})
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT
    shared.refresh_from_db()
    kept.refresh_from_db()
    assert shared.share_with_pso and not kept.share_with_pso
    listed = SentReport.objects.get(report=report).data["attachments"]
    assert [item["id"] for item in listed] == [str(shared.public_id)]
    assert listed[0]["sha256"] == shared.sha256

    coordinator = client_for(world.coordinator)
    detail = coordinator.get(reverse("pso-report-detail", args=[report.public_id]))
    assert "pump-display.jpg" in detail.content.decode()
    assert "rota.pdf" not in detail.content.decode()
    got = coordinator.get(reverse("pso-attachment-download", args=[shared.public_id]))
    assert got.status_code == 200 and got["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="download", actor=world.coordinator,
                                     object_id=str(shared.public_id)).exists()
    assert coordinator.get(reverse("pso-attachment-download",
                                   args=[kept.public_id])).status_code == 404
    # Hospital pages are not the PSO's way in, and the PSO page not the hospital's.
    assert coordinator.get(reverse("attachment-download",
                                   args=[shared.public_id])).status_code == 403
    assert client_for(world.lead).get(reverse("pso-attachment-download",
                                              args=[shared.public_id])).status_code == 403


def test_nothing_goes_unless_ticked(world, report):
    attach(world, report)
    ready(report, world)
    copy = report_send(report=report, actor=world.lead)
    assert "attachments" not in copy.data
    assert not report.attachments.filter(share_with_pso=True).exists()


def test_pso_cannot_reach_a_file_of_an_unsent_report(world, report, client_for):
    attachment = attach(world, report)
    ReportAttachment.objects.filter(pk=attachment.pk).update(share_with_pso=True)
    assert client_for(world.coordinator).get(
        reverse("pso-attachment-download", args=[attachment.public_id])).status_code == 404


def test_a_file_with_an_unresolved_name_cannot_be_sent(world, report):
    attachment = attach(world, report, "john_smith_MRN1234567_fall.jpg")
    ready(report, world)
    with pytest.raises(ValidationError, match="Rename each file"):
        report_send(report=report, actor=world.lead, attachments=[attachment.public_id])
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW
    attachments.attachment_rename(attachment=attachment, actor=world.lead,
                                  membership=membership(world, world.lead),
                                  display_name="fall scene.jpg")
    report_send(report=report, actor=world.lead, attachments=[attachment.public_id])
    attachment.refresh_from_db()
    assert attachment.share_with_pso


def test_a_file_of_another_report_cannot_be_sent(world, report):
    other = ReportFactory(hospital=world.hospital, reporter=world.staff)
    stranger = attach(world, other)
    ready(report, world)
    with pytest.raises(ValidationError, match="not on this report"):
        report_send(report=report, actor=world.lead, attachments=[stranger.public_id])


# --- Removal ----------------------------------------------------------------------------------


def test_removal_asks_first_and_deletes_the_file(world, report, client_for,
                                                 django_capture_on_commit_callbacks):
    attachment = attach(world, report)
    stored = attachment.file.path
    client = client_for(world.staff)
    url = reverse("attachment-remove", args=[attachment.public_id])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    assert ReportAttachment.objects.filter(pk=attachment.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert not ReportAttachment.objects.filter(pk=attachment.pk).exists()
    assert not os.path.exists(stored)
    removed = AuditEvent.objects.get(action="deactivate", object_id=str(attachment.public_id))
    assert "wound" not in removed.summary and "wound" not in str(removed.detail)


def test_a_shared_file_stays_for_good_and_unshared_rules(world, report, client_for):
    shared = attach(world, report, "shared.jpg")
    unshared = attach(world, report, "unshared.jpg")
    ready(report, world)
    report_send(report=report, actor=world.lead, attachments=[shared.public_id])
    for who in (world.staff, world.lead):
        client_for(who).post(reverse("attachment-remove", args=[shared.public_id]))
    assert ReportAttachment.objects.filter(pk=shared.pk).exists()
    shared.refresh_from_db()
    with pytest.raises(ValueError):
        shared.delete()
    # The uploader can no longer remove a file of a sent report; the lead still can remove
    # one that stayed in the hospital.
    client_for(world.staff).post(reverse("attachment-remove", args=[unshared.public_id]))
    assert ReportAttachment.objects.filter(pk=unshared.pk).exists()
    client_for(world.lead).post(reverse("attachment-remove", args=[unshared.public_id]))
    assert not ReportAttachment.objects.filter(pk=unshared.pk).exists()


def test_a_colleague_cannot_remove_anothers_file_but_the_lead_can(world, report):
    attachment = attach(world, report, user=world.lead)
    with pytest.raises(ValidationError):
        attachments.attachment_remove(attachment=attachment, actor=world.staff,
                                      membership=membership(world, world.staff))
    attachments.attachment_remove(attachment=attachment, actor=world.lead,
                                  membership=membership(world, world.lead))
    assert not ReportAttachment.objects.exists()


def test_no_upload_once_sent(world, report, client_for):
    ready(report, world)
    report_send(report=report, actor=world.lead)
    client = client_for(world.lead)
    page = client.get(reverse("report-review", args=[report.public_id])).content.decode()
    assert 'id="id_files"' not in page
    response = client.post(reverse("report-attachments", args=[report.public_id]),
                           {"files": upload("late.jpg", jpeg())})
    assert response.status_code == 200 and "until it is sent" in response.content.decode()
    assert not report.attachments.exists()


def test_audit_rows_never_carry_the_file_name(world, report, client_for):
    attachment = attach(world, report, "john_smith_MRN1234567_fall.jpg")
    client_for(world.lead).get(reverse("attachment-download", args=[attachment.public_id]))
    rows = AuditEvent.objects.filter(object_id=str(attachment.public_id))
    assert {row.action for row in rows} == {"create", "download"}
    for row in rows:
        assert "smith" not in (row.summary + str(row.detail)).lower()
        assert "MRN" not in row.summary + str(row.detail)
    created = rows.get(action="create")
    assert created.detail["name_findings"] == {"long_number": 1, "person": 1}
