from django.core.cache import cache

from . import kinds
from .models import EmailPreference, Notification


def notifications_for(*, user):
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


UNREAD_TIMEOUT = 5 * 60


def unread_key(user_id) -> str:
    return f"notifications:unread:v1:{user_id}"


def unread_count(*, user, cached: int | None = None) -> int:
    """The header's badge, on every page: cached per user, forgotten by the services whenever
    a notification is created for the user or read (`services.forget_unread`). `cached`: what
    the cache held, when the caller already asked it."""
    key = unread_key(user.pk)
    count = cached if cached is not None else cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_TIMEOUT)
    return count


def email_choices_for(*, user) -> dict[str, bool]:
    saved = dict(EmailPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind.code: saved.get(kind.code, kind.email_default) for kind in kinds.CONFIGURABLE}
