from celery import shared_task

from .models import ImportStatus, ReportImport
from .transfer import run_import


@shared_task(name="cases.import_reports")
def import_reports(import_id: int) -> str:
    job = ReportImport.objects.select_related("hospital", "uploaded_by").filter(
        pk=import_id, status=ImportStatus.QUEUED
    ).first()
    if job is None:  # already run (a retried message): nothing to do
        return ""
    return run_import(report_import=job).status
