"""An action's forms never lose what was typed: when the action was closed by someone else
while the lead or the owner was writing, the form comes back with the text and the reason in
its error summary, and nothing changes."""

import re
from html import unescape

import pytest
from django.urls import reverse

from actions import services
from actions.models import ActionStatus

from .test_actions import add, form_data

pytestmark = pytest.mark.django_db


def _summary(html: str) -> str:
    found = re.search(r"<div[^>]*data-error-summary>(.*?)</div>", html, re.S)
    assert found, "no error summary on the page"
    return unescape(found.group(1))


def _closed(world):
    action = add(world)
    services.action_set_status(action=action, actor=world.staff, status=ActionStatus.DONE,
                               note="Locked on every bed.")
    return action


def test_a_change_to_an_action_closed_meanwhile_is_shown_again(world, client_for):
    action = _closed(world)
    response = client_for(world.lead).post(
        reverse("action-edit", args=[action.public_id]),
        form_data(world, title="Lock the alarm volume on both towers",
                  description="Tower B was forgotten."))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "A done or cancelled action cannot be changed." in _summary(response.content.decode())
    assert 'value="Lock the alarm volume on both towers"' in html
    assert "Tower B was forgotten." in html
    action.refresh_from_db()
    assert action.title == "Lock the bed alarm volume" and action.status == ActionStatus.DONE


def test_opening_the_change_form_of_a_closed_action_still_goes_back_to_it(world, client_for):
    action = _closed(world)
    response = client_for(world.lead).get(reverse("action-edit", args=[action.public_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("action-detail", args=[action.public_id])
    response = client_for(world.lead).get(reverse("action-cancel", args=[action.public_id]))
    assert response.status_code == 302


def test_a_cancel_reason_for_an_action_closed_meanwhile_is_shown_again(world, client_for):
    action = _closed(world)
    response = client_for(world.lead).post(reverse("action-cancel", args=[action.public_id]),
                                           {"reason": "The pump supplier changed"})
    assert response.status_code == 200
    assert "This action is already closed." in _summary(response.content.decode())
    assert "The pump supplier changed" in unescape(response.content.decode())
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.cancel_reason == ""


def test_a_progress_note_on_an_action_closed_meanwhile_is_shown_again(world, client_for):
    action = _closed(world)
    response = client_for(world.staff).post(reverse("action-status", args=[action.public_id]),
                                            {"status": "in_progress",
                                             "note": "Half of the beds done"})
    assert response.status_code == 200
    assert "This action is already closed." in _summary(response.content.decode())
    assert "Half of the beds done" in unescape(response.content.decode())
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_staff_still_cannot_post_a_change_to_a_closed_action(world, client_for):
    action = _closed(world)
    for name in ("action-edit", "action-cancel"):
        response = client_for(world.staff).post(reverse(name, args=[action.public_id]),
                                                {"reason": "x", **form_data(world)})
        assert response.status_code == 403
