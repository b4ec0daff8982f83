"""The weekly digest of newly published lessons: opt-in, through the outbox, once per week.

The week is fixed by the calendar (Monday to Monday in the portal's time zone), so a digest
run twice, or late, covers the same lessons and the outbox's unique (event, address) key keeps
anyone from getting it twice.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from chpso_portal.notifications import kinds
from chpso_portal.notifications.models import EmailPreference
from chpso_portal.notifications.services import queue_email
from members.models import Contract, Membership

from ..models import Lesson


def digest_week(now=None) -> tuple[datetime, datetime]:
    """The last whole week (Monday 00:00 to Monday 00:00, local time) before `now`."""
    today = timezone.localdate(now or timezone.now())
    this_monday = today - timedelta(days=today.weekday())
    tz = timezone.get_current_timezone()
    end = datetime.combine(this_monday, time.min, tzinfo=tz)
    return end - timedelta(days=7), end


def digest_recipients(today):
    """Active users who opted in and belong to a hospital whose contract is in force today."""
    opted_in = EmailPreference.objects.filter(kind=kinds.LESSON_DIGEST.code, email=True)
    members = Membership.objects.active().filter(
        hospital__in=Contract.objects.active_on(today).values("hospital_id"))
    return (get_user_model().objects.filter(is_active=True, pk__in=opted_in.values("user_id"))
            .filter(pk__in=members.values("user_id")).order_by("pk"))


def lessons_send_digest(*, now=None) -> int:
    """Queue the digest for last week's lessons; returns how many emails were queued."""
    start, end = digest_week(now)
    lessons = list(Lesson.objects.published()
                   .filter(published_at__gte=start, published_at__lt=end)
                   .only("public_id", "title", "what_happened", "published_at")
                   .order_by("published_at", "id"))
    if not lessons:
        return 0
    items = [{"title": lesson.title, "summary": _first_sentence(lesson.what_happened),
              "link": settings.SITE_URL + reverse("lesson-detail", args=[lesson.public_id])}
             for lesson in lessons]
    subject = (f"{len(items)} new lesson{'s' if len(items) != 1 else ''} from "
               f"{settings.PSO_NAME}")[:200]
    queued = 0
    for user in digest_recipients(timezone.localdate(now or timezone.now())):
        body = render_to_string("collaboratives/lessons/digest_email.txt", {
            "recipient": user, "items": items, "pso_name": settings.PSO_NAME,
            "library_link": settings.SITE_URL + reverse("lesson-library"),
            "preferences_link": settings.SITE_URL + reverse("notification-preferences"),
            "week_end": (end - timedelta(days=1)).date(),
        })
        email = queue_email(kind=kinds.LESSON_DIGEST,
                            event_key=f"lesson-digest:{end.date().isoformat()}",
                            to_address=user.email, recipient=user, subject=subject, body=body)
        queued += email is not None
    return queued


def _first_sentence(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    cut = text.find(". ")
    sentence = text[:cut + 1] if 0 < cut < limit else text[:limit]
    return sentence if len(sentence) == len(text) or sentence.endswith(".") else sentence + "\u2026"
