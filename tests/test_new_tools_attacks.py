"""Attacks on the report conversation, attachments, action plans and the review queue's saved
views: every URL tried across hospitals and roles (another hospital, a guest with no hospital,
a PSO coordinator, a deactivated member, a lapsed hospital), with bad input, and for a
reporter who hid their name."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from actions import services as action_services
from actions.models import ActionItem
from cases import attachments
from cases.models import ReportAttachment, ReportMessage, SavedQueueView
from cases.queue import saved_view_create
from chpso_portal.audit.models import AuditEvent
from chpso_portal.notifications.models import Notification, OutboxEmail
from members.roles import HospitalRole
from tests.cases.test_attachments import attach, body, jpeg, upload
from tests.factories import MembershipFactory, ReportFactory


@pytest.fixture
def setting(world):
    """One report, file, action and saved view in each of the two hospitals."""
    mine = ReportFactory(hospital=world.hospital, reporter=world.staff)
    theirs = ReportFactory(hospital=world.other_hospital, reporter=world.other_staff)
    return {
        "mine": mine, "theirs": theirs,
        "my_file": attach(world, mine),
        "their_file": attachments.attachments_add(
            report=theirs, actor=world.other_staff,
            membership=world.other_hospital.memberships.get(user=world.other_staff),
            uploads=[upload("wound.jpg", jpeg())])[0],
        "my_action": action_services.action_create(
            hospital=world.hospital, actor=world.lead, report=mine, owner=world.staff,
            title="Lock the alarm volume", due_date=timezone.localdate() + timedelta(days=5),
            strength="stronger"),
        "their_action": action_services.action_create(
            hospital=world.other_hospital, actor=world.other_lead, report=theirs,
            owner=world.other_staff, title="Label the pumps",
            due_date=timezone.localdate() + timedelta(days=5), strength="stronger"),
        "their_view": saved_view_create(user=world.other_lead, hospital=world.other_hospital,
                                        name="Zebra view", query="status=all"),
    }


def urls_of(setting, which):
    """(method, url, data) for every new URL on the objects of `which` hospital."""
    report = setting["mine" if which == "mine" else "theirs"]
    file = setting["my_file" if which == "mine" else "their_file"]
    action = setting["my_action" if which == "mine" else "their_action"]
    return [
        ("post", reverse("report-message", args=[report.public_id]), {"message": "Hello"}),
        ("get", reverse("report-attachments", args=[report.public_id]), {}),
        ("post", reverse("report-attachments", args=[report.public_id]),
         {"files": upload("x.jpg", jpeg())}),
        ("get", reverse("attachment-download", args=[file.public_id]), {}),
        ("post", reverse("attachment-name", args=[file.public_id]),
         {f"a{file.pk}-display_name": "renamed.jpg"}),
        ("get", reverse("attachment-remove", args=[file.public_id]), {}),
        ("post", reverse("attachment-remove", args=[file.public_id]), {}),
        ("get", reverse("action-detail", args=[action.public_id]), {}),
        ("post", reverse("action-status", args=[action.public_id]), {"status": "done"}),
        ("get", reverse("action-edit", args=[action.public_id]), {}),
        ("post", reverse("action-edit", args=[action.public_id]), {"title": "x"}),
        ("get", reverse("action-cancel", args=[action.public_id]), {}),
        ("post", reverse("action-cancel", args=[action.public_id]), {"reason": "no"}),
        ("get", reverse("action-new-report", args=[report.public_id]), {}),
        ("post", reverse("action-new-report", args=[report.public_id]), {"title": "x"}),
    ]


def state():
    """Everything the attacks could change."""
    return (
        ReportMessage.objects.count(),
        sorted(ReportAttachment.objects.values_list("display_name", flat=True)),
        sorted(ActionItem.objects.values_list("title", "status", "owner_id")),
        SavedQueueView.objects.count(),
    )


def _call(client, method, url, data):
    return client.post(url, data) if method == "post" else client.get(url)


def test_another_hospital_gets_404_for_every_new_url_and_nothing_changes(
        world, setting, client_for):
    before = state()
    for who in (world.lead, world.staff):
        client = client_for(who)
        for method, url, data in urls_of(setting, "theirs"):
            expected = (404,) if who == world.lead else (403, 404)  # staff: the lead's pages
            assert _call(client, method, url, data).status_code in expected, (who, method, url)
    assert state() == before


def test_no_hospital_and_lapsed_and_deactivated_members_are_refused(world, setting, client_for):
    gone = MembershipFactory(hospital=world.hospital, role=HospitalRole.SAFETY_LEAD).user
    gone.memberships.update(is_active=False)
    before = state()
    for who in (world.outsider, world.coordinator, world.facilitator, world.expired_lead,
                gone):
        client = client_for(who)
        for method, url, data in urls_of(setting, "mine"):
            assert _call(client, method, url, data).status_code == 403, (who, method, url)
    anonymous = client_for(None)
    for method, url, data in urls_of(setting, "mine"):
        assert _call(anonymous, method, url, data).status_code == 302  # to sign in
    assert state() == before


def test_a_colleague_without_a_part_in_the_report_reaches_none_of_it(world, setting,
                                                                       client_for):
    colleague = client_for(MembershipFactory(hospital=world.hospital,
                                             role=HospitalRole.STAFF).user)
    before = state()
    for method, url, data in urls_of(setting, "mine"):
        response = _call(colleague, method, url, data)
        # Not theirs: 404; the lead's pages (edit, cancel, new) need a role they lack: 403.
        assert response.status_code in (403, 404), (method, url)
        assert b"Lock the alarm volume" not in response.content
    assert state() == before


def test_writes_answer_only_to_post(world, setting, client_for):
    lead = client_for(world.lead)
    for name, obj in (("report-message", setting["mine"]),
                      ("attachment-name", setting["my_file"]),
                      ("action-status", setting["my_action"])):
        assert lead.get(reverse(name, args=[obj.public_id])).status_code == 405


def test_the_pso_reaches_only_files_that_were_sent(world, setting, client_for):
    coordinator = client_for(world.coordinator)
    for file in (setting["my_file"], setting["their_file"]):
        url = reverse("pso-attachment-download", args=[file.public_id])
        assert coordinator.get(url).status_code == 404
    # A hospital member is not the PSO.
    url = reverse("pso-attachment-download", args=[setting["my_file"].public_id])
    assert client_for(world.lead).get(url).status_code == 403


def test_saved_views_are_their_owners_alone(world, setting, client_for):
    view = setting["their_view"]
    url = reverse("queue-view-delete", args=[view.public_id])
    colleague = MembershipFactory(hospital=world.other_hospital,
                                  role=HospitalRole.SAFETY_LEAD).user
    for who in (world.lead, colleague):
        client = client_for(who)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        page = client_for(who).get(reverse("review-queue")).content.decode()
        assert "Zebra view" not in page and str(view.public_id) not in page
    assert SavedQueueView.objects.filter(pk=view.pk).exists()


@pytest.mark.parametrize("query", [
    {"sort": "narrative"}, {"sort": "-reporter__full_name"}, {"sort": ["harm", "reporter"]},
    {"status": "draft"}, {"date_from": "-2026-01-01"}, {"date_to": "99999-12-31"},
    {"date_from": "2026-02-30"}, {"page": "-4"}, {"page": "9" * 40}, {"q": "x" * 20000},
    {"q": "\u202egnp.exe\u0000"}, {"harm": "'; drop table x"}, {"category": ["a", "b"]},
])
def test_the_queue_takes_any_address_and_shows_only_filed_reports(world, setting, client_for,
                                                                   query):
    draft = ReportFactory(hospital=world.hospital, reporter=world.staff, status="draft",
                          reference="", narrative="A draft nobody else reads.")
    response = client_for(world.lead).get(reverse("review-queue"), query)
    assert response.status_code == 200
    page = response.content.decode()
    assert str(draft.public_id) not in page
    assert str(setting["theirs"].public_id) not in page


def test_a_saved_view_keeps_only_known_parameters(world, client_for):
    lead = client_for(world.lead)
    response = lead.post(reverse("review-queue") + "?sort=bogus&status=all&evil=%3Cscript%3E",
                         {"name": "Mine"})
    assert response.status_code == 302
    view = SavedQueueView.objects.get(user=world.lead)
    assert view.query == "status=all"
    assert "evil" not in response["Location"]


@pytest.mark.parametrize("text", ["", "   ", "x" * 5001, "bad\u0000byte"])
def test_a_bad_message_changes_nothing(world, setting, client_for, text):
    response = client_for(world.staff).post(
        reverse("report-message", args=[setting["mine"].public_id]), {"message": text})
    assert response.status_code == 200
    assert "error" in response.content.decode().lower()
    assert not ReportMessage.objects.exists()


def test_a_forged_owner_or_date_changes_nothing(world, setting, client_for):
    lead = client_for(world.lead)
    url = reverse("action-new-report", args=[setting["mine"].public_id])
    their_member = world.other_hospital.memberships.get(user=world.other_staff)
    base = {"title": "Check the pumps", "strength": "stronger",
            "due_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "owner": str(world.hospital.memberships.get(user=world.staff).public_id)}
    before = state()
    for forged in ({"owner": str(their_member.public_id)}, {"owner": "1"},
                   {"due_date": "0001-01-01"}, {"due_date": "-5"}, {"due_date": "99999-01-01"},
                   {"strength": "strongest"}, {"title": "x" * 201}, {"title": "\u0000"}):
        response = lead.post(url, {**base, **forged})
        assert response.status_code == 200, forged
        assert "error-summary" in response.content.decode(), forged
    assert state() == before
    # An owner cannot cancel or set a status the form does not offer.
    owner = client_for(world.staff)
    action = setting["my_action"]
    owner.post(reverse("action-status", args=[action.public_id]), {"status": "cancelled"})
    assert owner.post(reverse("action-cancel", args=[action.public_id]),
                      {"reason": "x"}).status_code == 403
    action.refresh_from_db()
    assert action.status == "open"


def test_file_names_cannot_climb_folders_or_hide_characters(world, setting, client_for):
    file = setting["my_file"]
    lead = client_for(world.lead)
    url = reverse("attachment-name", args=[file.public_id])
    hidden = lead.post(url, {f"a{file.pk}-display_name": "\u202egpj.exe\u0007.jpg"})
    assert hidden.status_code == 200 and "control character" in hidden.content.decode()
    file.refresh_from_db()
    assert file.display_name == "wound.jpg"
    assert lead.post(url, {f"a{file.pk}-display_name": "..\\../../etc/passwd.jpg"}
                     ).status_code == 302
    file.refresh_from_db()
    assert file.display_name == "passwd.jpg"
    download = lead.get(reverse("attachment-download", args=[file.public_id]))
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "passwd.jpg" in download["Content-Disposition"]
    assert "/" not in download["Content-Disposition"]
    body(download)


@pytest.mark.parametrize("name,content", [
    ("chart.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("page.html", b"<html><script>alert(1)</script></html>"),
    ("page.jpg", b"<html><script>alert(1)</script></html>"),
    ("page.txt.html", b"hello"),
])
def test_web_content_is_never_stored(world, setting, client_for, name, content):
    response = client_for(world.staff).post(
        reverse("report-attachments", args=[setting["mine"].public_id]),
        {"files": upload(name, content)})
    assert response.status_code == 200
    assert ReportAttachment.objects.filter(report=setting["mine"]).count() == 1


def test_a_hidden_reporter_is_never_named_to_the_hospital(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff, reporter_hidden=True)
    nurse, lead = client_for(world.staff), client_for(world.lead)
    nurse.post(reverse("report-message", args=[report.public_id]),
               {"message": "The pump was the older grey one."})
    nurse.post(reverse("report-attachments", args=[report.public_id]),
               {"files": upload("pump.jpg", jpeg())})
    file = ReportAttachment.objects.get(report=report)
    body(nurse.get(reverse("attachment-download", args=[file.public_id])))
    secrets = [world.staff.email, world.staff.full_name]
    pages = [lead.get(reverse(name, args=[report.public_id])).content.decode()
             for name in ("report-review", "report-attachments", "report-detail",
                          "action-new-report")]
    pages.append(lead.get(reverse("review-queue"), {"status": "all"}).content.decode())
    for page in pages:
        for secret in secrets:
            # The action form lists every member as a possible owner: not tied to the report.
            if "Choose a member" in page:
                continue
            assert secret not in page
    rows = AuditEvent.objects.filter(hospital=world.hospital)
    assert not rows.filter(actor=world.staff).exists()
    assert not any(world.staff.email in str(row.detail) + row.summary + row.actor_email
                   for row in rows)
    for notice in Notification.objects.exclude(recipient=world.staff):
        assert world.staff.full_name not in notice.title + notice.body
    for mail in OutboxEmail.objects.all():
        assert world.staff.full_name not in str(mail.__dict__) or \
            world.staff.email in str(mail.__dict__)  # only the mail to the nurse names her


def test_a_file_sent_to_the_pso_does_not_name_the_hospital(world, client_for):
    from cases.services import report_review_save, report_send

    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    file = attach(world, report, name="Mercy Test Hospital pump.jpg")
    report_review_save(report=report, actor=world.lead, factors=[],
                       pso_summary="A late dose after a silenced pump alarm.")
    assert attachments.name_unresolved(file)
    with pytest.raises(ValidationError):
        report_send(report=report, actor=world.lead, attachments=[str(file.public_id)])
    file.refresh_from_db()
    assert not file.share_with_pso


# The hospital's units --------------------------------------------------------------------

@pytest.fixture
def west(world):
    from cases.units import unit_create

    return unit_create(hospital=world.hospital, actor=world.lead, name="Tower 7 North",
                       location_type="med_surg")


def test_retiring_twice_leaves_the_unit_retired(world, west, client_for):
    lead = client_for(world.lead)
    url = reverse("unit-retire", args=[west.public_id])
    # Two clicks on "Retire the unit", or the confirmation left open in a second tab.
    for _ in range(2):
        assert lead.post(url, {"active": "no"}).status_code == 302
    west.refresh_from_db()
    assert not west.active
    for _ in range(2):
        lead.post(url, {"active": "yes"})
    west.refresh_from_db()
    assert west.active


@pytest.mark.parametrize("data", [{}, {"active": "maybe"}, {"active": ""}])
def test_a_retire_post_without_a_clear_choice_changes_nothing(world, west, client_for, data):
    client_for(world.lead).post(reverse("unit-retire", args=[west.public_id]), data)
    west.refresh_from_db()
    assert west.active


def test_another_hospitals_unit_is_404_and_the_attempt_is_audited(world, west, client_for):
    other = client_for(world.other_lead)
    before = AuditEvent.objects.filter(action="denied").count()
    for name in ("unit-edit", "unit-retire"):
        url = reverse(name, args=[west.public_id])
        assert other.get(url).status_code == 404
        assert other.post(url, {"name": "Mine", "location_type": "icu",
                                "active": "no"}).status_code == 404
    assert AuditEvent.objects.filter(action="denied").count() == before + 4
    west.refresh_from_db()
    assert west.active and west.name == "Tower 7 North"
    for who in (world.staff, world.coordinator, world.outsider, world.expired_lead):
        assert client_for(who).post(reverse("unit-retire", args=[west.public_id]),
                                    {"active": "no"}).status_code == 403
    west.refresh_from_db()
    assert west.active


# Sending files with the report -------------------------------------------------------------

@pytest.mark.parametrize("forged", ["not-a-uuid", "their", "both"])
def test_a_forged_file_choice_sends_nothing(world, setting, client_for, forged):
    from cases.services import report_review_save

    report = setting["mine"]
    report_review_save(report=report, actor=world.lead, factors=[],
                       pso_summary="A late dose after a silenced pump alarm.")
    theirs = str(setting["their_file"].public_id)
    chosen = {"not-a-uuid": ["not-a-uuid"], "their": [theirs],
              "both": [str(setting["my_file"].public_id), theirs]}[forged]
    response = client_for(world.lead).post(reverse("report-send", args=[report.public_id]),
                                           {"attachments": chosen})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "in_review"  # not sent
    assert not ReportAttachment.objects.filter(share_with_pso=True).exists()


def test_the_pso_download_is_safe_and_names_no_hospital(world, setting, client_for):
    from cases.services import report_review_save, report_send

    report = setting["mine"]
    report_review_save(report=report, actor=world.lead, factors=[],
                       pso_summary="A late dose after a silenced pump alarm.")
    report_send(report=report, actor=world.lead, attachments=[str(setting["my_file"].public_id)])
    response = client_for(world.coordinator).get(
        reverse("pso-attachment-download", args=[setting["my_file"].public_id]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    for header in ("Content-Disposition", "Content-Type"):
        assert "Mercy" not in response[header] and world.staff.full_name not in response[header]
    body(response)
    # The other hospital's lead still cannot reach it, nor the PSO a file that was not sent.
    assert client_for(world.other_lead).get(
        reverse("attachment-download", args=[setting["my_file"].public_id])).status_code == 404
    assert client_for(world.coordinator).get(
        reverse("pso-attachment-download", args=[setting["their_file"].public_id])
    ).status_code == 404
