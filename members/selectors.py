"""Reads for hospitals, memberships and invitations. Each takes the viewer or its hospital."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import cache as cache_keys
from .models import Contract, ContractStatus, Hospital, HospitalStatus, Invitation, Membership
from .roles import HospitalRole


def memberships_for_user(*, user, cached: list[Membership] | None = None) -> list[Membership]:
    """The user's active memberships, each hospital carrying its contracts and whether one is
    in force today (`has_active_contract`).

    Read on every signed-in page, so the rows come from the cache (members/cache.py) and only
    the date test runs each time: a contract that ends tonight stops access tomorrow morning
    without anything being written. PSO staff are never hospital members (the invitation
    service refuses them), so nothing is looked up for them. `cached`: what the cache held,
    when the caller already asked it (request.acting asks for several entries at once).
    """
    if user.pso_role:
        return []
    key = cache_keys.memberships_key(user.pk)
    memberships = cached if cached is not None else cache.get(key)
    if memberships is None:
        memberships = list(
            Membership.objects.active()
            .filter(user=user)
            .select_related("hospital")
            .prefetch_related("hospital__contracts")
            .order_by("hospital__name")
        )
        cache.set(key, memberships, cache_keys.TIMEOUT)
    today = timezone.localdate()
    for membership in memberships:
        # The signed-in user is already loaded: My reports and the services use it from here.
        membership.user = user
        hospital = membership.hospital
        hospital.has_active_contract = any(
            contract.is_active_on(today) for contract in hospital.contracts.all())
    return memberships


def hospital_members(*, hospital):
    return (
        Membership.objects.filter(hospital=hospital)
        .select_related("user")
        .order_by("-is_active", "user__full_name", "user__email")
    )


def hospital_open_invitations(*, hospital):
    return Invitation.objects.open().filter(hospital=hospital).select_related("invited_by")


def safety_leads(*, hospital):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        is_active=True,
        memberships__hospital=hospital,
        memberships__is_active=True,
        memberships__role=HospitalRole.SAFETY_LEAD,
    )


def coordinators():
    from django.contrib.auth import get_user_model

    from .roles import PsoRole

    return get_user_model().objects.filter(is_active=True, pso_role=PsoRole.COORDINATOR)


def applications_waiting():
    """Applicants with no contract recorded: a contract that starts later is a decision made."""
    return (Hospital.objects.filter(status=HospitalStatus.APPLICANT, contracts__isnull=True)
            .order_by("applied_at"))


def contracts_expiring(*, within_days: int | None = None):
    today = timezone.localdate()
    within_days = within_days or settings.CONTRACT_EXPIRING_DAYS
    return (
        Contract.objects.active_on(today)
        .filter(expires_on__lte=today + timedelta(days=within_days))
        .select_related("hospital")
        .order_by("expires_on")
    )


def contract_status_counts() -> dict[str, int]:
    today = timezone.localdate()
    return {
        status: Contract.objects.with_status(status, today).count()
        for status in ContractStatus.values
    }
