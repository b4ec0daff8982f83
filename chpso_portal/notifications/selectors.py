from . import kinds
from .models import EmailPreference, Notification


def notifications_for(*, user):
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def email_choices_for(*, user) -> dict[str, bool]:
    saved = dict(EmailPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind.code: saved.get(kind.code, kind.email_default) for kind in kinds.CONFIGURABLE}
