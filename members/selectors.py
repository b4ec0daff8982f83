"""Reads for hospitals, memberships and invitations. Each takes the viewer or its hospital."""

import functools
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
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
    memberships = cache_keys.fresh(cached if cached is not None else cache.get(key))
    if memberships is None:
        memberships = list(
            Membership.objects.active()
            .filter(user=user)
            .select_related("hospital")
            .prefetch_related("hospital__contracts")
            .order_by("hospital__name")
        )
        cache_keys.remember(key, memberships)
    today = timezone.localdate()
    for membership in memberships:
        # The signed-in user is already loaded: My reports and the services use it from here.
        membership.user = user
        hospital = membership.hospital
        hospital.has_active_contract = any(
            contract.is_active_on(today) for contract in hospital.contracts.all())
    return memberships


@functools.cache
def _home_facts_sql() -> str:
    from django.apps import apps

    from actions.models import OPEN_STATUSES

    from .models import Membership

    action_model = apps.get_model("actions", "ActionItem")
    quote = connection.ops.quote_name

    def column(model, name):
        return quote(model._meta.get_field(name).column)

    def table(model):
        return quote(model._meta.db_table)

    return (
        f"SELECT (SELECT COUNT(*) FROM {table(Membership)} m "
        f"WHERE m.{column(Membership, 'hospital')} = %s AND m.{column(Membership, 'is_active')}),"
        f" EXISTS (SELECT 1 FROM {table(Invitation)} i "
        f"WHERE i.{column(Invitation, 'hospital')} = %s "
        f"AND i.{column(Invitation, 'accepted_at')} IS NULL "
        f"AND i.{column(Invitation, 'revoked_at')} IS NULL "
        f"AND i.{column(Invitation, 'expires_at')} > %s),"
        f" EXISTS (SELECT 1 FROM {table(action_model)} a "
        f"WHERE a.{column(action_model, 'hospital')} = %s "
        f"AND a.{column(action_model, 'owner')} = %s "
        f"AND a.{column(action_model, 'status')} IN ({', '.join(['%s'] * len(OPEN_STATUSES))}))")


def home_facts(*, membership) -> dict:
    """What a member's home page needs to know before reading any list, in one plain SQL
    query (the ORM took longer to build its three than the database takes to answer them):
    the hospital's active members, whether it has pending invitations (as
    `Invitation.objects.pending()`), and whether the member owns open actions there. The
    lists are then read only when they have rows."""
    from actions.models import OPEN_STATUSES

    hospital_id, now = membership.hospital_id, timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_home_facts_sql(), [
            hospital_id, hospital_id, connection.ops.adapt_datetimefield_value(now),
            hospital_id, membership.user_id, *(str(status) for status in OPEN_STATUSES)])
        members, invitations, actions = cursor.fetchone()
    return {"member_count": members, "has_pending_invitations": bool(invitations),
            "has_open_actions": bool(actions), "now": now}


def which_have_rows(querysets: dict) -> dict[str, bool]:
    """For each named queryset, whether it has a row: all in one statement (a page of several
    short lists, most of them empty, then reads only the lists that have rows)."""
    from django.core.exceptions import EmptyResultSet

    found, parts, params = {}, [], []
    for name, queryset in querysets.items():
        try:
            sql, more = queryset.order_by().values("pk")[:1].query.sql_with_params()
        except EmptyResultSet:  # QuerySet.none(), or a filter no row can match
            found[name] = False
            continue
        found[name] = None
        parts.append(f"EXISTS ({sql})")
        params.extend(more)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = iter(cursor.fetchone())
        for name, value in found.items():
            if value is None:
                found[name] = bool(next(row))
    return found


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
