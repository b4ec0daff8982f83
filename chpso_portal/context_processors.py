from django.conf import settings
from django.utils.functional import SimpleLazyObject


def portal(request):
    """Header data: who is acting for which hospital, unread notifications. Lazy, so pages
    that do not show the header pay nothing."""

    acting = getattr(request, "acting", None)

    def unread():
        if acting is not None:
            return acting.unread_notifications
        from .notifications.selectors import unread_count

        return unread_count(user=request.user) if request.user.is_authenticated else 0

    def guest():
        if acting is not None:
            return acting.has_guest_sessions
        return request.user.is_authenticated and request.user.guest_sessions.exists()

    return {
        "pso_name": settings.PSO_NAME,
        "unread_notifications": SimpleLazyObject(unread),
        "has_guest_sessions": SimpleLazyObject(guest),
        "acting_membership": acting.membership if acting is not None else None,
        "acting_memberships": acting.memberships if acting is not None else [],
    }
