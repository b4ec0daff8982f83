"""The first request to the report dashboards after a report is added, with the figures left to
the first viewer (before) and refreshed on commit by cases.tasks.refresh_dashboard (after).

    .venv/bin/python bench/refresh_benchmark.py \
        --database-url postgres://postgres@127.0.0.1:5432/chpso_bench_refresh --runs 5

Steps: (re)create the database, migrate, seed --reports reports (manage.py seed_reports) with
patient days for every hospital and month, then, --runs times for each way: add one report
sent to the PSO by the largest hospital (a change of both its scope and the PSO's, committed
the way the services do it), time that commit, then time the first request to the safety
lead's dashboard and to the PSO's, each as it opens (12 months), and one repeated request.
Without --redis-url the task runs in-process on commit (the embedded default), so the
commit's time includes it; with --redis-url a Celery worker is started and runs it, and the
first requests wait until it has stored the figures (the time is shown). Prints a table.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchmark as base  # noqa: E402 (the report benchmark's database and Django set-up)

PAGES = [
    ("safety lead's dashboard", "lead", "/reports/dashboard/"),
    ("PSO dashboard", "coordinator", "/pso/reports/dashboard/"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--hospitals", type=int, default=60)
    parser.add_argument("--largest", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--redis-url", default="")
    return parser.parse_args()


def enter_patient_days():
    from cases.dashboard import month_starts
    from cases.models import PatientDays
    from members.models import Hospital, Membership
    from members.roles import HospitalRole

    leads = dict(Membership.objects.filter(role=HospitalRole.SAFETY_LEAD)
                 .values_list("hospital_id", "user_id"))
    from django.utils import timezone

    span = month_starts(12, timezone.localdate())
    PatientDays.objects.bulk_create(
        [PatientDays(hospital_id=h, month=m, patient_days=3000, entered_by_id=leads.get(h))
         for h in Hospital.objects.values_list("id", flat=True) if h in leads for m in span],
        ignore_conflicts=True)


def add_report(hospital_id: int, n: int) -> float:
    """One report sent to the PSO, committed as the services do; returns the commit's ms."""
    from django.db import transaction
    from django.utils import timezone

    from cases.dashboard import reports_changed
    from cases.models import IncidentReport, ReportStatus

    started = time.perf_counter()
    with transaction.atomic():
        report = IncidentReport.objects.filter(hospital_id=hospital_id,
                                               status=ReportStatus.SENT).first()
        report.pk = report.id = None
        report.public_id = uuid.uuid4()
        report.reference = f"BENCH-{n}-{uuid.uuid4().hex[:8]}"
        report.source_id = ""
        report.submitted_at = timezone.now()
        report.save()
        reports_changed(hospital_id, sent=True)
    return (time.perf_counter() - started) * 1000


def refreshed(hospital_id: int, patience: float = 60.0) -> float:
    """Wait until the worker has stored both scopes' charts under their current versions;
    returns the ms waited."""
    from django.core.cache import cache
    from django.utils import timezone

    from cases.dashboard import version

    started = time.perf_counter()
    day = timezone.localdate().isoformat()
    keys = [f"dashboard:{scope}:blocks:12:{day}:{version(scope)}"
            for scope in (f"hospital:{hospital_id}", "pso")]
    while len(cache.get_many(keys)) < len(keys):
        if time.perf_counter() - started > patience:
            sys.exit("The worker did not refresh the figures in time.")
        time.sleep(0.02)
    return (time.perf_counter() - started) * 1000


def start_worker():
    """A Celery worker on the benchmark's database and Redis, as docker-compose runs one."""
    import subprocess

    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "celery", "-A", "chpso_portal", "worker", "--pool", "solo",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
        cwd=base.ROOT, env=dict(os.environ))


def run(way: str, runs: int, people, clients, on_worker: bool) -> dict:
    from django.core.cache import cache

    from cases import dashboard

    real = dashboard.refresh_soon
    if way == "before":
        dashboard.refresh_soon = lambda scope: False
    timings = {"commit": [], **{label: [] for label, _, _ in PAGES},
               **{f"{label}, repeated": [] for label, _, _ in PAGES}}
    try:
        for n in range(runs):
            for scope in (f"hospital:{people['hospital_id']}", "pso"):
                cache.delete(dashboard._refresh_key(scope))  # a minute apart
            timings["commit"].append(add_report(people["hospital_id"], n))
            if on_worker and way == "after":
                timings.setdefault("refreshed", []).append(refreshed(people["hospital_id"]))
            for label, who, url in PAGES:
                started = time.perf_counter()
                response = clients[who].get(url)
                timings[label].append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    sys.exit(f"{url} answered {response.status_code}")
            for label, who, url in PAGES:
                started = time.perf_counter()
                clients[who].get(url)
                timings[f"{label}, repeated"].append((time.perf_counter() - started) * 1000)
    finally:
        dashboard.refresh_soon = real
    return {k: statistics.median(v) for k, v in timings.items()} | {
        f"{k} (max)": max(v) for k, v in timings.items()}


def main():
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmark runs on PostgreSQL: give a postgres:// URL.")
    base.recreate_database(args.database_url, False)
    os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="refresh-benchmark-cache-")
    base.configure_django(args)

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    plain_static = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=plain_static):
        seeded = base.seed(args.reports, args.hospitals, args.largest, args.seed)
        enter_patient_days()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        people = base.pick_people()
        clients = {}
        for who in ("lead", "coordinator"):
            clients[who] = Client()
            clients[who].force_login(people[who])
        for _ in range(base.WARMUPS):
            for _, who, url in PAGES:
                clients[who].get(url)
        worker = start_worker() if args.redis_url else None
        try:
            if worker:
                from django.core.cache import cache

                cache.clear()
                time.sleep(5)  # the worker connects
            results = {way: run(way, args.runs, people, clients, bool(worker))
                       for way in ("before", "after")}
        finally:
            if worker:
                worker.terminate()
                worker.wait(timeout=30)

    rows = [("commit of the new report", "commit")] + (
        [("the worker's refresh, from the commit", "refreshed")] if args.redis_url else []) + [
        (f"first request, {label}", label) for label, _, _ in PAGES] + [
        (f"repeated request, {label}", f"{label}, repeated") for label, _, _ in PAGES]
    facts = base.machine_facts()
    print(f"\nRun {facts['date']}: {args.reports:,} reports ({args.hospitals} hospitals, the "
          f"largest {args.largest:,}), seeded in {seeded:.0f} s; median (max) of {args.runs} "
          f"runs; {'Redis' if args.redis_url else 'file'} cache, tasks "
          f"{'on a worker' if args.redis_url else 'in-process'}.\n")
    print("| ms | before: the first viewer computes | after: refreshed on commit |")
    print("|---|---:|---:|")
    for name, key in rows:
        cells = [f"{r[key]:.0f} ({r[key + ' (max)']:.0f})" if key in r else "-"
                 for r in (results["before"], results["after"])]
        print(f"| {name} | {cells[0]} | {cells[1]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
