"""Ground rule 1 through the guest path: guests are people outside member hospitals."""

import pytest
from django.core.exceptions import ValidationError

from collaboratives import grants, services
from collaboratives.models import Guest
from members.roles import HospitalRole
from tests.factories import MembershipFactory

from .test_rules import make_session
from .test_views import PARTICIPANT_VIEWS, url


@pytest.mark.parametrize("who", ["other_staff", "other_lead", "expired_staff", "expired_lead",
                                 "staff"])
def test_a_member_of_any_hospital_cannot_be_invited_as_a_guest(world, who):
    session = make_session(world.facilitator)
    person = getattr(world, who)
    with pytest.raises(ValidationError, match="member of a hospital"):
        services.session_invite_guest(session=session, email=person.email.upper(),
                                      full_name="", expertise="", actor=world.facilitator)
    assert not Guest.objects.exists()


def test_the_invite_guest_page_refuses_a_member(world, client_for):
    session = make_session(world.facilitator)
    response = client_for(world.facilitator).post(url("session-invite-guest", session), {
        "email": world.expired_staff.email, "full_name": "Someone", "expertise": ""})
    assert response.status_code == 200
    assert "member of a hospital" in response.content.decode()
    assert not Guest.objects.exists()


def test_a_guest_who_joins_a_hospital_loses_guest_access(world, client_for):
    session = make_session(world.facilitator)
    guest = services.session_invite_guest(session=session, email="hf@expert.test",
                                          full_name="Harper Quill", expertise="",
                                          actor=world.facilitator)
    services.attestation_accept(session=session, user=guest.user)
    client = client_for(guest.user)
    assert client.get(url("session-detail", session)).status_code == 200
    # Later the expert joins a hospital whose contract has expired.
    MembershipFactory(hospital=world.expired_hospital, user=guest.user,
                      role=HospitalRole.STAFF)
    for name in PARTICIPANT_VIEWS:
        assert client.get(url(name, session)).status_code == 404, name
    assert guest.user.pk not in grants.eligible_user_ids(session)
