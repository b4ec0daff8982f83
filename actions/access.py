"""Fetch one action for the viewer, or answer 404.

Actions are looked up inside the acting member's hospital. Its owner and those who manage the
hospital's actions reach an action; anyone else (another member, another hospital) gets 404, and
a miss on an action that exists is written to the audit log as a denial.
"""

from django.http import Http404

from chpso_portal.audit.services import audit_denied
from members.roles import Scope

from .models import ActionItem


def can_manage(membership) -> bool:
    return membership is not None and Scope.ACTIONS_MANAGE in membership.scopes


def action_for_member(request, public_id) -> ActionItem:
    action = (
        ActionItem.objects.filter(hospital=request.hospital, public_id=public_id)
        .select_related("owner", "report", "lesson", "hospital")
        .first()
    )
    if action is None or not (action.owner_id == request.user.pk
                              or can_manage(request.membership)):
        if ActionItem.objects.filter(public_id=public_id).exists():
            audit_denied(actor=request.user, hospital=request.hospital,
                         summary=f"Action not visible to this user: {request.path}")
        raise Http404
    return action
