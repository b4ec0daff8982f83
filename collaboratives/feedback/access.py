"""Who may see a team's charts and a collaborative's comparisons. Everyone else gets 404.

- A team's own members: active team members acting for the team's hospital, whose contract
  is in force. A patient or family partner reaches only the collaborative's shared pages
  (TEAM_WORKING_ROLES), not the team's data.
- The collaborative's faculty, and PSO staff who see every programme (coordinators).
A member of another team reaches a comparison of its own collaborative (seeing the others as
codes), never another team's charts.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.http import Http404

from chpso_portal.audit.services import audit_denied
from collaboratives.measures.models import Measure
from collaboratives.programmes.models import (
    TEAM_WORKING_ROLES,
    LearningCollaborative,
    Team,
    TeamMember,
    TeamPeerCode,
    TeamStatus,
)
from members.models import Hospital
from members.roles import Scope

from ..rows import columns as _columns
from ..rows import split as _split
from ..rows import table as _table
from ..rows import uuid as _uuid
from .selectors import TEAM_VERSION_COLUMNS, team_version_of, team_version_sql

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


# The two pages' own access reads are plain SQL built from the models' metadata: read on every
# view, and the ORM took longer to compile them than the database took to answer. They read
# the same rows, under the same conditions, as the ORM queries they stand for (`_own_places`).


def _team_with(team, collaborative, hospital, peer_code):
    """The team as `select_related("collaborative", "hospital", "peer_code")` gives it."""
    Team._meta.get_field("collaborative").set_cached_value(team, collaborative)
    Team._meta.get_field("hospital").set_cached_value(team, hospital)
    if peer_code is not None:
        Team._meta.get_field("peer_code").set_cached_value(team, peer_code)
        TeamPeerCode._meta.get_field("team").set_cached_value(peer_code, team)
    return team


def _place_conditions(request, membership, team_alias):
    """`_own_places_anywhere` for one team (`team_alias`), as SQL conditions on a team member
    `m` joined to its user `u`, with their parameters."""
    roles = sorted(TEAM_WORKING_ROLES)
    sql = (f"m.team_id = {team_alias}.id AND m.removed_at IS NULL AND u.is_active = %s "
           f"AND m.user_id = %s AND {team_alias}.status = %s "
           f"AND {team_alias}.hospital_id = %s "
           f"AND m.role IN ({', '.join(['%s'] * len(roles))})")
    return sql, [True, request.user.pk, TeamStatus.ENROLLED, membership.hospital_id, *roles]


def _own_team_with_team(request, public_id, membership):
    """The enrolled team with `public_id` (with its collaborative, hospital and peer code),
    whether it is the viewer's own, and the version of its charts (kept on the team as
    `charts_version`), in one query; (None, False) when there is no such team."""
    places, place_params = _place_conditions(request, membership, "t")
    members, users = _table(TeamMember), _table(get_user_model())
    sql = (f"SELECT {_columns(Team, 't')}, {_columns(LearningCollaborative, 'c')}, "
           f"{_columns(Hospital, 'h')}, {_columns(TeamPeerCode, 'p')}, "
           f"{team_version_sql('t')}, "
           f"EXISTS (SELECT 1 FROM {members} m INNER JOIN {users} u ON u.id = m.user_id "
           f"WHERE {places}) "
           f"FROM {_table(Team)} t "
           f"INNER JOIN {_table(LearningCollaborative)} c ON c.id = t.collaborative_id "
           f"INNER JOIN {_table(Hospital)} h ON h.id = t.hospital_id "
           f"LEFT OUTER JOIN {_table(TeamPeerCode)} p ON p.team_id = t.id "
           f"WHERE t.public_id = %s AND t.status = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*place_params, _uuid(Team, public_id), TeamStatus.ENROLLED])
        row = cursor.fetchone()
    if row is None:
        return None, False
    version = row[-1 - TEAM_VERSION_COLUMNS:-1]
    team, collaborative, hospital, peer_code = _split(
        row[:-1 - TEAM_VERSION_COLUMNS], (Team, "t"), (LearningCollaborative, "c"),
        (Hospital, "h"), (TeamPeerCode, "p"))
    team.charts_version = team_version_of(version)
    return _team_with(team, collaborative, hospital, peer_code), bool(row[-1])


def _measure_with_own_team(request, collaborative_id, measure_id, membership):
    """The active measure (with its collaborative) and the viewer's own team in its
    collaborative as `own_team` finds it (with its hospital and peer code), in one query;
    (None, None) when there is no such measure."""
    places, place_params = _place_conditions(request, membership, "t2")
    members, users = _table(TeamMember), _table(get_user_model())
    sql = (f"SELECT {_columns(Measure, 'ms')}, {_columns(LearningCollaborative, 'c')}, "
           f"{_columns(Team, 't')}, {_columns(Hospital, 'h')}, {_columns(TeamPeerCode, 'p')} "
           f"FROM {_table(Measure)} ms "
           f"INNER JOIN {_table(LearningCollaborative)} c ON c.id = ms.collaborative_id "
           f"LEFT OUTER JOIN {_table(Team)} t ON t.id = ("
           f"SELECT m.team_id FROM {members} m INNER JOIN {users} u ON u.id = m.user_id "
           f"INNER JOIN {_table(Team)} t2 ON t2.id = m.team_id "
           f"WHERE t2.collaborative_id = c.id AND {places} "
           f"ORDER BY m.added_at ASC, m.id ASC LIMIT 1) "
           f"LEFT OUTER JOIN {_table(Hospital)} h ON h.id = t.hospital_id "
           f"LEFT OUTER JOIN {_table(TeamPeerCode)} p ON p.team_id = t.id "
           f"WHERE ms.public_id = %s AND c.public_id = %s AND ms.is_active = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*place_params, _uuid(Measure, measure_id),
                             _uuid(LearningCollaborative, collaborative_id), True])
        row = cursor.fetchone()
    if row is None:
        return None, None
    measure, collaborative, team, hospital, peer_code = _split(
        row, (Measure, "ms"), (LearningCollaborative, "c"), (Team, "t"), (Hospital, "h"),
        (TeamPeerCode, "p"))
    Measure._meta.get_field("collaborative").set_cached_value(measure, collaborative)
    if team is not None:
        team = _team_with(team, collaborative, hospital, peer_code)
    return measure, team


def _deny(request, summary):
    audit_denied(actor=request.user, summary=f"{summary}: {request.path}")
    raise Http404


def team_for_viewer(request, public_id) -> tuple[Team, Viewer]:
    own = None
    if not request.user.pso_scopes:
        # Someone who is not PSO staff reaches only their own team: whether it is theirs is
        # read in the same query as the team, as the data stand now.
        membership = request.acting.membership
        if membership is not None and membership.hospital.has_active_contract:
            team, own = _own_team_with_team(request, public_id, membership)
            if team is None:
                raise Http404
            if not own:
                _deny(request, "Team charts not visible to this user")
            return team, Viewer(team=team, pso=False)
        own = False
    team = (Team.objects.filter(public_id=public_id, status=TeamStatus.ENROLLED)
            .select_related("collaborative", "hospital", "peer_code").first())
    if team is None:
        raise Http404
    if own is None:
        if _is_pso(request.user, team.collaborative):
            return team, Viewer(team=None, pso=True)
        own = _is_own_team(request, team)
    if not own:
        _deny(request, "Team charts not visible to this user")
    return team, Viewer(team=team, pso=False)


def measure_for_viewer(request, collaborative_id, measure_id) -> tuple[Measure, Viewer]:
    membership = request.acting.membership
    if (not request.user.pso_scopes and membership is not None
            and membership.hospital.has_active_contract):
        # Not PSO staff (so not faculty): the measure and the viewer's own team in one query.
        measure, mine = _measure_with_own_team(request, collaborative_id, measure_id,
                                               membership)
        if measure is None:
            raise Http404
        if mine is None:
            _deny(request, "Comparison not visible to this user")
        return measure, Viewer(team=mine, pso=False)
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
