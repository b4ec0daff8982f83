"""Writes on learning collaboratives: charter, calendar, enrolment, team members, skills."""

from django.db import IntegrityError, transaction

from .models import Team, TeamPeerCode, random_peer_code


def assign_peer_code(team: Team) -> TeamPeerCode:
    """Give an enrolled team its random code in the collaborative (kept if it has one).

    The code comes from the system's random source only: nothing about the team (id, name,
    order of enrolment) goes into it. A clash with another team's code draws again.
    """
    existing = TeamPeerCode.objects.filter(team=team).first()
    if existing is not None:
        return existing
    for _ in range(50):
        try:
            with transaction.atomic():
                return TeamPeerCode.objects.create(team=team,
                                                   collaborative_id=team.collaborative_id,
                                                   code=random_peer_code())
        except IntegrityError:
            continue
    raise RuntimeError("Could not draw a free peer code.")
