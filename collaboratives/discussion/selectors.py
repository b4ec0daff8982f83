"""How an author appears in the discussion area: with their hospital only where the charter
names teams (programmes.selectors.teams_named); in a blinded collaborative, by the team's code."""

from ..programmes.selectors import peer_code_label, teams_named


def author_label(*, author, team, collaborative, place) -> str:
    if team is None:
        return f"{author.display_name} (faculty)"
    if place.coaches or teams_named(collaborative):
        return f"{author.display_name}, {team.hospital.name}"
    if team.pk == place.team_id:
        return "You" if author.pk == place.member.user_id else "Your team"
    return f"A member of {peer_code_label(team)}"
