"""Who may open a session's case materials: derived from the domain, synced into guardian."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from collaboratives import grants, services, tasks
from collaboratives.models import Attestation
from members import services as member_services
from members.models import Membership

from .test_rules import end_contract, join, make_session, membership, today

PERM = "collaboratives.view_materials"


def holders(session):
    return set(grants.materials_group(session).user_set.values_list("email", flat=True))


def sessions_for(user):
    return set(get_objects_for_user(user, PERM, accept_global_perms=False))


@pytest.fixture
def session(world):
    session = make_session(world.facilitator)
    join(session, world.hospital, world.lead, world.facilitator, attendees=[world.staff])
    join(session, world.other_hospital, world.other_lead, world.facilitator)
    return session


def attest(session, user):
    return services.attestation_accept(session=session, user=user)


def test_an_attendee_has_no_access_before_attesting_and_has_it_after(world, session):
    assert not grants.user_may_open_materials(world.lead, session)
    assert sessions_for(world.lead) == set()

    attest(session, world.lead)

    assert grants.user_may_open_materials(world.lead, session)
    assert sessions_for(world.lead) == {session}
    assert world.lead.email in holders(session)


def test_the_attestation_records_the_text_version(world, session):
    from collaboratives.rules import attestation_version

    attestation = attest(session, world.lead)

    assert attestation.text_version == attestation_version()
    assert attest(session, world.lead) == attestation  # accepting twice is one attestation


def test_a_member_of_an_invited_hospital_who_is_not_an_attendee_has_no_access(world, session):
    with pytest.raises(ValidationError, match="named attendees"):
        attest(session, world.other_staff)

    assert not Attestation.objects.filter(user=world.other_staff).exists()
    assert not grants.user_may_open_materials(world.other_staff, session)
    assert sessions_for(world.other_staff) == set()


def test_people_of_hospitals_not_invited_and_outsiders_have_no_access(world, session):
    for user in (world.expired_lead, world.outsider):
        with pytest.raises(ValidationError):
            attest(session, user)
        assert not grants.user_may_open_materials(user, session)


def test_an_invited_hospital_that_has_not_accepted_gives_no_access(world):
    session = make_session(world.facilitator)
    services.session_invite_hospitals(session=session, hospitals=[world.hospital],
                                      actor=world.facilitator)

    with pytest.raises(ValidationError):
        attest(session, world.lead)


def test_a_guest_has_access_to_their_session_only(world, session):
    other = make_session(world.facilitator, title="Falls microcollaborative")
    guest = services.session_invite_guest(session=session, email="hf@expert.test",
                                          full_name="Human Factors", expertise="Human factors",
                                          actor=world.facilitator)
    with pytest.raises(ValidationError):
        attest(other, guest.user)
    attest(session, guest.user)

    assert grants.user_may_open_materials(guest.user, session)
    assert not grants.user_may_open_materials(guest.user, other)
    assert sessions_for(guest.user) == {session}
    assert guest.access_until == session.date + timedelta(days=30)


def test_a_guest_loses_access_thirty_days_after_the_session(world, session):
    guest = services.session_invite_guest(session=session, email="hf@expert.test",
                                          full_name="Human Factors", expertise="",
                                          actor=world.facilitator)
    attest(session, guest.user)

    grants.sync_session(session, today=session.date + timedelta(days=30))
    assert guest.user.email in holders(session)

    grants.sync_session(session, today=session.date + timedelta(days=31))
    assert guest.user.email not in holders(session)
    assert sessions_for(guest.user) == set()


def test_a_guest_is_refused_by_the_live_check_once_access_ends(world, session, time_machine):
    guest = services.session_invite_guest(session=session, email="hf@expert.test",
                                          full_name="Human Factors", expertise="",
                                          actor=world.facilitator)
    attest(session, guest.user)
    time_machine.move_to(timezone.make_aware(
        datetime.combine(session.date + timedelta(days=31), time(12, 0))))

    # The nightly sync has not run yet: the group still holds the guest, the facts do not.
    assert guest.user.email in holders(session)
    assert not grants.user_may_open_materials(guest.user, session)


def test_moving_the_session_moves_the_guests_access(world, session):
    guest = services.session_invite_guest(session=session, email="hf@expert.test",
                                          full_name="Human Factors", expertise="",
                                          actor=world.facilitator)
    later = session.date + timedelta(days=7)

    services.session_update(session=session, actor=world.facilitator, date=later)

    guest.refresh_from_db()
    assert guest.access_until == later + timedelta(days=30)


def test_a_lead_loses_access_when_the_contract_ends_even_before_the_nightly_sync(world,
                                                                                  session):
    attest(session, world.lead)
    attest(session, world.staff)
    end_contract(world.hospital, today())

    assert world.lead.email in holders(session)  # not synced yet
    assert not grants.user_may_open_materials(world.lead, session)
    assert not grants.user_may_open_materials(world.staff, session)

    tasks.nightly()

    assert holders(session) == set()
    assert sessions_for(world.lead) == set()


def test_a_contract_ending_before_the_session_date_removes_access_now(world, session):
    attest(session, world.lead)
    end_contract(world.hospital, session.date - timedelta(days=1))

    assert not grants.user_may_open_materials(world.lead, session)
    grants.sync_session(session)
    assert world.lead.email not in holders(session)


def test_an_attendee_loses_access_when_the_membership_is_deactivated(world, session):
    attest(session, world.staff)
    staff_membership = membership(world.staff, world.hospital)

    member_services.membership_deactivate(membership=staff_membership, actor=world.lead)

    # Deactivation re-syncs the sessions the member takes part in at once.
    assert not grants.user_may_open_materials(world.staff, session)
    assert world.staff.email not in holders(session)


def test_the_nightly_task_removes_group_membership(world, session):
    attest(session, world.lead)
    attest(session, world.other_lead)
    Membership.objects.filter(user=world.other_lead).update(is_active=False)

    result = tasks.nightly()

    assert result["sessions_synced"] >= 1
    assert holders(session) == {world.lead.email}


def test_other_hospitals_attendees_keep_access_when_one_contract_ends(world, session):
    attest(session, world.lead)
    attest(session, world.other_lead)
    end_contract(world.other_hospital, today())

    grants.sync_session(session)

    assert holders(session) == {world.lead.email}
    assert grants.user_may_open_materials(world.lead, session)


def test_facilitators_have_access_once_they_attest(world, session):
    assert not grants.user_may_open_materials(world.facilitator, session)

    attest(session, world.facilitator)

    assert grants.user_may_open_materials(world.facilitator, session)


def test_a_coordinator_who_does_not_facilitate_gets_no_access(world, session):
    with pytest.raises(ValidationError):
        attest(session, world.coordinator)

    assert not grants.user_may_open_materials(world.coordinator, session)
    assert sessions_for(world.coordinator) == set()


def test_a_coordinator_added_as_facilitator_gets_access_after_attesting(world, session):
    services.session_add_facilitator(session=session, user=world.coordinator,
                                     actor=world.facilitator)
    attest(session, world.coordinator)

    assert grants.user_may_open_materials(world.coordinator, session)


def test_a_facilitator_who_leaves_the_pso_loses_access(world, session):
    attest(session, world.facilitator)

    member_services.pso_role_set(user=world.facilitator, role="", actor=world.coordinator)

    assert not grants.user_may_open_materials(world.facilitator, session)
    grants.sync_session(session)
    assert world.facilitator.email not in holders(session)


def test_hospital_users_never_get_model_level_permissions(world, session):
    other = make_session(world.facilitator, title="Falls microcollaborative")
    join(other, world.other_hospital, world.other_lead, world.facilitator)
    attest(session, world.lead)
    attest(other, world.other_lead)

    for user in (world.lead, world.other_lead, world.staff):
        fresh = type(user).objects.get(pk=user.pk)  # no cached permissions
        assert not fresh.has_perm(PERM)
        assert PERM not in fresh.get_all_permissions()
    assert sessions_for(world.lead) == {session}
    assert sessions_for(world.other_lead) == {other}
    assert sessions_for(world.staff) == set()


def test_the_permission_is_held_by_the_sessions_group_not_by_users(world, session):
    from guardian.shortcuts import get_users_with_perms

    attest(session, world.lead)

    assert set(get_users_with_perms(session, only_with_perms_in=["view_materials"],
                                    with_group_users=False)) == set()
    assert world.lead in get_users_with_perms(session, only_with_perms_in=["view_materials"])


def test_an_anonymous_visitor_may_not_open_materials(world, session):
    from django.contrib.auth.models import AnonymousUser

    assert not grants.user_may_open_materials(AnonymousUser(), session)
