"""Named people and hospitals every test can ask for (DESIGN.md section 10)."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone

from members import services
from members.roles import HospitalRole, PsoRole

from .factories import ContractFactory, HospitalFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached lookups must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def give_totp(user):
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


def make_pso(role, email):
    user = UserFactory(email=email)
    services.pso_role_set(user=user, role=role, actor=None)
    return give_totp(user)


@dataclass
class World:
    hospital: object
    other_hospital: object
    expired_hospital: object
    lead: object
    staff: object
    other_lead: object
    other_staff: object
    expired_lead: object
    expired_staff: object
    coordinator: object
    facilitator: object
    outsider: object

    def people(self):
        return {
            "anonymous": None,
            "staff": self.staff,
            "lead": self.lead,
            "other_hospital": self.other_lead,
            "expired_hospital": self.expired_lead,
            "facilitator": self.facilitator,
            "coordinator": self.coordinator,
            "outsider": self.outsider,
        }


@pytest.fixture
def world(db, tmp_path, settings):
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private")}}}
    today = timezone.localdate()
    hospital = ContractFactory(hospital__name="Mercy Test Hospital").hospital
    other = ContractFactory(hospital__name="Valley Test Hospital").hospital
    expired = ContractFactory(
        hospital__name="Coastal Test Hospital",
        signed_on=today - timedelta(days=800), effective_on=today - timedelta(days=800),
        expires_on=today - timedelta(days=1),
    ).hospital

    def member(h, role, email):
        user = MembershipFactory(hospital=h, role=role, user__email=email).user
        # Safety leads manage other people's roles: they have a second factor.
        return give_totp(user) if role == HospitalRole.SAFETY_LEAD else user

    return World(
        hospital=hospital,
        other_hospital=other,
        expired_hospital=expired,
        lead=member(hospital, HospitalRole.SAFETY_LEAD, "lead@mercy.test"),
        staff=member(hospital, HospitalRole.STAFF, "nurse@mercy.test"),
        other_lead=member(other, HospitalRole.SAFETY_LEAD, "lead@valley.test"),
        other_staff=member(other, HospitalRole.STAFF, "nurse@valley.test"),
        expired_lead=member(expired, HospitalRole.SAFETY_LEAD, "lead@coastal.test"),
        expired_staff=member(expired, HospitalRole.STAFF, "nurse@coastal.test"),
        coordinator=make_pso(PsoRole.COORDINATOR, "coordinator@pso.test"),
        facilitator=make_pso(PsoRole.FACILITATOR, "facilitator@pso.test"),
        outsider=UserFactory(email="expert@outside.test"),
    )


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client signed in as that user (or anonymous for None)."""
    from django.test import Client

    def make(user):
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture
def hospital_factory(db):
    return HospitalFactory
