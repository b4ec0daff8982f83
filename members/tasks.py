from celery import shared_task

from . import services


@shared_task(name="members.reconcile_contracts")
def reconcile_contracts() -> dict:
    return services.contracts_reconcile()
