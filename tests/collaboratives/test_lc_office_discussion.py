"""The virtual office and the members' discussion area of a learning collaborative."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chpso_portal.audit.models import AuditEvent
from chpso_portal.notifications.models import Notification
from collaboratives.discussion import services as discussion
from collaboratives.discussion.models import Post, Thread
from collaboratives.office import services as office
from collaboratives.office.models import Resource
from collaboratives.programmes import services as programme_services
from collaboratives.programmes.access import Place
from collaboratives.programmes.models import TeamMember, TeamRole
from tests.cases.test_attachments import PDF
from tests.chpso_portal.test_upload_cleaning import assert_no_secret, office_file, unzipped

from .learning import enrol, make_collaborative

pytestmark = pytest.mark.django_db


@pytest.fixture
def lc(world):
    return make_collaborative(world)


@pytest.fixture
def teams(world, lc):
    return (enrol(lc, world.hospital, world.lead, members=[(world.staff, TeamRole.NURSE)]),
            enrol(lc, world.other_hospital, world.other_lead))


def place(lc, user, *, faculty=False):
    return Place(collaborative=lc, is_faculty=faculty,
                 member=TeamMember.objects.active().filter(user=user, team__collaborative=lc)
                 .select_related("team").first())


# --- Discussion --------------------------------------------------------------------------


def test_a_post_naming_someone_waits_for_a_fix_or_a_reason(world, lc, teams):
    with pytest.raises(ValidationError, match="may identify"):
        discussion.thread_create(collaborative=lc, place=place(lc, world.lead),
                                 actor=world.lead, title="Night rounds", category="free",
                                 body=f"Ask {world.staff.full_name} at Mercy Test Hospital.")
    assert not Thread.objects.exists()
    rows, _ = discussion.screening([("Post", "Call Mercy Test Hospital on 916-555-0101")])
    posted = {f"dismiss-{row['key']}": "A public switchboard" for row in rows}
    thread = discussion.thread_create(collaborative=lc, place=place(lc, world.lead),
                                      actor=world.lead, title="Night rounds", category="free",
                                      body="Call Mercy Test Hospital on 916-555-0101",
                                      posted=posted)
    dismissed = thread.posts.get().dismissed_findings
    assert dismissed and all(d["reason"] and d["by"] == world.lead.email for d in dismissed)


def test_a_reply_tells_the_followers_without_naming_anyone(world, lc, teams):
    thread = discussion.thread_create(collaborative=lc, place=place(lc, world.lead),
                                      actor=world.lead, title="Night rounds",
                                      category="change_ideas", body="How do you do it?")
    discussion.reply(thread=thread, place=place(lc, world.other_lead), actor=world.other_lead,
                     body="Pair it with toileting.")
    note = Notification.objects.get(kind="lc_discussion")
    assert note.recipient == world.lead
    assert "Valley" not in f"{note.title} {note.body}"
    thread.refresh_from_db()
    assert thread.post_count == 2 and "toileting" in thread.search_text


def test_faculty_hide_a_post_with_a_reason_and_it_is_audited(world, lc, teams, client_for):
    thread = discussion.thread_create(collaborative=lc, place=place(lc, world.lead),
                                      actor=world.lead, title="Rant", category="free",
                                      body="Something off topic and unkind")
    post = thread.posts.get()
    with pytest.raises(ValidationError):
        discussion.post_hide(post=post, place=place(lc, world.lead), actor=world.lead,
                             reason="x")
    with pytest.raises(ValidationError):
        discussion.post_hide(post=post, place=place(lc, world.facilitator, faculty=True),
                             actor=world.facilitator, reason=" ")
    discussion.post_hide(post=post, place=place(lc, world.facilitator, faculty=True),
                         actor=world.facilitator, reason="Off topic")
    assert AuditEvent.objects.filter(object_id=str(post.public_id),
                                     detail__reason="Off topic").exists()
    page = client_for(world.other_lead).get(reverse("lc-thread", args=[thread.public_id]))
    html = page.content.decode()
    assert "Hidden by faculty: Off topic" in html and "off topic and unkind" not in html
    coach = client_for(world.facilitator).get(reverse("lc-thread", args=[thread.public_id]))
    assert "off topic and unkind" in coach.content.decode()
    assert client_for(world.lead).post(reverse("lc-post-hide", args=[post.public_id]),
                                       {"reason": "x"}).status_code == 403


def test_thread_search_and_category(world, lc, teams, client_for):
    for title, category in (("Rounding at night", "change_ideas"),
                            ("P chart limits", "measurement")):
        discussion.thread_create(collaborative=lc, place=place(lc, world.lead),
                                 actor=world.lead, title=title, category=category, body=title)
    client = client_for(world.staff)
    url = reverse("lc-threads", args=[lc.public_id])
    html = client.get(url, {"q": "night"}).content.decode()
    assert "Rounding at night" in html and "P chart limits" not in html
    html = client.get(url, {"category": "measurement"}).content.decode()
    assert "P chart limits" in html and "Rounding at night" not in html


def test_a_member_of_another_team_replies_through_the_page(world, lc, teams, client_for):
    thread = discussion.thread_create(collaborative=lc, place=place(lc, world.lead),
                                      actor=world.lead, title="Night rounds",
                                      category="change_ideas", body="How do you do it?")
    client = client_for(world.other_lead)
    response = client.post(reverse("lc-thread-reply", args=[thread.public_id]),
                           {"body": "Ask Mercy Test Hospital"})
    assert response.status_code == 200 and "may identify" in response.content.decode()
    assert Post.objects.filter(thread=thread).count() == 1
    client.post(reverse("lc-thread-reply", args=[thread.public_id]),
                {"body": "We pair rounds with toileting."})
    html = client_for(world.lead).get(reverse("lc-thread", args=[thread.public_id])) \
        .content.decode()
    theirs = teams[1]
    assert "We pair rounds with toileting." in html
    assert f"A member of Team {theirs.peer_code.code}" in html and "Valley" not in html


# --- Office ------------------------------------------------------------------------------


def test_files_are_checked_for_type_and_size(world, lc, teams, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private")}}}
    lead = place(lc, world.lead)
    with pytest.raises(ValidationError, match="PDF, Word"):
        office.resource_add(collaborative=lc, place=lead, actor=world.lead, title="x",
                            upload=SimpleUploadedFile("run.exe", b"MZ..."))
    with pytest.raises(ValidationError, match="not a .pdf"):
        office.resource_add(collaborative=lc, place=lead, actor=world.lead, title="x",
                            upload=SimpleUploadedFile("fake.pdf", b"<html>"))
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError, match="10 MB"):
        office.resource_add(collaborative=lc, place=lead, actor=world.lead, title="x",
                            upload=big)
    with pytest.raises(ValidationError, match="may identify"):
        office.resource_add(collaborative=lc, place=lead, actor=world.lead,
                            title="Mercy Test Hospital rounding log",
                            upload=SimpleUploadedFile("log.pdf", PDF))
    resource = office.resource_add(collaborative=lc, place=lead, actor=world.lead,
                                   title="Rounding log", upload=SimpleUploadedFile(
                                       "Mercy log.pdf", PDF))
    assert resource.file.name.startswith("collaboratives/resources/")
    with resource.file.open("rb") as stored:
        assert resource.size == len(stored.read())
    assert "Mercy" not in resource.file.name
    assert not Resource.objects.filter(title="x").exists()


def test_a_shared_document_does_not_say_who_wrote_it(world, lc, teams, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private")}}}
    resource = office.resource_add(collaborative=lc, place=place(lc, world.lead),
                                   actor=world.lead, title="Rounding log",
                                   upload=SimpleUploadedFile("log.docx", office_file("docx")))
    with resource.file.open("rb") as stored:
        content = stored.read()
    assert resource.size == len(content)
    assert "word/document.xml" in unzipped(content)
    assert_no_secret(b"".join(unzipped(content).values()))
    with pytest.raises(ValidationError, match="without a password"):
        office.resource_add(collaborative=lc, place=place(lc, world.lead), actor=world.lead,
                            title="Locked log", upload=SimpleUploadedFile(
                                "locked.pdf", b"%PDF-1.4\n%%EOF\n"))


def test_download_is_access_checked_and_audited(world, lc, teams, client_for, settings,
                                                tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private")}}}
    resource = office.resource_add(collaborative=lc, place=place(lc, world.lead),
                                   actor=world.lead, title="Rounding log",
                                   upload=SimpleUploadedFile("Mercy Test Hospital.pdf", PDF))
    url = reverse("lc-resource-download", args=[resource.public_id])
    response = client_for(world.other_lead).get(url)
    with resource.file.open("rb") as stored:
        assert response.status_code == 200 and b"".join(response.streaming_content) == \
            stored.read()
    assert response["Content-Disposition"] == 'attachment; filename="rounding-log.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="download", object_id=str(resource.public_id),
                                     actor=world.other_lead).exists()
    for outsider in (world.outsider, world.expired_lead, world.other_staff):
        assert client_for(outsider).get(url).status_code == 404


def test_a_partner_reads_the_office_but_does_not_share(world, lc, teams):
    member = programme_services.patient_partner_add(team=teams[0], actor=world.lead,
                                                    email="p@family.test", full_name="Pat")
    with pytest.raises(ValidationError):
        office.resource_add(collaborative=lc, place=place(lc, member.user), actor=member.user,
                            title="x", url="https://example.org")


def test_announcements_come_from_faculty_and_reach_everyone(world, lc, teams):
    with pytest.raises(ValidationError):
        office.announcement_post(collaborative=lc, place=place(lc, world.lead),
                                 actor=world.lead, title="x", body="y")
    office.announcement_post(collaborative=lc, place=place(lc, world.facilitator, faculty=True),
                             actor=world.facilitator, title="Learning session 2",
                             body="Bring your run charts.")
    told = set(Notification.objects.filter(kind="lc_announcement")
               .values_list("recipient__email", flat=True))
    assert told == {"lead@mercy.test", "nurse@mercy.test", "lead@valley.test"}
