"""Every write about hospitals, contracts, members and invitations.

Keyword-only, take the acting user, run in a transaction, write the audit row and queue
notifications that go out after commit.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.notifications import kinds
from chpso_portal.notifications.services import notify, queue_email
from chpso_portal.text import day, day_and_time, shorten

from . import selectors
from .models import (
    Contract,
    ContractStatus,
    Hospital,
    HospitalStatus,
    Invitation,
    InvitationStatus,
    Membership,
    User,
)
from .roles import ADMIN_GROUP_PERMISSIONS, HospitalRole, PsoRole

# --- Applications ------------------------------------------------------------------------


@transaction.atomic
def hospital_apply(*, name, city, state, ccn, bed_size, contact_name, contact_title,
                   contact_email) -> Hospital:
    hospital = Hospital(
        name=name.strip(), city=city.strip(), state=state, ccn=ccn or None, bed_size=bed_size,
        contact_name=contact_name.strip(), contact_title=contact_title.strip(),
        contact_email=contact_email.lower(),
    )
    hospital.full_clean()
    hospital.save()
    audit_record(actor=None, action=AuditAction.CREATE, obj=hospital, hospital=hospital,
                 summary=f"Application received from {hospital.name}")
    notify(
        kind=kinds.APPLICATION_RECEIVED,
        event_key=f"hospital:{hospital.pk}:applied",
        recipients=selectors.coordinators(),
        title=f"New application: {hospital.name} ({hospital.city}, {hospital.state})",
        body=f"{hospital.contact_name} ({hospital.contact_title}) applied for "
             f"{hospital.name}. Record the signed PSO contract in the admin to activate it.",
        link=reverse("admin:members_hospital_change", args=[hospital.pk]),
    )
    return hospital


HOSPITAL_ADMIN_FIELDS = ["name", "city", "state", "ccn", "bed_size", "contact_name",
                         "contact_title", "contact_email"]


def _changes(before: dict, obj, fields) -> dict:
    return {name: {"from": str(before.get(name) if before.get(name) is not None else ""),
                   "to": str(getattr(obj, name) if getattr(obj, name) is not None else "")}
            for name in fields if before.get(name) != getattr(obj, name)}


@transaction.atomic
def hospital_admin_save(*, hospital: Hospital, actor: User) -> Hospital:
    """A coordinator's edit of a hospital in the admin, audited with the values before and
    after (the contact email receives the invitation to become the hospital's lead)."""
    adding = hospital._state.adding
    before = {} if adding else (
        Hospital.objects.filter(pk=hospital.pk).values(*HOSPITAL_ADMIN_FIELDS).first() or {})
    hospital.save()
    changes = _changes(before, hospital, HOSPITAL_ADMIN_FIELDS)
    if adding or changes:
        audit_record(actor=actor, action=AuditAction.CREATE if adding else AuditAction.UPDATE,
                     obj=hospital, hospital=hospital,
                     summary=f"{'Added' if adding else 'Changed'} hospital {hospital.name} in "
                             f"the admin: {', '.join(changes) or 'new'}",
                     detail={"changes": changes})
    return hospital


USER_ADMIN_FIELDS = ["email", "full_name", "is_active"]


@transaction.atomic
def user_admin_save(*, user: User, actor: User) -> User:
    """An admin's edit of a user (not the PSO role: pso_role_set), audited before and after."""
    adding = user._state.adding
    before = {} if adding else (
        User.objects.filter(pk=user.pk).values(*USER_ADMIN_FIELDS).first() or {})
    user.save()
    changes = _changes(before, user, USER_ADMIN_FIELDS)
    if adding or changes:
        audit_record(actor=actor, action=AuditAction.CREATE if adding else AuditAction.UPDATE,
                     obj=user,
                     summary=f"Admin {'added' if adding else 'changed'} user {user.email}: "
                             f"{', '.join(changes) or 'new'}",
                     detail={"changes": changes})
    return user


# --- Contracts ---------------------------------------------------------------------------


@transaction.atomic
def contract_save(*, contract: Contract, actor: User, changed: list[str] | None = None) -> Contract:
    """Record a new contract or a change to one (from the admin), then sync the hospital."""
    adding = contract._state.adding
    if adding:
        contract.created_by = actor
    contract.full_clean()
    contract.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if adding else AuditAction.UPDATE,
        obj=contract,
        hospital=contract.hospital,
        summary=("Recorded" if adding else "Changed")
        + f" PSO contract for {contract.hospital.name}",
        detail={"changed": changed or [], "status": contract.status},
    )
    hospital_sync_contract(hospital=contract.hospital, actor=actor)
    _resync_session_grants(hospital=contract.hospital)
    return contract


def _resync_session_grants(*, user=None, hospital=None) -> None:
    """Session access derives from memberships and contracts: bring it up to date now rather
    than at the nightly reconcile (the live check already refuses in between)."""
    from collaboratives import grants

    if user is not None:
        grants.sync_for_user(user)
    if hospital is not None:
        grants.sync_for_hospital(hospital)


@transaction.atomic
def hospital_decline(*, hospital: Hospital, actor: User) -> Hospital:
    """Decline an application: only an applicant with no contract recorded."""
    hospital = Hospital.objects.select_for_update().get(pk=hospital.pk)
    if hospital.status != HospitalStatus.APPLICANT or hospital.contracts.exists():
        raise ValidationError(f"{hospital.name} is not an application waiting for a decision.")
    hospital.status = HospitalStatus.DECLINED
    hospital.save(update_fields=["status"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=hospital, hospital=hospital,
                 summary=f"Declined the application of {hospital.name}")
    return hospital


@transaction.atomic
def hospital_sync_contract(*, hospital: Hospital, actor: User | None = None,
                           today=None) -> Hospital:
    """Bring what is derived from a hospital's contracts up to date. Safe to run any time."""
    hospital = Hospital.objects.select_for_update().get(pk=hospital.pk)
    today = today or timezone.localdate()
    active = hospital.contracts.active_on(today).exists()
    if active and hospital.status == HospitalStatus.APPLICANT:
        hospital.status = HospitalStatus.ACTIVE
        hospital.activated_at = timezone.now()
        hospital.save(update_fields=["status", "activated_at"])
        audit_record(actor=actor, action=AuditAction.ACTIVATE, obj=hospital, hospital=hospital,
                     summary=f"{hospital.name} became a member: first contract active")
        invitation_create(
            hospital=hospital, email=hospital.contact_email, role=HospitalRole.SAFETY_LEAD,
            job_title="quality", invited_by=None,
        )
        notify(
            kind=kinds.HOSPITAL_ACTIVATED,
            event_key=f"hospital:{hospital.pk}:activated",
            recipients=selectors.coordinators(),
            title=f"{hospital.name} is now an active member",
            body=f"{hospital.contact_name} was invited to create the safety lead account.",
        )
    return hospital


def _contract_recipients(contract: Contract):
    return list(selectors.coordinators()) + list(selectors.safety_leads(hospital=contract.hospital))


def contracts_send_reminders(*, today=None) -> int:
    """Expiry reminders at 60, 30 and 7 days, and one notice when a contract ends.

    Each reminder has its own event key, so running this twice a day sends nothing twice;
    a contract recorded with 20 days left gets only the 30-day reminder, not the 60-day one.
    """
    today = today or timezone.localdate()
    sent = 0
    horizon = today + timedelta(days=max(settings.CONTRACT_REMINDER_DAYS))
    for contract in (
        Contract.objects.active_on(today).filter(expires_on__lte=horizon).select_related("hospital")
    ):
        days_left = contract.days_left(today)
        threshold = min(d for d in settings.CONTRACT_REMINDER_DAYS if d >= days_left)
        with transaction.atomic():
            sent += len(notify(
                kind=kinds.CONTRACT_EXPIRING,
                event_key=f"contract:{contract.pk}:expiring:{threshold}",
                recipients=_contract_recipients(contract),
                title=f"PSO contract for {shorten(contract.hospital.name, 120)} ends in "
                      f"{days_left} days",
                body=f"The contract ends on {day(contract.expires_on)}. Without a new "
                     "contract the hospital's members lose access to the portal the next day.",
            ))
    recently = today - timedelta(days=30)
    ended = (
        Contract.objects.filter(expires_on__lt=today, expires_on__gte=recently)
        | Contract.objects.filter(terminated_on__lte=today, terminated_on__gte=recently)
    ).select_related("hospital")
    for contract in ended:
        if contract.hospital.contracts.active_on(today).exists():
            continue  # renewed: nobody needs to be alarmed
        with transaction.atomic():
            status = contract.status_on(today)
            sent += len(notify(
                kind=kinds.CONTRACT_EXPIRED,
                event_key=f"contract:{contract.pk}:ended",
                recipients=_contract_recipients(contract),
                title=f"PSO contract for {shorten(contract.hospital.name, 120)} has "
                      + ("been terminated" if status == ContractStatus.TERMINATED else "expired"),
                body="The hospital's members can no longer reach the portal until a new "
                     "contract is active.",
            ))
    return sent


def contracts_reconcile(*, today=None) -> dict[str, int]:
    """The nightly pass: activate hospitals whose contract began, send reminders."""
    today = today or timezone.localdate()
    activated = 0
    for hospital in Hospital.objects.filter(status=HospitalStatus.APPLICANT).filter(
        pk__in=Contract.objects.active_on(today).values("hospital_id")
    ):
        hospital_sync_contract(hospital=hospital, today=today)
        activated += 1
    return {"activated": activated, "notified": contracts_send_reminders(today=today)}


# --- Invitations -------------------------------------------------------------------------


def _send_invitation(invitation: Invitation, token: str) -> None:
    link = settings.SITE_URL + reverse("invitation-accept", args=[token])
    inviter = invitation.invited_by.display_name if invitation.invited_by else settings.PSO_NAME
    queue_email(
        kind=kinds.ACCOUNT_INVITATION,
        event_key=f"invitation:{invitation.pk}:send:{invitation.send_count}",
        to_address=invitation.email,
        subject=f"Invitation to the PSO portal for {invitation.hospital.name}",
        body=(
            f"{inviter} invited you to join {invitation.hospital.name} on the {settings.PSO_NAME} "
            f"portal as {invitation.get_role_display().lower()}.\n\n"
            f"Create your account here (the link works until "
            f"{day_and_time(invitation.expires_at)} "
            f"{timezone.localtime(invitation.expires_at):%Z}):\n{link}\n\n"
            "If you did not expect this email you can ignore it.\n"
        ),
    )


def release_unproven_claims(*, email: str, keep_user=None) -> int:
    """Remove other accounts' unconfirmed claims on an address that is being given to its owner
    (an invitation sent to it): they never proved it was theirs, and a pending claim would
    stall the invitee's sign-up or let a confirmation attach the address to someone else."""
    from allauth.account.models import EmailAddress

    claims = EmailAddress.objects.filter(email__iexact=email, verified=False)
    if keep_user is not None:
        claims = claims.exclude(user=keep_user)
    claims = list(claims.select_related("user"))
    for claim in claims:
        audit_record(actor=None, action=AuditAction.REVOKE, object_type="account.emailaddress",
                     object_id=str(claim.pk),
                     summary=f"Unconfirmed address {claim.email} removed from {claim.user.email}: "
                             "it was invited",
                     detail={"user": claim.user.email, "email": claim.email})
        claim.delete()
    return len(claims)


@transaction.atomic
def invitation_create(*, hospital: Hospital, email: str, role: str, job_title: str,
                      invited_by: User | None) -> Invitation:
    email = email.strip().lower()
    if Membership.objects.filter(hospital=hospital, user__email__iexact=email,
                                 is_active=True).exists():
        raise ValidationError({"email": "This person is already a member of the hospital."})
    existing = Invitation.objects.open().filter(hospital=hospital, email__iexact=email).first()
    if existing is not None:
        if existing.status == InvitationStatus.PENDING:
            raise ValidationError(
                {"email": "This address already has a pending invitation. Resend it instead."}
            )
        existing.revoked_at = timezone.now()  # expired: make way for the new one
        existing.save(update_fields=["revoked_at"])
    release_unproven_claims(email=email,
                            keep_user=User.objects.filter(email__iexact=email).first())
    invitation = Invitation(hospital=hospital, email=email, role=role, job_title=job_title,
                            invited_by=invited_by)
    token = invitation.new_token()
    invitation.full_clean()
    invitation.save()
    audit_record(actor=invited_by, action=AuditAction.INVITE, obj=invitation, hospital=hospital,
                 summary=f"Invited {email} as {invitation.get_role_display()}")
    _send_invitation(invitation, token)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    if invitation.status not in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
        raise ValidationError("Only a pending or expired invitation can be sent again.")
    token = invitation.new_token()
    invitation.send_count += 1
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["token_hash", "expires_at", "send_count", "sent_at"])
    audit_record(actor=actor, action=AuditAction.INVITE, obj=invitation,
                 hospital=invitation.hospital, summary=f"Resent invitation to {invitation.email}")
    _send_invitation(invitation, token)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError("This invitation is already closed.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action=AuditAction.REVOKE, obj=invitation,
                 hospital=invitation.hospital, summary=f"Revoked invitation to {invitation.email}")
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(f"This invitation is {invitation.get_status_display().lower()}.")
    if invitation.email.lower() != user.email.lower():
        raise ValidationError("This invitation was sent to another email address.")
    if user.pso_role:
        raise ValidationError("PSO staff are not hospital members; this account cannot join "
                              "a hospital.")
    membership, _ = Membership.objects.update_or_create(
        hospital=invitation.hospital, user=user,
        defaults={"role": invitation.role, "job_title": invitation.job_title,
                  "is_active": True, "deactivated_at": None, "joined_at": timezone.now()},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(actor=user, action=AuditAction.ACCEPT, obj=invitation,
                 hospital=invitation.hospital,
                 summary=f"Joined {invitation.hospital.name} as {membership.get_role_display()}")
    return membership


# --- Memberships -------------------------------------------------------------------------


def _other_active_leads(membership: Membership) -> bool:
    return (
        Membership.objects.active()
        .filter(hospital=membership.hospital, role=HospitalRole.SAFETY_LEAD)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_update(*, membership: Membership, role: str, job_title: str,
                      actor: User) -> Membership:
    if role not in HospitalRole.values:
        raise ValidationError({"role": "Choose staff or safety lead."})
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if (membership.role == HospitalRole.SAFETY_LEAD and role != HospitalRole.SAFETY_LEAD
            and not _other_active_leads(membership)):
        raise ValidationError(
            {"role": "The hospital needs at least one safety lead. Make someone else safety "
                     "lead first."}
        )
    old_role = membership.role
    membership.role = role
    membership.job_title = job_title
    membership.save(update_fields=["role", "job_title"])
    if old_role != role:
        audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, obj=membership,
                     hospital=membership.hospital,
                     summary=f"{membership.user.email}: {old_role} -> {role}",
                     detail={"from": old_role, "to": role})
    return membership


def user_end_sessions(*, user: User) -> int:
    from allauth.usersessions.models import UserSession

    ended = 0
    for session in UserSession.objects.filter(user=user):
        session.end()
        ended += 1
    return ended


@transaction.atomic
def membership_deactivate(*, membership: Membership, actor: User) -> Membership:
    membership = Membership.objects.select_for_update().select_related("user").get(
        pk=membership.pk
    )
    if not membership.is_active:
        raise ValidationError("This member is already deactivated.")
    if membership.role == HospitalRole.SAFETY_LEAD and not _other_active_leads(membership):
        raise ValidationError(
            "The hospital needs at least one safety lead. Make someone else safety lead first."
        )
    membership.is_active = False
    membership.deactivated_at = timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at"])
    ended = user_end_sessions(user=membership.user)
    _resync_session_grants(user=membership.user)
    audit_record(actor=actor, action=AuditAction.DEACTIVATE, obj=membership,
                 hospital=membership.hospital,
                 summary=f"Deactivated {membership.user.email}; {ended} session(s) ended")
    return membership


@transaction.atomic
def membership_reactivate(*, membership: Membership, actor: User) -> Membership:
    """Undo a deactivation: the same person, role and job title, without a new invitation."""
    membership = Membership.objects.select_for_update().select_related("user").get(
        pk=membership.pk
    )
    if membership.is_active:
        raise ValidationError("This member is active.")
    if membership.user.pso_role:
        raise ValidationError("This person is now PSO staff; PSO staff are not hospital members.")
    if not membership.user.is_active:
        raise ValidationError("This person's account is closed; send a new invitation instead.")
    membership.is_active = True
    membership.deactivated_at = None
    membership.save(update_fields=["is_active", "deactivated_at"])
    _resync_session_grants(user=membership.user)
    audit_record(actor=actor, action=AuditAction.ACTIVATE, obj=membership,
                 hospital=membership.hospital,
                 summary=f"Reactivated {membership.user.email}")
    return membership


# --- PSO staff ---------------------------------------------------------------------------


@transaction.atomic
def pso_role_set(*, user: User, role: str, actor: User | None) -> User:
    """Give a user a PSO role (or none) and the admin access that role carries."""
    if role and role not in PsoRole.values:
        raise ValidationError("Unknown PSO role.")
    if role and user.memberships.filter(is_active=True).exists():
        raise ValidationError(
            "PSO staff are not hospital members; deactivate the membership first."
        )
    old = user.pso_role
    user.pso_role = role
    user.is_staff = role in ADMIN_GROUP_PERMISSIONS
    user.save(update_fields=["pso_role", "is_staff"])
    for group_role, codenames in ADMIN_GROUP_PERMISSIONS.items():
        group = _admin_group(group_role, codenames)
        if role == group_role:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    if old != role:
        audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, obj=user,
                     summary=f"PSO role of {user.email}: {old or 'none'} -> {role or 'none'}",
                     detail={"from": old, "to": role})
    return user


def _admin_group(role: str, codenames: list[str]) -> Group:
    group, _ = Group.objects.get_or_create(name=f"PSO {PsoRole(role).label}")
    perms = []
    for dotted in codenames:
        app_label, codename = dotted.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    group.permissions.set(perms)
    return group
