"""A team's charts and a funnel plot are cached as rendered HTML: keyed on whose view it is
(one team, or the PSO) and on the data version, so a cached fragment never shows one team's
view to another, and a new month, a marked change or a choice to be named shows at once."""

import re

from django.urls import reverse

from .feedback_world import build_world, submit
from .test_feedback import compare_url, team_url


def test_each_team_sees_its_own_funnel_whoever_drew_it_first(world, client_for):
    collaborative, (mine, theirs, *_) = build_world(world)
    url = compare_url(collaborative, "bundle", month="2026-06")
    for _ in range(2):  # the second time round, every view comes from the cache
        own = client_for(world.lead).get(url).content.decode()
        other = client_for(world.other_lead).get(url).content.decode()
        pso = client_for(world.coordinator).get(url).content.decode()
        assert world.hospital.name in own and world.other_hospital.name not in own
        assert world.other_hospital.name in other and world.hospital.name not in other
        assert f"Team {mine.peer_code.code}" in other
        assert world.hospital.name in pso and world.other_hospital.name in pso


def test_a_new_month_redraws_the_team_charts_and_the_funnel(world, client_for):
    collaborative, (mine, *_) = build_world(world, months=12)
    client = client_for(world.lead)
    charts_before = client.get(team_url(mine)).content.decode()
    funnel_url = compare_url(collaborative, "bundle", month="2026-01", span=1)
    funnel_before = client.get(funnel_url).content.decode()
    assert "Jan 2026" not in charts_before
    submit(mine, world.lead, 12, {"bundle": (77, 100)})  # January 2026
    assert "Jan 2026" in client.get(team_url(mine)).content.decode()
    funnel_after = client.get(funnel_url).content.decode()
    assert funnel_after != funnel_before and "77" in funnel_after


def test_the_team_page_keeps_a_fresh_csrf_token_in_each_form(world, client_for):
    """The marked-change forms stay outside the cached fragments: each response carries its
    own token, and posting one works."""
    collaborative, (mine, *_) = build_world(world)
    client = client_for(world.lead)
    first, second = (client.get(team_url(mine)).content.decode() for _ in range(2))
    tokens = [re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
              for html in (first, second)]
    assert len(tokens[1]) > collaborative.measures.filter(is_active=True).count()
    # A token rendered into a cached fragment would come back the same: each is fresh.
    assert not set(tokens[0]) & set(tokens[1])
    assert reverse("feedback-phase", args=[mine.public_id]) in second
