"""Who may see a team's charts and a collaborative's comparisons. Everyone else gets 404.

- A team's own members: active team members acting for the team's hospital, whose contract
  is in force. A patient or family partner reaches only the collaborative's shared pages
  (TEAM_WORKING_ROLES), not the team's data.
- The collaborative's faculty, and PSO staff who see every programme (coordinators).
A member of another team reaches a comparison of its own collaborative (seeing the others as
codes), never another team's charts.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.http import Http404

from chpso_portal.audit.services import audit_denied
from collaboratives.measures.models import Measure
from collaboratives.programmes.models import (
    TEAM_WORKING_ROLES,
    LearningCollaborative,
    Team,
    TeamMember,
    TeamStatus,
)
from members.roles import Scope

PSO_ALL = Scope.SESSIONS_ALL  # coordinators: see every programme


@dataclass(frozen=True)
class Viewer:
    team: Team | None  # the viewer's own team in the collaborative, if any
    pso: bool  # faculty of the collaborative or a coordinator: sees names


def _is_pso(user, collaborative) -> bool:
    if PSO_ALL in user.pso_scopes:
        return True
    return bool(user.pso_scopes) and collaborative.faculty.filter(pk=user.pk).exists()


def _own_places(request, collaborative):
    """The viewer's places on an enrolled team of the collaborative, through the hospital they
    act for (contract in force), in a working role; None when they act for no such hospital."""
    places = _own_places_anywhere(request)
    return None if places is None else places.filter(team__collaborative=collaborative)


def _own_places_anywhere(request):
    """`_own_places` in every collaborative: the caller narrows it to one team."""
    membership = request.acting.membership
    if membership is None or not membership.hospital.has_active_contract:
        return None
    return (TeamMember.objects.active()
            .filter(user=request.user, team__status=TeamStatus.ENROLLED,
                    team__hospital=membership.hospital, role__in=TEAM_WORKING_ROLES))


def own_team(request, collaborative) -> Team | None:
    """The viewer's enrolled team in the collaborative, through the hospital they act for
    (contract in force), in a working role."""
    places = _own_places(request, collaborative)
    if places is None:
        return None
    found = places.select_related("team__hospital", "team__peer_code").first()
    return found.team if found is not None else None


def _is_own_team(request, team) -> bool:
    """Whether `team` is the viewer's own (as `own_team` decides), reading only ids."""
    places = _own_places(request, team.collaborative)
    return places is not None and places.filter(team_id=team.pk).exists()


def _deny(request, summary):
    audit_denied(actor=request.user, summary=f"{summary}: {request.path}")
    raise Http404


def team_for_viewer(request, public_id) -> tuple[Team, Viewer]:
    teams = (Team.objects.filter(public_id=public_id, status=TeamStatus.ENROLLED)
             .select_related("collaborative", "hospital", "peer_code"))
    own = None
    if not request.user.pso_scopes:
        # Someone who is not PSO staff reaches only their own team: whether it is theirs is
        # read in the same query as the team, as the data stand now.
        places = _own_places_anywhere(request)
        if places is None:
            own = False
        else:
            teams = teams.annotate(is_own=Exists(places.filter(team_id=OuterRef("pk"))))
    team = teams.first()
    if team is None:
        raise Http404
    if own is None and not request.user.pso_scopes:
        own = team.is_own
    elif own is None:
        if _is_pso(request.user, team.collaborative):
            return team, Viewer(team=None, pso=True)
        own = _is_own_team(request, team)
    if not own:
        _deny(request, "Team charts not visible to this user")
    return team, Viewer(team=team, pso=False)


def measure_for_viewer(request, collaborative_id, measure_id) -> tuple[Measure, Viewer]:
    measure = (Measure.objects.filter(public_id=measure_id, collaborative__public_id=
                                      collaborative_id, is_active=True)
               .select_related("collaborative").first())
    if measure is None:
        raise Http404
    if _is_pso(request.user, measure.collaborative):
        return measure, Viewer(team=None, pso=True)
    mine = own_team(request, measure.collaborative)
    if mine is None:
        _deny(request, "Comparison not visible to this user")
    return measure, Viewer(team=mine, pso=False)


def collaborative_for_pso(request, public_id) -> LearningCollaborative:
    collaborative = LearningCollaborative.objects.filter(public_id=public_id).first()
    if collaborative is None or not _is_pso(request.user, collaborative):
        raise Http404
    return collaborative
