"""Invitations: a safety lead invites, resends and revokes; the invitee accepts or signs up."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditAction, AuditEvent
from chpso_portal.notifications.models import OutboxEmail
from members.models import Invitation, InvitationStatus, Membership, User
from members.roles import HospitalRole

from ..factories import PASSWORD, InvitationFactory

INVITE_URL = "/hospital/members/invite/"
LINK = re.compile(r"https?://[^\s]+/invitations/([A-Za-z0-9_-]+)/")


def invite(client, capture, email="new.nurse@mercy.test", role=HospitalRole.STAFF,
           job_title="nurse"):
    with capture(execute=True):
        response = client.post(INVITE_URL, {"email": email, "role": role,
                                            "job_title": job_title})
    return response


def token_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def last_mail_to(address):
    sent = [m for m in mail.outbox if address in m.to]
    assert sent, f"no email to {address}"
    return sent[-1]


@pytest.fixture
def lead(world, client_for):
    return client_for(world.lead)


# --- Inviting ----------------------------------------------------------------------------


def test_lead_invites_a_colleague_and_the_email_carries_a_working_link(
        world, lead, client, django_capture_on_commit_callbacks):
    response = invite(lead, django_capture_on_commit_callbacks, role=HospitalRole.SAFETY_LEAD,
                      job_title="pharmacist")

    assert response.status_code == 302
    assert response["Location"] == reverse("member-list")
    invitation = Invitation.objects.get(email="new.nurse@mercy.test")
    assert invitation.hospital == world.hospital
    assert invitation.role == HospitalRole.SAFETY_LEAD
    assert invitation.job_title == "pharmacist"
    assert invitation.invited_by == world.lead
    assert invitation.status == InvitationStatus.PENDING
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)

    outbox_row = OutboxEmail.objects.get(to_address="new.nurse@mercy.test")
    assert outbox_row.kind == "account_invitation"
    assert outbox_row.status == "sent"
    # The secret link is not kept in the database once the email is out.
    assert "/invitations/" not in outbox_row.body

    message = last_mail_to("new.nurse@mercy.test")
    assert "Mercy Test Hospital" in message.subject
    assert "safety lead" in message.body
    token = token_in(message)
    assert Invitation.objects.by_token(token).get() == invitation

    # The link in the email opens a page that changes nothing; its button leads to the
    # sign-up page with the address filled in.
    page = client.get(f"/invitations/{token}/")
    assert page.status_code == 200
    assert "Create your account" in page.content.decode()
    assert "invitation_token" not in client.session
    opened = client.post(f"/invitations/{token}/")
    assert opened.status_code == 302
    assert opened["Location"].startswith(reverse("account_signup"))
    signup = client.get(opened["Location"])
    assert signup.status_code == 200
    assert signup.context["form"]["email"].value() == "new.nurse@mercy.test"

    event = AuditEvent.objects.get(action=AuditAction.INVITE, object_id=str(invitation.public_id))
    assert event.actor == world.lead
    assert event.hospital == world.hospital


def test_invitation_address_is_stored_in_lower_case(world, lead,
                                                    django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks, email="New.Person@Mercy.TEST")
    assert Invitation.objects.filter(email="new.person@mercy.test").count() == 1


def test_a_second_pending_invitation_for_the_same_address_is_refused(
        world, lead, django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    response = invite(lead, django_capture_on_commit_callbacks, email="NEW.nurse@mercy.test")

    assert response.status_code == 200
    assert "already has a pending invitation" in str(response.context["form"].errors)
    assert Invitation.objects.filter(email="new.nurse@mercy.test").count() == 1
    assert mail.outbox == []


def test_inviting_someone_who_is_already_a_member_is_refused(
        world, lead, django_capture_on_commit_callbacks):
    response = invite(lead, django_capture_on_commit_callbacks, email=world.staff.email)

    assert response.status_code == 200
    assert "already a member" in str(response.context["form"].errors)
    assert not Invitation.objects.filter(email=world.staff.email).exists()
    assert mail.outbox == []


def test_staff_cannot_invite(world, client_for, django_capture_on_commit_callbacks):
    staff = client_for(world.staff)
    assert staff.get(INVITE_URL).status_code == 403
    response = invite(staff, django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, actor=world.staff).exists()


def test_lead_of_an_expired_hospital_cannot_invite(world, client_for,
                                                   django_capture_on_commit_callbacks):
    response = invite(client_for(world.expired_lead), django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_anonymous_visitor_is_sent_to_sign_in(world, client):
    response = client.post(INVITE_URL, {"email": "x@y.test", "role": "staff",
                                        "job_title": "nurse"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Invitation.objects.exists()


def test_invite_answers_405_to_other_methods(world, lead):
    assert lead.put(INVITE_URL).status_code == 405


# --- Resending and revoking --------------------------------------------------------------


def test_resend_gives_a_new_token_and_the_old_link_stops_working(
        world, lead, client, django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    old_token = token_in(last_mail_to(invitation.email))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(f"/hospital/invitations/{invitation.public_id}/resend/")

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.send_count == 2
    new_token = token_in(last_mail_to(invitation.email))
    assert new_token != old_token
    assert client.get(f"/invitations/{old_token}/").status_code == 404
    assert client.get(f"/invitations/{new_token}/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.INVITE,
                                     object_id=str(invitation.public_id)).count() == 2


def test_resending_an_expired_invitation_gives_it_seven_more_days(
        world, lead, client, client_for, time_machine, django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    time_machine.move_to(timezone.now() + timedelta(days=8))
    assert Invitation.objects.get().status == InvitationStatus.EXPIRED
    mail.outbox.clear()
    lead = client_for(world.lead)  # a week later: a new session

    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(f"/hospital/invitations/{invitation.public_id}/resend/")

    assert response.status_code == 302
    assert response["Location"] == reverse("member-list")

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert client.get(f"/invitations/{token_in(last_mail_to(invitation.email))}/").status_code \
        == 200


def test_revoked_invitation_shows_a_clear_page(world, lead, client,
                                               django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    token = token_in(last_mail_to(invitation.email))

    response = lead.post(f"/hospital/invitations/{invitation.public_id}/revoke/")

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    event = AuditEvent.objects.get(action=AuditAction.REVOKE)
    assert event.actor == world.lead and event.hospital == world.hospital
    page = client.get(f"/invitations/{token}/")
    assert page.status_code == 410
    assert "This invitation is revoked" in page.content.decode()
    # Revoked: the signup page stays closed and no user can be created from it.
    assert "invitation_token" not in client.session
    # Revoking twice is refused with a message, nothing else changes.
    again = lead.post(f"/hospital/invitations/{invitation.public_id}/revoke/", follow=True)
    assert "already closed" in again.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.REVOKE).count() == 1


def test_revoked_address_can_be_invited_again(world, lead, django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks)
    lead.post(f"/hospital/invitations/{Invitation.objects.get().public_id}/revoke/")
    response = invite(lead, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Invitation.objects.pending().filter(email="new.nurse@mercy.test").count() == 1


def test_invitation_expires_after_seven_days(world, lead, client, time_machine,
                                             django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks)
    token = token_in(last_mail_to("new.nurse@mercy.test"))

    time_machine.move_to(timezone.now() + timedelta(days=6, hours=23))
    assert client.get(f"/invitations/{token}/").status_code == 200

    time_machine.move_to(timezone.now() + timedelta(hours=2))
    page = client.get(f"/invitations/{token}/")
    assert page.status_code == 410
    assert "This invitation is expired" in page.content.decode()


def test_expired_address_can_be_invited_again(world, lead, client_for, time_machine,
                                              django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks)
    first = Invitation.objects.get()
    time_machine.move_to(timezone.now() + timedelta(days=8))

    response = invite(client_for(world.lead), django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == reverse("member-list")
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert Invitation.objects.pending().count() == 1


def test_unknown_token_is_404(world, client):
    assert client.get("/invitations/not-a-real-token/").status_code == 404


def test_invitations_of_another_hospital_answer_404(world, client_for):
    theirs = InvitationFactory(hospital=world.other_hospital)
    lead = client_for(world.lead)
    for action in ("resend", "revoke"):
        response = lead.post(f"/hospital/invitations/{theirs.public_id}/{action}/")
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == InvitationStatus.PENDING
    assert theirs.send_count == 1
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, actor=world.lead).count() == 2


def test_staff_cannot_resend_or_revoke(world, client_for):
    invitation = InvitationFactory(hospital=world.hospital)
    staff = client_for(world.staff)
    assert staff.post(f"/hospital/invitations/{invitation.public_id}/resend/").status_code == 403
    assert staff.post(f"/hospital/invitations/{invitation.public_id}/revoke/").status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_resend_and_revoke_only_answer_post(world, lead):
    invitation = InvitationFactory(hospital=world.hospital)
    assert lead.get(f"/hospital/invitations/{invitation.public_id}/resend/").status_code == 405
    assert lead.get(f"/hospital/invitations/{invitation.public_id}/revoke/").status_code == 405


# --- Accepting: a new person signs up ----------------------------------------------------


def signup(client, email, full_name="Nora New"):
    return client.post(reverse("account_signup"), {
        "email": email, "password1": PASSWORD, "password2": PASSWORD, "full_name": full_name,
    })


def test_full_sign_up_through_an_invitation(world, lead, client,
                                            django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks, role=HospitalRole.SAFETY_LEAD,
           job_title="pharmacist")
    token = token_in(last_mail_to("new.nurse@mercy.test"))
    invitation = Invitation.objects.get()

    client.post(f"/invitations/{token}/")
    response = signup(client, "new.nurse@mercy.test")

    assert response.status_code == 302
    user = User.objects.get(email="new.nurse@mercy.test")
    assert user.full_name == "Nora New"
    assert user.check_password(PASSWORD)
    # The invitation proved the address: verified, and signed in at once.
    assert EmailAddress.objects.get(user=user, email="new.nurse@mercy.test").verified
    assert client.session["_auth_user_id"] == str(user.pk)
    membership = Membership.objects.get(user=user)
    assert membership.hospital == world.hospital
    assert membership.role == HospitalRole.SAFETY_LEAD
    assert membership.job_title == "pharmacist"
    assert membership.is_active
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_by == user
    accepted = AuditEvent.objects.get(action=AuditAction.ACCEPT)
    assert accepted.actor == user and accepted.hospital == world.hospital

    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Mercy Test Hospital" in home.content.decode()
    # The link is used up.
    assert client.get(f"/invitations/{token}/").status_code == 410


def test_an_address_with_a_plus_sign_is_filled_in_unchanged(
        world, lead, client, django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks, email="nora+pso@mercy.test")
    opened = client.post(f"/invitations/{token_in(last_mail_to('nora+pso@mercy.test'))}/")

    signup_page = client.get(opened["Location"])

    assert signup_page.context["form"]["email"].value() == "nora+pso@mercy.test"
    response = signup(client, "nora+pso@mercy.test")
    assert response.status_code == 302
    assert Membership.objects.filter(user__email="nora+pso@mercy.test",
                                     hospital=world.hospital).exists()


def test_sign_up_with_another_address_is_refused(world, lead, client,
                                                 django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks)
    client.post(f"/invitations/{token_in(last_mail_to('new.nurse@mercy.test'))}/")

    response = signup(client, "someone.else@mercy.test")

    assert response.status_code == 200
    assert "new.nurse@mercy.test" in str(response.context["form"].errors["email"])
    assert not User.objects.filter(email="someone.else@mercy.test").exists()
    assert not Membership.objects.filter(user__email="someone.else@mercy.test").exists()
    assert Invitation.objects.get().status == InvitationStatus.PENDING
    assert "_auth_user_id" not in client.session


def test_sign_up_after_the_invitation_was_revoked_is_closed(
        world, lead, client, django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    client.post(f"/invitations/{token_in(last_mail_to(invitation.email))}/")
    lead.post(f"/hospital/invitations/{invitation.public_id}/revoke/")

    response = signup(client, invitation.email)

    assert response.status_code == 200
    assert "Sign-up is by invitation only" in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


# --- Accepting: someone who already has an account ---------------------------------------


def test_existing_user_signs_in_then_accepts(world, lead, client, client_for,
                                             django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks, email=world.other_staff.email,
           role=HospitalRole.STAFF, job_title="physician")
    token = token_in(last_mail_to(world.other_staff.email))
    url = f"/invitations/{token}/"

    # Signed out: asked to sign in, and the sign-in link comes back here.
    anonymous = client.get(url)
    assert anonymous.status_code == 200
    sign_in_url = urlsplit(anonymous.context["sign_in_url"])
    assert sign_in_url.path == reverse("account_login")
    assert parse_qs(sign_in_url.query) == {"next": [url]}
    assert "invitation_token" not in client.session
    # Signing in through that link comes back to the invitation.
    signed_in = client.post(anonymous.context["sign_in_url"],
                            {"login": world.other_staff.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == url

    member = client_for(world.other_staff)
    page = member.get(url)
    assert page.status_code == 200
    assert "Join Mercy Test Hospital" in page.content.decode()
    assert not Membership.objects.filter(user=world.other_staff,
                                         hospital=world.hospital).exists()

    response = member.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    membership = Membership.objects.get(user=world.other_staff, hospital=world.hospital)
    assert membership.role == HospitalRole.STAFF
    assert membership.job_title == "physician"
    # The other membership is untouched, and the new hospital is the one acted for.
    assert Membership.objects.get(user=world.other_staff, hospital=world.other_hospital).is_active
    home = member.get(reverse("home"))
    assert home.context["membership"] == membership
    assert AuditEvent.objects.filter(action=AuditAction.ACCEPT, actor=world.other_staff,
                                     hospital=world.hospital).exists()
    assert member.post(url).status_code == 410


def test_signed_in_with_another_account_cannot_accept(world, lead, client_for,
                                                      django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks)
    url = f"/invitations/{token_in(last_mail_to('new.nurse@mercy.test'))}/"
    other = client_for(world.other_staff)

    assert other.get(url).status_code == 403
    assert other.post(url).status_code == 403
    assert Invitation.objects.get().status == InvitationStatus.PENDING
    assert not Membership.objects.filter(user=world.other_staff,
                                         hospital=world.hospital).exists()


def test_a_deactivated_member_invited_again_is_reactivated(world, lead, client_for,
                                                           django_capture_on_commit_callbacks):
    membership = Membership.objects.get(user=world.staff)
    lead.post(f"/hospital/members/{membership.public_id}/deactivate/")
    invite(lead, django_capture_on_commit_callbacks, email=world.staff.email,
           role=HospitalRole.SAFETY_LEAD, job_title="nurse")
    url = f"/invitations/{token_in(last_mail_to(world.staff.email))}/"

    assert client_for(world.staff).post(url).status_code == 302

    membership.refresh_from_db()
    assert membership.is_active
    assert membership.role == HospitalRole.SAFETY_LEAD
    assert membership.deactivated_at is None


def test_pso_staff_cannot_join_a_hospital(world, lead, client_for,
                                         django_capture_on_commit_callbacks):
    invite(lead, django_capture_on_commit_callbacks, email=world.facilitator.email)
    url = f"/invitations/{token_in(last_mail_to(world.facilitator.email))}/"

    response = client_for(world.facilitator).post(url)

    assert response.status_code == 409
    assert "PSO staff are not hospital members" in response.content.decode()
    assert not Membership.objects.filter(user=world.facilitator).exists()
    assert Invitation.objects.get().status == InvitationStatus.PENDING
    assert not AuditEvent.objects.filter(action=AuditAction.ACCEPT).exists()
