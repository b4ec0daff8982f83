"""Invitation squatting: an address with a pending invitation belongs to the person invited.
A second address exists only while changing one's own address."""

from allauth.account.models import EmailAddress
from django.urls import reverse

from .test_auth import post_login
from .test_invitations import invite

INVITEE = "new.nurse@mercy.test"


def add_email(client, email):
    return client.post(reverse("account_email"), {"action_add": "", "email": email})


def test_nobody_can_claim_an_address_with_a_pending_invitation(
        world, client_for, client, django_capture_on_commit_callbacks):
    invite(client_for(world.lead), django_capture_on_commit_callbacks)
    post_login(client, world.other_staff.email)

    response = add_email(client, INVITEE.upper())

    assert response.status_code == 200
    assert "pending invitation" in response.content.decode()
    assert not EmailAddress.objects.filter(email__iexact=INVITEE).exists()


def test_a_claim_made_before_the_invitation_gives_way_to_the_invitee(
        world, client_for, client, django_capture_on_commit_callbacks):
    squatter = world.other_staff
    post_login(client, squatter.email)
    add_email(client, INVITEE)
    assert EmailAddress.objects.filter(user=squatter, email=INVITEE, verified=False).exists()

    invite(client_for(world.lead), django_capture_on_commit_callbacks)

    assert not EmailAddress.objects.filter(user=squatter, email=INVITEE).exists()
    # Nothing is left that a confirmation link could attach to the squatter.
    assert not EmailAddress.objects.filter(email__iexact=INVITEE).exists()


def test_a_second_address_is_only_a_change_of_address(world, client):
    post_login(client, world.staff.email)
    add_email(client, "first.try@mercy.test")
    add_email(client, "second.try@mercy.test")
    unconfirmed = EmailAddress.objects.filter(user=world.staff, verified=False)
    assert list(unconfirmed.values_list("email", flat=True)) == ["second.try@mercy.test"]


def test_the_invitee_signs_up_after_a_squatter_s_claim_is_removed(
        world, client_for, client, django_capture_on_commit_callbacks):
    from django.test import Client

    from members.models import Membership

    from .test_invitations import last_mail_to, signup, token_in

    post_login(client, world.other_staff.email)
    add_email(client, INVITEE)
    invite(client_for(world.lead), django_capture_on_commit_callbacks)

    invitee = Client()
    invitee.post(f"/invitations/{token_in(last_mail_to(INVITEE))}/")
    response = signup(invitee, INVITEE)

    assert response.status_code == 302, response.content.decode()[:3000]
    membership = Membership.objects.get(user__email=INVITEE)
    assert membership.hospital == world.hospital
    assert EmailAddress.objects.get(email=INVITEE).user == membership.user
