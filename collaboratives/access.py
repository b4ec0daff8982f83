"""Fetch a session (or a nomination) for the viewer, or answer 404.

Who may see a session is computed from the session itself: its facilitators, coordinators
(`sessions.all`), the safety lead of an invited hospital, the attendees the hospital named, and
the session's guest experts until their access ends. Hospital connections count only through the
hospital the user is acting for, and only while its contract is in force. Everyone else gets
404, whether the session exists or not; a miss on a session that exists is audited.
"""

from dataclasses import dataclass

from django.db.models import BooleanField, Exists, OuterRef, Q, Value
from django.http import Http404
from django.utils import timezone

from chpso_portal.audit.services import audit_denied
from members.roles import Scope

from . import grants
from .models import (
    Attendee,
    CollaborativeSession,
    Guest,
    Nomination,
    ParticipationStatus,
    SessionHospital,
)

NO = Value(False, output_field=BooleanField())


@dataclass
class SessionRole:
    """How the viewer is connected to one session."""

    facilitates: bool = False
    sees_all: bool = False
    is_lead: bool = False
    is_attendee: bool = False
    is_guest: bool = False
    invitation: SessionHospital | None = None  # the acting hospital's, for its lead or attendee

    @property
    def manages(self) -> bool:
        return self.facilitates or self.sees_all

    @property
    def may_attest(self) -> bool:
        """Participants who accept the ground rules and may then open the case materials."""
        return self.facilitates or self.is_attendee or self.is_guest


def _hospital_membership(request):
    """The acting membership, if its hospital's contract is in force today."""
    membership = request.acting.membership
    if membership is None or not membership.hospital.has_active_contract:
        return None
    return membership


def _annotated_sessions(request):
    """Sessions annotated with each way the viewer may be connected to them."""
    user = request.user
    today = timezone.localdate()
    through = CollaborativeSession.facilitators.through
    facilitates = (Scope.SESSIONS_FACILITATE in user.pso_scopes)
    annotations = {
        "_facilitates": Exists(through.objects.filter(
            collaborativesession_id=OuterRef("pk"), user_id=user.pk)) if facilitates else NO,
        # Guests are people outside member hospitals: a member of a hospital (whatever its
        # contract says) takes part only through their hospital, never as a guest.
        "_guest": Exists(Guest.objects.filter(session_id=OuterRef("pk"), user_id=user.pk,
                                              access_until__gte=today))
        if not request.acting.memberships else NO,
    }
    membership = _hospital_membership(request)
    lead = membership is not None and Scope.SESSIONS_PARTICIPATE in membership.scopes
    attends = membership is not None and Scope.SESSIONS_ATTEND in membership.scopes
    annotations["_lead"] = Exists(SessionHospital.objects.filter(
        session_id=OuterRef("pk"), hospital_id=membership.hospital_id)) if lead else NO
    annotations["_attends"] = Exists(Attendee.objects.filter(
        session_hospital__session_id=OuterRef("pk"), membership_id=membership.pk,
        session_hospital__status=ParticipationStatus.ACCEPTED)) if attends else NO
    return CollaborativeSession.objects.annotate(**annotations)


def sessions_for_viewer(request):
    """Every session the viewer may see, newest first."""
    sessions = _annotated_sessions(request)
    if Scope.SESSIONS_ALL in request.user.pso_scopes:
        return sessions
    return sessions.filter(Q(_facilitates=True) | Q(_guest=True) | Q(_lead=True)
                           | Q(_attends=True))


def _deny(request, public_id, model=CollaborativeSession):
    if model.objects.filter(public_id=public_id).exists():
        audit_denied(actor=request.user,
                     summary=f"{model._meta.verbose_name} not visible to this user: "
                             f"{request.path}")
    raise Http404


def session_for_viewer(request, public_id) -> tuple[CollaborativeSession, SessionRole]:
    session = sessions_for_viewer(request).filter(public_id=public_id).first()
    if session is None:
        _deny(request, public_id)
    role = SessionRole(
        facilitates=session._facilitates,
        sees_all=Scope.SESSIONS_ALL in request.user.pso_scopes,
        is_lead=session._lead,
        is_attendee=session._attends,
        is_guest=session._guest,
    )
    if role.is_lead or role.is_attendee:
        role.invitation = session.hospitals.filter(
            hospital_id=request.acting.membership.hospital_id).first()
    return session, role


def session_for_facilitator(request, public_id) -> CollaborativeSession:
    """A session the viewer facilitates; coordinators reach every session."""
    sessions = CollaborativeSession.objects.filter(public_id=public_id)
    if Scope.SESSIONS_ALL not in request.user.pso_scopes:
        sessions = sessions.filter(facilitators=request.user)
    session = sessions.first()
    if session is None:
        _deny(request, public_id)
    return session


def session_for_hospital(request, public_id) -> tuple[CollaborativeSession, SessionHospital]:
    """A session the acting hospital is invited to, with its invitation, for the hospital's
    lead (the `hospital` rule has checked the scope and the contract already)."""
    invitation = (SessionHospital.objects.filter(session__public_id=public_id,
                                                 hospital=request.hospital)
                  .select_related("session", "hospital").first())
    if invitation is None:
        _deny(request, public_id)
    return invitation.session, invitation


def nomination_for_facilitator(request, public_id) -> Nomination:
    nominations = Nomination.objects.filter(public_id=public_id)
    if Scope.SESSIONS_ALL not in request.user.pso_scopes:
        nominations = nominations.filter(session__facilitators=request.user)
    nomination = nominations.select_related("session", "session_hospital__hospital").first()
    if nomination is None:
        _deny(request, public_id, Nomination)
    return nomination


def may_open_materials(user, session) -> bool:
    return grants.user_may_open_materials(user, session)
