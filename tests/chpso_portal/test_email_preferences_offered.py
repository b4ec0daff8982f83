"""The email preferences offer a person only the kinds that can reach them (issue 13, item 9)."""

import re

from django.urls import reverse

from chpso_portal.notifications.models import EmailPreference


def offered(client):
    page = client.get(reverse("notification-preferences")).content.decode()
    return set(re.findall(r'<input type="checkbox" name="(\w+)"', page))


def test_a_nurse_is_offered_what_reaches_a_nurse(world, client_for):
    kinds = offered(client_for(world.staff))
    assert {"report_update", "lesson_digest", "session_changed", "session_reminder"} <= kinds
    assert not kinds & {"application_received", "hospital_activated", "lesson_comment",
                        "session_answered", "lesson_review", "contract_expiring",
                        "nomination_update", "session_invitation"}


def test_a_lead_and_a_coordinator_are_offered_their_own(world, client_for):
    lead = offered(client_for(world.lead))
    assert {"session_invitation", "nomination_update", "contract_expiring",
            "lesson_withdrawn"} <= lead
    assert "application_received" not in lead
    coordinator = offered(client_for(world.coordinator))
    assert {"application_received", "lesson_comment", "lesson_review"} <= coordinator
    assert "report_update" not in coordinator


def test_saving_touches_only_what_was_offered(world, client_for):
    client_for(world.staff).post(reverse("notification-preferences"),
                                 {"report_update": "on"})
    saved = dict(EmailPreference.objects.filter(user=world.staff).values_list("kind", "email"))
    assert saved["report_update"] is True
    assert "application_received" not in saved
