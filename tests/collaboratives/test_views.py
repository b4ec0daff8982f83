"""Session pages: who reaches them, what they show, and what they never show."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.screening import finding_key as _finding_key
from chpso_portal.audit.models import AuditEvent
from chpso_portal.notifications.models import Notification
from collaboratives import services
from collaboratives.models import (
    Attestation,
    CollaborativeSession,
    Nomination,
    NominationStatus,
    ParticipationStatus,
    SessionStatus,
)
from members.models import Contract
from members.roles import PsoRole

from ..conftest import make_pso
from ..factories import ReportFactory
from . import (
    SUMMARY,
    eligible_report,
    invite_and_accept,
    make_session,
    nominate,
    session_world,
)

pytestmark = pytest.mark.django_db

PARTICIPANT_VIEWS = ["session-detail", "session-attest", "session-materials", "session-agenda",
                     "session-ics"]
FACILITATOR_VIEWS = ["session-edit", "session-invite-hospitals", "session-invite-guest",
                     "session-add-facilitator", "session-notes"]
FACILITATOR_POSTS = ["session-cancel", "session-reopen-nominations"]
HOSPITAL_VIEWS = ["session-answer", "session-attendees", "session-nominate"]


def url(name, obj):
    return reverse(name, args=[obj.public_id])


def two_hospital_session(world):
    """`world.hospital` brings Case 1; `world.other_hospital` takes part without a case."""
    session, nomination = session_world(world)
    invite_and_accept(session, world, world.other_hospital, world.other_lead,
                      attendees=[world.other_lead])
    services.attestation_accept(session=session, user=world.other_lead)
    return session, nomination


# --- Who reaches what --------------------------------------------------------------------


def test_outsider_gets_404_on_every_session_url(world, client_for):
    session, nomination = session_world(world)
    before = AuditEvent.objects.filter(action="denied").count()
    client = client_for(world.outsider)
    for name in PARTICIPANT_VIEWS:
        assert client.get(url(name, session)).status_code == 404, name
    # Another hospital's lead: 404 on the hospital's own pages for a session it is not in.
    other = client_for(world.other_lead)
    for name in PARTICIPANT_VIEWS + HOSPITAL_VIEWS:
        assert other.get(url(name, session)).status_code == 404, name
    assert AuditEvent.objects.filter(action="denied").count() > before


def test_unknown_session_is_404(world, client_for):
    import uuid

    client = client_for(world.facilitator)
    assert client.get(reverse("session-detail", args=[uuid.uuid4()])).status_code == 404
    assert client.get(reverse("session-edit", args=[uuid.uuid4()])).status_code == 404


def test_facilitator_of_other_sessions_gets_404(world, client_for):
    session, nomination = session_world(world)
    stranger = make_pso(PsoRole.FACILITATOR, "other-facilitator@pso.test")
    client = client_for(stranger)
    for name in PARTICIPANT_VIEWS + FACILITATOR_VIEWS:
        assert client.get(url(name, session)).status_code == 404, name
    assert client.post(url("nomination-decide", nomination),
                       {"decision": "accept"}).status_code == 404
    assert session.pk not in [s.pk for s in client.get(reverse("session-list"))
                              .context["page"].object_list]


def test_wrong_role_gets_403(world, client_for):
    session, _ = session_world(world)
    lead = client_for(world.lead)
    assert lead.get(reverse("session-create")).status_code == 403
    for name in FACILITATOR_VIEWS:
        assert lead.get(url(name, session)).status_code == 403, name
    for name in FACILITATOR_POSTS:
        assert lead.post(url(name, session)).status_code == 403, name
    facilitator = client_for(world.facilitator)
    for name in HOSPITAL_VIEWS:
        assert facilitator.get(url(name, session)).status_code == 403, name
    # Staff of the invited hospital: answering and nominating are the lead's.
    staff = client_for(world.staff)
    for name in HOSPITAL_VIEWS:
        assert staff.get(url(name, session)).status_code == 403, name


def test_wrong_method_gets_405(world, client_for):
    session, nomination = session_world(world)
    lead, facilitator = client_for(world.lead), client_for(world.facilitator)
    for name in PARTICIPANT_VIEWS:
        assert lead.put(url(name, session)).status_code == 405, name
        assert lead.delete(url(name, session)).status_code == 405, name
    for name in ["session-detail", "session-materials", "session-agenda", "session-ics"]:
        assert lead.post(url(name, session)).status_code == 405, name
    for name in FACILITATOR_POSTS:
        assert facilitator.get(url(name, session)).status_code == 405, name
    for name in ["nomination-decide", "nomination-comment"]:
        assert facilitator.get(url(name, nomination)).status_code == 405, name
    assert lead.delete(url("session-nominate", session)).status_code == 405
    assert lead.put(reverse("session-list")).status_code == 405


def test_member_of_invited_hospital_who_is_not_named_gets_404(world, client_for):
    session, _ = session_world(world)
    client = client_for(world.staff)
    for name in PARTICIPANT_VIEWS:
        assert client.get(url(name, session)).status_code == 404, name
    assert list(client.get(reverse("session-list")).context["page"].object_list) == []


def test_lead_sees_the_invitation_before_answering(world, client_for):
    session = make_session(world)
    services.session_invite_hospitals(session=session, hospitals=[world.hospital],
                                      actor=world.facilitator)
    client = client_for(world.lead)
    page = client.get(url("session-detail", session))
    assert page.status_code == 200
    assert "Answer the invitation" in page.content.decode()
    # Not an attendee yet: the materials are not theirs to open.
    assert client.get(url("session-materials", session)).status_code == 403


def test_guest_sees_their_session_only_and_only_until_access_ends(world, client_for):
    session, _ = session_world(world)
    other = make_session(world, title="Another session")
    guest = services.session_invite_guest(session=session, email="hf@expert.test",
                                          full_name="Harper Quill", expertise="human factors",
                                          actor=world.facilitator)
    client = client_for(guest.user)
    assert client.get(url("session-detail", session)).status_code == 200
    assert client.get(url("session-ics", session)).status_code == 200
    for name in PARTICIPANT_VIEWS:
        assert client.get(url(name, other)).status_code == 404, name
    listed = client.get(reverse("session-list"))
    assert [s.pk for s in listed.context["page"].object_list] == [session.pk]
    nav_link = f'href="{reverse("session-list")}"'
    assert nav_link in client.get(reverse("home")).content.decode()
    assert nav_link not in client_for(world.outsider).get(reverse("home")).content.decode()
    # Attest, then the materials open.
    assert client.get(url("session-materials", session)).status_code == 302
    client.post(url("session-attest", session), {"accept": "on"})
    assert client.get(url("session-materials", session)).status_code == 200
    # Access ends 30 days after the session.
    guest.access_until = timezone.localdate() - timedelta(days=1)
    guest.save()
    for name in PARTICIPANT_VIEWS:
        assert client.get(url(name, session)).status_code == 404, name


def test_lead_of_expired_hospital_is_refused(world, client_for):
    session, _ = session_world(world)
    client = client_for(world.lead)
    assert client.get(url("session-materials", session)).status_code == 200
    # Saved as the admin saves it: the members' cached memberships are forgotten at once.
    contract = Contract.objects.get(hospital=world.hospital)
    contract.expires_on = timezone.localdate() - timedelta(days=1)
    contract.save()
    for name in HOSPITAL_VIEWS:
        response = client.get(url(name, session))
        assert response.status_code == 403, name
        assert "paused" in response.content.decode()
    for name in PARTICIPANT_VIEWS:
        assert client.get(url(name, session)).status_code == 404, name


def test_coordinator_sees_every_session_but_not_the_materials(world, client_for):
    session, _ = session_world(world)
    client = client_for(world.coordinator)
    listed = client.get(reverse("session-list"))
    assert [s.pk for s in listed.context["page"].object_list] == [session.pk]
    assert client.get(url("session-detail", session)).status_code == 200
    assert client.get(url("session-materials", session)).status_code == 403
    assert client.get(url("session-attest", session)).status_code == 403


# --- Meeting under the ground rules ------------------------------------------------------


def test_attendee_must_attest_before_opening_materials(world, client_for):
    session, nomination = session_world(world)
    invitation = session.hospitals.get(hospital=world.hospital)
    services.session_set_attendees(
        session_hospital=invitation, actor=world.lead,
        memberships=list(world.hospital.memberships.filter(user__in=[world.lead, world.staff])))
    client = client_for(world.staff)
    attest_url = url("session-attest", session)
    for name in ["session-materials", "session-agenda"]:
        response = client.get(url(name, session))
        assert response.status_code == 302 and response["Location"] == attest_url, name
    page = client.get(attest_url).content.decode()
    from collaboratives.rules import GROUND_RULES, PSWP_PROTECTION

    assert len(GROUND_RULES) == 9
    for text in GROUND_RULES + [PSWP_PROTECTION]:
        assert escape(text) in page
    # The box must be ticked.
    assert client.post(attest_url, {}).status_code == 200
    assert not Attestation.objects.filter(session=session, user=world.staff).exists()
    response = client.post(attest_url, {"accept": "on"})
    assert response.status_code == 302
    assert Attestation.objects.filter(session=session, user=world.staff).exists()
    materials = client.get(url("session-materials", session)).content.decode()
    assert "Case 1" in materials and SUMMARY[:40] in materials
    # The original report is never shown: not its reference, not its narrative.
    assert nomination.report.reference not in materials
    assert nomination.report.narrative[:30] not in materials
    assert AuditEvent.objects.filter(action="view", object_id=str(session.public_id)).exists()


def test_facilitator_must_attest_too(world, client_for):
    session = make_session(world)
    client = client_for(world.facilitator)
    assert client.get(url("session-materials", session))["Location"] == \
        url("session-attest", session)
    assert client.get(url("session-notes", session))["Location"] == url("session-attest", session)
    client.post(url("session-attest", session), {"accept": "on"})
    assert client.get(url("session-materials", session)).status_code == 200


def test_presenting_hospital_appears_on_the_materials_page_only(world, client_for):
    session, nomination = two_hospital_session(world)
    name = world.hospital.name
    hospital_id = str(world.hospital.public_id)
    guest = services.session_invite_guest(session=session, email="hf@expert.test",
                                          full_name="Harper Quill", expertise="",
                                          actor=world.facilitator)
    services.attestation_accept(session=session, user=guest.user)
    for person in (world.other_lead, guest.user):
        client = client_for(person)
        for page in [reverse("session-list"), url("session-detail", session),
                     url("session-agenda", session), url("session-ics", session),
                     reverse("notification-list")]:
            response = client.get(page)
            assert response.status_code == 200, page
            body = response.content.decode()
            assert name not in body and hospital_id not in body, page
            assert name not in response.get("Content-Disposition", "")
        agenda = client.get(url("session-agenda", session)).content.decode()
        assert "Case 1" in agenda and "Patient Safety Work Product" in agenda
        materials = client.get(url("session-materials", session)).content.decode()
        assert "Case 1" in materials and f"Presented by {name}" in materials
    facilitator = client_for(world.facilitator)
    for page in [reverse("session-list"), url("session-agenda", session),
                 url("session-ics", session), reverse("notification-list")]:
        body = facilitator.get(page).content.decode()
        assert name not in body and hospital_id not in body, page
    ics = facilitator.get(url("session-ics", session))
    assert ics["Content-Type"].startswith("text/calendar")
    assert ics["Content-Disposition"] == \
        f'attachment; filename="session-{session.public_id}.ics"'
    # The facilitator's page lists who is invited, but never links a hospital to a case.
    detail = facilitator.get(url("session-detail", session)).content.decode()
    assert "Case 1" not in detail and nomination.summary[:40] not in detail


def test_no_hospital_in_html_attributes_of_the_materials_page(world, client_for):
    import re

    session, _ = two_hospital_session(world)
    body = client_for(world.facilitator).get(url("session-materials", session)).content.decode()
    attributes = " ".join(re.findall(r'(?:data-[\w-]+|id|class|download)="([^"]*)"', body))
    for hospital in (world.hospital, world.other_hospital):
        assert hospital.name not in attributes
        assert str(hospital.public_id) not in attributes


def test_notes_are_screened_and_optional(world, client_for):
    session, nomination = session_world(world)
    client = client_for(world.facilitator)
    page = client.get(url("session-notes", session))
    assert page.status_code == 200 and "Handover / handoff" in page.content.decode()
    text = f"The handover sheet at {world.hospital.name} had no field for paused infusions."
    response = client.post(url("session-notes", session), {
        "nomination": str(nomination.public_id), "systems_factors": ["handover"],
        "observations": text, "improvement_ideas": "A structured handover tool.",
    })
    assert response.status_code == 200
    assert "fix or dismiss each finding" in response.content.decode()
    assert not session.notes.exists()
    response = client.post(url("session-notes", session), {
        "nomination": str(nomination.public_id), "systems_factors": ["handover"],
        "observations": "The handover sheet had no field for paused infusions.",
        "improvement_ideas": "A structured handover tool.",
    })
    assert response.status_code == 302
    note = session.notes.get()
    assert note.nomination == nomination and note.systems_factors == ["handover"]
    materials = client_for(world.lead).get(url("session-materials", session)).content.decode()
    assert "no field for paused infusions" in materials and "Handover / handoff" in materials


# --- Scheduling ---------------------------------------------------------------------------


def session_post(**overrides):
    today = timezone.localdate()
    data = {
        "title": "Falls at night", "focus_categories": ["fall"], "theme": "",
        "date": (today + timedelta(days=20)).isoformat(), "start_time": "15:30",
        "time_zone": "America/Chicago", "duration_minutes": "90",
        "location": "https://meet.example.org/falls",
        "nomination_deadline": (today + timedelta(days=10)).isoformat(),
        "max_cases_per_hospital": "2", "description": "",
    }
    data.update(overrides)
    return data


def test_facilitator_schedules_invites_and_advances(world, client_for):
    client = client_for(world.facilitator)
    assert client.get(reverse("session-create")).status_code == 200
    late = session_post(nomination_deadline=(timezone.localdate()
                                             + timedelta(days=30)).isoformat())
    response = client.post(reverse("session-create"), late)
    assert response.status_code == 200
    assert "on or before the session date" in response.content.decode()
    assert client.post(reverse("session-create"), session_post(focus_categories=[]))\
        .status_code == 200
    response = client.post(reverse("session-create"), session_post())
    session = CollaborativeSession.objects.get()
    assert response["Location"] == url("session-detail", session)
    assert session.max_cases_per_hospital == 2 and session.status == SessionStatus.DRAFT
    assert list(session.facilitators.all()) == [world.facilitator]

    form = client.get(url("session-invite-hospitals", session)).content.decode()
    assert world.hospital.name in form and world.other_hospital.name in form
    assert world.expired_hospital.name not in form
    # A hospital without a contract on the session date cannot be posted either.
    response = client.post(url("session-invite-hospitals", session),
                           {"hospitals": [str(world.expired_hospital.public_id)]})
    assert response.status_code == 200 and not session.hospitals.exists()
    client.post(url("session-invite-hospitals", session),
                {"hospitals": [str(world.hospital.public_id)]})
    session.refresh_from_db()
    assert session.status == SessionStatus.INVITATIONS_SENT
    detail = client.get(url("session-detail", session)).content.decode()
    assert "Not confirmed yet" in detail

    # Only one hospital accepted: the session cannot be held.
    other = invite_and_accept(session, world, world.other_hospital, world.other_lead)
    nominate(session, other, lead=world.other_lead, reporter=world.other_staff)
    mercy = session.hospitals.get(hospital=world.hospital)
    services.session_answer(session_hospital=mercy, accept=True, actor=world.lead)
    services.session_answer(session_hospital=mercy, accept=False, actor=world.lead)
    client.post(url("session-advance", session))
    session.refresh_from_db()
    assert session.status == SessionStatus.NOMINATIONS_CLOSED
    response = client.post(url("session-advance", session), follow=True)
    assert "at least two hospitals" in response.content.decode()
    services.session_answer(session_hospital=mercy, accept=True, actor=world.lead)
    assert "Confirmed" in client.get(url("session-detail", session)).content.decode()
    # Each participating hospital presents a case (ground rule 2).
    response = client.post(url("session-advance", session), follow=True)
    assert "no accepted case" in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.NOMINATIONS_CLOSED


def test_edit_co_facilitator_guest_and_cancel(world, client_for):
    session, _ = session_world(world)
    colleague = make_pso(PsoRole.FACILITATOR, "colleague@pso.test")
    client = client_for(world.facilitator)
    response = client.post(url("session-add-facilitator", session), {"user": colleague.email})
    assert response.status_code == 302 and colleague in session.facilitators.all()
    assert client_for(colleague).get(url("session-detail", session)).status_code == 200

    response = client.post(url("session-edit", session),
                           session_post(title="Handovers, revisited"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.title == "Handovers, revisited"
    assert Notification.objects.filter(recipient=world.lead, kind="session_changed").exists()

    response = client.post(url("session-invite-guest", session),
                           {"email": "hf@expert.test", "full_name": "Harper Quill",
                            "expertise": "human factors"})
    assert response.status_code == 302
    guest = session.guests.get()
    assert guest.access_until == session.date + timedelta(days=30)

    client.post(url("session-cancel", session), {"reason": ""})
    session.refresh_from_db()
    assert session.status != SessionStatus.CANCELLED
    client.post(url("session-cancel", session), {"reason": "Too few cases this month."})
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert Notification.objects.filter(recipient=world.lead, kind="session_changed",
                                       title__startswith="Session cancelled").exists()
    response = client.post(url("session-edit", session), session_post(), follow=False)
    assert response.status_code == 200
    assert "cannot be changed" in response.content.decode()


# --- Taking part ---------------------------------------------------------------------------


def test_lead_answers_and_names_attendees(world, client_for):
    session = make_session(world)
    services.session_invite_hospitals(session=session, hospitals=[world.hospital],
                                      actor=world.facilitator)
    client = client_for(world.lead)
    page = client.get(url("session-answer", session)).content.decode()
    assert world.staff.display_name in page and "Registered nurse" in page
    staff_membership = world.hospital.memberships.get(user=world.staff)
    response = client.post(url("session-answer", session), {"answer": "accept"})
    assert response.status_code == 200  # accepting names at least one attendee
    response = client.post(url("session-answer", session),
                           {"answer": "accept", "attendees": [str(staff_membership.public_id)]})
    assert response.status_code == 302
    invitation = session.hospitals.get()
    assert invitation.status == ParticipationStatus.ACCEPTED
    assert [a.membership for a in invitation.attendees.all()] == [staff_membership]
    assert client_for(world.staff).get(url("session-detail", session)).status_code == 200
    # Another hospital's member cannot be named.
    other = world.other_hospital.memberships.get(user=world.other_staff)
    response = client.post(url("session-attendees", session),
                           {"attendees": [str(other.public_id)]})
    assert response.status_code == 200
    assert [a.membership for a in invitation.attendees.all()] == [staff_membership]
    response = client.post(url("session-answer", session), {"answer": "decline"})
    invitation.refresh_from_db()
    assert invitation.status == ParticipationStatus.DECLINED
    assert client_for(world.staff).get(url("session-detail", session)).status_code == 404


def test_nomination_shows_findings_and_takes_dismissals(world, client_for):
    session = make_session(world)
    invite_and_accept(session, world, world.hospital, world.lead, attendees=[world.lead])
    report = eligible_report(hospital=world.hospital, lead=world.lead, reporter=world.staff)
    client = client_for(world.lead)
    page = client.get(url("session-nominate", session)).content.decode()
    assert report.reference in page
    summary = f"The night team at {world.hospital.name} missed a paused infusion at handover."
    response = client.post(url("session-nominate", session),
                           {"report": str(report.public_id), "summary": summary})
    body = response.content.decode()
    assert response.status_code == 200
    assert "fix or dismiss each finding" in body and "screening-findings" in body
    assert not Nomination.objects.exists()
    key = _finding_key("hospital", world.hospital.name)
    assert f'name="dismiss-{key}"' in body
    response = client.post(url("session-nominate", session), {
        "report": str(report.public_id), "summary": summary,
        f"dismiss-{key}": "The meeting knows which hospital presents; removed before sharing.",
    })
    assert response.status_code == 302
    nomination = Nomination.objects.get()
    assert nomination.dismissed_findings[0]["kind"] == "hospital"
    assert nomination.dismissed_findings[0]["reason"].startswith("The meeting knows")


def test_nomination_rules_are_refused_with_the_service_message(world, client_for):
    session = make_session(world, max_cases_per_hospital=1)
    invitation = invite_and_accept(session, world, world.hospital, world.lead,
                                   attendees=[world.lead])
    client = client_for(world.lead)
    not_systems = ReportFactory(hospital=world.hospital, reporter=world.staff,
                                status="in_review")
    response = client.post(url("session-nominate", session),
                           {"report": str(not_systems.public_id), "summary": SUMMARY})
    assert "ground rule 3" in response.content.decode()
    nominate(session, invitation, lead=world.lead, reporter=world.staff, accept=False)
    report = eligible_report(hospital=world.hospital, lead=world.lead, reporter=world.staff)
    response = client.post(url("session-nominate", session),
                           {"report": str(report.public_id), "summary": SUMMARY})
    assert "at most 1 case to this session" in response.content.decode()
    # Another hospital's report is not even offered.
    foreign = ReportFactory(hospital=world.other_hospital, reporter=world.other_staff,
                            status="sent")
    response = client.post(url("session-nominate", session),
                           {"report": str(foreign.public_id), "summary": SUMMARY})
    assert response.status_code == 200 and Nomination.objects.count() == 1


def test_facilitator_comments_accepts_and_returns(world, client_for):
    session = make_session(world)
    invitation = invite_and_accept(session, world, world.hospital, world.lead,
                                   attendees=[world.lead])
    first = nominate(session, invitation, lead=world.lead, reporter=world.staff, accept=False)
    second = nominate(session, invitation, lead=world.lead, reporter=world.staff, accept=False)
    client = client_for(world.facilitator)
    client.post(url("session-attest", session), {"accept": "on"})
    page = client.get(url("session-materials", session)).content.decode()
    assert "Nominations to review" in page and world.hospital.name in page
    client.post(url("nomination-comment", first), {"text": "Could you say more about the pump?"})
    assert first.comments.count() == 1
    assert Notification.objects.filter(recipient=world.lead, kind="nomination_update",
                                       title__contains="commented").exists()
    client.post(url("nomination-decide", first), {"decision": "accept"})
    first.refresh_from_db()
    assert first.status == NominationStatus.ACCEPTED and first.case_number == 1
    response = client.post(url("nomination-decide", second), {"decision": "return"},
                           follow=True)
    assert "Say why the nomination is returned." in response.content.decode()
    client.post(url("nomination-decide", second),
                {"decision": "return", "comment": "This is a single-person slip."})
    second.refresh_from_db()
    assert second.status == NominationStatus.RETURNED
    lead_page = client_for(world.lead).get(url("session-nominate", session)).content.decode()
    assert "single-person slip" in lead_page and "Case 1" in lead_page


# --- Query budgets -----------------------------------------------------------------------


def count_queries(client, path):
    client.get(path)  # the first request of a sign-in records it; measure the next one
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_session_list_and_detail_queries_do_not_grow(world, client_for,
                                                    django_assert_max_num_queries):
    session, _ = two_hospital_session(world)
    invitation = session.hospitals.get(hospital=world.other_hospital)
    nominate(session, invitation, lead=world.other_lead, reporter=world.other_staff,
             accept=False)
    client = client_for(world.facilitator)
    list_before = count_queries(client, reverse("session-list"))
    detail_before = count_queries(client, url("session-detail", session))
    materials_before = count_queries(client, url("session-materials", session))
    for n in range(4):
        extra = make_session(world, title=f"Extra {n}")
        invite_and_accept(extra, world, world.hospital, world.lead, attendees=[world.lead])
    for _ in range(2):
        nominate(session, invitation, lead=world.other_lead, reporter=world.other_staff)
    nominate(session, session.hospitals.get(hospital=world.hospital), lead=world.lead,
             reporter=world.staff, accept=False)
    assert count_queries(client, reverse("session-list")) == list_before
    assert count_queries(client, url("session-detail", session)) == detail_before
    assert count_queries(client, url("session-materials", session)) == materials_before
    # About half of each budget is the sign-in, session and header work every page does.
    with django_assert_max_num_queries(16):
        client.get(reverse("session-list"))
    with django_assert_max_num_queries(30):
        client.get(url("session-detail", session))
    lead = client_for(world.lead)
    lead.get(reverse("session-list"))
    with django_assert_max_num_queries(16):
        lead.get(reverse("session-list"))
    with django_assert_max_num_queries(30):
        lead.get(url("session-detail", session))


def test_facilitator_home_lists_their_upcoming_sessions_only(world, client_for):
    session, _ = session_world(world)
    colleague = make_pso(PsoRole.FACILITATOR, "other-facilitator@pso.test")

    mine = client_for(world.facilitator).get(reverse("home")).content.decode()
    theirs = client_for(colleague).get(reverse("home")).content.decode()

    assert session.title in mine and url("session-detail", session) in mine
    assert session.title not in theirs and "None scheduled." in theirs
