"""The admin tells the truth about hospitals and contracts, and lets a coordinator decline an
application and manage PSO staff (issue 13, item 6)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.admin import membership_state
from members.models import Contract, HospitalStatus, User
from members.roles import PsoRole
from members.selectors import applications_waiting
from tests.factories import ContractFactory, HospitalFactory, UserFactory

from .test_contracts import contract_form

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def state(hospital):
    return membership_state(hospital, list(hospital.contracts.all()))


def test_an_expired_contract_is_not_a_member(world):
    assert world.hospital.status == HospitalStatus.ACTIVE
    assert state(world.hospital) == "Member"
    assert state(world.expired_hospital).startswith("Not a member: contract expired")


def test_a_contract_starting_tomorrow_is_no_application_waiting(world):
    applicant = HospitalFactory(status=HospitalStatus.APPLICANT)
    assert applicant in applications_waiting()
    ContractFactory(hospital=applicant, signed_on=TODAY, effective_on=TODAY + timedelta(days=1))
    assert applicant not in applications_waiting()
    assert state(applicant) == f"Contract starts {TODAY + timedelta(days=1):%b %-d, %Y}"


def test_an_overlapping_contract_is_refused_with_a_message(world, client_for):
    response = client_for(world.coordinator).post(
        reverse("admin:members_contract_add"), contract_form(world.hospital))
    assert response.status_code == 200
    assert "already has a contract for these dates" in response.content.decode()
    assert world.hospital.contracts.count() == 1


def test_an_application_can_be_declined(world, client_for):
    applicant = HospitalFactory(status=HospitalStatus.APPLICANT)
    client_for(world.coordinator).post(reverse("admin:members_hospital_changelist"), {
        "action": "decline_applications", "_selected_action": [applicant.pk]})
    applicant.refresh_from_db()
    assert applicant.status == HospitalStatus.DECLINED
    assert applicant not in applications_waiting()
    # A member is not "declined" by mistake.
    client_for(world.coordinator).post(reverse("admin:members_hospital_changelist"), {
        "action": "decline_applications", "_selected_action": [world.hospital.pk]})
    world.hospital.refresh_from_db()
    assert world.hospital.status == HospitalStatus.ACTIVE


def test_the_hospital_page_shows_each_contracts_status(world, client_for):
    page = client_for(world.coordinator).get(
        reverse("admin:members_hospital_change", args=[world.expired_hospital.pk]))
    assert page.status_code == 200
    assert "Expired" in page.content.decode()


def test_a_coordinator_manages_pso_staff_but_cannot_make_a_superuser(world, client_for):
    client = client_for(world.coordinator)
    listing = client.get(reverse("admin:members_user_changelist"))
    assert listing.status_code == 200
    assert world.facilitator.email in listing.content.decode()
    assert world.staff.email not in listing.content.decode()
    root = UserFactory(email="root@pso.test", is_superuser=True, is_staff=True,
                       pso_role=PsoRole.COORDINATOR)
    assert client.get(reverse("admin:members_user_change", args=[root.pk])).status_code in (
        302, 404)
    url = reverse("admin:members_user_change", args=[world.facilitator.pk])
    response = client.post(url, {"email": world.facilitator.email, "full_name": "Fran F",
                                 "pso_role": PsoRole.FACILITATOR, "is_active": "on",
                                 "is_superuser": "on", "is_staff": "on"})
    assert response.status_code == 302
    world.facilitator.refresh_from_db()
    assert world.facilitator.full_name == "Fran F"
    assert not world.facilitator.is_superuser and not world.facilitator.is_staff
    assert not User.objects.filter(is_superuser=True).exclude(pk=root.pk).exists()
    assert Contract.objects.exists()
