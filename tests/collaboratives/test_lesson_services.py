"""Lesson services: the two-person review, screening, withdrawal, origin, and what members do."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chpso_portal.audit.models import AuditAction, AuditEvent
from chpso_portal.notifications import kinds
from chpso_portal.notifications.models import Notification, OutboxEmail
from collaboratives.lessons import selectors, services
from collaboratives.lessons.screening import finding_key, finding_rows, lesson_texts
from collaboratives.models import (
    Lesson,
    LessonAdoption,
    LessonComment,
    LessonOrigin,
    LessonStatus,
    ReviewDecision,
)
from members.roles import HospitalRole, PsoRole
from tests.conftest import make_pso
from tests.factories import ContractFactory, MembershipFactory, UserFactory

from . import make_session, session_world
from .lessons import (
    CONTENT,
    draft_lesson,
    origin_report,
    published_lesson,
    second_coordinator,
)

LESSON_KINDS = (kinds.LESSON_REVIEW.code, kinds.LESSON_COMMENT.code, kinds.LESSON_DIGEST.code)


def reviewer(world):
    """A second coordinator, so that one drafts and the other reviews."""
    return second_coordinator()


def membership(user):
    return user.memberships.get()


def submitted_lesson(world, *, author=None, **kwargs):
    author = author or world.coordinator
    lesson = draft_lesson(world, author=author, **kwargs)
    return services.lesson_submit(lesson=lesson, actor=author)


def fresh(lesson):
    return Lesson.objects.get(pk=lesson.pk)


def audit_actions(lesson):
    return list(AuditEvent.objects.filter(object_id=str(lesson.public_id))
                .order_by("id").values_list("action", flat=True))


def decisions(lesson):
    return list(lesson.reviews.order_by("id").values_list("decision", flat=True))


def library_ids(hospital, **filters):
    return [lesson.pk for lesson in selectors.library(hospital=hospital, filters=filters)]


def third_hospital(name="Sierra Test Hospital", email="lead@sierra.test"):
    hospital = ContractFactory(hospital__name=name).hospital
    lead = MembershipFactory(hospital=hospital, role=HospitalRole.SAFETY_LEAD,
                             user__email=email).user
    return hospital, lead


# --- The two-person rule -------------------------------------------------------------------


def test_the_author_cannot_publish_their_own_lesson(world):
    lesson = submitted_lesson(world, author=world.coordinator)

    with pytest.raises(ValidationError, match="two-person rule"):
        services.lesson_publish(lesson=lesson, actor=world.coordinator)

    lesson = fresh(lesson)
    assert lesson.status == LessonStatus.IN_REVIEW
    assert lesson.published_at is None
    assert lesson.published_by is None
    assert AuditAction.PUBLISH not in audit_actions(lesson)
    assert decisions(lesson) == [ReviewDecision.SUBMITTED]
    assert not selectors.library(hospital=world.hospital, filters={}).exists()


def test_the_author_cannot_return_their_own_lesson(world):
    lesson = submitted_lesson(world, author=world.coordinator)

    with pytest.raises(ValidationError, match="two-person rule"):
        services.lesson_return(lesson=lesson, actor=world.coordinator,
                               comments="Tighten the summary.")

    assert fresh(lesson).status == LessonStatus.IN_REVIEW
    assert AuditAction.RETURN not in audit_actions(lesson)
    assert decisions(lesson) == [ReviewDecision.SUBMITTED]
    assert not Notification.objects.filter(title__startswith="Lesson returned").exists()


def test_a_facilitator_cannot_publish_or_return(world):
    lesson = submitted_lesson(world, author=world.coordinator)

    with pytest.raises(PermissionDenied):
        services.lesson_publish(lesson=lesson, actor=world.facilitator)
    with pytest.raises(PermissionDenied):
        services.lesson_return(lesson=lesson, actor=world.facilitator, comments="Shorter.")

    lesson = fresh(lesson)
    assert lesson.status == LessonStatus.IN_REVIEW
    assert lesson.published_by is None
    assert decisions(lesson) == [ReviewDecision.SUBMITTED]


def test_members_cannot_publish(world):
    lesson = submitted_lesson(world)

    for person in (world.lead, world.outsider):
        with pytest.raises(PermissionDenied):
            services.lesson_publish(lesson=lesson, actor=person)

    assert fresh(lesson).status == LessonStatus.IN_REVIEW


def test_another_coordinator_publishes(world):
    lesson = submitted_lesson(world, author=world.coordinator)
    second = reviewer(world)
    before = timezone.now()

    services.lesson_publish(lesson=lesson, actor=second, comments="  Clear and general.  ")

    lesson = fresh(lesson)
    assert lesson.status == LessonStatus.PUBLISHED
    assert lesson.published_by == second
    assert lesson.published_at >= before
    review = lesson.reviews.get(decision=ReviewDecision.PUBLISHED)
    assert review.actor == second
    assert review.comments == "Clear and general."
    event = AuditEvent.objects.get(action=AuditAction.PUBLISH, object_id=str(lesson.public_id))
    assert event.actor == second
    assert event.detail == {"author": world.coordinator.pk}
    assert Notification.objects.filter(recipient=world.coordinator,
                                       kind=kinds.LESSON_REVIEW.code,
                                       title__startswith="Lesson published").count() == 1
    assert library_ids(world.other_hospital) == [lesson.pk]


def test_a_lesson_is_published_only_once(world):
    lesson = submitted_lesson(world)
    services.lesson_publish(lesson=lesson, actor=reviewer(world))

    with pytest.raises(ValidationError, match="not waiting for review"):
        services.lesson_publish(lesson=lesson, actor=reviewer(world))

    assert decisions(lesson).count(ReviewDecision.PUBLISHED) == 1


def test_the_database_refuses_a_lesson_published_by_its_author(world):
    lesson = submitted_lesson(world, author=world.coordinator)

    with pytest.raises(IntegrityError), transaction.atomic():
        Lesson.objects.filter(pk=lesson.pk).update(
            status=LessonStatus.PUBLISHED, published_at=timezone.now(),
            published_by=world.coordinator)

    lesson.status = LessonStatus.PUBLISHED
    lesson.published_at = timezone.now()
    lesson.published_by = world.coordinator
    with pytest.raises(IntegrityError), transaction.atomic():
        lesson.save()

    lesson = fresh(lesson)
    assert lesson.status == LessonStatus.IN_REVIEW
    assert lesson.published_by is None


def test_the_database_accepts_another_publisher(world):
    """The constraint above refuses only the author, not publishing as such."""
    lesson = submitted_lesson(world, author=world.coordinator)

    with transaction.atomic():
        Lesson.objects.filter(pk=lesson.pk).update(
            status=LessonStatus.PUBLISHED, published_at=timezone.now(),
            published_by=reviewer(world))

    assert fresh(lesson).status == LessonStatus.PUBLISHED


# --- Lifecycle -----------------------------------------------------------------------------


def test_a_new_lesson_is_a_draft_with_its_content(world):
    lesson = draft_lesson(world, author=world.coordinator)

    assert lesson.status == LessonStatus.DRAFT
    assert lesson.created_by == world.coordinator
    assert list(lesson.categories.values_list("category", flat=True)) == ["medication"]
    assert set(lesson.contributing_factors.values_list("code", flat=True)) == {"handover",
                                                                              "health_it"}
    assert list(lesson.actions.values_list("text", "strength")) == [
        (text, strength) for text, strength in CONTENT["actions"]]
    assert lesson.search_text == lesson.search_text.lower()
    assert "persistent banner" in lesson.search_text
    assert audit_actions(lesson) == [AuditAction.CREATE]
    assert not selectors.library(hospital=world.hospital, filters={}).exists()


def test_a_lesson_needs_a_title_text_and_harm_band(world):
    with pytest.raises(ValidationError) as refused:
        draft_lesson(world, title="  ", what_happened="", systems_issues="", harm_band="worst",
                     categories=["not-a-category"], actions=[("Do better", "strongest")])

    assert set(refused.value.message_dict) == {"title", "what_happened", "systems_issues",
                                               "harm_band", "categories", "actions"}
    assert not Lesson.objects.exists()
    assert not LessonOrigin.objects.exists()


def test_submitting_names_everything_that_is_missing(world):
    lesson = draft_lesson(world, categories=[], factors=[], actions=[])

    with pytest.raises(ValidationError, match="an event category, a contributing factor, "
                                              "a recommended action"):
        services.lesson_submit(lesson=lesson, actor=world.coordinator)

    assert fresh(lesson).status == LessonStatus.DRAFT
    assert fresh(lesson).submitted_at is None
    assert decisions(lesson) == []
    assert AuditAction.SEND not in audit_actions(lesson)


@pytest.mark.parametrize("missing, named", [
    ({"categories": []}, "an event category"),
    ({"factors": []}, "a contributing factor"),
    ({"actions": [("  ", "weaker")]}, "a recommended action"),
])
def test_submitting_names_the_one_thing_missing(world, missing, named):
    lesson = draft_lesson(world, **missing)

    with pytest.raises(ValidationError) as refused:
        services.lesson_submit(lesson=lesson, actor=world.coordinator)

    (message,) = refused.value.messages
    assert message == f"Before review the lesson needs {named}."
    assert fresh(lesson).status == LessonStatus.DRAFT


def test_draft_return_edit_resubmit_publish(world):
    session, nomination = session_world(world)
    author = world.facilitator
    lesson = draft_lesson(world, author=author, session=session,
                          sent_report=nomination.report.sent_copy)

    services.lesson_submit(lesson=lesson, actor=author)

    lesson = fresh(lesson)
    assert lesson.status == LessonStatus.IN_REVIEW
    assert lesson.submitted_at is not None
    waiting = Notification.objects.filter(kind=kinds.LESSON_REVIEW.code,
                                          title__startswith="Lesson waiting for review")
    assert set(waiting.values_list("recipient", flat=True)) == {world.coordinator.pk}
    assert list(selectors.waiting_for_review(user=world.coordinator)) == [lesson]

    # Returning needs comments.
    with pytest.raises(ValidationError, match="Say what the author should change"):
        services.lesson_return(lesson=lesson, actor=world.coordinator, comments="   ")
    assert fresh(lesson).status == LessonStatus.IN_REVIEW

    services.lesson_return(lesson=lesson, actor=world.coordinator,
                           comments="Say which kind of unit, not which unit.")

    lesson = fresh(lesson)
    assert lesson.status == LessonStatus.RETURNED
    returned = lesson.reviews.get(decision=ReviewDecision.RETURNED)
    assert returned.actor == world.coordinator
    assert returned.comments == "Say which kind of unit, not which unit."
    told = Notification.objects.get(recipient=author, title__startswith="Lesson returned")
    assert told.body == "Say which kind of unit, not which unit."
    assert told.kind == kinds.LESSON_REVIEW.code
    assert list(selectors.waiting_for_review(user=world.coordinator)) == []

    # Only the author edits and submits.
    with pytest.raises(PermissionDenied):
        services.lesson_update(lesson=lesson, actor=world.coordinator,
                               **{**CONTENT, "title": "Someone else's title"})
    with pytest.raises(PermissionDenied):
        services.lesson_submit(lesson=lesson, actor=world.coordinator)
    assert fresh(lesson).title == CONTENT["title"]
    assert fresh(lesson).status == LessonStatus.RETURNED

    services.lesson_update(lesson=lesson, actor=author,
                           **{**CONTENT, "title": "Paused infusions dropped at handover",
                              "factors": ["handover"],
                              "actions": [("Add held infusions to the handover checklist.",
                                           "weaker")]})
    lesson = fresh(lesson)
    assert lesson.title == "Paused infusions dropped at handover"
    assert "handover checklist" in lesson.search_text
    assert "persistent banner" not in lesson.search_text
    assert list(lesson.contributing_factors.values_list("code", flat=True)) == ["handover"]
    assert list(lesson.actions.values_list("strength", flat=True)) == ["weaker"]

    services.lesson_submit(lesson=lesson, actor=author)
    assert fresh(lesson).status == LessonStatus.IN_REVIEW
    assert Notification.objects.filter(
        recipient=world.coordinator, title__startswith="Lesson waiting for review").count() == 2

    services.lesson_publish(lesson=lesson, actor=world.coordinator)

    lesson = fresh(lesson)
    assert lesson.status == LessonStatus.PUBLISHED
    assert lesson.published_by == world.coordinator
    assert lesson.published_at is not None
    assert decisions(lesson) == [ReviewDecision.SUBMITTED, ReviewDecision.RETURNED,
                                 ReviewDecision.SUBMITTED, ReviewDecision.PUBLISHED]
    assert audit_actions(lesson) == [AuditAction.CREATE, AuditAction.SEND, AuditAction.RETURN,
                                     AuditAction.UPDATE, AuditAction.SEND, AuditAction.PUBLISH]
    assert Notification.objects.filter(recipient=author,
                                       title__startswith="Lesson published").exists()


def test_a_lesson_in_review_cannot_be_edited_or_submitted_again(world):
    lesson = submitted_lesson(world)

    with pytest.raises(ValidationError, match="Only a draft or a returned lesson"):
        services.lesson_update(lesson=lesson, actor=world.coordinator,
                               **{**CONTENT, "title": "Changed while in review"})
    with pytest.raises(ValidationError, match="not a draft"):
        services.lesson_submit(lesson=lesson, actor=world.coordinator)

    assert fresh(lesson).title == CONTENT["title"]
    assert decisions(lesson) == [ReviewDecision.SUBMITTED]


def test_a_published_lesson_cannot_be_edited(world):
    lesson = published_lesson(world, author=world.coordinator)

    with pytest.raises(ValidationError, match="Only a draft or a returned lesson"):
        services.lesson_update(lesson=lesson, actor=world.coordinator,
                               **{**CONTENT, "title": "Rewritten after publication",
                                  "actions": [("Something else entirely.", "weaker")]})

    lesson = fresh(lesson)
    assert lesson.status == LessonStatus.PUBLISHED
    assert lesson.title == CONTENT["title"]
    assert lesson.actions.count() == len(CONTENT["actions"])
    assert AuditAction.UPDATE not in audit_actions(lesson)


# --- Screening -----------------------------------------------------------------------------


def _in_text(text):
    return {"what_happened": f"After the event {text} reviewed the pump log with the team."}


def _in_action(text):
    return {"actions": [(f"Share the pump log review with {text} every month.", "weaker"),
                        *CONTENT["actions"]]}


IDENTIFYING = [
    ("member name", lambda w: _in_text(w.staff.full_name), "name"),
    ("member name in an action", lambda w: _in_action(w.other_lead.full_name), "name"),
    ("hospital name", lambda w: _in_text(f"the team at {w.hospital.name}"), "hospital"),
    ("hospital name in an action", lambda w: _in_action(w.hospital.name), "hospital"),
    ("city", lambda w: _in_text(f"a nurse in {w.hospital.city}"), "place"),
    ("full date", lambda w: _in_text("on March 3, 2026, a nurse"), "date"),
    ("street address", lambda w: _in_text("the clinic at 1200 Alhambra Street"), "place"),
    ("zip code", lambda w: _in_text("the clinic in ZIP 95814"), "place"),
    ("titled name", lambda w: _in_text("Dr. Castellano"), "title_name"),
]


@pytest.mark.parametrize("label, overrides, kind", IDENTIFYING, ids=[i[0] for i in IDENTIFYING])
def test_identifying_text_is_refused_at_submit(world, label, overrides, kind):
    lesson = draft_lesson(world, **overrides(world))
    from collaboratives.lessons.screening import unresolved_findings

    assert kind in {str(finding.kind) for _, finding in unresolved_findings(lesson)}

    with pytest.raises(ValidationError, match="ground rule 8"):
        services.lesson_submit(lesson=lesson, actor=world.coordinator)

    assert fresh(lesson).status == LessonStatus.DRAFT
    assert decisions(lesson) == []
    assert not Notification.objects.filter(kind=kinds.LESSON_REVIEW.code).exists()


@pytest.mark.parametrize("text", ["March 3, 2026", "1200 Alhambra Street", "Dr. Castellano"])
def test_the_refusal_quotes_the_finding(world, text):
    lesson = draft_lesson(world, **_in_text(text))

    with pytest.raises(ValidationError) as refused:
        services.lesson_submit(lesson=lesson, actor=world.coordinator)

    assert f"'{text}'" in refused.value.messages[0]


def test_clean_text_passes_screening(world):
    lesson = draft_lesson(world, **_in_text("in 2026 the charge nurse"))

    services.lesson_submit(lesson=lesson, actor=world.coordinator)

    assert fresh(lesson).status == LessonStatus.IN_REVIEW


def test_a_finding_dismissed_with_a_reason_lets_the_lesson_through(world):
    lesson = draft_lesson(world, **_in_text("on March 3, 2026, a nurse"), dismissed_findings=[
        {"kind": "date", "text": "March 3, 2026",
         "reason": "  The date of a national alert, not of the event.  "}])

    services.lesson_submit(lesson=lesson, actor=world.coordinator)

    lesson = fresh(lesson)
    assert lesson.status == LessonStatus.IN_REVIEW
    (dismissal,) = lesson.dismissed_findings
    assert dismissal["kind"] == "date"
    assert dismissal["text"] == "March 3, 2026"
    assert dismissal["reason"].strip() == "The date of a national alert, not of the event."
    assert dismissal["by"] == world.coordinator.email
    assert dismissal["at"]


def test_one_dismissal_covers_the_same_text_everywhere_in_the_lesson(world):
    lesson = draft_lesson(
        world, **_in_text("on March 3, 2026, a nurse"),
        actions=[("Review alerts issued since March 3, 2026.", "weaker")],
        dismissed_findings=[{"kind": "date", "text": "March 3, 2026",
                             "reason": "A public alert date."}])

    services.lesson_submit(lesson=lesson, actor=world.coordinator)

    assert fresh(lesson).status == LessonStatus.IN_REVIEW


@pytest.mark.parametrize("dismissal", [
    {"kind": "date", "text": "March 3, 2026", "reason": ""},
    {"kind": "date", "text": "March 3, 2026", "reason": "   "},
    {"kind": "date", "text": "March 3, 2026"},
    {"kind": "date", "text": "March 3, 2026", "reason": None},
    {"kind": "place", "text": "March 3, 2026", "reason": "Wrong kind."},
    {"kind": "date", "text": "March 4, 2026", "reason": "Another date."},
], ids=["empty reason", "blank reason", "no reason", "null reason", "other kind",
        "other text"])
def test_a_dismissal_that_does_not_match_or_has_no_reason_does_not_count(world, dismissal):
    lesson = draft_lesson(world, **_in_text("on March 3, 2026, a nurse"),
                          dismissed_findings=[dismissal])

    with pytest.raises(ValidationError, match="'March 3, 2026'"):
        services.lesson_submit(lesson=lesson, actor=world.coordinator)

    assert fresh(lesson).status == LessonStatus.DRAFT
    if not (dismissal.get("reason") or "").strip():
        assert fresh(lesson).dismissed_findings == []


def test_a_dismissal_covers_only_its_own_finding(world):
    lesson = draft_lesson(world, **_in_text("on March 3, 2026, Dr. Castellano"),
                          dismissed_findings=[{"kind": "date", "text": "March 3, 2026",
                                               "reason": "A public alert date."}])

    with pytest.raises(ValidationError) as refused:
        services.lesson_submit(lesson=lesson, actor=world.coordinator)

    assert "'Dr. Castellano'" in refused.value.messages[0]
    assert "March 3, 2026" not in refused.value.messages[0]


def test_an_edit_can_resolve_a_finding(world):
    lesson = draft_lesson(world, **_in_text("on March 3, 2026, a nurse"))
    with pytest.raises(ValidationError):
        services.lesson_submit(lesson=lesson, actor=world.coordinator)

    services.lesson_update(lesson=lesson, actor=world.coordinator,
                           **{**CONTENT, **_in_text("in 2026 a nurse")})
    services.lesson_submit(lesson=lesson, actor=world.coordinator)

    assert fresh(lesson).status == LessonStatus.IN_REVIEW


def test_finding_rows_list_each_finding_once_with_its_reason(db):
    texts = lesson_texts(what_happened="On March 3, 2026 the pump stopped.",
                         actions=[("Check pumps weekly since March 3, 2026.", "weaker"),
                                  ("Ask Dr. Castellano to review alarms.", "stronger")])

    rows, dismissed = finding_rows(texts)

    assert [(row["kind"], row["text"], row["where"]) for row in rows] == [
        ("date", "March 3, 2026", "What happened"), ("title_name", "Dr. Castellano", "Action 2")]
    assert all(row["reason"] == "" and row["explanation"] for row in rows)
    assert dismissed == []
    date_key = rows[0]["key"]
    assert date_key == finding_key("date", "March 3, 2026")

    # A reason posted with the form counts; a blank one does not.
    rows, dismissed = finding_rows(texts, posted={f"dismiss-{date_key}": "  A public date. ",
                                                  f"dismiss-{rows[1]['key']}": "   "})
    assert [row["reason"] for row in rows] == ["A public date.", ""]
    assert dismissed == [{"kind": "date", "text": "March 3, 2026", "reason": "A public date."}]

    # Without a form, the lesson's saved reasons are shown again.
    saved = [{"kind": "date", "text": "March 3, 2026", "reason": "Saved reason."}]
    rows, dismissed = finding_rows(texts, saved=saved)
    assert [row["reason"] for row in rows] == ["Saved reason.", ""]
    assert dismissed == [{"kind": "date", "text": "March 3, 2026", "reason": "Saved reason."}]

    # A form that clears the reason wins over the saved one.
    rows, dismissed = finding_rows(texts, posted={f"dismiss-{date_key}": ""}, saved=saved)
    assert dismissed == []

    # A form without the field (shown again after an error, say) keeps the saved reason.
    rows, dismissed = finding_rows(texts, posted={}, saved=saved)
    assert dismissed == [{"kind": "date", "text": "March 3, 2026", "reason": "Saved reason."}]


def test_a_name_the_portal_learns_after_submission_is_caught_at_publish(world):
    # A surname that is also an ordinary word: the word lists let "Marsh" through (a full
    # unknown name such as "Rosalind Whitcombe" is already refused at submit), and only the
    # portal's own records can tell that it is a person.
    lesson = submitted_lesson(world, **_in_text("Marsh"))
    assert fresh(lesson).status == LessonStatus.IN_REVIEW

    UserFactory(email="rw@valley.test", full_name="Rosalind Marsh")
    cache.clear()

    with pytest.raises(ValidationError, match="Marsh"):
        services.lesson_publish(lesson=lesson, actor=reviewer(world))

    lesson = fresh(lesson)
    assert lesson.status == LessonStatus.IN_REVIEW
    assert lesson.published_by is None
    assert AuditAction.PUBLISH not in audit_actions(lesson)
    assert decisions(lesson) == [ReviewDecision.SUBMITTED]
    assert not selectors.library(hospital=world.hospital, filters={}).exists()


# --- Withdrawal ----------------------------------------------------------------------------


def test_only_a_coordinator_withdraws(world):
    session, _ = session_world(world)
    lesson = published_lesson(world, author=world.facilitator, session=session)

    for person in (world.facilitator, world.lead, world.outsider):
        with pytest.raises(PermissionDenied):
            services.lesson_withdraw(lesson=lesson, actor=person, reason="Out of date.")

    assert fresh(lesson).status == LessonStatus.PUBLISHED
    assert AuditAction.WITHDRAW not in audit_actions(lesson)


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_withdrawal_needs_a_reason(world, reason):
    lesson = published_lesson(world)

    with pytest.raises(ValidationError, match="Say why the lesson is withdrawn"):
        services.lesson_withdraw(lesson=lesson, actor=world.coordinator, reason=reason)

    assert fresh(lesson).status == LessonStatus.PUBLISHED
    assert fresh(lesson).withdrawn_at is None


def test_only_a_published_lesson_is_withdrawn(world):
    draft = draft_lesson(world)
    in_review = submitted_lesson(world)

    for lesson, status in ((draft, LessonStatus.DRAFT), (in_review, LessonStatus.IN_REVIEW)):
        with pytest.raises(ValidationError, match="Only a published lesson"):
            services.lesson_withdraw(lesson=lesson, actor=reviewer(world), reason="Not needed.")
        assert fresh(lesson).status == status
        assert fresh(lesson).withdrawn_at is None


def test_a_withdrawn_lesson_leaves_the_library_and_the_reason_is_kept(world):
    lesson = published_lesson(world)
    assert library_ids(world.hospital) == [lesson.pk]
    assert selectors.lesson_for_member(hospital=world.other_hospital,
                                       public_id=lesson.public_id) is not None

    services.lesson_withdraw(lesson=lesson, actor=world.coordinator,
                             reason="  The device was recalled; the advice no longer applies. ")

    lesson = fresh(lesson)
    assert lesson.status == LessonStatus.WITHDRAWN
    assert lesson.withdrawn_at is not None
    assert library_ids(world.hospital) == []
    assert library_ids(world.other_hospital, q="infusions") == []
    for hospital in (world.hospital, world.other_hospital):
        assert selectors.lesson_for_member(hospital=hospital, public_id=lesson.public_id) is None
    event = AuditEvent.objects.get(action=AuditAction.WITHDRAW, object_id=str(lesson.public_id))
    assert event.actor == world.coordinator
    assert event.detail == {"reason": "The device was recalled; the advice no longer applies."}
    review = lesson.reviews.get(decision=ReviewDecision.WITHDRAWN)
    assert review.comments == "The device was recalled; the advice no longer applies."

    with pytest.raises(ValidationError, match="Only a published lesson"):
        services.lesson_withdraw(lesson=lesson, actor=world.coordinator, reason="Twice.")
    assert audit_actions(lesson).count(AuditAction.WITHDRAW) == 1


def test_members_cannot_act_on_or_comment_on_a_withdrawn_lesson(world):
    lesson = published_lesson(world)
    services.lesson_withdraw(lesson=lesson, actor=world.coordinator, reason="Recalled device.")

    # Both the object held before the withdrawal and one read afterwards are refused.
    for copy in (lesson, fresh(lesson)):
        with pytest.raises(ValidationError, match="no longer published"):
            services.lesson_set_acting(lesson=copy, membership=membership(world.lead),
                                       acting=True)
        with pytest.raises(ValidationError, match="no longer published"):
            services.lesson_comment(lesson=copy, membership=membership(world.lead),
                                    text="Is this still current?")

    assert not LessonAdoption.objects.exists()
    assert not LessonComment.objects.exists()
    assert not Notification.objects.filter(kind=kinds.LESSON_COMMENT.code).exists()


def test_members_cannot_act_on_or_comment_on_an_unpublished_lesson(world):
    lesson = submitted_lesson(world)

    with pytest.raises(ValidationError):
        services.lesson_set_acting(lesson=lesson, membership=membership(world.lead), acting=True)
    with pytest.raises(ValidationError):
        services.lesson_comment(lesson=lesson, membership=membership(world.lead), text="Hello.")

    assert not LessonAdoption.objects.exists()
    assert not LessonComment.objects.exists()


# --- Origin --------------------------------------------------------------------------------


def test_the_origin_records_the_session_the_report_and_the_hospital(world):
    session, nomination = session_world(world)
    sent = nomination.report.sent_copy

    lesson = draft_lesson(world, author=world.facilitator, session=session, sent_report=sent)

    origin = LessonOrigin.objects.get(lesson=lesson)
    assert origin.session == session
    assert origin.sent_report == sent
    assert origin.hospital == world.hospital


def test_the_origin_of_a_lesson_from_a_sent_report_alone(world):
    sent = origin_report(world, hospital=world.other_hospital, lead=world.other_lead,
                         reporter=world.other_staff)

    lesson = draft_lesson(world, author=world.coordinator, sent_report=sent)

    origin = lesson.origin
    assert origin.session is None
    assert origin.sent_report == sent
    assert origin.hospital == world.other_hospital


def test_the_origin_of_a_lesson_from_a_session_alone(world):
    session, _ = session_world(world)

    lesson = draft_lesson(world, author=world.facilitator, session=session)

    assert lesson.origin.session == session
    assert lesson.origin.sent_report is None
    assert lesson.origin.hospital is None


def test_a_lesson_needs_an_origin(world):
    with pytest.raises(ValidationError, match="from a session or from a report"):
        services.lesson_create(actor=world.coordinator, session=None, sent_report=None,
                               **CONTENT)

    assert not Lesson.objects.exists()


def test_a_facilitator_cannot_draft_from_a_report_that_was_not_a_case_in_their_session(world):
    session, _ = session_world(world)
    elsewhere = origin_report(world)  # sent to the PSO, never nominated

    with pytest.raises(ValidationError, match="presented in your sessions"):
        draft_lesson(world, author=world.facilitator, sent_report=elsewhere)
    with pytest.raises(ValidationError, match="presented in your sessions"):
        draft_lesson(world, author=world.facilitator, session=session, sent_report=elsewhere)

    assert not Lesson.objects.exists()
    assert not LessonOrigin.objects.exists()


def test_a_report_must_be_a_case_in_the_chosen_session(world):
    """Even for a coordinator, who may draft from any sent report."""
    session, _ = session_world(world)
    elsewhere = origin_report(world)

    with pytest.raises(ValidationError, match="not a case in the chosen session"):
        draft_lesson(world, author=world.coordinator, session=session, sent_report=elsewhere)

    assert not Lesson.objects.exists()


def test_a_report_from_another_of_their_sessions_does_not_fit_this_session(world):
    session, nomination = session_world(world)
    other_session = make_session(world, title="Pump programming at night")

    with pytest.raises(ValidationError):
        draft_lesson(world, author=world.facilitator, session=other_session,
                     sent_report=nomination.report.sent_copy)

    assert not Lesson.objects.exists()


def test_a_facilitator_cannot_draft_from_a_session_they_do_not_facilitate(world):
    session, nomination = session_world(world)
    stranger = make_pso(PsoRole.FACILITATOR, "other.facilitator@pso.test")

    with pytest.raises(ValidationError, match="only from your own sessions"):
        draft_lesson(world, author=stranger, session=session)
    with pytest.raises(ValidationError, match="only from your own sessions"):
        draft_lesson(world, author=stranger, session=session,
                     sent_report=nomination.report.sent_copy)
    with pytest.raises(ValidationError, match="presented in your sessions"):
        draft_lesson(world, author=stranger, sent_report=nomination.report.sent_copy)

    assert not Lesson.objects.exists()


def test_members_and_outsiders_cannot_draft(world):
    for person in (world.lead, world.staff, world.outsider):
        with pytest.raises(PermissionDenied):
            draft_lesson(world, author=person, sent_report=origin_report(world))

    assert not Lesson.objects.exists()


def test_nothing_the_lesson_services_write_names_the_origin(world):
    session, nomination = session_world(world)
    sent = nomination.report.sent_copy
    author = world.facilitator
    lesson = draft_lesson(world, author=author, session=session, sent_report=sent)
    services.lesson_submit(lesson=lesson, actor=author)
    services.lesson_return(lesson=lesson, actor=world.coordinator,
                           comments="Describe the unit in general terms.")
    services.lesson_update(lesson=lesson, actor=author, **CONTENT)
    services.lesson_submit(lesson=lesson, actor=author)
    services.lesson_publish(lesson=lesson, actor=world.coordinator)
    for user in (world.lead, world.other_staff):
        services.lesson_set_acting(lesson=lesson, membership=membership(user), acting=True)
        services.lesson_comment(lesson=lesson, membership=membership(user),
                                text="We are adding this to our handover tool.")
    services.lesson_set_acting(lesson=lesson, membership=membership(world.lead), acting=False)
    services.lesson_withdraw(lesson=lesson, actor=reviewer(world), reason="Superseded.")

    secrets = [world.hospital.name, world.hospital.city, "MTH", session.title,
               nomination.report.reference, sent.data.get("reference") or "?"]
    notices = Notification.objects.filter(kind__in=LESSON_KINDS)
    assert notices.count() >= 5
    emails = OutboxEmail.objects.filter(kind__in=LESSON_KINDS)
    events = AuditEvent.objects.filter(object_type__startswith="collaboratives.lesson")
    assert events.count() >= 10
    written = ([n.title for n in notices] + [n.body for n in notices]
               + [e.subject for e in emails] + [e.body for e in emails]
               + [e.summary for e in events] + [str(e.detail) for e in events])
    for text in written:
        for secret in secrets:
            assert secret not in text, (secret, text)


# --- Acting on this ------------------------------------------------------------------------


def test_marking_is_per_hospital_idempotent_and_audited(world):
    lesson = published_lesson(world)

    assert services.lesson_set_acting(lesson=lesson, membership=membership(world.lead),
                                      acting=True) is True
    assert services.lesson_set_acting(lesson=lesson, membership=membership(world.lead),
                                      acting=True) is True
    services.lesson_set_acting(lesson=lesson, membership=membership(world.staff), acting=True)

    (adoption,) = LessonAdoption.objects.filter(lesson=lesson)
    assert adoption.hospital == world.hospital
    assert adoption.marked_by == world.lead
    marked = AuditEvent.objects.filter(object_id=str(lesson.public_id),
                                       summary="Marked a lesson as acted on")
    assert marked.count() == 1
    assert marked.get().hospital == world.hospital
    assert marked.get().actor == world.lead

    # Any member of the hospital can unmark it, once.
    assert services.lesson_set_acting(lesson=lesson, membership=membership(world.staff),
                                      acting=False) is False
    services.lesson_set_acting(lesson=lesson, membership=membership(world.staff), acting=False)

    assert not LessonAdoption.objects.filter(lesson=lesson).exists()
    unmarked = AuditEvent.objects.filter(object_id=str(lesson.public_id),
                                         summary="Unmarked a lesson as acted on")
    assert unmarked.count() == 1
    assert unmarked.get().hospital == world.hospital
    assert unmarked.get().actor == world.staff


@pytest.mark.parametrize("count, label", [
    (0, "fewer than 3"),
    (1, "fewer than 3"),
    (2, "fewer than 3"),
    (3, "3"),
    (4, "4"),
])
def test_the_acting_label_hides_small_counts(count, label):
    assert selectors.acting_label(count) == label


def test_the_library_counts_hospitals_not_people(world):
    lesson = published_lesson(world)  # its origin is world.hospital

    def row(hospital):
        (only,) = selectors.library(hospital=hospital, filters={})
        assert only.pk == lesson.pk
        return only

    assert row(world.hospital).acting_hospitals == 0

    # The origin hospital is not counted because it is the origin, only if it marks.
    services.lesson_set_acting(lesson=lesson, membership=membership(world.other_lead),
                               acting=True)
    services.lesson_set_acting(lesson=lesson, membership=membership(world.other_staff),
                               acting=True)
    assert row(world.hospital).acting_hospitals == 1
    assert row(world.hospital).acting_here == 0
    assert row(world.other_hospital).acting_here == 1

    services.lesson_set_acting(lesson=lesson, membership=membership(world.lead), acting=True)
    services.lesson_set_acting(lesson=lesson, membership=membership(world.staff), acting=True)
    assert row(world.other_hospital).acting_hospitals == 2
    assert selectors.acting_label(row(world.other_hospital).acting_hospitals) == "fewer than 3"

    _, sierra_lead = third_hospital()
    services.lesson_set_acting(lesson=lesson, membership=membership(sierra_lead), acting=True)
    assert row(world.hospital).acting_hospitals == 3
    assert selectors.acting_label(row(world.hospital).acting_hospitals) == "3"
    # What a member sees leaves out their own hospital: Mercy sees the two others.
    assert selectors.others_acting(row(world.hospital)) == 2
    other_row = row(world.other_hospital)
    assert (selectors.others_acting(other_row), other_row.acting_here) == (2, 1)
    detail = selectors.lesson_for_member(hospital=world.hospital, public_id=lesson.public_id)
    assert detail.acting_hospitals == 3
    (pso_row,) = selectors.lessons_for_pso(user=world.coordinator)
    assert pso_row.acting_hospitals == 3


def test_counts_belong_to_each_lesson(world):
    first = published_lesson(world)
    second = published_lesson(world, title="Falls after night sedation")
    services.lesson_set_acting(lesson=first, membership=membership(world.lead), acting=True)
    services.lesson_set_acting(lesson=first, membership=membership(world.other_lead), acting=True)

    counts = {lesson.pk: lesson.acting_hospitals
              for lesson in selectors.library(hospital=world.hospital, filters={})}

    assert counts == {first.pk: 2, second.pk: 0}


# --- Private comments ----------------------------------------------------------------------


def test_a_comment_is_kept_with_hospital_and_author_and_coordinators_are_told(world):
    lesson = published_lesson(world)  # origin: world.hospital
    second = reviewer(world)

    comment = services.lesson_comment(lesson=lesson, membership=membership(world.other_staff),
                                      text="  We tried this and the banner was ignored.  ")

    comment = LessonComment.objects.get(pk=comment.pk)
    assert comment.lesson == lesson
    assert comment.hospital == world.other_hospital
    assert comment.author == world.other_staff
    assert comment.text == "We tried this and the banner was ignored."
    notices = Notification.objects.filter(kind=kinds.LESSON_COMMENT.code)
    assert set(notices.values_list("recipient", flat=True)) == {world.coordinator.pk, second.pk}
    for notice in notices:
        assert notice.title.startswith("Member comment on a lesson")
        for name in (world.other_hospital.name, world.hospital.name, "Valley", "Mercy",
                     world.other_staff.full_name, world.other_staff.email):
            assert name not in notice.title
            assert name not in notice.body
    event = AuditEvent.objects.get(summary="Commented to the PSO on a lesson")
    assert event.hospital == world.other_hospital
    assert event.actor == world.other_staff


@pytest.mark.parametrize("text, error", [
    ("", "Write your comment"),
    ("   \n ", "Write your comment"),
    ("x" * (services.COMMENT_MAX_LENGTH + 1), "under 2000 characters"),
])
def test_an_empty_or_too_long_comment_is_refused(world, text, error):
    lesson = published_lesson(world)

    with pytest.raises(ValidationError, match=error):
        services.lesson_comment(lesson=lesson, membership=membership(world.lead), text=text)

    assert not LessonComment.objects.exists()
    assert not Notification.objects.filter(kind=kinds.LESSON_COMMENT.code).exists()


def test_a_comment_of_the_longest_length_is_kept(world):
    lesson = published_lesson(world)

    services.lesson_comment(lesson=lesson, membership=membership(world.lead),
                            text="x" * services.COMMENT_MAX_LENGTH)

    assert LessonComment.objects.get().text == "x" * services.COMMENT_MAX_LENGTH


# --- The library ---------------------------------------------------------------------------

FALLS = {
    "title": "Falls after night sedation",
    "what_happened": "An older patient given a sedative at night got up alone and fell.",
    "systems_issues": "Bed exit alarms were switched off by default on admission.",
    "what_helped": "A toileting round every two hours.",
    "categories": ["fall"],
    "factors": ["policies"],
    "actions": [("Turn bed exit alarms on by default for sedated patients.", "weaker")],
}


def test_search_needs_every_word_in_any_text_whatever_the_case(world):
    pumps = published_lesson(world)
    falls = published_lesson(world, **FALLS)

    assert library_ids(world.hospital, q="PAUSED Infusions") == [pumps.pk]
    assert library_ids(world.hospital, q="sedation") == [falls.pk]  # title
    assert library_ids(world.hospital, q="older FELL") == [falls.pk]  # what happened
    assert library_ids(world.hospital, q="switched") == [falls.pk]  # systems issues
    assert library_ids(world.hospital, q="pharmacist") == [pumps.pk]  # what helped
    assert library_ids(world.hospital, q="persistent banner") == [pumps.pk]  # an action
    assert library_ids(world.hospital, q="paused sedation") == []
    assert library_ids(world.hospital, q="nothing-like-this") == []
    assert set(library_ids(world.hospital, q="  ")) == {pumps.pk, falls.pk}


def test_search_sees_the_text_as_last_edited(world):
    lesson = draft_lesson(world)
    services.lesson_update(lesson=lesson, actor=world.coordinator,
                           **{**CONTENT, "title": "Held doses missed at shift change"})
    services.lesson_submit(lesson=lesson, actor=world.coordinator)
    services.lesson_publish(lesson=lesson, actor=reviewer(world))

    assert library_ids(world.hospital, q="held doses") == [lesson.pk]
    assert library_ids(world.hospital, q="lost") == []


def test_the_library_filters_by_category_factor_strength_and_year(world):
    pumps = published_lesson(world)
    falls = published_lesson(world, **FALLS)
    last_year = timezone.localdate().year - 1
    Lesson.objects.filter(pk=falls.pk).update(
        published_at=datetime(last_year, 6, 15, 18, 0, tzinfo=UTC))

    assert library_ids(world.hospital, category="medication") == [pumps.pk]
    assert library_ids(world.hospital, category="fall") == [falls.pk]
    assert library_ids(world.hospital, category="vte") == []
    assert library_ids(world.hospital, factor="health_it") == [pumps.pk]
    assert library_ids(world.hospital, factor="policies") == [falls.pk]
    assert library_ids(world.hospital, factor="culture") == []
    assert library_ids(world.hospital, strength="stronger") == [pumps.pk]
    assert library_ids(world.hospital, strength="weaker") == [falls.pk]
    assert library_ids(world.hospital, year=last_year) == [falls.pk]
    assert library_ids(world.hospital, year=str(last_year + 1)) == [pumps.pk]
    assert library_ids(world.hospital, category="fall", year=last_year + 1) == []
    assert library_ids(world.hospital, category="fall", strength="weaker", q="alarms") == \
        [falls.pk]


def test_the_library_is_newest_first(world):
    now = timezone.now()
    lessons = [published_lesson(world, title=f"Lesson number {n}") for n in range(3)]
    for age, lesson in zip((2, 0, 1), lessons, strict=True):
        Lesson.objects.filter(pk=lesson.pk).update(published_at=now - timedelta(days=age))

    assert library_ids(world.hospital) == [lessons[1].pk, lessons[2].pk, lessons[0].pk]


def test_the_library_shows_only_published_lessons(world):
    published = published_lesson(world, title="The published one")
    draft = draft_lesson(world, title="The draft")
    in_review = submitted_lesson(world, title="The one in review")
    returned = submitted_lesson(world, title="The returned one")
    services.lesson_return(lesson=returned, actor=reviewer(world), comments="Shorter, please.")
    withdrawn = published_lesson(world, title="The withdrawn one")
    services.lesson_withdraw(lesson=withdrawn, actor=world.coordinator, reason="Superseded.")

    assert library_ids(world.hospital) == [published.pk]
    assert library_ids(world.hospital, q="the one") == [published.pk]
    for word in ("draft", "returned", "withdrawn"):
        assert library_ids(world.hospital, q=word) == []
    assert library_ids(world.other_hospital, category="medication") == [published.pk]
    for hidden in (draft, in_review, returned, withdrawn):
        assert selectors.lesson_for_member(hospital=world.hospital,
                                           public_id=hidden.public_id) is None


def test_waiting_for_review_leaves_out_the_reviewers_own_lessons(world):
    session, _ = session_world(world)
    own = submitted_lesson(world, author=world.coordinator)
    theirs = submitted_lesson(world, author=world.facilitator, session=session)

    assert list(selectors.waiting_for_review(user=world.coordinator)) == [theirs]
    assert set(selectors.waiting_for_review(user=reviewer(world))) == {own, theirs}
    assert list(selectors.waiting_for_review(user=world.facilitator)) == []


def test_display_copies_follow_the_child_rows(world):
    lesson = draft_lesson(world, categories=["fall", "device"],
                          actions=[("Lower the beds.", "weaker"),
                                   ("Alarm at the desk.", "stronger"),
                                   ("A second alarm tone.", "weaker")])
    assert lesson.category_codes == sorted(c.category for c in lesson.categories.all())
    assert lesson.action_strengths == ["stronger", "weaker"]  # strongest first, once each
    lesson = services.lesson_update(lesson=lesson, actor=world.coordinator,
                                    **{**CONTENT, "categories": ["medication"],
                                       "actions": [("Barcode scanning.", "intermediate")]})
    lesson.refresh_from_db()
    assert (lesson.category_codes, lesson.action_strengths) == (["medication"],
                                                                 ["intermediate"])
    assert [a.strength for a in lesson.actions.all()] == ["intermediate"]
