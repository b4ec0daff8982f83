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


def test_the_team_charts_fragments_follow_the_data_and_stay_with_their_team(world, client_for):
    """A repeated view reads only the charts as drawn (slugs, measures and HTML) under the
    team's key: each team's page still posts to its own team, and a new month gives a new
    key."""
    from django.core.cache import cache

    from collaboratives.feedback import selectors

    collaborative, (mine, theirs, *_) = build_world(world, months=12)
    own_client, other_client = client_for(world.lead), client_for(world.other_lead)
    for _ in range(2):
        own = own_client.get(team_url(mine)).content.decode()
        other = other_client.get(team_url(theirs)).content.decode()
        assert reverse("feedback-phase", args=[mine.public_id]) in own
        assert reverse("feedback-phase", args=[theirs.public_id]) not in own
        assert reverse("feedback-phase", args=[theirs.public_id]) in other
        assert world.hospital.name in own and world.other_hospital.name not in own
        assert world.other_hospital.name in other and world.hospital.name not in other
    key = selectors.team_charts_key(mine)
    assert key != selectors.team_charts_key(theirs)
    fragments = cache.get(selectors.team_fragments_key(key, ""))
    measures = collaborative.measures.filter(is_active=True)
    assert sorted(f.measure_public_id for f in fragments) == sorted(
        str(m.public_id) for m in measures)
    # The charts themselves gone from the cache: the page draws from the fragments, and
    # reads the charts again when a download needs them.
    cache.delete(key)
    assert own_client.get(team_url(mine)).content.decode().count('name="measure"') == len(
        fragments)
    csv = own_client.get(team_url(mine) + f"?download={fragments[0].slug}.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    submit(mine, world.lead, 12, {"bundle": (77, 100)})
    new_key = selectors.team_charts_key(mine)
    assert new_key != key and cache.get(selectors.team_fragments_key(new_key, "")) is None
    assert "Jan 2026" in own_client.get(team_url(mine)).content.decode()
    redrawn = cache.get(selectors.team_fragments_key(new_key, ""))
    assert [f.slug for f in redrawn] == [f.slug for f in fragments]
    assert any("Jan 2026" in f.html for f in redrawn)


def test_a_withdrawn_member_or_a_lapsed_contract_loses_cached_charts_at_once(world, client_for):
    """Whether the team is the viewer's own is read with the team on every request: nothing
    about access is cached with the charts."""
    from datetime import timedelta

    from django.utils import timezone

    collaborative, (mine, theirs, *_) = build_world(world, months=6)
    client = client_for(world.lead)
    funnel = compare_url(collaborative, "bundle", month="2025-06")
    assert client.get(team_url(mine)).status_code == 200
    assert client.get(funnel).status_code == 200
    assert client_for(world.other_lead).get(team_url(mine)).status_code == 404
    contract = world.hospital.contracts.get()
    contract.expires_on = timezone.localdate() - timedelta(days=1)
    contract.save()
    assert client.get(team_url(mine)).status_code == 404
    assert client.get(funnel).status_code == 404
    contract.expires_on = timezone.localdate() + timedelta(days=300)
    contract.save()
    assert client.get(team_url(mine)).status_code == 200
    mine.members.filter(user=world.lead).update(removed_at=timezone.now())
    assert client.get(team_url(mine)).status_code == 404
    assert client.get(funnel).status_code == 404


def test_the_team_page_drawn_from_its_cached_charts_reads_as_when_first_drawn(world, client_for):
    """A repeated view takes every chart from the cache at once: the same page as the first
    view, token aside, for the team and for the PSO."""
    collaborative, (mine, *_) = build_world(world, months=12)

    def page(client):
        html = client.get(team_url(mine)).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    for who in (world.lead, world.coordinator):
        client = client_for(who)
        first, second = page(client), page(client)
        assert first == second
        assert second.count('class="mb-4" aria-labelledby="h-') == collaborative.measures.filter(
            is_active=True).count()


# The sections as the page's template wrote them before they were written in Python.
_TEMPLATE_SECTIONS = """{% url 'feedback-phase' team.public_id as phase_url %}{% for item in charts %}
<section class="mb-4" aria-labelledby="h-{{ item.slug }}">
  {{ item.html }}
  {% if not viewer.pso %}
  <details class="d-print-none small">
    <summary>Mark a change on this chart</summary>
    <form method="post" action="{{ phase_url }}" class="row g-2 align-items-end mt-1">
      {% csrf_token %}
      <input type="hidden" name="measure" value="{{ item.measure_public_id }}">
      <div class="col-sm-4"><label class="form-label" for="month-{{ forloop.counter }}">First month after the change</label><input class="form-control form-control-sm" type="month" id="month-{{ forloop.counter }}" name="month" required></div>
      <div class="col-sm-5"><label class="form-label" for="label-{{ forloop.counter }}">What changed</label><input class="form-control form-control-sm" id="label-{{ forloop.counter }}" name="label" maxlength="80" required></div>
      <div class="col-sm-3"><button class="btn btn-sm btn-outline-primary">Mark the change</button></div>
    </form>
  </details>
  {% endif %}
</section>
{% endfor %}"""  # noqa: E501


def test_the_chart_sections_written_in_python_read_as_the_template_wrote_them(world, rf):
    """Each section (the cached chart, and under it for the team's own members the form that
    marks a change, with this request's token) is the template's markup, every value escaped:
    compared, spaces between tags aside, for a team member and for the PSO."""
    from django.middleware.csrf import get_token
    from django.template import engines
    from django.utils.safestring import mark_safe

    from collaboratives.feedback import selectors
    from collaboratives.feedback.access import Viewer
    from collaboratives.feedback.views import _chart_sections

    collaborative, (mine, *_) = build_world(world, months=6)
    # A chart whose slug and HTML carry characters to escape, as a stranger's data might (a
    # new list: the one the page reads is kept in the process's memory).
    charts = [*selectors.team_chart_fragments(team=mine),
              selectors.ChartFragment('x"<y>&', '"><b>', mark_safe("<h2>x &amp; y</h2>")),
              selectors.ChartFragment("plain", "m", "<i>not marked safe</i>")]
    template = engines["django"].from_string(_TEMPLATE_SECTIONS)

    def squeeze(html):  # a token is masked afresh each time it is asked for
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", str(html))
        return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()

    for pso in (False, True):
        request = rf.get(team_url(mine))
        token = get_token(request)
        viewer = Viewer(team=None if pso else mine, pso=pso)
        ours = _chart_sections(request, mine, viewer, charts)
        theirs = template.render({"charts": charts, "viewer": viewer, "team": mine,
                                  "csrf_token": token}, request)
        assert squeeze(ours) == squeeze(theirs)
        assert ours.count("Mark a change on this chart") == (0 if pso else len(charts))
        assert ours.count("TOKEN") == 0 and squeeze(ours).count("TOKEN") == (
            0 if pso else len(charts))
        assert "<b>" not in ours and 'h-x&quot;&lt;y&gt;&amp;' in ours
        assert "&lt;i&gt;not marked safe" in ours
