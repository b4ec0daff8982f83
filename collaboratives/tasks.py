"""Thin Celery tasks for sessions: nothing in, a service called, a count out."""

from celery import shared_task

from . import grants, services


@shared_task(name="collaboratives.send_reminders")
def send_reminders() -> int:
    """Hourly: nomination deadline in two days, session in 24 hours (each sent once)."""
    return services.sessions_send_reminders()


@shared_task(name="collaboratives.nightly")
def nightly() -> dict[str, int]:
    """Nightly: rule 4 withdrawals, then materials grants re-derived from today's facts.

    The sync is what turns an overnight contract expiry, a deactivated membership or an ended
    guest access into a removed group membership.
    """
    withdrawn = services.nominations_enforce_commitments()
    return {"withdrawn": withdrawn, "sessions_synced": grants.sync_all()}


@shared_task(name="collaboratives.lesson_digest")
def lesson_digest() -> int:
    """Weekly: last week's newly published lessons to members who asked for the digest."""
    from .lessons.digest import lessons_send_digest

    return lessons_send_digest()


@shared_task(name="collaboratives.learning_reminders")
def learning_reminders() -> dict[str, int]:
    """Hourly: learning sessions and calls two days ahead; monthly reports due soon or late.
    Each reminder is recorded when sent, so it goes out once however often this runs."""
    from .measures.services import reports_send_reminders
    from .programmes.services import events_send_reminders

    return {"events": events_send_reminders(), **reports_send_reminders()}


@shared_task(name="collaboratives.deviance_scan")
def deviance_scan_nightly() -> dict[str, int]:
    """Nightly: the positive-deviance scan of every running collaborative, so coordinators are
    told of a team doing best without anyone having to press the button. Each collaborative
    is scanned in its own transaction: one that fails does not hold back the others, and the
    next night picks it up again (the scan only adds what is new)."""
    import logging

    from .feedback.services import deviance_scan
    from .programmes.models import CollaborativeStatus, LearningCollaborative

    scanned = flagged = failed = 0
    for collaborative in LearningCollaborative.objects.filter(
            status=CollaborativeStatus.RUNNING).order_by("id"):
        try:
            flagged += len(deviance_scan(collaborative=collaborative, actor=None))
        except Exception:  # noqa: BLE001 - logged; the other collaboratives still run
            logging.getLogger(__name__).exception(
                "Positive-deviance scan failed for collaborative %s", collaborative.pk)
            failed += 1
        else:
            scanned += 1
    return {"scanned": scanned, "flagged": flagged, "failed": failed}


@shared_task(name="collaboratives.warm_team_charts")
def warm_team_charts(team_id: int) -> int:
    """After a team's monthly data (or a cycle or a marked change) changed: draw its charts
    and its page's fragments into the cache, so the first viewer does not pay for them."""
    from .feedback.selectors import warm_team_charts as warm

    return warm(team_id)
