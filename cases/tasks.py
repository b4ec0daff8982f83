import logging
import threading

from celery import shared_task
from django.conf import settings
from django.db import connections

from .models import ImportStatus, ReportImport
from .transfer import fail_stale_imports, run_import

logger = logging.getLogger(__name__)


@shared_task(name="cases.import_reports")
def import_reports(import_id: int) -> str:
    job = ReportImport.objects.select_related("hospital", "uploaded_by").filter(
        pk=import_id, status=ImportStatus.QUEUED
    ).first()
    if job is None:  # already run (a retried message): nothing to do
        return ""
    return run_import(report_import=job).status


@shared_task(name="cases.refresh_dashboard")
def refresh_dashboard(scope: str) -> int:
    """Compute a dashboard's figures (`scope`: "pso" or "hospital:<id>") for the views it opens
    with and store them under the scope's current version, so the next viewer reads them.

    Queued on commit when the version moved (cases.dashboard.refresh_soon), which holds the
    scope so that a burst of changes queues one refresh. On a worker the hold is let go once
    the figures are stored; if the data moved while they were computed (that change's refresh
    was held back), they are computed again, REFRESH_PASSES times at most. No follow-up is
    scheduled for later: a message with a countdown waits unacknowledged in the worker, and a
    worker on the Redis transport can fail to hand such messages back when Redis goes away,
    and stop. Run in-process, the hold lapses by itself after REFRESH_EVERY seconds. Returns
    the version last computed."""
    from .dashboard import REFRESH_PASSES, refresh_claimed, refresh_released, version
    from .dashboard_views import refresh_figures

    for done in range(1, REFRESH_PASSES + 1):
        current = version(scope)
        try:
            refresh_figures(scope)  # under `current`, or a newer version: never an older one
        except Exception:
            if not settings.CELERY_TASK_ALWAYS_EAGER:
                refresh_released(scope)  # the next change may try again
            raise
        if settings.CELERY_TASK_ALWAYS_EAGER:
            break
        refresh_released(scope)
        if done == REFRESH_PASSES or version(scope) == current or not refresh_claimed(scope):
            break
    return current


@shared_task(name="cases.refresh_dashboards_for_the_day")
def refresh_dashboards_for_the_day() -> int:
    """Compute the figures every dashboard opens with for the new day, before its first viewer.

    A dashboard's figures are kept under the day in the portal's time zone (its months end
    today), so after midnight each is computed again even when no report changed. Scheduled
    just after midnight; the scopes are the PSO and each hospital that has a sent report.
    Returns how many scopes were refreshed; one that fails is logged and the others go on."""
    from members.models import Hospital

    from .dashboard_views import refresh_figures

    hospital_ids = Hospital.objects.filter(reports__submitted_at__isnull=False).distinct()
    scopes = ["pso", *(f"hospital:{pk}" for pk in hospital_ids.values_list("pk", flat=True))]
    done = 0
    for scope in scopes:
        try:
            refresh_figures(scope)
        except Exception:  # one scope's failure must not leave the others to their viewers
            logger.exception("Dashboard refresh for the day failed for %s", scope)
        else:
            done += 1
    return done


@shared_task(name="cases.fail_stale_imports")
def fail_stale_imports_task() -> int:
    return fail_stale_imports()


def start_import(job: ReportImport):
    """Hand an import to a worker; call it after commit. With Redis a Celery worker runs it.
    Without Redis (tasks run in-process) a small file is imported at once, but a large one in
    a thread of its own, never inside the request, so the request cannot meet the server's
    time limit. A job whose process dies is failed later by fail_stale_imports."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        import_reports.delay(job.pk)
        return None
    if job.file.size <= settings.IMPORT_INLINE_MAX_BYTES:
        import_reports(job.pk)
        return None
    thread = threading.Thread(target=_import_in_thread, args=(job.pk,),
                              name=f"report-import-{job.pk}", daemon=True)
    thread.start()
    return thread


def _import_in_thread(job_id: int) -> None:
    try:
        import_reports(job_id)
    except BaseException:
        logger.exception("Report import %s stopped in its thread", job_id)
        ReportImport.objects.filter(
            pk=job_id, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]
        ).update(status=ImportStatus.FAILED, errors=[
            {"row": 0, "column": "", "message": "The import stopped unexpectedly; nothing was "
                                                "saved. Upload the file again."}])
    finally:
        connections.close_all()

