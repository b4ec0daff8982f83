from celery import shared_task

from . import services
from .models import OutboxStatus


@shared_task(name="notifications.deliver_email", bind=True, max_retries=None)
def deliver_email(self, email_id: int) -> str:
    status, attempted = services.deliver_attempt(email_id=email_id)
    # Only the task that tried schedules the next try: a duplicate (a sweep, a redelivery) that
    # found the row not yet due stops here instead of starting a second chain of retries.
    if attempted and status == OutboxStatus.PENDING and not self.request.is_eager:
        from .models import OutboxEmail

        due = OutboxEmail.objects.filter(pk=email_id).values_list("next_attempt_at", flat=True)
        if due:
            raise self.retry(eta=due[0])
    return status


@shared_task(name="notifications.sweep_outbox")
def sweep_outbox() -> int:
    return services.sweep()
