"""Learning collaborative pages: the walls between teams, a lapsed contract, the patient partner,
blinded collaboratives, the flows through the screens, and constant query counts."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chpso_portal import access
from chpso_portal.notifications.models import Notification
from collaboratives.measures import services as monthly
from collaboratives.measures.models import MeasureValue, MonthlyReport
from collaboratives.pdsa import services as pdsa
from collaboratives.programmes import services
from collaboratives.programmes.models import SkillsAssessment, TeamRole

from ..test_access_registry import own_views, url_kwargs
from .learning import enrol, make_collaborative, registry_world

pytestmark = pytest.mark.django_db

VALLEY = "Valley Test Hospital"


@pytest.fixture
def lc(world):
    return make_collaborative(world)


@pytest.fixture
def teams(world, lc):
    mine = enrol(lc, world.hospital, world.lead, members=[(world.staff, TeamRole.NURSE)])
    theirs = enrol(lc, world.other_hospital, world.other_lead,
                   members=[(world.other_staff, TeamRole.DATA_LEAD)])
    return mine, theirs


def activity(world, team, user):
    """A draft month, a PDSA cycle and a skills check for `team`."""
    m = {x.short_name: x for x in team.collaborative.measures.all()}
    report = monthly.report_start(team=team, actor=user, month=date(2026, 2, 1))
    monthly.report_save(report=report, actor=user,
                        values={m["falls_injury"]: {"numerator": 7, "denominator": 777}},
                        narrative={"what_we_tested": "Secret draft narrative"})
    cycle = pdsa.cycle_create(team=team, actor=user, own_idea="Bed alarms on every bed",
                              title="Alarm test", objective="Try alarms")
    services.skills_submit(team=team, actor=user, model_for_improvement=1, measurement=1,
                           pdsa_testing=1, teamwork=1, wants_help_with="Everything")
    return report, cycle


# --- Walls between teams -----------------------------------------------------------------


def test_a_member_cannot_reach_another_teams_data_pdsa_or_skills(world, lc, teams,
                                                                client_for):
    mine, theirs = teams
    report, cycle = activity(world, theirs, world.other_lead)
    client = client_for(world.lead)
    for url in (reverse("lc-team", args=[theirs.public_id]),
                reverse("lc-reports", args=[theirs.public_id]),
                reverse("lc-report", args=[report.public_id]),
                reverse("lc-report-month", args=[theirs.public_id, 2026, 2]),
                reverse("lc-pdsa", args=[theirs.public_id]),
                reverse("lc-pdsa-detail", args=[cycle.public_id]),
                reverse("lc-skills", args=[theirs.public_id]),
                reverse("lc-spread", args=[theirs.public_id]),
                reverse("lc-upload-template", args=[theirs.public_id])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("lc-report-submit", args=[report.public_id])).status_code == 404
    assert client.post(reverse("lc-report-month", args=[theirs.public_id, 2026, 2]),
                       {"falls_injury-numerator": "1"}).status_code == 404
    assert MeasureValue.objects.filter(team=theirs).count() == 1
    # Faculty see both teams' work; a coach's notes stay away from the team itself.
    coach = client_for(world.facilitator)
    page = coach.get(reverse("lc-skills", args=[theirs.public_id])).content.decode()
    assert "Everything" in page and "1 of 2 members answered" in page
    pdsa.coaching_note_add(team=mine, actor=world.facilitator, text="Private: lead is tired")
    assert client.get(reverse("lc-coaching-notes", args=[mine.public_id])).status_code == 403
    assert "lead is tired" not in client.get(reverse("lc-team", args=[mine.public_id])) \
        .content.decode()
    assert "lead is tired" in coach.get(reverse("lc-team", args=[mine.public_id])) \
        .content.decode()


def test_a_member_sees_their_own_skills_only(world, lc, teams, client_for):
    mine, _ = teams
    services.skills_submit(team=mine, actor=world.staff, model_for_improvement=1,
                           measurement=5, pdsa_testing=1, teamwork=1,
                           wants_help_with="Run charts please")
    page = client_for(world.lead).get(reverse("lc-skills", args=[mine.public_id]))
    assert "Run charts please" not in page.content.decode()
    page = client_for(world.staff).get(reverse("lc-skills", args=[mine.public_id]))
    assert re.search(r'<input[^>]*name="measurement" value="5"[^>]*checked',
                     page.content.decode())
    client_for(world.lead).post(reverse("lc-skills", args=[mine.public_id]), {
        "model_for_improvement": 3, "measurement": 3, "pdsa_testing": 3, "teamwork": 3})
    assert SkillsAssessment.objects.filter(team=mine).count() == 2


def test_a_lapsed_contract_takes_the_teams_access_away(world, lc, teams, client_for):
    mine, _ = teams
    client = client_for(world.lead)
    assert client.get(reverse("lc-team", args=[mine.public_id])).status_code == 200
    contract = world.hospital.contracts.get()
    contract.expires_on = timezone.localdate() - timedelta(days=1)
    contract.save()
    for url in (reverse("lc-team", args=[mine.public_id]),
                reverse("lc-detail", args=[lc.public_id]),
                reverse("lc-calendar", args=[lc.public_id]),
                reverse("lc-pdsa", args=[mine.public_id])):
        assert client.get(url).status_code == 404, url
    assert lc.name not in client.get(reverse("lc-home")).content.decode()
    # The team is still enrolled: access comes back with a new contract, nothing to redo.
    contract.expires_on = timezone.localdate() + timedelta(days=300)
    contract.save()
    assert client.get(reverse("lc-team", args=[mine.public_id])).status_code == 200


def test_a_deactivated_membership_takes_the_members_place_away(world, lc, teams, client_for):
    mine, _ = teams
    membership = world.hospital.memberships.get(user=world.staff)
    membership.is_active = False
    membership.save()
    assert client_for(world.staff).get(reverse("lc-team", args=[mine.public_id])) \
        .status_code == 404


def test_a_patient_partner_reaches_only_the_shared_pages(world, client_for):
    objects = registry_world(world)
    partner = services.patient_partner_add(team=objects["team"], actor=world.lead,
                                           email="partner@family.test",
                                           full_name="Pat Partner").user
    client = client_for(partner)
    reached = []
    for name, rule in own_views():
        url = reverse(name, kwargs=url_kwargs(name, world))
        method = "get" if "GET" in rule.methods else "post"
        status = getattr(client, method)(url).status_code
        if rule.kind in (access.PUBLIC, access.ACCOUNT):
            continue
        if status not in (403, 404):
            reached.append((name, status))
    shared = {name for name, rule in own_views()
              if rule.kind == access.LEARNING and rule.scope == access.LC_MEMBER}
    assert {name for name, _ in reached} - {"session-list"} == shared
    from collaboratives.models import CollaborativeSession

    page = client.get(reverse("session-list")).content.decode()
    titles = list(CollaborativeSession.objects.values_list("title", flat=True))
    assert titles and not any(title in page for title in titles)


# --- Blinded collaboratives --------------------------------------------------------------


def _every_page_as(client, world):
    """The HTML of every learning collaborative GET page, and the home pages."""
    pages = []
    for name, rule in own_views():
        if rule.kind != access.LEARNING or "GET" not in rule.methods:
            continue
        response = client.get(reverse(name, kwargs=url_kwargs(name, world)))
        pages.append((name, response.status_code, response.content.decode()))
    for name in ("lc-home", "home", "notification-list"):
        response = client.get(reverse(name))
        pages.append((name, response.status_code, response.content.decode()))
    return pages


def test_a_blinded_collaborative_never_names_another_team(world, client_for):
    objects = registry_world(world)
    collaborative = objects["collaborative"]
    theirs = collaborative.teams.get(hospital=world.other_hospital)
    activity(world, theirs, world.other_lead)
    report = MonthlyReport.objects.get(team=theirs)
    monthly.report_save(report=report, actor=world.other_lead, values={},
                        progress_score=Decimal("3.0"))
    services.collaborative_update(collaborative=collaborative, actor=world.coordinator,
                                  change_summary="A new measure of restraint use",
                                  scope="All adult inpatient units")
    for who in (world.lead, world.staff):
        pages = _every_page_as(client_for(who), world)
        assert sum(status == 200 for _, status, _ in pages) >= 15  # really rendered
        for name, _status, html in pages:
            assert VALLEY not in html, (who, name)
            assert "Valley" not in html, (who, name)
            assert "Secret draft narrative" not in html, (who, name)
        for n in Notification.objects.filter(recipient=who):
            assert "Valley" not in f"{n.title} {n.body} {n.link}"
    # The peer code stands in for the other team.
    page = client_for(world.lead).get(reverse("lc-detail", args=[collaborative.public_id]))
    assert f"Team {theirs.peer_code.code}" in page.content.decode()


def test_a_named_collaborative_shows_the_teams(world, client_for):
    objects = registry_world(world)
    collaborative = objects["collaborative"]
    collaborative.teams_named = True
    collaborative.save()
    page = client_for(world.lead).get(reverse("lc-detail", args=[collaborative.public_id]))
    assert VALLEY in page.content.decode()


# --- Flows through the screens -----------------------------------------------------------


def test_a_team_submits_a_month_and_corrects_it_through_the_form(world, lc, teams,
                                                                client_for):
    mine, _ = teams
    month = monthly.month_now_due(lc)
    client = client_for(world.staff)
    url = reverse("lc-report-month", args=[mine.public_id, month.year, month.month])
    assert client.get(url).status_code == 200
    assert not MonthlyReport.objects.filter(team=mine).exists()  # GET writes nothing
    data = {"falls_injury-numerator": "2", "falls_injury-denominator": "1100",
            "bundle-numerator": "40", "bundle-denominator": "50",
            "restraints-not_collected_reason": "Audit paused",
            "what_we_tested": "Rounding", "progress_score": "2.5", "submit": "1"}
    response = client.post(url, data)
    report = MonthlyReport.objects.get(team=mine)
    assert response.status_code == 302 and report.is_submitted
    response = client.post(url, {**data, "falls_injury-numerator": "3"})
    assert response.status_code == 200 and "corrected" in response.content.decode()
    client.post(url, {**data, "falls_injury-numerator": "3",
                      "correction_reason": "Late incident report"})
    page = client.get(reverse("lc-report", args=[report.public_id])).content.decode()
    assert "Earlier versions (1)" in page and "Late incident report" in page


def test_the_upload_page_names_bad_rows(world, lc, teams, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    mine, _ = teams
    content = b"month,measure,numerator,denominator\n2025-01,falls_injury,1,900\n" \
              b"2025-02,nonsense,1,900\n"
    response = client_for(world.lead).post(
        reverse("lc-upload", args=[mine.public_id]),
        {"file": SimpleUploadedFile("data.csv", content, content_type="text/csv")})
    html = response.content.decode()
    assert "Nothing was saved" in html and "Row 3, measure" in html
    assert not MeasureValue.objects.filter(team=mine).exists()


def test_the_coach_comments_on_a_cycle_through_the_page(world, lc, teams, client_for):
    mine, _ = teams
    client = client_for(world.staff)
    response = client.post(reverse("lc-pdsa-new", args=[mine.public_id]), {
        "title": "Rounding on 4 West", "change_idea": lc.change_ideas.get().pk,
        "objective": "Test hourly rounding", "prediction": "Fewer falls"})
    cycle = mine.pdsa_cycles.get()
    assert response.status_code == 302
    coach = client_for(world.facilitator)
    coach.post(reverse("lc-pdsa-comment", args=[cycle.public_id]),
               {"text": "Measure the night shift too"})
    assert "Measure the night shift too" in client.get(
        reverse("lc-pdsa-detail", args=[cycle.public_id])).content.decode()
    assert client.post(reverse("lc-pdsa-comment", args=[cycle.public_id]),
                       {"text": "x"}).status_code == 403


# --- Constant query counts ---------------------------------------------------------------


def _count(client, url):
    client.get(url)  # the session's own bookkeeping happens on the first request
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_keep_a_constant_query_count(world, lc, teams, client_for, hospital_factory):
    from tests.factories import ContractFactory, MembershipFactory

    mine, theirs = teams
    for team, user in ((mine, world.lead), (theirs, world.other_lead)):
        activity(world, team, user)
    pages = {
        "detail": reverse("lc-detail", args=[lc.public_id]),
        "teams": reverse("lc-teams", args=[lc.public_id]),
        "calendar": reverse("lc-calendar", args=[lc.public_id]),
        "pdsa": reverse("lc-pdsa", args=[mine.public_id]),
        "reports": reverse("lc-reports", args=[mine.public_id]),
        "team": reverse("lc-team", args=[mine.public_id]),
        "home": reverse("lc-home"),
    }
    coach, lead = client_for(world.coordinator), client_for(world.lead)
    before = {k: _count(coach if k in ("teams",) else lead, u) for k, u in pages.items()}
    # More teams, cycles, months and events.
    now = timezone.now()
    for i in range(4):
        hospital = ContractFactory(hospital__name=f"Extra Hospital {i}").hospital
        extra_lead = MembershipFactory(hospital=hospital, role="safety_lead").user
        extra = enrol(lc, hospital, extra_lead)
        activity(world, extra, extra_lead)
        services.event_create(collaborative=lc, actor=world.facilitator, kind="monthly_call",
                              title=f"Call {i}", starts_at=now + timedelta(days=i + 1),
                              ends_at=now + timedelta(days=i + 1, hours=1))
        pdsa.cycle_create(team=mine, actor=world.lead, own_idea=f"Idea {i}", title=f"T{i}",
                          objective="o")
        report = monthly.report_start(team=mine, actor=world.lead, month=date(2025, i + 1, 1))
        monthly.report_save(report=report, actor=world.lead, values={})
    after = {k: _count(coach if k in ("teams",) else lead, u) for k, u in pages.items()}
    assert after == before
    # The collaborative's page: the collaborative with the viewer's place and the version of
    # its charter (one query), the teams' labels (values) and the next events; the team's
    # page: the team with the viewer's place and the version of its activity, then its
    # members. The signed-in user and everything else come from the cache. Without Redis
    # (the embedded default) the session is read from the database too.
    session = int(django_settings.SESSION_ENGINE == "django.contrib.sessions.backends.db")
    assert (after["detail"] - session, after["team"] - session) == (3, 2)
