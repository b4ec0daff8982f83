"""Thin Celery tasks for action plans."""

from celery import shared_task

from . import services


@shared_task(name="actions.send_reminders")
def send_reminders() -> dict[str, int]:
    """Daily: owners of actions due within a few days or overdue (each reminder once)."""
    return services.actions_send_reminders()
