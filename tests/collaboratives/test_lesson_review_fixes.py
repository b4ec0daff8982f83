"""The second reader's findings on lessons, each pinned by a test: a reviewer publishes only what
they read, reasons survive a failed save, a withdrawal reaches the hospitals acting on the
lesson, the origin's own names are screened, and the service checks what the forms check."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from chpso_portal.notifications import kinds
from chpso_portal.notifications.models import Notification
from collaboratives.lessons import services
from collaboratives.lessons.screening import (
    finding_key,
    hospital_name_variants,
    lesson_origin_identifiers,
    unresolved_findings,
)
from collaboratives.models import Lesson, LessonStatus, SessionStatus
from tests.conftest import make_pso

from . import make_session, session_world
from .lessons import (
    CONTENT,
    draft_lesson,
    origin_report,
    published_lesson,
    second_coordinator,
)


def in_review(world, **overrides):
    lesson = draft_lesson(world, **overrides)
    return services.lesson_submit(lesson=lesson, actor=world.coordinator)


# --- A reviewer publishes what they read ---------------------------------------------------


def test_a_lesson_edited_since_the_reviewer_opened_it_is_not_published(world):
    lesson = in_review(world)
    reviewer, other = second_coordinator(), make_pso("coordinator", "third@pso.test")
    read = lesson.revision  # the reviewer opens the page
    services.lesson_return(lesson=lesson, actor=other, comments="Shorter title, please.")
    lesson = services.lesson_update(lesson=Lesson.objects.get(pk=lesson.pk),
                                    actor=world.coordinator, **{**CONTENT, "title": "Shorter"})
    services.lesson_submit(lesson=lesson, actor=world.coordinator)
    assert lesson.revision == read + 1

    with pytest.raises(ValidationError, match="changed since you opened it"):
        services.lesson_publish(lesson=lesson, actor=reviewer, revision=read)
    lesson.refresh_from_db()
    assert (lesson.status, lesson.published_by) == (LessonStatus.IN_REVIEW, None)
    with pytest.raises(ValidationError, match="changed since you opened it"):
        services.lesson_return(lesson=lesson, actor=reviewer, comments="x", revision=read)

    services.lesson_publish(lesson=lesson, actor=reviewer, revision=lesson.revision)
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.PUBLISHED


def test_the_review_form_carries_the_revision_and_a_stale_one_is_refused(world, client_for):
    lesson = in_review(world)
    reviewer = client_for(second_coordinator())
    page = reviewer.get(reverse("lesson-pso-detail", args=[lesson.public_id])).content.decode()
    assert f'name="revision" value="{lesson.revision}"' in page
    response = reviewer.post(reverse("lesson-review", args=[lesson.public_id]),
                             {"decision": "publish", "revision": lesson.revision + 1},
                             follow=True)
    assert "changed since you opened it" in response.content.decode()
    response = reviewer.post(reverse("lesson-review", args=[lesson.public_id]),
                             {"decision": "publish"}, follow=True)
    assert "Open the lesson again" in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.IN_REVIEW


def test_long_review_comments_get_their_own_message(world, client_for):
    lesson = in_review(world)
    response = client_for(second_coordinator()).post(
        reverse("lesson-review", args=[lesson.public_id]),
        {"decision": "return", "comments": "x" * 2001, "revision": lesson.revision},
        follow=True)
    assert "Comments: Ensure this value has at most 2000 characters" in \
        response.content.decode()
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.IN_REVIEW


# --- Dismissals survive -------------------------------------------------------------------


def lesson_post(lesson, **overrides):
    data = {"title": lesson.title, "what_happened": lesson.what_happened,
            "systems_issues": lesson.systems_issues, "what_helped": lesson.what_helped,
            "harm_band": lesson.harm_band, "categories": ["medication"],
            "contributing_factors": ["handover"], "action_1_text": "Add a handover line.",
            "action_1_strength": "intermediate"}
    data.update(overrides)
    return data


def test_a_failed_save_keeps_the_reasons_already_given(world, client_for):
    text = "A recall notice of March 3, 2026 was missed."
    dismissed = [{"kind": "date", "text": "March 3, 2026", "reason": "A public recall date."}]
    lesson = draft_lesson(world, what_happened=text, dismissed_findings=dismissed)
    assert unresolved_findings(lesson) == []
    client = client_for(world.coordinator)
    edit = reverse("lesson-edit", args=[lesson.public_id])
    key = finding_key("date", "March 3, 2026")

    # A post that fails (no title) shows the finding again with its saved reason...
    response = client.post(edit, lesson_post(lesson, title=""))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="dismiss-{key}"' in html and "A public recall date." in html
    # ...and a save that does not carry the field keeps it, with who gave it.
    client.post(edit, lesson_post(lesson, title="A recall notice missed"))
    lesson.refresh_from_db()
    assert lesson.title == "A recall notice missed"
    assert [(d["text"], d["reason"], d["by"]) for d in lesson.dismissed_findings] == [
        ("March 3, 2026", "A public recall date.", world.coordinator.email)]
    assert unresolved_findings(lesson) == []
    # Clearing the reason on the form does remove it.
    client.post(edit, lesson_post(lesson, **{f"dismiss-{key}": ""}))
    lesson.refresh_from_db()
    assert lesson.dismissed_findings == []


def test_update_without_dismissals_keeps_them(world):
    dismissed = [{"kind": "date", "text": "March 3, 2026", "reason": "A public recall date."}]
    lesson = draft_lesson(world, what_happened="A recall of March 3, 2026 was missed.",
                          dismissed_findings=dismissed)
    stamped = lesson.dismissed_findings
    lesson = services.lesson_update(lesson=lesson, actor=world.coordinator,
                                    **{**CONTENT, "what_happened": lesson.what_happened})
    assert lesson.dismissed_findings == stamped
    # Given again unchanged, a dismissal keeps who made it and when.
    lesson = services.lesson_update(lesson=lesson, actor=world.coordinator,
                                    dismissed_findings=dismissed,
                                    **{**CONTENT, "what_happened": lesson.what_happened})
    assert lesson.dismissed_findings == stamped


def test_rows_for_actions_follow_what_was_posted(world, client_for):
    lesson = draft_lesson(world)
    post = lesson_post(lesson)
    for n in range(1, 8):
        post[f"action_{n}_text"] = f"Action {n} for the team."
        post[f"action_{n}_strength"] = "weaker"
    client_for(world.coordinator).post(reverse("lesson-edit", args=[lesson.public_id]), post)
    assert lesson.actions.count() == 7


# --- Bad input changes nothing -------------------------------------------------------------


@pytest.mark.parametrize("overrides, field", [
    ({"title": "x" * 201}, "title"),
    ({"factors": ["handover", "not_a_factor"]}, "factors"),
])
def test_the_service_checks_what_the_form_checks(world, overrides, field):
    with pytest.raises(ValidationError) as refused:
        draft_lesson(world, **overrides)
    assert field in refused.value.error_dict
    assert not Lesson.objects.exists()


def test_a_session_still_taking_nominations_is_no_origin(world):
    session = make_session(world)
    assert session.status in (SessionStatus.DRAFT, SessionStatus.INVITATIONS_SENT)
    with pytest.raises(ValidationError, match="once it has been held"):
        services.lesson_create(actor=world.facilitator, session=session, **CONTENT)
    assert not Lesson.objects.exists()


# --- Withdrawal reaches the hospitals acting on it -----------------------------------------


def test_withdrawal_tells_the_leads_of_hospitals_acting_on_it_but_not_why(world):
    lesson = published_lesson(world)
    services.lesson_set_acting(lesson=lesson, membership=world.other_staff.memberships.get(),
                               acting=True)
    services.lesson_withdraw(lesson=lesson, actor=world.coordinator,
                             reason="It pointed to a unit.")
    notices = Notification.objects.filter(kind=kinds.LESSON_WITHDRAWN.code)
    assert list(notices.values_list("recipient", flat=True)) == [world.other_lead.pk]
    notice = notices.get()
    assert lesson.title in notice.title
    assert "It pointed to a unit." not in notice.title + notice.body
    assert world.hospital.name not in notice.title + notice.body


# --- The origin's own names ----------------------------------------------------------------


def test_shortened_names_of_the_origin_hospital_are_found(world):
    world.hospital.name = "Mercy General Hospital"
    world.hospital.city = "Lodi"
    world.hospital.save()
    assert hospital_name_variants("Mercy General Hospital") == {
        "Mercy General Hospital", "Mercy General", "Mercy"}
    assert hospital_name_variants("Good Samaritan Medical Center") == {
        "Good Samaritan Medical Center", "Good Samaritan Medical", "Good Samaritan"}
    sent = origin_report(world)
    lesson = draft_lesson(world, sent_report=sent,
                          what_happened="Nurses at Mercy General found the pump paused.")
    found = {finding.text for _, finding in unresolved_findings(lesson)}
    assert "Mercy General" in found
    known = lesson_origin_identifiers(lesson)
    assert sent.report.reference in known.hospital_names and "Lodi" in known.places
    # A lesson from another hospital does not take Mercy's short name as its origin's. (The
    # text is still flagged there: the word lists know "Mercy" as a health system, and naming
    # any hospital in a shared lesson is identifying.)
    elsewhere = origin_report(world, hospital=world.other_hospital, lead=world.other_lead,
                              reporter=world.other_staff)
    other = draft_lesson(world, sent_report=elsewhere,
                         what_happened="Nurses at Mercy General found the pump paused.")
    assert "Mercy General" not in lesson_origin_identifiers(other).hospital_names


def test_a_session_origin_screens_every_presenting_hospital(world):
    session, nomination = session_world(world)
    lesson = draft_lesson(world, author=world.facilitator, session=session,
                          what_happened=f"Seen at {nomination.report.reference} first.")
    assert nomination.report.reference in {f.text for _, f in unresolved_findings(lesson)}
