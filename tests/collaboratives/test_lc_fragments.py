"""The collaborative's page and a team's page keep parts of themselves cached as drawn (the
charter's cards; the team's months, cycles, comments and spread), keyed on the version of what
they show: a change shows on the next view, and whether the viewer may see the page at all is
decided on every request, never cached."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from collaboratives.measures import services as monthly
from collaboratives.pdsa import services as pdsa
from collaboratives.programmes import services
from collaboratives.programmes.models import TeamRole
from members.roles import PsoRole
from tests.conftest import make_pso

from .learning import enrol, make_collaborative

pytestmark = pytest.mark.django_db


@pytest.fixture
def lc(world):
    return make_collaborative(world)


@pytest.fixture
def teams(world, lc):
    mine = enrol(lc, world.hospital, world.lead, members=[(world.staff, TeamRole.NURSE)])
    theirs = enrol(lc, world.other_hospital, world.other_lead)
    return mine, theirs


def page(client, name, obj):
    response = client.get(reverse(name, args=[obj.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_charter_change_shows_on_the_collaboratives_page_at_once(world, lc, teams,
                                                                  client_for):
    client = client_for(world.lead)
    for _ in range(2):  # the second view comes from the cache
        before = page(client, "lc-detail", lc)
    assert "Hourly rounding on every ward" not in before
    services.change_idea_add(collaborative=lc, actor=world.coordinator,
                             title="Hourly rounding on every ward")
    assert "Hourly rounding on every ward" in page(client, "lc-detail", lc)
    colleague = make_pso(PsoRole.FACILITATOR, "second-faculty@pso.test")
    colleague.full_name = "Dana Second Faculty"
    colleague.save()
    services.collaborative_update(collaborative=lc, actor=world.coordinator,
                                  faculty=[world.facilitator, colleague])
    assert "Dana Second Faculty" in page(client, "lc-detail", lc)
    services.collaborative_update(collaborative=lc, actor=world.coordinator,
                                  scope="Medical and surgical wards only")
    assert "Medical and surgical wards only" in page(client, "lc-detail", lc)


def test_each_viewer_sees_the_teams_named_for_them_from_the_cached_page(world, lc, teams,
                                                                       client_for):
    mine, theirs = teams
    for _ in range(2):
        own = page(client_for(world.lead), "lc-detail", lc)
        other = page(client_for(world.other_lead), "lc-detail", lc)
        coach = page(client_for(world.facilitator), "lc-detail", lc)
        assert world.hospital.name in own and world.other_hospital.name not in own
        assert f"Team {theirs.peer_code.code}" in own
        assert world.other_hospital.name in other and world.hospital.name not in other
        assert f"Team {mine.peer_code.code}" in other
        assert world.hospital.name in coach and world.other_hospital.name in coach


def test_new_team_activity_shows_on_the_team_page_at_once(world, lc, teams, client_for):
    mine, _ = teams
    client = client_for(world.lead)
    for _ in range(2):
        page(client, "lc-team", mine)
    cycle = pdsa.cycle_create(team=mine, actor=world.lead, own_idea="Bed alarms",
                              title="Alarm test on ward 3", objective="Try alarms")
    assert "Alarm test on ward 3" in page(client, "lc-team", mine)
    pdsa.comment_add(team=mine, actor=world.facilitator, cycle=cycle,
                     text="Count the night shift separately")
    assert "Count the night shift separately" in page(client, "lc-team", mine)
    services.spread_record(team=mine, actor=world.lead, change="Bed alarms",
                           spread_to="Ward 4 North", spread_on=timezone.localdate())
    assert "Ward 4 North" in page(client, "lc-team", mine)
    month = monthly.month_now_due(lc)
    report = monthly.report_start(team=mine, actor=world.lead, month=month)
    values = {m: ({"numerator": 1, "denominator": 20} if m.is_ratio else {"numerator": 1})
              for m in lc.measures.filter(is_active=True)}
    monthly.report_save(report=report, actor=world.lead, values=values,
                        progress_score=Decimal("2.5"))
    assert f"{month:%B %Y}</a>: Draft" in page(client, "lc-team", mine)
    monthly.report_submit(report=report, actor=world.lead)
    assert f"The {month:%B %Y} report is submitted." in page(client, "lc-team", mine)
    # The skills reminder is the viewer's own: it goes once they have answered.
    assert "skills check</a>" in page(client, "lc-team", mine)
    services.skills_submit(team=mine, actor=world.lead, model_for_improvement=3,
                           measurement=3, pdsa_testing=3, teamwork=3)
    assert "skills check</a>." not in page(client, "lc-team", mine)
    assert "skills check</a>." in page(client_for(world.staff), "lc-team", mine)


def test_cached_pages_are_lost_at_once_with_the_contract_or_the_place(world, lc, teams,
                                                                     client_for):
    mine, _ = teams
    lead, staff = client_for(world.lead), client_for(world.staff)
    urls = (reverse("lc-detail", args=[lc.public_id]),
            reverse("lc-team", args=[mine.public_id]))
    for url in urls:
        for client in (lead, staff):
            assert client.get(url).status_code == 200
            assert client.get(url).status_code == 200
    contract = world.hospital.contracts.get()
    contract.expires_on = timezone.localdate() - timedelta(days=1)
    contract.save()
    for url in urls:
        assert lead.get(url).status_code == 404, url
        assert staff.get(url).status_code == 404, url
    contract.expires_on = timezone.localdate() + timedelta(days=300)
    contract.save()
    for url in urls:
        assert lead.get(url).status_code == 200, url
    mine.members.filter(user=world.staff).update(removed_at=timezone.now())
    for url in urls:
        assert staff.get(url).status_code == 404, url
    membership = world.hospital.memberships.get(user=world.lead)
    membership.is_active = False
    membership.save()
    for url in urls:
        assert lead.get(url).status_code == 404, url


def test_a_submitted_month_has_the_team_charts_drawn_by_a_worker(
        world, lc, teams, client_for, django_capture_on_commit_callbacks, monkeypatch):
    from django.core.cache import cache

    from collaboratives import tasks
    from collaboratives.feedback import selectors as charts

    mine, theirs = teams
    queued = []
    monkeypatch.setattr(tasks.warm_team_charts, "delay", queued.append)
    month = monthly.month_now_due(lc)
    with django_capture_on_commit_callbacks(execute=True):
        report = monthly.report_start(team=mine, actor=world.lead, month=month)
        monthly.report_save(report=report, actor=world.lead, progress_score=Decimal("2.5"),
                            values={m: ({"numerator": 3, "denominator": 40} if m.is_ratio
                                        else {"numerator": 3})
                                    for m in lc.measures.filter(is_active=True)})
    assert queued == []  # a draft is on no chart
    with django_capture_on_commit_callbacks(execute=True):
        monthly.report_submit(report=report, actor=world.lead)
    assert queued == [mine.pk]  # queued once the submission is committed
    fragments = charts.team_fragments_key(charts.team_charts_key(mine), "")
    assert cache.get(fragments) is None
    assert tasks.warm_team_charts(mine.pk) == lc.measures.filter(is_active=True).count()
    assert cache.get(fragments) is not None
    # The first viewer reads the charts as the worker drew them: nothing is drawn for them.
    monkeypatch.setattr(charts, "team_charts", lambda **kwargs: pytest.fail("drawn again"))
    html = page(client_for(world.lead), "feedback-team", mine)
    assert f"{month:%b %Y}" in html
    # A team that has left draws nothing.
    theirs.status = "withdrawn"
    theirs.save(update_fields=["status"])
    assert tasks.warm_team_charts(theirs.pk) == 0


def test_the_worker_is_not_needed_when_the_broker_is_away(world, lc, teams, monkeypatch):
    from collaboratives import tasks
    from collaboratives.feedback import selectors as charts

    def away(team_id):
        raise ConnectionError("broker away")

    monkeypatch.setattr(tasks.warm_team_charts, "delay", away)
    assert charts.enqueue_warm_team_charts(teams[0].pk) is False
