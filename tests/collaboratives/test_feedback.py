"""A team's charts, comparisons across teams, and positive deviance."""

import csv
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chpso_portal.audit.models import AuditEvent
from collaboratives import fragments
from collaboratives.feedback import services
from collaboratives.feedback.models import ChartPhase, DevianceFlag, DevianceStatus
from collaboratives.feedback.selectors import deviants

from ..disclosure_checks import leaks
from .feedback_world import build_world, month, submit


@pytest.fixture
def lc(world):
    return build_world(world)


def team_url(team):
    return reverse("feedback-team", args=[team.public_id])


def compare_url(collaborative, short_name, **params):
    measure = collaborative.measures.get(short_name=short_name)
    url = reverse("feedback-compare", args=[collaborative.public_id, measure.public_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_team_sees_its_charts_with_the_improvement_and_its_pdsa_cycles(world, lc, client_for):
    collaborative, (mine, *_) = lc
    from collaboratives.measures.models import MonthlyReport

    MonthlyReport.objects.filter(team=mine, month=month(7)).update(
        what_we_tested="Skin checks on two more units")
    page = client_for(world.lead).get(team_url(mine))
    assert page.status_code == 200
    html = page.content.decode()
    assert "At-risk patients with a completed bundle" in html
    assert 'data-testid="improvement">Improvement since Jul 2025' in html
    assert "PDSA 1: Bundle test 1" in html  # on the chart's data table (and as a marker)
    assert "Tested: Skin checks on two more units" in html  # the month's note
    assert html.count("<svg") >= 3
    # A team member of the same hospital sees it; staff outside the team do not.
    assert client_for(world.staff).get(team_url(mine)).status_code == 200


def test_no_one_else_reaches_a_teams_charts(world, lc, client_for):
    _, (mine, theirs, *_) = lc
    assert client_for(world.other_lead).get(team_url(mine)).status_code == 404
    assert client_for(world.lead).get(team_url(theirs)).status_code == 404
    assert client_for(world.outsider).get(team_url(mine)).status_code == 404
    assert client_for(world.facilitator).get(team_url(mine)).status_code == 200  # faculty
    assert client_for(world.coordinator).get(team_url(mine)).status_code == 200


def test_team_pdf_and_chart_downloads(world, lc, client_for):
    from pypdf import PdfReader

    _, (mine, *_) = lc
    client = client_for(world.lead)
    pdf = client.get(reverse("feedback-team-pdf", args=[mine.public_id]))
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert all("Patient Safety Work Product" in p.extract_text() for p in pages)
    assert "Improvement since Jul 2025" in pages[0].extract_text()
    rows = list(csv.reader(io.StringIO(client.get(
        team_url(mine), {"download": "m2-bundle.csv"}).content.decode())))
    assert rows[3][:3] == ["Period", "Numerator", "Denominator"]
    assert rows[4][:4] == ["Jan 2025", "60", "100", "60"]
    assert AuditEvent.objects.filter(action="export", hospital=world.hospital).count() == 2


def test_a_marked_change_starts_a_new_phase(world, lc, client_for):
    collaborative, (mine, *_) = lc
    bundle = collaborative.measures.get(short_name="bundle")
    client = client_for(world.lead)
    response = client.post(reverse("feedback-phase", args=[mine.public_id]),
                           {"measure": bundle.public_id, "month": "2025-07",
                            "label": "Bundle adopted"})
    assert response.status_code == 302
    assert ChartPhase.objects.get(team=mine).month == month(6)
    html = client.get(team_url(mine)).content.decode()
    assert "Bundle adopted" in html and "in 2 phases" in html
    refused = client_for(world.coordinator).post(reverse("feedback-phase",
                                                         args=[mine.public_id]))
    assert refused.status_code == 403


def test_funnel_shows_own_team_by_name_and_the_others_as_codes(world, lc, client_for):
    collaborative, teams = lc
    html = client_for(world.other_lead).get(compare_url(collaborative, "bundle",
                                                        month="2026-06")).content.decode()
    assert world.other_hospital.name in html
    for team in teams:
        if team.hospital_id != world.other_hospital.pk:
            assert team.hospital.name not in html
            assert str(team.hospital.public_id) not in html
            assert str(team.public_id) not in html
            assert f"Team {team.peer_code.code}" in html
    assert "Your hospital" in html


def test_small_cells_are_hidden_in_page_chart_and_csv(world, lc, client_for):
    collaborative, (mine, theirs, extra, *_) = lc
    # Month 18: one extra team reports 3 of 7 (denominator below 11).
    submit(mine, world.lead, 18, {"bundle": (90, 100)})
    submit(theirs, world.other_lead, 18, {"bundle": (61, 100)})
    submit(extra, extra.team_lead, 18, {"bundle": (3, 7)})
    url = compare_url(collaborative, "bundle", month="2026-07", span=1)
    client = client_for(world.other_lead)
    html = client.get(url).content.decode()
    assert leaks(html, 300 / 7) == []
    assert "42.9" not in html and "42.86" not in html
    assert "61" in html  # the viewer's own value is shown
    csv_text = client.get(url + "&download=funnel.csv").content.decode()
    assert "42.9" not in csv_text and "fewer than 11" in csv_text
    svg = client.get(url + "&download=funnel.svg").content.decode()
    assert f"Team {extra.peer_code.code}" not in svg


def test_positive_deviance_flag_ask_and_choice(world, lc, client_for, mailoutbox,
                                              django_capture_on_commit_callbacks):
    collaborative, (mine, theirs, *_) = lc
    bundle = collaborative.measures.get(short_name="bundle")
    found = deviants(measure=bundle)
    assert list(found) == [mine.pk] and len(found[mine.pk]) == 12
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.coordinator).post(reverse("feedback-deviance-scan",
                                                   args=[collaborative.public_id]))
    flag = DevianceFlag.objects.get(team=mine, measure=bundle)
    assert flag.status == DevianceStatus.FLAGGED
    # Before the team agrees, other teams see its code.
    compare = compare_url(collaborative, "bundle", month="2026-06")
    assert world.hospital.name not in client_for(world.other_lead).get(compare).content.decode()
    # Facilitators see the list but do not ask; the coordinator asks.
    assert client_for(world.facilitator).get(
        reverse("feedback-deviance", args=[collaborative.public_id])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.coordinator).post(reverse("feedback-deviance-ask",
                                                   args=[flag.public_id]),
                                           {"how_to_share": "Learning session 2"})
    flag.refresh_from_db()
    assert flag.status == DevianceStatus.ASKED
    assert world.lead.notifications.filter(kind="positive_deviance").exists()
    # Only the team's lead answers; the team stays coded until it chooses to be named.
    decide = reverse("feedback-deviance-decide", args=[flag.public_id])
    assert client_for(world.staff).post(decide, {"choice": "named"}).status_code == 403
    assert client_for(world.other_lead).get(decide).status_code == 404
    client_for(world.lead).post(decide, {"choice": "named"})
    flag.refresh_from_db()
    assert flag.status == DevianceStatus.NAMED and flag.decided_by == world.lead
    assert world.hospital.name in client_for(world.other_lead).get(compare).content.decode()
    assert AuditEvent.objects.filter(object_type="feedback.devianceflag").count() == 3
    # Changing its mind takes the name away again.
    client_for(world.lead).post(decide, {"choice": "coded"})
    assert world.hospital.name not in client_for(world.other_lead).get(
        compare).content.decode()


def test_dashboards_keep_a_constant_query_count(world, client_for):
    collaborative, teams = build_world(world, months=6, extra_teams=1)
    mine = teams[0]

    def count(url):
        client = client_for(world.lead)
        client.get(url)
        cache.clear()
        fragments.recent.clear()  # and the fragments this process kept in memory
        with CaptureQueriesContext(connection) as cold:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as warm:
            assert client.get(url).status_code == 200
        assert len(warm) < len(cold)  # drawn once, then read from the cache
        return len(cold), len(warm)

    small = (count(team_url(mine)), count(compare_url(collaborative, "bundle",
                                                       month="2025-06", span=6)))
    for k in range(6, 18):
        for team in teams:
            submit(team, team.team_lead, k, {"bundle": (70, 100), "falls_injury": (3, 900)})
    from .feedback_world import ContractFactory, MembershipFactory, enrol

    for i in range(4):
        hospital = ContractFactory(hospital__name=f"Later Hospital {i}").hospital
        team = enrol(collaborative, hospital, MembershipFactory(hospital=hospital).user)
        for k in range(18):
            submit(team, team.team_lead, k, {"bundle": (50, 100)})
    large = (count(team_url(mine)), count(compare_url(collaborative, "bundle",
                                                       month="2026-06", span=12)))
    assert small == large


def test_services_refuse_what_is_not_theirs(world, lc):
    collaborative, (mine, *_) = lc
    flag = DevianceFlag.objects.create(collaborative=collaborative, team=mine,
                                       measure=collaborative.measures.first(),
                                       first_month=month(1), last_month=month(3), months=3)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.deviance_decide(flag=flag, actor=world.lead, choice="named")  # not asked
    with pytest.raises(ValidationError):
        services.deviance_ask(flag=flag, actor=world.coordinator, how_to_share=" ")


def test_team_and_faculty_find_the_charts_from_the_collaborative_pages(world, lc, client_for):
    collaborative, (mine, *_) = lc
    for user in (world.lead, world.facilitator):
        client = client_for(user)
        team_page = client.get(reverse("lc-team", args=[mine.public_id])).content.decode()
        assert f'href="{team_url(mine)}"' in team_page
        assert client.get(team_url(mine)).status_code == 200

    faculty = client_for(world.facilitator)
    detail = faculty.get(reverse("lc-detail", args=[collaborative.public_id])).content.decode()
    deviance = reverse("feedback-deviance", args=[collaborative.public_id])
    assert f'href="{deviance}"' in detail
    assert faculty.get(deviance).status_code == 200
    # Team members are not shown the PSO's list.
    member_detail = client_for(world.lead).get(
        reverse("lc-detail", args=[collaborative.public_id])).content.decode()
    assert deviance not in member_detail
