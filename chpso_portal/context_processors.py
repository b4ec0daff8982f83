import functools
import re

from django.conf import settings


@functools.lru_cache(maxsize=16)
def phone_link(number: str) -> str:
    """A tel: address: the digits, with the country code when the number has none."""
    digits = re.sub(r"\D", "", number)
    if number.strip().startswith("+"):
        return f"+{digits}"
    return f"+1{digits}" if len(digits) == 10 else digits


def portal(request):
    """Header data: who is acting for which hospital, unread notifications. The unread count
    and the guest flag are functions (a template calls them when it reads them), so pages
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
        "pso_contact_email": settings.PSO_CONTACT_EMAIL,
        "pso_contact_phone": settings.PSO_CONTACT_PHONE,
        "pso_contact_phone_link": phone_link(settings.PSO_CONTACT_PHONE),
        "unread_notifications": unread,
        "has_guest_sessions": guest,
        "acting_membership": acting.membership if acting is not None else None,
        "acting_memberships": acting.memberships if acting is not None else [],
    }
