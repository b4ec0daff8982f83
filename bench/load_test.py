"""A bounded load test of the whole stack on 127.0.0.1: virtual nurses reporting, leads
reviewing and members reading lessons against gunicorn, with Celery delivering the email.

    .venv/bin/python bench/load_test.py \
        --database-url postgres://postgres@127.0.0.1:5432/chpso_bench_load \
        --users 50 --duration 300

Steps: (re)create the database (its name must contain "bench"), migrate, seed hospitals, people
and published lessons, start our own Redis, SMTP server, Celery worker and beat, and gunicorn
(3 workers, as the container image), run the mix for --duration seconds after a ramp-up and a
warm-up, wait for every email to be sent, then write bench/load_results.md. Exits with status 1
on any failed request, lost report or email sent twice. See bench/README.md.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchmark as base  # noqa: E402 (database re-creation and machine facts)

from tests.faults import load, stack  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True,
                        help="PostgreSQL URL of a dedicated database (recreated).")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300.0,
                        help="Seconds measured, after the ramp-up and the warm-up.")
    parser.add_argument("--ramp", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--think-min", type=float, default=1.0)
    parser.add_argument("--think-max", type=float, default=3.0)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--hospitals", type=int, default=10)
    parser.add_argument("--lessons", type=int, default=200)
    parser.add_argument("--output", default=str(ROOT / "bench" / "load_results.md"))
    return parser.parse_args()


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def main():
    args = parse_args()
    if "bench" not in args.database_url.rsplit("/", 1)[-1]:
        sys.exit("The load test recreates its database: its name must contain 'bench'.")
    base.recreate_database(args.database_url, False)
    workdir = Path(tempfile.mkdtemp(prefix="chpso-load-"))
    redis = stack.RedisServer(workdir).start()
    smtp = stack.SmtpSink().start()
    os.environ.update(stack.portal_env(database_url=args.database_url, redis_url=redis.url,
                                       smtp_port=smtp.port, workdir=workdir,
                                       LOG_LEVEL="WARNING"))
    import django

    django.setup()
    from django.core.management import call_command

    from cases.models import IncidentReport
    from chpso_portal.notifications.models import OutboxEmail, OutboxStatus
    from chpso_portal.notifications.services import message_id

    running = None
    try:
        print("Migrating...")
        call_command("migrate", verbosity=0)
        print("Seeding...")
        cast = load.seed(users=args.users, hospitals=args.hospitals, lessons=args.lessons)
        running = stack.Stack(workdir, args.database_url, web_workers=args.web_workers,
                              redis=redis, smtp=smtp)
        running.start()
        print(f"Running {args.users} virtual users for {args.duration:.0f} s "
              f"(+{args.ramp:.0f} s ramp-up, {args.warmup:.0f} s warm-up)...")
        marks = {}

        def mark(name):
            marks[name] = (loadavg(), running.access_log.stat().st_size)

        result = load.run_load(port=running.web_port, cast=cast, users=args.users,
                               duration=args.duration, ramp=args.ramp, warmup=args.warmup,
                               think=(args.think_min, args.think_max),
                               web_pids=lambda: stack.gunicorn_workers(running.web),
                               on_measure=lambda: mark("start"), on_done=lambda: mark("end"))
        load_before, load_during = marks["start"][0], marks["end"][0]
        in_worker = load.worker_times(running.access_log, marks["start"][1], marks["end"][1])
        drain_started = time.monotonic()
        stack.wait_until(
            lambda: not OutboxEmail.objects.exclude(status=OutboxStatus.SENT).exists(),
            timeout=600, what="every outbox email is sent", explain=running.logs)
        drained_in = time.monotonic() - drain_started
        saved = Counter(IncidentReport.objects.filter(narrative__in=result.posted)
                        .values_list("narrative", flat=True))
        rows = list(OutboxEmail.objects.all())
        accepted = Counter(smtp.log.message_ids())
        expected_ids = {message_id(row) for row in rows}
        facts = base.machine_facts()
    finally:
        if running is not None:
            running.close()
        else:
            redis.stop()
            smtp.stop()

    lost = set(result.filed) - set(saved)
    doubled_reports = [n for n, count in saved.items() if count > 1]
    unsent = expected_ids - set(accepted)
    doubled_emails = [m for m, count in accepted.items() if count > 1]
    problems = []
    if result.errors:
        problems.append(f"{len(result.errors)} failed requests")
    if lost or doubled_reports:
        problems.append(f"{len(lost)} lost and {len(doubled_reports)} doubled reports")
    if unsent or doubled_emails:
        problems.append(f"{len(unsent)} unsent and {len(doubled_emails)} doubled emails")

    overall = result.summary()
    rows_md = []
    for label in [*result.labels(), None]:
        s = result.summary(label)
        rows_md.append(f"| {label or '**all requests**'} | {s['requests']} | {s['errors']} | "
                       f"{s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} | {s['max']:.0f} |")
    busy = sum(t for times in in_worker.values() for t in times) / 1000 / (
        args.web_workers * result.duration)
    worker_rows = []
    for method in [*sorted(in_worker), None]:
        ms = in_worker[method] if method else [t for times in in_worker.values() for t in times]
        worker_rows.append(
            f"| {method or '**all requests**'} | {len(ms)} | {load.percentile(ms, 0.5):.0f} | "
            f"{load.percentile(ms, 0.95):.0f} | {load.percentile(ms, 0.99):.0f} | "
            f"{max(ms, default=0):.0f} |")
    rss = [f"| {pid} | {result.rss_start[pid] / 1024:.1f} | "
           f"{result.rss_end.get(pid, 0) / 1024:.1f} | "
           f"{(result.rss_end.get(pid, 0) - result.rss_start[pid]) / 1024:+.1f} |"
           for pid in sorted(result.rss_start)]
    sizes = load.cast_sizes(args.users)
    command = (f".venv/bin/python bench/load_test.py --database-url "
               f"postgres://postgres@127.0.0.1:5432/chpso_bench_load --users {args.users} "
               f"--duration {args.duration:g}")
    text = [
        "# Load test results",
        "",
        f"Run {facts['date']} with `{command}`.",
        "",
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['memory']} RAM, "
        f"PostgreSQL {facts['postgresql']}, Python {facts['python']}, Django "
        f"{facts['django']}, DEBUG off. Load average (1 min): {load_before} when the "
        f"measured period began, {load_during} at its end (the machine may be shared).",
        "",
        f"Stack on 127.0.0.1: gunicorn with {args.web_workers} sync workers, one Celery worker "
        "(prefork, one process) and beat, Redis and an SMTP server of the test's own, "
        "PostgreSQL. Settings as in production (DEBUG off, sessions `cached_db`) except the "
        "fast password hasher and no sign-in rate limit (every user comes from 127.0.0.1); "
        "see tests/faults/stack_settings.py.",
        "",
        f"{args.users} virtual users ({sizes['nurse']} nurses, {sizes['lead']} safety leads, "
        f"{sizes['reader']} member(s) reading lessons) in {args.hospitals} hospitals with "
        f"{args.lessons} published lessons, started over {args.ramp:g} s, then "
        f"{args.warmup:g} s of warm-up and {result.duration:.0f} s measured. Each pauses "
        f"{args.think_min:g}-{args.think_max:g} s between steps. A nurse opens her reports, "
        "the form, files a report and opens it; a lead opens the queue of submitted reports, "
        "one report's review page and, one time in two, saves feedback on it; a member opens "
        "the lesson library, a search and a lesson.",
        "",
        "Server time as seen by the client (connection included), in milliseconds, over the "
        "measured period:",
        "",
        "| step | requests | errors | p50 | p95 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows_md,
        "",
        "Time spent inside a gunicorn worker (its access log, `%(D)s`), in milliseconds, "
        "over the same period; the difference with the table above is the wait for a free "
        "worker:",
        "",
        "| method | requests | p50 | p95 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|",
        *worker_rows,
        "",
        f"- Busy: the {args.web_workers} gunicorn workers spent {busy:.0%} of the measured "
        "period serving requests"
        + (" (saturated: requests queued for a free worker, hence the client times)."
           if busy > 0.8 else "."),
        f"- Throughput: {overall['requests'] / result.duration:.1f} requests/s; errors over the "
        f"whole run (ramp-up included): {len(result.errors)}.",
        f"- Reports: {len(result.posted)} sent, {len(result.filed)} accepted, "
        f"{sum(saved.values())} saved ({len(lost)} lost, {len(doubled_reports)} saved twice).",
        f"- Emails: {len(rows)} written to the outbox, {len(accepted)} distinct accepted by "
        f"SMTP ({len(unsent)} never sent, {len(doubled_emails)} sent twice); the outbox was "
        f"empty {drained_in:.0f} s after the load stopped.",
        "",
        "Resident memory of each gunicorn worker, MiB, at the start and the end of the "
        "measured period:",
        "",
        "| worker pid | start | end | change |",
        "|---:|---:|---:|---:|",
        *rss,
        "",
        "Result: " + ("no error, no lost report, no email twice." if not problems
                      else "; ".join(problems) + "."),
        "",
    ]
    Path(args.output).write_text("\n".join(text))
    print("\n".join(text))
    print(f"Wrote {args.output}")
    if problems:
        print(f"Logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
