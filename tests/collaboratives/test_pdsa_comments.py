"""Faculty's comments on a PDSA cycle and on a month: a comment that cannot be saved is shown
again as typed, with what to fix in the page's error summary; a saved one goes to the team."""

import re
from datetime import date
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from collaboratives.measures import services as monthly
from collaboratives.pdsa import services as pdsa
from collaboratives.pdsa.models import FacultyComment
from collaboratives.programmes.models import TeamRole

from .learning import enrol, make_collaborative

pytestmark = pytest.mark.django_db

TYPED = "Measure the night shift too, & count the\nfalls on 4 West <separately>"


@pytest.fixture
def team(world):
    collaborative = make_collaborative(world)
    return enrol(collaborative, world.hospital, world.lead,
                 members=[(world.staff, TeamRole.NURSE)])


@pytest.fixture
def cycle(world, team):
    return pdsa.cycle_create(team=team, actor=world.lead, own_idea="Bed alarms",
                             title="Alarm test", objective="Try alarms on one unit")


@pytest.fixture
def month(world, team):
    return monthly.report_start(team=team, actor=world.lead, month=date(2026, 2, 1))


def _targets(cycle, month):
    return {
        "cycle": (reverse("lc-pdsa-comment", args=[cycle.public_id]),
                  reverse("lc-pdsa-detail", args=[cycle.public_id])),
        "month": (reverse("lc-report-comment", args=[month.public_id]),
                  reverse("lc-report", args=[month.public_id])),
    }


def _summary(html: str) -> str:
    found = re.search(r'<div class="alert alert-danger error-summary"[^>]*data-error-summary>'
                      r"(.*?)</div>", html, re.S)
    assert found, "no error summary on the page"
    return unescape(found.group(1))


def _textarea(html: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, f"no {name} box on the page"
    return unescape(found.group(1)).removeprefix("\n")


@pytest.mark.parametrize("target", ["cycle", "month"])
def test_a_comment_the_service_refuses_is_shown_again_as_typed(
        world, cycle, month, client_for, monkeypatch, target):
    def refuse(**kwargs):
        raise ValidationError("The collaborative closed its comments for the summer.")

    monkeypatch.setattr(pdsa, "comment_add", refuse)
    post_url, page_url = _targets(cycle, month)[target]
    response = client_for(world.facilitator).post(post_url, {"text": TYPED})

    assert response.status_code == 200
    html = response.content.decode()
    assert "The collaborative closed its comments for the summer." in _summary(html)
    assert _textarea(html, "text") == TYPED
    # The page itself is the one the comment was written on, not a bare form.
    assert "Faculty comments" in html and 'id="comments"' in html
    assert not FacultyComment.objects.exists()


@pytest.mark.parametrize("target", ["cycle", "month"])
def test_a_field_error_from_the_service_lands_on_the_comment_box(
        world, cycle, month, client_for, monkeypatch, target):
    def refuse(**kwargs):
        raise ValidationError({"text": "Say what the team should try next."})

    monkeypatch.setattr(pdsa, "comment_add", refuse)
    post_url, _ = _targets(cycle, month)[target]
    html = client_for(world.facilitator).post(post_url, {"text": TYPED}).content.decode()
    summary = _summary(html)
    assert "Say what the team should try next." in summary
    assert 'href="#id_text"' in html  # the summary links to the box
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*name="text"|'
                     r'<textarea[^>]*name="text"[^>]*aria-invalid="true"', html)
    assert TYPED.split("\n")[0] in unescape(html)


@pytest.mark.parametrize("target", ["cycle", "month"])
def test_an_empty_comment_is_refused_on_the_page_and_saves_nothing(
        world, cycle, month, client_for, target):
    post_url, _ = _targets(cycle, month)[target]
    response = client_for(world.facilitator).post(post_url, {"text": "   "})
    assert response.status_code == 200
    assert "Comment to the team" in _summary(response.content.decode())
    assert not FacultyComment.objects.exists()


@pytest.mark.parametrize("target", ["cycle", "month"])
def test_a_saved_comment_goes_back_to_the_page_and_reaches_the_team(
        world, cycle, month, client_for, target):
    post_url, page_url = _targets(cycle, month)[target]
    response = client_for(world.facilitator).post(post_url, {"text": TYPED})
    assert response.status_code == 302
    assert response["Location"] == page_url + "#comments"
    comment = FacultyComment.objects.get()
    assert comment.text == TYPED.strip()
    team_page = client_for(world.staff).get(page_url).content.decode()
    assert "Measure the night shift too" in unescape(team_page)


def test_a_team_member_still_cannot_comment_and_sees_no_form(world, cycle, client_for):
    post_url = reverse("lc-pdsa-comment", args=[cycle.public_id])
    assert client_for(world.staff).post(post_url, {"text": TYPED}).status_code == 403
    page = client_for(world.staff).get(
        reverse("lc-pdsa-detail", args=[cycle.public_id])).content.decode()
    assert "Comment to the team" not in page
    assert not FacultyComment.objects.exists()
