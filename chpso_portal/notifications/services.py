"""Writes for notifications: the outbox (DESIGN.md section 9).

Rows are created inside the caller's transaction; delivery is enqueued only after commit, and a
failure to reach the broker loses nothing because the sweeper re-enqueues pending rows.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from chpso_portal.text import shorten

from . import kinds
from .models import EmailPreference, Notification, OutboxEmail, OutboxStatus

logger = logging.getLogger(__name__)

# Titles and subjects are one line of at most this many characters (the columns' length).
TITLE_MAX_LENGTH = 200


def wants_email(*, user_ids: Iterable[int], kind: kinds.Kind) -> set[int]:
    """The ids among `user_ids` who get this kind by email too (one query)."""
    user_ids = set(user_ids)
    if not kind.configurable:
        return user_ids
    overrides = dict(
        EmailPreference.objects.filter(user_id__in=user_ids, kind=kind.code).values_list(
            "user_id", "email"
        )
    )
    return {uid for uid in user_ids if overrides.get(uid, kind.email_default)}


def notify(*, kind: kinds.Kind, event_key: str, recipients, title: str, body: str = "",
           link: str = "", attachments: list | None = None) -> list[Notification]:
    """Tell each recipient in the portal and, if they chose so, by email. Idempotent per event.

    The title is shortened here to fit its column and an email subject, whatever it holds (a
    hospital's name from the public form can be long)."""
    title = shorten(title, TITLE_MAX_LENGTH)
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not people:
        return []
    email_ids = wants_email(user_ids=people, kind=kind)
    created = []
    for user in people.values():
        notification, is_new = Notification.objects.get_or_create(
            event_key=event_key,
            recipient=user,
            defaults={"kind": kind.code, "title": title, "body": body, "link": link},
        )
        if not is_new:
            continue
        created.append(notification)
        if user.pk in email_ids:
            queue_email(
                kind=kind, event_key=event_key, to_address=user.email, recipient=user,
                subject=title, attachments=attachments,
                body=render_to_string(
                    "notifications/email.txt",
                    {"title": title, "body": body, "link": link, "recipient": user,
                     "site_url": settings.SITE_URL, "pso_name": settings.PSO_NAME},
                ),
            )
    forget_unread(user.pk for user in people.values())
    return created


def forget_unread(user_ids) -> None:
    """Drop cached unread counts now and again after commit (a request in between may have
    cached the count from before this transaction)."""
    from django.core.cache import cache

    from .selectors import unread_key

    keys = [unread_key(user_id) for user_id in user_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def queue_email(*, kind: kinds.Kind, event_key: str, to_address: str, subject: str, body: str,
                recipient=None, attachments: list | None = None) -> OutboxEmail | None:
    """Put one email in the outbox; returns None when this event already mailed this address."""
    subject = shorten(subject, TITLE_MAX_LENGTH)
    email, is_new = OutboxEmail.objects.get_or_create(
        event_key=event_key,
        to_address=to_address.lower(),
        defaults={"kind": kind.code, "subject": subject, "body": body, "recipient": recipient,
                  "attachments": attachments or []},
    )
    if not is_new:
        return None
    transaction.on_commit(lambda: enqueue_delivery(email.pk))
    return email


def enqueue_delivery(email_id: int) -> bool:
    """Hand one row to the workers. Never raises: if the broker is away the sweeper retries."""
    from .tasks import deliver_email

    try:
        deliver_email.delay(email_id)
    except Exception:  # kombu raises several types when Redis is unreachable
        logger.warning("Could not enqueue outbox email %s; the sweeper will retry", email_id,
                       exc_info=True)
        return False
    return True


def _backoff(attempts: int) -> timedelta:
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** (attempts - 1), 6 * 60 * 60))


def message_id(email: OutboxEmail) -> str:
    """The same Message-ID on every attempt of one outbox row.

    SMTP cannot be exactly-once on its own: a sender cut off between the server's "250 queued"
    and its own commit sends again (RFC 1047). With a stable id the copy is recognisable as the
    same message by the receiving side, which discards it.
    """
    return f"<outbox.{email.pk}.{email.created_at:%Y%m%d%H%M%S}@{DNS_NAME}>"


def deliver(*, email_id: int) -> str:
    """Send one outbox row at most once. Returns the row's status afterwards ("" if not found).

    The row is locked for the whole send (other workers skip it); a row that is not pending is
    left alone, so a retried or duplicated task never sends twice.
    """
    return deliver_attempt(email_id=email_id)[0]


def deliver_attempt(*, email_id: int) -> tuple[str, bool]:
    """`deliver`, also saying whether this call tried to send (False: not due, taken, done)."""
    with transaction.atomic():
        email = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id)
            .first()
        )
        if email is None:
            return "", False
        if email.status != OutboxStatus.PENDING or email.next_attempt_at > timezone.now():
            return email.status, False
        message = EmailMessage(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{email.subject}",
            body=email.body,
            to=[email.to_address],
            headers={"Message-ID": message_id(email)},
        )
        for attachment in email.attachments:
            message.attach(
                attachment["filename"], attachment["content"], attachment["content_type"]
            )
        email.attempts += 1
        try:
            message.send(fail_silently=False)
        except Exception as exc:
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                email.status = OutboxStatus.FAILED
                logger.error("Outbox email %s failed for good: %s", email.pk, email.last_error)
            else:
                email.next_attempt_at = timezone.now() + _backoff(email.attempts)
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return email.status, True
        email.status = OutboxStatus.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        kind = kinds.ALL.get(email.kind)
        if kind is not None and kind.secret:
            email.body = "(sent; removed because it carried a secret link)"
        email.save(update_fields=["attempts", "status", "sent_at", "last_error", "body"])
        return email.status, True


def sweep(*, older_than: timedelta | None = None, limit: int = 500) -> int:
    """Enqueue pending rows that are due and were not picked up (broker down, lost retry)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    now = timezone.now()
    due = list(
        OutboxEmail.objects.filter(
            status=OutboxStatus.PENDING, next_attempt_at__lte=now, created_at__lte=now - older_than
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if enqueue_delivery(pk))


def notification_mark_read(*, user, notification: Notification | None = None) -> int:
    """Mark one notification, or all of the user's unread ones, as read."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    count = unread.update(read_at=timezone.now())
    if count:
        forget_unread([user.pk])
    return count


def email_preferences_save(*, user, choices: dict[str, bool]) -> None:
    for code, email in choices.items():
        kind = kinds.ALL[code]
        if not kind.configurable:
            continue
        EmailPreference.objects.update_or_create(user=user, kind=code, defaults={"email": email})
