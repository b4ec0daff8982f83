"""A safety lead changes roles and deactivates members; members switch between hospitals."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from chpso_portal.audit.models import AuditAction, AuditEvent
from members.models import Membership
from members.roles import HospitalRole

from ..factories import PASSWORD, MembershipFactory


def edit_url(membership):
    return f"/hospital/members/{membership.public_id}/"


def deactivate_url(membership):
    return f"/hospital/members/{membership.public_id}/deactivate/"


def role_changes(world):
    return AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGE, hospital=world.hospital)


def sign_in(email, password=PASSWORD) -> Client:
    """A client signed in through the real sign-in form, so allauth records a user session."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "_auth_user_id" in client.session
    return client


@pytest.fixture
def lead(world, client_for):
    return client_for(world.lead)


@pytest.fixture
def lead_membership(world):
    return Membership.objects.get(user=world.lead, hospital=world.hospital)


@pytest.fixture
def staff_membership(world):
    return Membership.objects.get(user=world.staff, hospital=world.hospital)


# --- The member list ---------------------------------------------------------------------


def test_lead_sees_the_members_of_their_hospital_only(world, lead):
    response = lead.get(reverse("member-list"))
    assert response.status_code == 200
    emails = {m.user.email for m in response.context["page"]}
    assert emails == {world.lead.email, world.staff.email}
    assert response.context["can_manage"] is True


def test_staff_cannot_see_the_member_list(world, client_for):
    assert client_for(world.staff).get(reverse("member-list")).status_code == 403


# --- Role changes ------------------------------------------------------------------------


def test_lead_changes_a_role_and_it_is_audited(world, lead, staff_membership):
    response = lead.post(edit_url(staff_membership),
                         {"role": HospitalRole.SAFETY_LEAD, "job_title": "pharmacist"})

    assert response.status_code == 302
    assert response["Location"] == reverse("member-list")
    staff_membership.refresh_from_db()
    assert staff_membership.role == HospitalRole.SAFETY_LEAD
    assert staff_membership.job_title == "pharmacist"
    event = role_changes(world).get()
    assert event.actor == world.lead
    assert event.hospital == world.hospital
    assert event.object_id == str(staff_membership.public_id)
    assert event.detail == {"from": HospitalRole.STAFF, "to": HospitalRole.SAFETY_LEAD}


def test_the_new_role_takes_effect_at_once(world, lead, client_for, staff_membership):
    promoted = client_for(world.staff)
    assert promoted.get(reverse("member-list")).status_code == 403
    lead.post(edit_url(staff_membership), {"role": HospitalRole.SAFETY_LEAD,
                                           "job_title": "nurse"})
    assert promoted.get(reverse("member-list")).status_code == 200


def test_changing_only_the_job_title_writes_no_role_change(world, lead, staff_membership):
    lead.post(edit_url(staff_membership), {"role": HospitalRole.STAFF, "job_title": "physician"})
    staff_membership.refresh_from_db()
    assert staff_membership.job_title == "physician"
    assert not role_changes(world).exists()


def test_the_last_safety_lead_cannot_be_demoted(world, lead, lead_membership):
    response = lead.post(edit_url(lead_membership),
                         {"role": HospitalRole.STAFF, "job_title": "nurse"})

    assert response.status_code == 200
    assert "at least one safety lead" in response.content.decode()
    lead_membership.refresh_from_db()
    assert lead_membership.role == HospitalRole.SAFETY_LEAD
    assert not role_changes(world).exists()


def test_the_last_safety_lead_cannot_be_deactivated(world, lead, lead_membership):
    response = lead.post(deactivate_url(lead_membership), follow=True)

    assert response.status_code == 200
    assert "at least one safety lead" in response.content.decode()
    lead_membership.refresh_from_db()
    assert lead_membership.is_active
    assert not AuditEvent.objects.filter(action=AuditAction.DEACTIVATE).exists()
    # Still a lead, still able to manage.
    assert lead.get(reverse("member-list")).status_code == 200


def test_an_inactive_lead_does_not_count_as_the_other_lead(world, lead, lead_membership):
    MembershipFactory(hospital=world.hospital, role=HospitalRole.SAFETY_LEAD, is_active=False)
    response = lead.post(edit_url(lead_membership),
                         {"role": HospitalRole.STAFF, "job_title": "nurse"})
    assert response.status_code == 200
    lead_membership.refresh_from_db()
    assert lead_membership.role == HospitalRole.SAFETY_LEAD


def test_a_lead_of_another_hospital_does_not_count(world, lead, lead_membership):
    # The other hospital has its own lead; this one is still the last lead here.
    response = lead.post(deactivate_url(lead_membership), follow=True)
    assert "at least one safety lead" in response.content.decode()
    assert Membership.objects.get(pk=lead_membership.pk).is_active


def test_with_a_second_lead_the_first_may_step_down(world, lead, lead_membership,
                                                     staff_membership):
    lead.post(edit_url(staff_membership), {"role": HospitalRole.SAFETY_LEAD,
                                           "job_title": "nurse"})

    response = lead.post(edit_url(lead_membership), {"role": HospitalRole.STAFF,
                                                     "job_title": "quality"})

    assert response.status_code == 302
    lead_membership.refresh_from_db()
    assert lead_membership.role == HospitalRole.STAFF
    assert role_changes(world).count() == 2
    # Now staff, the former lead can no longer manage members.
    assert lead.get(reverse("member-list")).status_code == 403


# --- Deactivation ------------------------------------------------------------------------


def test_deactivation_ends_the_members_sessions_at_once(world, lead, staff_membership):
    member = sign_in(world.staff.email)
    assert member.get(reverse("home")).status_code == 200
    sessions = list(UserSession.objects.filter(user=world.staff))
    assert len(sessions) == 1
    session_key = sessions[0].session_key

    response = lead.post(deactivate_url(staff_membership))

    assert response.status_code == 302
    staff_membership.refresh_from_db()
    assert not staff_membership.is_active
    assert staff_membership.deactivated_at is not None
    assert not UserSession.objects.filter(user=world.staff).exists()
    assert not Session.objects.filter(session_key=session_key).exists()
    event = AuditEvent.objects.get(action=AuditAction.DEACTIVATE)
    assert event.actor == world.lead
    assert event.hospital == world.hospital
    assert "1 session(s) ended" in event.summary

    # The member's next request finds them signed out.
    after = member.get(reverse("home"))
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("account_login"))


def test_deactivated_member_signing_in_again_has_no_hospital_access(world, lead,
                                                                   staff_membership):
    lead.post(deactivate_url(staff_membership))
    member = sign_in(world.staff.email)
    home = member.get(reverse("home"))
    assert home.status_code == 200
    assert home.context.get("membership") is None
    assert "Mercy Test Hospital" not in home.content.decode()


def test_deactivated_member_is_listed_as_inactive(world, lead, staff_membership):
    lead.post(deactivate_url(staff_membership))
    response = lead.get(reverse("member-list"))
    rows = {m.user.email: m.is_active for m in response.context["page"]}
    assert rows[world.staff.email] is False


def test_deactivating_twice_is_refused_with_a_message(world, lead, staff_membership):
    lead.post(deactivate_url(staff_membership))
    response = lead.post(deactivate_url(staff_membership), follow=True)
    assert "already deactivated" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.DEACTIVATE).count() == 1


def test_deactivate_asks_first_and_only_a_post_deactivates(world, lead, staff_membership):
    page = lead.get(deactivate_url(staff_membership))
    assert page.status_code == 200
    assert "signed out everywhere" in page.content.decode()
    assert "reactivate them later" in page.content.decode()
    assert Membership.objects.get(pk=staff_membership.pk).is_active


def test_staff_cannot_change_or_deactivate(world, client_for, lead_membership):
    staff = client_for(world.staff)
    assert staff.get(edit_url(lead_membership)).status_code == 403
    assert staff.post(edit_url(lead_membership), {"role": HospitalRole.STAFF,
                                                 "job_title": "nurse"}).status_code == 403
    assert staff.post(deactivate_url(lead_membership)).status_code == 403
    lead_membership.refresh_from_db()
    assert lead_membership.is_active and lead_membership.role == HospitalRole.SAFETY_LEAD


def test_members_of_another_hospital_answer_404(world, lead):
    theirs = Membership.objects.get(user=world.other_staff)
    assert lead.get(edit_url(theirs)).status_code == 404
    assert lead.post(edit_url(theirs), {"role": HospitalRole.SAFETY_LEAD,
                                        "job_title": "nurse"}).status_code == 404
    assert lead.post(deactivate_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active and theirs.role == HospitalRole.STAFF
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED, actor=world.lead)
    assert denied.count() == 3


def test_outsider_gets_403_and_never_reaches_members(world, client_for, staff_membership):
    outsider = client_for(world.outsider)
    assert outsider.get(edit_url(staff_membership)).status_code == 403
    assert outsider.post(deactivate_url(staff_membership)).status_code == 403
    assert Membership.objects.get(pk=staff_membership.pk).is_active


# --- Several hospitals -------------------------------------------------------------------


@pytest.fixture
def two_hats(world):
    """The Mercy lead is also staff at Valley."""
    MembershipFactory(hospital=world.other_hospital, user=world.lead, role=HospitalRole.STAFF)
    return world.lead


def test_pages_show_the_hospital_acted_for_and_a_switcher(world, two_hats, client_for):
    client = client_for(two_hats)
    home = client.get(reverse("home"))
    # Until they choose, the first hospital by name is the one acted for.
    assert home.context["membership"].hospital == world.hospital
    html = home.content.decode()
    assert "Acting for" in html
    assert reverse("switch-hospital") in html
    assert str(world.hospital.public_id) in html
    assert str(world.other_hospital.public_id) in html


def test_switching_hospitals_changes_what_the_member_can_do(world, two_hats, client_for):
    client = client_for(two_hats)
    client.post(reverse("switch-hospital"), {"hospital": str(world.hospital.public_id)})
    home = client.get(reverse("home"))
    assert home.context["membership"].hospital == world.hospital
    assert client.get(reverse("member-list")).status_code == 200

    response = client.post(reverse("switch-hospital"),
                           {"hospital": str(world.other_hospital.public_id),
                            "next": reverse("member-list")})

    assert response.status_code == 302
    assert response["Location"] == reverse("member-list")
    assert client.session["acting_hospital"] == str(world.other_hospital.public_id)
    home = client.get(reverse("home"))
    assert home.context["membership"].hospital == world.other_hospital
    assert home.context["membership"].role == HospitalRole.STAFF
    # Staff at Valley: the member list is not theirs to manage there.
    assert client.get(reverse("member-list")).status_code == 403


def test_switching_to_a_hospital_one_is_not_a_member_of_is_refused(world, two_hats,
                                                                   client_for):
    client = client_for(two_hats)
    client.post(reverse("switch-hospital"), {"hospital": str(world.hospital.public_id)})

    response = client.post(reverse("switch-hospital"),
                           {"hospital": str(world.expired_hospital.public_id)}, follow=True)

    assert "not a member of that hospital" in response.content.decode()
    assert client.session["acting_hospital"] == str(world.hospital.public_id)
    assert response.context["membership"].hospital == world.hospital


def test_switch_does_not_redirect_off_site(world, two_hats, client_for):
    client = client_for(two_hats)
    response = client.post(reverse("switch-hospital"),
                           {"hospital": str(world.hospital.public_id),
                            "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_switch_hospital_needs_post_and_a_signed_in_user(world, client, client_for, two_hats):
    assert client_for(two_hats).get(reverse("switch-hospital")).status_code == 405
    response = client.post(reverse("switch-hospital"),
                           {"hospital": str(world.hospital.public_id)})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_deactivated_membership_is_no_longer_offered(world, two_hats, client_for):
    valley = Membership.objects.get(user=two_hats, hospital=world.other_hospital)
    client_for(world.other_lead).post(deactivate_url(valley))
    client = client_for(two_hats)

    client.post(reverse("switch-hospital"), {"hospital": str(world.other_hospital.public_id)})

    home = client.get(reverse("home"))
    assert home.context["membership"].hospital == world.hospital
    assert str(world.other_hospital.public_id) not in home.content.decode()
