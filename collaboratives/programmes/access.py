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

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from chpso_portal.audit.services import audit_denied
from members.models import Contract, Hospital, Membership
from members.roles import Scope

from ..rows import columns, split, table, uuid
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


def _live_member_sql(collaborative_column: str, user, today):
    """`live_team_members(user, today)` in the collaborative `collaborative_column`, as a
    subquery giving the id of the first such place (in `TeamMember`'s order), with its
    parameters."""
    members, users, teams = table(TeamMember), table(get_user_model()), table(Team)
    memberships, contracts = table(Membership), table(Contract)
    sql = (f"(SELECT lm.id FROM {members} lm INNER JOIN {users} lu ON lu.id = lm.user_id "
           f"INNER JOIN {teams} lt ON lt.id = lm.team_id "
           f"LEFT OUTER JOIN {memberships} lms ON lms.id = lm.membership_id "
           f"WHERE lm.user_id = %s AND lm.removed_at IS NULL AND lu.is_active = %s "
           f"AND lt.status = %s AND lt.collaborative_id = {collaborative_column} "
           f"AND (lm.membership_id IS NULL OR lms.is_active = %s) "
           f"AND EXISTS (SELECT 1 FROM {contracts} lk WHERE lk.hospital_id = lt.hospital_id "
           f"AND lk.effective_on <= %s AND (lk.expires_on IS NULL OR lk.expires_on >= %s) "
           f"AND (lk.terminated_on IS NULL OR lk.terminated_on > %s)) "
           f"ORDER BY lm.added_at ASC, lm.id ASC LIMIT 1)")
    return sql, [user.pk, True, TeamStatus.ENROLLED, True, today, today, today]


def _faculty_sql(collaborative_column: str, user):
    through = LearningCollaborative.faculty.through
    own = through._meta.get_field("learningcollaborative").column
    other = through._meta.get_field("user").column
    return (f"EXISTS (SELECT 1 FROM {table(through)} lf WHERE lf.{own} = "
            f"{collaborative_column} AND lf.{other} = %s)", [user.pk])


def _read_place(request, *, main_from, main_where, main_params, main_models,
                collaborative_column, extra=("", [])):
    """One query: the rows of `main_models` (`main_sql` is the FROM and WHERE), the viewer's
    place on an enrolled team of the collaborative (`live_team_members`, as the data stand
    now) with its team and hospital, whether the viewer is on the collaborative's faculty,
    and `extra` columns. Returns (instances, member, is_faculty listed, extra values), or
    None when the main row does not exist."""
    user = request.user
    live, live_params = _live_member_sql(
        collaborative_column, user,
        connection.ops.adapt_datefield_value(timezone.localdate()))
    faculty, faculty_params = _faculty_sql(collaborative_column, user)
    extra_sql, extra_params = extra
    select = ", ".join([columns(model, alias) for model, alias in main_models]
                       + [columns(TeamMember, "pm"), columns(Team, "pt"),
                          columns(Hospital, "ph"), faculty] + ([extra_sql] if extra_sql else []))
    sql = (f"SELECT {select} FROM {main_from} "
           f"LEFT OUTER JOIN {table(TeamMember)} pm ON pm.id = {live} "
           f"LEFT OUTER JOIN {table(Team)} pt ON pt.id = pm.team_id "
           f"LEFT OUTER JOIN {table(Hospital)} ph ON ph.id = pt.hospital_id "
           f"WHERE {main_where}")
    params = [*faculty_params, *extra_params, *live_params, *main_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    width = sum(len(model._meta.concrete_fields) for model, _ in main_models)
    width += sum(len(model._meta.concrete_fields) for model in (TeamMember, Team, Hospital))
    found = split(row[:width], *main_models, (TeamMember, "pm"), (Team, "pt"),
                  (Hospital, "ph"))
    *instances, member, team, hospital = found
    return instances, member, team, hospital, bool(row[width]), row[width + 1:]


def _place(request, collaborative, member, team, hospital, listed) -> Place | None:
    """The viewer's place, as `place_in` decides it, from what `_read_place` read."""
    user = request.user
    place = Place(collaborative=collaborative,
                  charters=Scope.COLLABORATIVES_CHARTER in user.pso_scopes)
    if Scope.COLLABORATIVES_COACH in user.pso_scopes:
        place.is_faculty = listed
    if member is not None:
        Team._meta.get_field("hospital").set_cached_value(team, hospital)
        Team._meta.get_field("collaborative").set_cached_value(team, collaborative)
        TeamMember._meta.get_field("team").set_cached_value(member, team)
        place.member = member
    if not (place.coaches or place.member):
        return None
    return place


def collaborative_and_place(request, public_id, *, extra=("", [])):
    """The collaborative, the viewer's place in it (None when they are outside) and the
    values of `extra` (SQL columns on the collaborative `c`, with their parameters), in one
    plain SQL query: read on every view of the collaborative's pages, where the ORM's three
    queries took longer to compile than to run. (None, None, ()) when there is no such
    collaborative."""
    found = _read_place(
        request, main_from=f"{table(LearningCollaborative)} c", main_where="c.public_id = %s",
        main_params=[uuid(LearningCollaborative, public_id)],
        main_models=[(LearningCollaborative, "c")], collaborative_column="c.id",
        extra=extra)
    if found is None:
        return None, None, ()
    (collaborative,), member, team, hospital, listed, values = found
    return collaborative, _place(request, collaborative, member, team, hospital,
                                 listed), values


def _check_audience(request, place: Place, audience: str) -> None:
    if audience == "faculty" and not place.coaches:
        audit_denied(actor=request.user, summary=f"Faculty page of a collaborative: "
                                                 f"{request.path}")
        raise PermissionDenied("This page is for the collaborative's faculty.")
    if audience == "working" and not (place.coaches or place.works_on_team):
        audit_denied(actor=request.user, summary=f"Team page for a partner: {request.path}")
        raise Http404


def collaborative_for_viewer(request, public_id, *, audience: str = "member", extra=None):
    """The collaborative and the viewer's place; `audience` "member" (everyone inside),
    "working" (not a patient partner) or "faculty". With `extra` (SQL columns on the
    collaborative `c` and their parameters), their values come third."""
    collaborative, place, values = collaborative_and_place(request, public_id,
                                                           extra=extra or ("", []))
    if place is None:
        _deny(request, LearningCollaborative, public_id)
    _check_audience(request, place, audience)
    if extra is not None:
        return collaborative, place, values
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


def team_for_viewer(request, public_id, *, need: str = "see", extra=None):
    """A team's pages: that team's members (not its patient partner) and faculty; anyone else
    gets 404. `need` narrows it further (403), see _check_need. The team (with its
    collaborative and hospital) and the viewer's place are read in one query; with `extra`
    (SQL columns on the team `t` and their parameters), their values come third."""
    found = _read_place(
        request, main_from=(f"{table(Team)} t INNER JOIN {table(LearningCollaborative)} c "
                            f"ON c.id = t.collaborative_id INNER JOIN {table(Hospital)} h "
                            f"ON h.id = t.hospital_id"),
        main_where="t.public_id = %s",
        main_params=[uuid(Team, public_id)],
        main_models=[(Team, "t"), (LearningCollaborative, "c"), (Hospital, "h")],
        collaborative_column="t.collaborative_id", extra=extra or ("", []))
    place = team = values = None
    if found is not None:
        (team, collaborative, hospital), member, own_team, own_hospital, listed, values = found
        Team._meta.get_field("collaborative").set_cached_value(team, collaborative)
        Team._meta.get_field("hospital").set_cached_value(team, hospital)
        place = _place(request, collaborative, member, own_team, own_hospital, listed)
    if place is None or not place.may_work_on(team):
        _deny(request, Team, public_id)
    _check_need(request, team, place, need)
    if extra is not None:
        return team, place, values
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
