"""Every write on lessons: drafting, the two-person review, withdrawal, and what members do.

Each refusal is a ValidationError whose message the user can read. The origin of a lesson is
written once, at creation, into LessonOrigin; nothing here ever copies it into a title, a body,
a notification or an audit summary that members could see.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import ContributingFactor, SentReport
from cases.taxonomy import EventCategory
from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.notifications import kinds
from chpso_portal.notifications.services import notify
from members import selectors as member_selectors
from members.models import Membership
from members.roles import HospitalRole, Scope

from ..models import (
    LESSON_SOURCE_STATUSES,
    ActionStrength,
    HarmBand,
    Lesson,
    LessonAdoption,
    LessonComment,
    LessonOrigin,
    LessonReview,
    LessonStatus,
    NominationStatus,
    RecommendedAction,
    ReviewDecision,
)
from .screening import unresolved_findings
from .selectors import forget_published_years

MAX_ACTIONS = 10
TITLE_MAX_LENGTH = 200
COMMENT_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 500
TEXT_FIELDS = ("title", "what_happened", "systems_issues", "what_helped")
CATEGORY_CODES = frozenset(EventCategory.values)


def _pso_link(lesson) -> str:
    return reverse("lesson-pso-detail", args=[lesson.public_id])


def _short(title: str) -> str:
    return title if len(title) <= 150 else title[:149] + "\u2026"


def reviewers(*, besides):
    """Coordinators who may review: everyone holding lessons.review except the author."""
    return [user for user in member_selectors.coordinators().exclude(pk=besides.pk)
            if Scope.LESSONS_REVIEW in user.pso_scopes]


# --- Drafting ----------------------------------------------------------------------------


def _clean_content(*, title, what_happened, systems_issues, what_helped, harm_band, categories,
                   factors, actions) -> dict:
    errors = {}
    title = (title or "").strip()
    what_happened = (what_happened or "").strip()
    systems_issues = (systems_issues or "").strip()
    what_helped = (what_helped or "").strip()
    if not title:
        errors["title"] = "Give the lesson a title."
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"Keep the title under {TITLE_MAX_LENGTH} characters."
    if not what_happened:
        errors["what_happened"] = "Say what happened, in general terms."
    if not systems_issues:
        errors["systems_issues"] = "Describe the systems issues."
    if harm_band not in HarmBand.values:
        errors["harm_band"] = "Choose a harm band."
    categories = sorted({code for code in categories or () if code})
    if any(code not in CATEGORY_CODES for code in categories):
        errors["categories"] = "Choose event categories from the list."
    factors = sorted({code for code in factors or () if code})
    if factors and ContributingFactor.objects.filter(pk__in=factors).count() != len(factors):
        errors["factors"] = "Choose contributing factors from the list."
    cleaned_actions = []
    for text, strength in actions or ():
        text = (text or "").strip()
        if not text:
            continue
        if strength not in ActionStrength.values:
            errors["actions"] = "Give each recommended action its strength."
        cleaned_actions.append((text, strength))
    if len(cleaned_actions) > MAX_ACTIONS:
        errors["actions"] = f"A lesson has at most {MAX_ACTIONS} recommended actions."
    if errors:
        raise ValidationError(errors)
    return {"title": title, "what_happened": what_happened, "systems_issues": systems_issues,
            "what_helped": what_helped, "harm_band": harm_band, "categories": categories,
            "factors": factors, "actions": cleaned_actions}


def _display_copies(content: dict) -> dict:
    """What a library row shows of the child rows: categories and the actions' strengths."""
    present = {strength for _, strength in content["actions"]}
    return {"category_codes": list(content["categories"]),
            "action_strengths": [s for s in ActionStrength.values if s in present]}


def _search_text(content: dict) -> str:
    parts = [content[name] for name in TEXT_FIELDS] + [text for text, _ in content["actions"]]
    return "\n".join(parts).lower()


def _write_children(lesson: Lesson, content: dict) -> None:
    lesson.contributing_factors.set(content["factors"])
    lesson.categories.all().delete()
    lesson.categories.bulk_create(
        [lesson.categories.model(lesson=lesson, category=code) for code in content["categories"]])
    lesson.actions.all().delete()
    RecommendedAction.objects.bulk_create(
        [RecommendedAction(lesson=lesson, position=position, text=text, strength=strength)
         for position, (text, strength) in enumerate(content["actions"])])


def _stamp(dismissed: list[dict] | None, actor, saved: list[dict] = ()) -> list[dict]:
    """Dismissals with who and when; one kept unchanged keeps its first author and time."""
    now = timezone.now().isoformat()
    before = {(d.get("kind"), d.get("text"), d.get("reason")): d for d in saved}
    stamped = []
    for d in dismissed or ():
        reason = (d.get("reason") or "").strip()[:300]
        if not reason:
            continue
        earlier = before.get((d["kind"], d["text"], reason))
        stamped.append({"kind": d["kind"], "text": d["text"], "reason": reason,
                        "by": earlier["by"] if earlier else actor.email,
                        "at": earlier["at"] if earlier else now})
    return stamped


def _check_origin(*, actor, session, sent_report) -> None:
    if session is None and sent_report is None:
        raise ValidationError("Draft a lesson from a session or from a report sent to the PSO.")
    if session is not None and session.status not in LESSON_SOURCE_STATUSES:
        raise ValidationError({"session": "A lesson comes from a session once it has been "
                                          "held."})
    if session is not None:
        may = (Scope.SESSIONS_ALL in actor.pso_scopes
               or session.facilitators.filter(pk=actor.pk).exists())
        if not may:
            raise ValidationError({"session": "You can draft lessons only from your own "
                                              "sessions."})
    if sent_report is not None and Scope.PSO_REPORTS not in actor.pso_scopes:
        # Without the reports scope, only a case presented in one of the actor's sessions.
        presented = sent_report.report.nominations.filter(
            status=NominationStatus.ACCEPTED, session__facilitators=actor)
        if session is not None:
            presented = presented.filter(session=session)
        if not presented.exists():
            raise ValidationError({"report": "You can draft lessons only from reports "
                                             "presented in your sessions."})
    if (session is not None and sent_report is not None and not sent_report.report.nominations
            .filter(session=session, status=NominationStatus.ACCEPTED).exists()):
        raise ValidationError({"report": "That report was not a case in the chosen session."})


@transaction.atomic
def lesson_create(*, actor, session=None, sent_report: SentReport | None = None,
                  dismissed_findings: list[dict] | None = None, **content) -> Lesson:
    if Scope.LESSONS_DRAFT not in actor.pso_scopes:
        raise PermissionDenied("Only PSO staff draft lessons.")
    _check_origin(actor=actor, session=session, sent_report=sent_report)
    content = _clean_content(**content)
    lesson = Lesson.objects.create(
        created_by=actor, search_text=_search_text(content), **_display_copies(content),
        dismissed_findings=_stamp(dismissed_findings, actor),
        **{name: content[name] for name in (*TEXT_FIELDS, "harm_band")},
    )
    _write_children(lesson, content)
    LessonOrigin.objects.create(
        lesson=lesson, session=session, sent_report=sent_report,
        hospital=sent_report.hospital if sent_report is not None else None,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=lesson,
                 summary="Drafted a lesson")
    return lesson


def _lock(lesson: Lesson) -> Lesson:
    return Lesson.objects.select_for_update().get(pk=lesson.pk)


@transaction.atomic
def lesson_update(*, lesson: Lesson, actor, dismissed_findings: list[dict] | None = None,
                  **content) -> Lesson:
    lesson = _lock(lesson)
    if lesson.created_by_id != actor.pk:
        raise PermissionDenied("Only the author edits a draft lesson.")
    if not lesson.is_editable:
        raise ValidationError("Only a draft or a returned lesson can be changed.")
    content = _clean_content(**content)
    for name in (*TEXT_FIELDS, "harm_band"):
        setattr(lesson, name, content[name])
    lesson.search_text = _search_text(content)
    for name, value in _display_copies(content).items():
        setattr(lesson, name, value)
    if dismissed_findings is not None:  # None keeps the dismissals as they are
        lesson.dismissed_findings = _stamp(dismissed_findings, actor,
                                           saved=lesson.dismissed_findings)
    lesson.revision += 1
    lesson.updated_at = timezone.now()
    lesson.save()
    _write_children(lesson, content)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=lesson, summary="Edited a lesson")
    return lesson


def _refuse_unresolved(lesson: Lesson) -> None:
    unresolved = unresolved_findings(lesson)
    if unresolved:
        listed = "; ".join(f"'{finding.text}'" for _, finding in unresolved[:5])
        raise ValidationError(
            "The lesson may still identify a provider, a reporter, a hospital, a place below "
            "state level or a date finer than the year: fix or dismiss each finding with a "
            f"reason (ground rule 8): {listed}.")


@transaction.atomic
def lesson_submit(*, lesson: Lesson, actor) -> Lesson:
    lesson = _lock(lesson)
    if lesson.created_by_id != actor.pk:
        raise PermissionDenied("Only the author submits a lesson for review.")
    if not lesson.is_editable:
        raise ValidationError("This lesson is not a draft.")
    missing = []
    if not lesson.categories.exists():
        missing.append("an event category")
    if not lesson.contributing_factors.exists():
        missing.append("a contributing factor")
    if not lesson.actions.exists():
        missing.append("a recommended action")
    if missing:
        raise ValidationError("Before review the lesson needs " + ", ".join(missing) + ".")
    _refuse_unresolved(lesson)
    lesson.status = LessonStatus.IN_REVIEW
    lesson.submitted_at = timezone.now()
    lesson.save(update_fields=["status", "submitted_at"])
    LessonReview.objects.create(lesson=lesson, actor=actor, decision=ReviewDecision.SUBMITTED)
    audit_record(actor=actor, action=AuditAction.SEND, obj=lesson,
                 summary="Submitted a lesson for review")
    notify(kind=kinds.LESSON_REVIEW,
           event_key=f"lesson:{lesson.pk}:submitted:{lesson.submitted_at:%Y%m%d%H%M%S%f}",
           recipients=reviewers(besides=actor),
           title=f"Lesson waiting for review: {_short(lesson.title)}",
           body="A second person reviews every lesson before members see it.",
           link=_pso_link(lesson))
    return lesson


# --- The two-person review ---------------------------------------------------------------


def _check_reviewer(lesson: Lesson, actor, revision: int | None) -> None:
    if Scope.LESSONS_REVIEW not in actor.pso_scopes:
        raise PermissionDenied("Only a PSO coordinator reviews lessons.")
    if lesson.created_by_id == actor.pk:
        raise ValidationError("You drafted this lesson: another coordinator must review it "
                              "(two-person rule).")
    if lesson.status != LessonStatus.IN_REVIEW:
        raise ValidationError("This lesson is not waiting for review.")
    if revision is not None and revision != lesson.revision:
        raise ValidationError("The lesson changed since you opened it: read it again before "
                              "you decide.")


@transaction.atomic
def lesson_publish(*, lesson: Lesson, actor, comments: str = "",
                   revision: int | None = None) -> Lesson:
    """Publish what the reviewer read: `revision`, when given, must still be the lesson's."""
    lesson = _lock(lesson)
    _check_reviewer(lesson, actor, revision)
    # Screened again: names the portal learned since the author's check count too.
    _refuse_unresolved(lesson)
    lesson.status = LessonStatus.PUBLISHED
    lesson.published_at = timezone.now()
    lesson.published_by = actor
    try:
        with transaction.atomic():
            lesson.save(update_fields=["status", "published_at", "published_by"])
    except IntegrityError as exc:  # the database's own guard on the two-person rule
        raise ValidationError("Another coordinator must publish this lesson.") from exc
    LessonReview.objects.create(lesson=lesson, actor=actor, decision=ReviewDecision.PUBLISHED,
                                comments=(comments or "").strip())
    forget_published_years()
    transaction.on_commit(forget_published_years)  # and after, against a concurrent refill
    audit_record(actor=actor, action=AuditAction.PUBLISH, obj=lesson,
                 summary="Published a lesson to member hospitals",
                 detail={"author": lesson.created_by_id})
    notify(kind=kinds.LESSON_REVIEW, event_key=f"lesson:{lesson.pk}:published",
           recipients=[lesson.created_by], title=f"Lesson published: {_short(lesson.title)}",
           link=_pso_link(lesson))
    return lesson


@transaction.atomic
def lesson_return(*, lesson: Lesson, actor, comments: str,
                  revision: int | None = None) -> Lesson:
    comments = (comments or "").strip()
    if not comments:
        raise ValidationError({"comments": "Say what the author should change."})
    lesson = _lock(lesson)
    _check_reviewer(lesson, actor, revision)
    lesson.status = LessonStatus.RETURNED
    lesson.save(update_fields=["status"])
    review = LessonReview.objects.create(lesson=lesson, actor=actor,
                                         decision=ReviewDecision.RETURNED, comments=comments)
    audit_record(actor=actor, action=AuditAction.RETURN, obj=lesson,
                 summary="Returned a lesson to its author")
    notify(kind=kinds.LESSON_REVIEW, event_key=f"lesson:{lesson.pk}:returned:{review.pk}",
           recipients=[lesson.created_by], title=f"Lesson returned: {_short(lesson.title)}",
           body=comments, link=_pso_link(lesson))
    return lesson


@transaction.atomic
def lesson_withdraw(*, lesson: Lesson, actor, reason: str) -> Lesson:
    reason = (reason or "").strip()[:REASON_MAX_LENGTH]
    if Scope.LESSONS_REVIEW not in actor.pso_scopes:
        raise PermissionDenied("Only a PSO coordinator withdraws lessons.")
    if not reason:
        raise ValidationError({"reason": "Say why the lesson is withdrawn."})
    lesson = _lock(lesson)
    if lesson.status != LessonStatus.PUBLISHED:
        raise ValidationError("Only a published lesson can be withdrawn.")
    lesson.status = LessonStatus.WITHDRAWN
    lesson.withdrawn_at = timezone.now()
    lesson.save(update_fields=["status", "withdrawn_at"])
    LessonReview.objects.create(lesson=lesson, actor=actor, decision=ReviewDecision.WITHDRAWN,
                                comments=reason)
    forget_published_years()
    transaction.on_commit(forget_published_years)  # and after, against a concurrent refill
    audit_record(actor=actor, action=AuditAction.WITHDRAW, obj=lesson,
                 summary="Withdrew a published lesson", detail={"reason": reason})
    # Hospitals that said they act on it hear that it is gone (not why: that stays with the PSO).
    leads = Membership.objects.active().filter(
        role=HospitalRole.SAFETY_LEAD,
        hospital_id__in=LessonAdoption.objects.filter(lesson=lesson).values("hospital_id"))
    notify(kind=kinds.LESSON_WITHDRAWN, event_key=f"lesson:{lesson.pk}:withdrawn",
           recipients=get_user_model().objects.filter(pk__in=leads.values("user_id")),
           title=f"Lesson withdrawn: {_short(lesson.title)}",
           body="The PSO withdrew this lesson, which your hospital marked as acting on. "
                "If you changed practice because of it, your PSO coordinator can tell you more.")
    return lesson


# --- What members do ---------------------------------------------------------------------


def _check_published(lesson: Lesson) -> None:
    if lesson.status != LessonStatus.PUBLISHED:
        raise ValidationError("This lesson is no longer published.")


@transaction.atomic
def lesson_set_acting(*, lesson: Lesson, membership, acting: bool) -> bool:
    """Mark or unmark "we are acting on this" for the member's hospital. Returns the new state."""
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    _check_published(lesson)
    hospital = membership.hospital
    existing = LessonAdoption.objects.filter(lesson=lesson, hospital=hospital)
    if acting and not existing.exists():
        LessonAdoption.objects.create(lesson=lesson, hospital=hospital,
                                      marked_by=membership.user)
        audit_record(actor=membership.user, action=AuditAction.CREATE, obj=lesson,
                     hospital=hospital, summary="Marked a lesson as acted on")
    elif not acting and existing.exists():
        existing.delete()
        audit_record(actor=membership.user, action=AuditAction.UPDATE, obj=lesson,
                     hospital=hospital, summary="Unmarked a lesson as acted on")
    return acting


@transaction.atomic
def lesson_comment(*, lesson: Lesson, membership, text: str,
                   dismissed_findings: list[dict] | None = None) -> LessonComment:
    """A member's comment to the PSO. The text leaves the hospital, so it is screened: each
    finding is fixed or dismissed with a reason ({kind, text, reason}) before it is sent."""
    from cases.screening import listed, screen_texts, unresolved

    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write your comment."})
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError({"text": f"Keep the comment under {COMMENT_MAX_LENGTH} "
                                       "characters."})
    if left := unresolved(screen_texts([("text", "Your comment", text)]), dismissed_findings):
        raise ValidationError({"text": "Some words may identify a person, a hospital, a place "
                                       "or a date: change them, or give a reason to keep "
                                       f"each one: {listed(left)}."})
    lesson = _lock(lesson)  # the status in the database, not the caller's copy
    _check_published(lesson)
    comment = LessonComment.objects.create(
        lesson=lesson, hospital=membership.hospital, author=membership.user, text=text,
        dismissed_findings=_stamp(dismissed_findings, membership.user))
    audit_record(actor=membership.user, action=AuditAction.CREATE, obj=comment,
                 hospital=membership.hospital, summary="Commented to the PSO on a lesson")
    notify(kind=kinds.LESSON_COMMENT, event_key=f"lesson-comment:{comment.pk}",
           recipients=member_selectors.coordinators(),
           title=f"Member comment on a lesson: {_short(lesson.title)}",
           link=_pso_link(lesson))
    return comment
