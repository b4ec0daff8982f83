"""Helpers that fetch one hospital's objects for the acting member, or answer 404.

Objects are looked up *through* the member's hospital, so "not yours" and "not there" give the
same answer. A miss on an object that exists in another hospital is written to the audit log.
"""

from django.http import Http404

from chpso_portal.audit.services import audit_denied

from .models import Invitation, Membership


def _in_hospital_or_404(model, *, request, public_id):
    hospital = request.membership.hospital
    obj = model.objects.filter(hospital=hospital, public_id=public_id).select_related(
        *(["user"] if model is Membership else [])
    ).first()
    if obj is None:
        if model.objects.filter(public_id=public_id).exists():
            audit_denied(
                actor=request.user, hospital=hospital,
                summary=f"{model._meta.verbose_name} of another hospital: {request.path}",
            )
        raise Http404
    return obj


def membership_for_manager(request, public_id) -> Membership:
    return _in_hospital_or_404(Membership, request=request, public_id=public_id)


def invitation_for_manager(request, public_id) -> Invitation:
    return _in_hospital_or_404(Invitation, request=request, public_id=public_id)
