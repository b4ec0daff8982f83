"""A deactivated member can be brought back; ending a contract in the admin is confirmed
(issue 13, item 3)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditAction, AuditEvent
from members import services
from members.models import Contract, Membership

from .test_contracts import pdf_upload


def reactivate_url(membership):
    return reverse("member-reactivate", args=[membership.public_id])


@pytest.fixture
def staff_membership(world):
    return Membership.objects.get(user=world.staff, hospital=world.hospital)


def test_a_deactivated_member_is_reactivated_with_the_same_role(world, client_for,
                                                                 staff_membership):
    services.membership_deactivate(membership=staff_membership, actor=world.lead)
    client = client_for(world.lead)
    listing = client.get(reverse("member-list")).content.decode()
    assert reactivate_url(staff_membership) in listing
    response = client.post(reactivate_url(staff_membership), follow=True)
    assert "is active again" in response.content.decode()
    staff_membership.refresh_from_db()
    assert staff_membership.is_active and staff_membership.deactivated_at is None
    assert AuditEvent.objects.filter(action=AuditAction.ACTIVATE,
                                     summary=f"Reactivated {world.staff.email}").exists()
    # The member reaches the hospital's pages again.
    assert client_for(world.staff).get(reverse("my-reports")).status_code == 200


def test_reactivating_is_for_the_hospitals_managers(world, client_for, staff_membership):
    services.membership_deactivate(membership=staff_membership, actor=world.lead)
    assert client_for(world.other_lead).post(reactivate_url(staff_membership)).status_code == 404
    assert client_for(world.staff).post(reactivate_url(staff_membership)).status_code in (
        302, 403)
    assert client_for(world.lead).get(reactivate_url(staff_membership)).status_code == 405
    staff_membership.refresh_from_db()
    assert not staff_membership.is_active


def test_an_active_member_is_not_reactivated(world, client_for, staff_membership):
    response = client_for(world.lead).post(reactivate_url(staff_membership), follow=True)
    assert "This member is active." in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.ACTIVATE,
                                         summary__startswith="Reactivated").exists()


def termination_form(contract, **overrides):
    data = {
        "hospital": contract.hospital.pk,
        "signed_on": contract.signed_on.isoformat(),
        "effective_on": contract.effective_on.isoformat(),
        "expires_on": contract.expires_on.isoformat(),
        "signed_by_name": contract.signed_by_name or "Alex Morgan",
        "signed_by_title": contract.signed_by_title or "Chief Executive Officer",
        "document": pdf_upload(),
        "terminated_on": timezone.localdate().isoformat(),
        "termination_reason": "The hospital left the PSO.",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_ending_a_contract_in_the_admin_needs_a_confirmation(world, client_for):
    contract = Contract.objects.filter(hospital=world.hospital).first()
    client = client_for(world.coordinator)
    url = reverse("admin:members_contract_change", args=[contract.pk])
    response = client.post(url, termination_form(contract))
    assert response.status_code == 200
    assert "Tick the box to confirm" in response.content.decode()
    contract.refresh_from_db()
    assert contract.terminated_on is None

    response = client.post(url, termination_form(contract, confirm_termination="on"))
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.terminated_on == timezone.localdate()


def test_a_contract_saved_without_ending_it_needs_no_confirmation(world, client_for):
    contract = Contract.objects.filter(hospital=world.hospital).first()
    url = reverse("admin:members_contract_change", args=[contract.pk])
    response = client_for(world.coordinator).post(url, termination_form(
        contract, terminated_on="", termination_reason="",
        expires_on=(contract.expires_on + timedelta(days=30)).isoformat()))
    assert response.status_code == 302
