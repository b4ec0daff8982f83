"""Nominations and discussion notes show each finding in its context, with the words found,
and keep the text and the reasons typed when the form is shown again."""

import re

import pytest
from django.urls import reverse

from cases.screening import finding_key
from collaboratives.models import Nomination

from . import eligible_report, invite_and_accept, make_session, session_world

pytestmark = pytest.mark.django_db

SUMMARY = "Dr. Okafor paused the infusion on 3/14/2026 and the handover sheet had no field."


def marks(page):
    return re.findall(r'<mark class="finding" data-kind="[^"]+">([^<]*)<span', page)


def test_a_nomination_summary_shows_its_findings_in_context(world, client_for):
    session = make_session(world)
    invite_and_accept(session, world, world.hospital, world.lead, attendees=[world.lead])
    report = eligible_report(hospital=world.hospital, lead=world.lead, reporter=world.staff)
    client = client_for(world.lead)
    nominate = reverse("session-nominate", args=[session.public_id])
    date_key = finding_key("date", "3/14/2026")
    response = client.post(nominate, {"report": str(report.public_id), "summary": SUMMARY,
                                      f"dismiss-{date_key}": "Only the year is kept later."})
    page = response.content.decode()
    assert response.status_code == 200 and not Nomination.objects.exists()
    assert marks(page) == ["Dr. Okafor", "3/14/2026"]
    assert "We found:" in page and "(a title and a name)" in page
    # The summary and the reason typed are still there; the other finding still wants one.
    assert SUMMARY in page and 'value="Only the year is kept later."' in page
    assert "&#x27;Dr. Okafor&#x27;" in page
    response = client.post(nominate, {
        "report": str(report.public_id), "summary": SUMMARY,
        f"dismiss-{date_key}": "Only the year is kept later.",
        f"dismiss-{finding_key('title_name', 'Dr. Okafor')}": "A made-up name."})
    assert response.status_code == 302
    assert {d["text"] for d in Nomination.objects.get().dismissed_findings} == {
        "Dr. Okafor", "3/14/2026"}


def test_discussion_notes_show_their_findings_in_context(world, client_for):
    session, nomination = session_world(world)
    client = client_for(world.facilitator)
    notes = reverse("session-notes", args=[session.public_id])
    response = client.post(notes, {"nomination": str(nomination.public_id),
                                   "systems_factors": ["handover"],
                                   "observations": "The sheet had no field for it.",
                                   "improvement_ideas": "Ask Dr. Okafor to redesign it."})
    page = response.content.decode()
    assert response.status_code == 200 and not session.notes.exists()
    assert marks(page) == ["Dr. Okafor"]
    assert "Ideas for improvement" in page and "Ask Dr. Okafor to redesign it." in page


def test_a_comment_on_a_lesson_is_screened_before_it_goes_to_the_pso(world, client_for):
    from django.core.exceptions import ValidationError

    from collaboratives.lessons import services as lesson_services
    from collaboratives.models import LessonComment

    from .lessons import published_lesson

    lesson = published_lesson(world)
    client = client_for(world.staff)
    comment = reverse("lesson-comment", args=[lesson.public_id])
    text = "Dr. Okafor tried this on our unit and the banner was ignored."
    response = client.post(comment, {"text": text})
    page = response.content.decode()
    assert response.status_code == 200 and not LessonComment.objects.exists()
    assert marks(page) == ["Dr. Okafor"] and text in page
    key = finding_key("title_name", "Dr. Okafor")
    assert f'name="dismiss-{key}"' in page
    # An empty reason is no dismissal.
    response = client.post(comment, {"text": text, f"dismiss-{key}": "  "})
    assert response.status_code == 200 and not LessonComment.objects.exists()
    response = client.post(comment, {"text": text, f"dismiss-{key}": "A made-up name."})
    assert response.status_code == 302
    saved = LessonComment.objects.get()
    assert saved.dismissed_findings[0]["reason"] == "A made-up name."
    assert saved.dismissed_findings[0]["by"] == world.staff.email
    # The service refuses on its own, whatever calls it.
    membership = world.hospital.memberships.get(user=world.staff)
    with pytest.raises(ValidationError, match="Dr. Okafor"):
        lesson_services.lesson_comment(lesson=lesson, membership=membership, text=text)


def test_lesson_texts_show_their_findings_in_context(world, client_for):
    from .lessons import draft_lesson

    lesson = draft_lesson(world, what_happened="Dr. Okafor gave the dose two hours late.")
    client = client_for(world.coordinator)
    for name in ("lesson-pso-detail", "lesson-edit"):
        page = client.get(reverse(name, args=[lesson.public_id])).content.decode()
        assert marks(page) == ["Dr. Okafor"], name
        assert "What happened" in page
