"""Object permissions for sessions, derived from the domain and synced (DESIGN.md section 5).

Who may open a session's case materials is computed from participation (facilitator, named
attendee of an accepting hospital, invited guest), live eligibility (membership active,
contract in force on the session date and today, guest access not ended) and attestation.
The result is kept as the members of one django-guardian group per session, which holds the
`view_materials` permission on that session; revoking access is leaving the group. The sync
runs whenever one of those facts changes and nightly, to catch contracts that ended overnight.
"""

from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from members.models import Contract
from members.roles import PsoRole

from .models import Attendee, Attestation, CollaborativeSession, Guest, ParticipationStatus

PERMISSION = "collaboratives.view_materials"


def materials_group(session: CollaborativeSession) -> Group:
    group, created = Group.objects.get_or_create(name=f"session-{session.pk}-materials")
    if created:
        assign_perm("view_materials", group, session)
    return group


def eligible_user_ids(session: CollaborativeSession, today=None) -> set[int]:
    """Participants who may hold the permission once they have attested."""
    today = today or timezone.localdate()
    # A facilitator who is no longer PSO staff keeps no access to the sessions they ran.
    ids = set(session.facilitators.filter(
        is_active=True, pso_role__in=[PsoRole.FACILITATOR, PsoRole.COORDINATOR]
    ).values_list("pk", flat=True))
    invited = Contract.objects.filter(hospital__session_invitations__session=session)
    hospitals_in_force = set(
        invited.active_on(session.date).values_list("hospital_id", flat=True)
    ) & set(invited.active_on(today).values_list("hospital_id", flat=True))
    attendees = Attendee.objects.filter(
        session_hospital__session=session,
        session_hospital__status=ParticipationStatus.ACCEPTED,
        session_hospital__hospital_id__in=hospitals_in_force,
        membership__is_active=True,
        membership__user__is_active=True,
    ).values_list("membership__user_id", flat=True)
    ids |= set(attendees)
    ids |= set(
        Guest.objects.filter(session=session, access_until__gte=today, user__is_active=True)
        .exclude(user__memberships__is_active=True)  # members take part through their hospital
        .values_list("user_id", flat=True)
    )
    return ids


@transaction.atomic
def sync_session(session: CollaborativeSession, today=None) -> set[int]:
    attested = set(Attestation.objects.filter(session=session).values_list("user_id", flat=True))
    holders = eligible_user_ids(session, today) & attested
    materials_group(session).user_set.set(holders)
    return holders


def sync_all(today=None) -> int:
    count = 0
    for session in CollaborativeSession.objects.all().iterator():
        sync_session(session, today)
        count += 1
    return count


def user_may_open_materials(user, session: CollaborativeSession) -> bool:
    """The permission, checked against the live facts too: no window before the nightly sync."""
    if not user.is_authenticated:
        return False
    from guardian.core import ObjectPermissionChecker

    if not ObjectPermissionChecker(user).has_perm("view_materials", session):
        return False
    return user.pk in eligible_user_ids(session)


def sync_for_user(user, today=None) -> int:
    """Re-sync every session the user takes part in (after a membership change)."""
    sessions = CollaborativeSession.objects.filter(
        models.Q(hospitals__attendees__membership__user=user)
        | models.Q(guests__user=user)
        | models.Q(facilitators=user)
        | models.Q(attestations__user=user)
    ).distinct()
    for session in sessions:
        sync_session(session, today)
    return len(sessions)


def sync_for_hospital(hospital, today=None) -> int:
    """Re-sync every session the hospital is invited to (after a contract change)."""
    sessions = CollaborativeSession.objects.filter(hospitals__hospital=hospital).distinct()
    for session in sessions:
        sync_session(session, today)
    return len(sessions)
