"""A session carries its meeting link: on the session page for participants and in the .ics
(issue 13, item 10)."""

import pytest
from django.urls import reverse

from collaboratives.calendar import session_ics
from collaboratives.models import CollaborativeSession

from . import make_session, session_world
from .test_views import session_post

pytestmark = pytest.mark.django_db

LINK = "https://meet.example.org/pso-handovers"


def test_the_meeting_link_reaches_participants_and_the_calendar(world, client_for):
    session, _ = session_world(world)
    session.meeting_url = LINK
    session.save(update_fields=["meeting_url"])
    page = client_for(world.lead).get(reverse("session-detail", args=[session.public_id]))
    assert f'href="{LINK}"' in page.content.decode()
    ics = session_ics(session)
    assert f"URL:{LINK}" in ics and "Join: https://meet.example.org/pso-handovers" in ics


def test_a_session_without_a_link_shows_none(world, client_for):
    session = make_session(world)
    assert "URL:" not in session_ics(session)
    page = client_for(world.facilitator).get(reverse("session-detail", args=[session.public_id]))
    assert 'data-testid="meeting-link"' not in page.content.decode()


def test_the_facilitator_sets_the_link_on_the_session_form(world, client_for):
    client = client_for(world.facilitator)
    client.post(reverse("session-create"), session_post(meeting_url=LINK))
    assert CollaborativeSession.objects.get().meeting_url == LINK
