"""Fetch a learning collaborative or a team for the viewer, or answer 404 (or 403).

Who is inside a collaborative is computed from the data: its faculty, coordinators (who charter
every collaborative), and the active members of its enrolled teams. A team member counts only
while their hospital membership is active and their hospital's contract is in force today (a
patient or family partner has no membership; their team's hospital's contract still counts), so
a lapsed contract takes the team out without anyone clicking. Everyone else gets 404, whether
the object exists or not; a miss on an object that exists is audited.

Inside, the page decides by place: the shared pages are for everyone inside; a team's working
pages (its data, PDSA log, skills) are for that team's members other than its patient partner
and for faculty; another team's working pages are 404 to a team member.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from chpso_portal.audit.services import audit_denied
from members.models import Contract
from members.roles import Scope

from .models import LearningCollaborative, Team, TeamMember, TeamStatus


@dataclass
class Place:
    """How the viewer stands in one collaborative."""

    collaborative: LearningCollaborative
    charters: bool = False  # a coordinator: every collaborative
    is_faculty: bool = False
    member: TeamMember | None = None  # the viewer's place on an enrolled team, if any

    @property
    def coaches(self) -> bool:
        return self.charters or self.is_faculty

    @property
    def team(self) -> Team | None:
        return self.member.team if self.member else None

    @property
    def team_id(self):
        return self.member.team_id if self.member else None

    @property
    def is_partner(self) -> bool:
        return bool(self.member and self.member.is_patient_partner)

    @property
    def works_on_team(self) -> bool:
        return self.member is not None and not self.member.is_patient_partner

    @property
    def leads_team(self) -> bool:
        return self.member is not None and self.member.manages_team

    def may_work_on(self, team: Team) -> bool:
        return self.coaches or (self.works_on_team and self.member.team_id == team.pk)


def live_team_members(user, today=None):
    """The user's places on enrolled teams that count today (one query when evaluated)."""
    today = today or timezone.localdate()
    contract_in_force = Contract.objects.active_on(today).filter(
        hospital_id=OuterRef("team__hospital_id"))
    return (TeamMember.objects.active()
            .filter(user=user, team__status=TeamStatus.ENROLLED)
            .filter(Q(membership__isnull=True) | Q(membership__is_active=True))
            .filter(Exists(contract_in_force))
            .select_related("team__hospital", "team__collaborative"))


def _deny(request, model, public_id):
    if model.objects.filter(public_id=public_id).exists():
        audit_denied(actor=request.user,
                     summary=f"{model._meta.verbose_name} not visible to this user: "
                             f"{request.path}")
    raise Http404


def place_in(request, collaborative: LearningCollaborative) -> Place | None:
    user = request.user
    place = Place(collaborative=collaborative,
                  charters=Scope.COLLABORATIVES_CHARTER in user.pso_scopes)
    if Scope.COLLABORATIVES_COACH in user.pso_scopes:
        place.is_faculty = collaborative.faculty.filter(pk=user.pk).exists()
    place.member = live_team_members(user).filter(team__collaborative=collaborative).first()
    if not (place.coaches or place.member):
        return None
    return place


def collaborative_for_viewer(request, public_id, *, audience: str = "member"
                             ) -> tuple[LearningCollaborative, Place]:
    """The collaborative and the viewer's place; `audience` "member" (everyone inside),
    "working" (not a patient partner) or "faculty"."""
    collaborative = LearningCollaborative.objects.filter(public_id=public_id).first()
    place = place_in(request, collaborative) if collaborative is not None else None
    if place is None:
        _deny(request, LearningCollaborative, public_id)
    if audience == "faculty" and not place.coaches:
        audit_denied(actor=request.user, summary=f"Faculty page of a collaborative: "
                                                 f"{request.path}")
        raise PermissionDenied("This page is for the collaborative's faculty.")
    if audience == "working" and not (place.coaches or place.works_on_team):
        audit_denied(actor=request.user, summary=f"Team page for a partner: {request.path}")
        raise Http404
    return collaborative, place


def _check_need(request, team, place: Place, need: str) -> None:
    """`need`: "see" (the team or faculty), "work" (the team's own members: entering data),
    "lead" (the team's lead or day-to-day lead), "coach" (faculty)."""
    own = place.member is not None and place.member.team_id == team.pk
    allowed = {"see": True, "work": own, "lead": own and place.leads_team,
               "coach": place.coaches}[need]
    if not allowed:
        audit_denied(actor=request.user, hospital=team.hospital,
                     summary=f"Team page not for this place ({need}): {request.path}")
        raise PermissionDenied("Your place in the collaborative does not allow this.")


def team_for_viewer(request, public_id, *, need: str = "see") -> tuple[Team, Place]:
    """A team's pages: that team's members (not its patient partner) and faculty; anyone else
    gets 404. `need` narrows it further (403), see _check_need."""
    team = (Team.objects.filter(public_id=public_id)
            .select_related("collaborative", "hospital").first())
    place = place_in(request, team.collaborative) if team is not None else None
    if place is None or not place.may_work_on(team):
        _deny(request, Team, public_id)
    _check_need(request, team, place, need)
    return team, place


def object_of_team(request, model, public_id, *, need: str = "see", related=()):
    """An object that belongs to a team (a PDSA cycle, a monthly report, a team member), for
    the same people as the team's pages."""
    obj = (model.objects.filter(public_id=public_id)
           .select_related("team__collaborative", "team__hospital", *related).first())
    place = place_in(request, obj.team.collaborative) if obj is not None else None
    if place is None or not place.may_work_on(obj.team):
        _deny(request, model, public_id)
    _check_need(request, obj.team, place, need)
    return obj, place
