"""Writes in the discussion area: threads, replies, subscriptions, moderation.

Every post is screened for identifiers before anyone else reads it: each finding is fixed or
dismissed with a reason (kept on the post with who and when). Notifications to subscribers name
the thread, never the author or their hospital.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.notifications import kinds
from chpso_portal.notifications.services import notify

from ..lessons.screening import finding_rows
from .models import Post, Subscription, Thread, ThreadCategory

BODY_MAX = 8000


def screening(texts, posted=None):
    """(rows for the form, dismissals) for the texts of a post; see lessons.screening."""
    return finding_rows(texts, posted=posted)


def _screened(actor, texts, posted) -> list[dict]:
    rows, dismissed = screening(texts, posted)
    open_rows = [row for row in rows if not row["reason"]]
    if open_rows:
        raise ValidationError(
            "Some words may identify a person, a hospital, a place or a date: "
            + ", ".join(f"'{row['text']}'" for row in open_rows)
            + ". Change the text or give a reason to keep each one.")
    when = timezone.now().isoformat()
    return [{**d, "by": actor.email, "at": when} for d in dismissed]


def _check_place(place) -> None:
    if place is None or not (place.coaches or place.member):
        raise ValidationError("Only the collaborative's members and faculty post here.")


def _team_of(place):
    return None if place.coaches and not place.member else place.team


def _search_text(thread, extra: str = "") -> str:
    return f"{thread.search_text} {extra}".lower()[:200_000]


@transaction.atomic
def thread_create(*, collaborative, place, actor, title: str, category: str, body: str,
                  posted=None) -> Thread:
    _check_place(place)
    title, body = title.strip()[:200], body.strip()[:BODY_MAX]
    if not title or not body:
        raise ValidationError("Give the thread a title and a first post.")
    if category not in ThreadCategory.values:
        raise ValidationError({"category": "Choose a category."})
    dismissed = _screened(actor, [("Title", title), ("Post", body)], posted)
    now = timezone.now()
    thread = Thread.objects.create(
        collaborative=collaborative, category=category, title=title, author=actor,
        author_team=_team_of(place), created_at=now, last_post_at=now, post_count=1,
        search_text=f"{title} {body}".lower())
    post = Post.objects.create(thread=thread, author=actor, author_team=_team_of(place),
                               body=body, created_at=now, dismissed_findings=dismissed)
    Subscription.objects.get_or_create(thread=thread, user=actor)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=post,
                 summary="Discussion thread started")
    return thread


@transaction.atomic
def reply(*, thread, place, actor, body: str, posted=None) -> Post:
    _check_place(place)
    if thread.hidden_at or thread.is_locked:
        raise ValidationError("This thread takes no more replies.")
    body = body.strip()[:BODY_MAX]
    if not body:
        raise ValidationError({"body": "Write the reply."})
    dismissed = _screened(actor, [("Reply", body)], posted)
    post = Post.objects.create(thread=thread, author=actor, author_team=_team_of(place),
                               body=body, dismissed_findings=dismissed)
    Thread.objects.filter(pk=thread.pk).update(
        last_post_at=post.created_at, post_count=F("post_count") + 1,
        search_text=_search_text(thread, body))
    Subscription.objects.get_or_create(thread=thread, user=actor)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=post, summary="Discussion reply")
    subscribers = [s.user for s in thread.subscriptions.select_related("user")
                   .exclude(user=actor)]
    notify(kind=kinds.LC_DISCUSSION, event_key=f"lc-post:{post.pk}", recipients=subscribers,
           title=f"New reply in '{thread.title}'",
           link=reverse("lc-thread", args=[thread.public_id]) + f"#post-{post.public_id}")
    return post


@transaction.atomic
def subscribe(*, thread, place, actor, on: bool) -> None:
    _check_place(place)
    if on:
        Subscription.objects.get_or_create(thread=thread, user=actor)
    else:
        Subscription.objects.filter(thread=thread, user=actor).delete()


@transaction.atomic
def post_hide(*, post, place, actor, reason: str) -> Post:
    """Faculty hide a post with a reason; the text is kept, the hiding audited."""
    if place is None or not place.coaches:
        raise ValidationError("Only faculty moderate the discussion.")
    reason = reason.strip()[:300]
    if not reason:
        raise ValidationError({"reason": "Say why the post is hidden."})
    post.hidden_at, post.hidden_by, post.hidden_reason = timezone.now(), actor, reason
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    thread = post.thread
    visible = " ".join(thread.posts.filter(hidden_at__isnull=True).values_list("body",
                                                                              flat=True))
    Thread.objects.filter(pk=thread.pk).update(
        search_text=f"{thread.title} {visible}".lower()[:200_000])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=post,
                 summary="Discussion post hidden", detail={"reason": reason})
    return post
