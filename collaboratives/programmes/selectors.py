"""Reads about learning collaboratives that several screens share.

`teams_named` is the one place that decides whether teams see each other's hospital names; every
page, notification, post and comparison asks it (or `team_label`, built on it).
"""

from .models import LearningCollaborative, Team, TeamPeerCode, TeamStatus


def teams_named(collaborative: LearningCollaborative) -> bool:
    """Whether the charter names teams to each other. Blinded unless the charter says so."""
    return bool(collaborative.teams_named)


def team_label(team: Team, *, collaborative: LearningCollaborative, viewer_team_id=None,
               faculty: bool = False) -> str:
    """How `team` is named to a viewer: its hospital where names are shown (or to faculty, or to
    the team itself), otherwise its peer code. Expects `hospital` and `peer_code` fetched with
    the team (select_related) so that a list costs no extra query."""
    if faculty or team.pk == viewer_team_id or teams_named(collaborative):
        return team.hospital.name
    return peer_code_label(team)


def enrolled_team_labels(collaborative: LearningCollaborative, *, viewer_team_id=None,
                         faculty: bool = False) -> list[tuple[str, bool]]:
    """Every enrolled team of the collaborative as (label, is the viewer's), in the order of
    the labels, named as `team_label` names them. One plain SQL query of three columns, no
    instances: read on every view of the collaborative's page."""
    from django.db import connection

    from members.models import Hospital

    from ..rows import table

    named = faculty or teams_named(collaborative)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.id, h.name, p.code FROM {table(Team)} t "
            f"INNER JOIN {table(Hospital)} h ON h.id = t.hospital_id "
            f"LEFT OUTER JOIN {table(TeamPeerCode)} p ON p.team_id = t.id "
            f"WHERE t.collaborative_id = %s AND t.status = %s "
            f"ORDER BY t.collaborative_id ASC, t.created_at ASC, t.id ASC",
            [collaborative.pk, TeamStatus.ENROLLED])
        rows = cursor.fetchall()
    labels = []
    for pk, hospital_name, code in rows:
        own = pk == viewer_team_id
        labels.append((hospital_name if named or own else
                       f"Team {code if code is not None else '(no code yet)'}", own))
    labels.sort(key=lambda label: label[0])
    return labels


def peer_code_label(team: Team) -> str:
    try:
        code = team.peer_code.code
    except TeamPeerCode.DoesNotExist:
        code = "(no code yet)"
    return f"Team {code}"
