"""Closing nominations asks first, can be undone until the meeting; lessons wait for the
meeting (issue 13, item 3)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditEvent
from chpso_portal.notifications.models import Notification
from collaboratives import services
from collaboratives.lessons.services import _check_origin
from collaboratives.models import SessionStatus

from . import session_world

pytestmark = pytest.mark.django_db


def url(name, session):
    return reverse(name, args=[session.public_id])


def test_close_nominations_shows_what_follows_and_changes_nothing_until_confirmed(
        world, client_for):
    session, _ = session_world(world)
    client = client_for(world.facilitator)
    detail = client.get(url("session-detail", session)).content.decode()
    # The detail page links to the confirmation; it does not post.
    assert f'href="{url("session-advance", session)}"' in detail
    page = client.get(url("session-advance", session)).content.decode()
    assert "can no longer nominate cases, or fix a case you returned" in page
    assert "1 accepted" in page and "7 days from now" in page
    assert "reopen nominations until the meeting" in page
    session.refresh_from_db()
    assert session.status == SessionStatus.INVITATIONS_SENT
    client.post(url("session-advance", session))
    session.refresh_from_db()
    assert session.status == SessionStatus.NOMINATIONS_CLOSED


def test_the_confirmation_is_for_facilitators_only(world, client_for):
    session, _ = session_world(world)
    assert client_for(world.lead).get(url("session-advance", session)).status_code == 403


def test_nominations_can_be_reopened_before_the_meeting(world, client_for):
    session, _ = session_world(world)
    services.session_advance(session=session, actor=world.facilitator)
    lead_page = client_for(world.lead).get(url("session-nominate", session)).content.decode()
    assert "Nominations for this session are closed" in lead_page
    assert 'name="summary"' not in lead_page
    detail = client_for(world.lead).get(url("session-detail", session)).content.decode()
    assert "Nominate cases" not in detail

    client = client_for(world.facilitator)
    assert "Reopen nominations" in client.get(url("session-detail", session)).content.decode()
    client.post(url("session-reopen-nominations", session))
    session.refresh_from_db()
    assert session.status == SessionStatus.INVITATIONS_SENT
    assert AuditEvent.objects.filter(summary__endswith="nominations reopened").exists()
    assert Notification.objects.filter(recipient=world.lead,
                                       title__startswith="Nominations are open again").exists()
    lead_page = client_for(world.lead).get(url("session-nominate", session)).content.decode()
    assert 'name="summary"' in lead_page


def test_nominations_stay_closed_once_the_meeting_day_has_passed(world, client_for):
    session, _ = session_world(world)
    services.session_advance(session=session, actor=world.facilitator)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        page = client_for(world.facilitator).get(url("session-detail", session)).content
        assert b"Reopen nominations" not in page
        client_for(world.facilitator).post(url("session-reopen-nominations", session))
    session.refresh_from_db()
    assert session.status == SessionStatus.NOMINATIONS_CLOSED


def test_a_lesson_is_drafted_from_a_session_only_once_held(world, client_for):
    session, _ = session_world(world)
    services.session_advance(session=session, actor=world.facilitator)
    page = client_for(world.facilitator).get(url("session-detail", session)).content.decode()
    assert "Draft a lesson from this session" not in page
    with pytest.raises(ValidationError, match="once it has been held"):
        _check_origin(actor=world.facilitator, session=session, sent_report=None)
    # Held (the steps to get there are tested with the session services).
    session.status = SessionStatus.HELD
    session.save(update_fields=["status"])
    _check_origin(actor=world.facilitator, session=session, sent_report=None)
    page = client_for(world.facilitator).get(url("session-detail", session)).content.decode()
    assert "Draft a lesson from this session" in page
