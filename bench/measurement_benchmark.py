"""Latency and query counts of the dashboards (issue 11) at two data sizes, on PostgreSQL.

    .venv/bin/python bench/measurement_benchmark.py \
        --database-url postgres://postgres@127.0.0.1:5432/chpso_bench_measurement --runs 20

Steps: (re)create the database, migrate, seed --small reports (manage.py seed_reports) and a
learning collaborative of --small-teams hospitals with --small-months of monthly data on five
measures, with patient days; measure; grow to --large reports (the largest hospital holding
--largest) and --large-teams hospitals with --large-months months; measure again; print a
table and write it to bench/measurement_results.md. Same method and yardstick as
bench/benchmark.py: the median of --runs requests through django.test.Client after warm-ups,
against a bare page that lists 50 rows of one table. Goal (issue 11): each dashboard within
1.5x of the bare page, the same number of queries at both sizes.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchmark as base  # noqa: E402 (the report benchmark's database and Django set-up)

GOAL_VS_BARE = 1.5
COLLABORATIVE = "Benchmark collaborative"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--small", type=int, default=10_000, help="Reports, first size.")
    parser.add_argument("--large", type=int, default=100_000, help="Reports, second size.")
    parser.add_argument("--largest", type=int, default=50_000,
                        help="Reports of the largest hospital at the large size.")
    parser.add_argument("--hospitals", type=int, default=60)
    parser.add_argument("--small-teams", type=int, default=10)
    parser.add_argument("--large-teams", type=int, default=50)
    parser.add_argument("--small-months", type=int, default=12)
    parser.add_argument("--large-months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--output",
                        default=str(base.ROOT / "bench" / "measurement_results.md"))
    parser.set_defaults(reuse=False)
    return parser.parse_args()


def month_list(count: int) -> list[date]:
    today = date.today().replace(day=1)
    months = []
    for _ in range(count):
        today = (today - timedelta(days=1)).replace(day=1)
        months.append(today)
    return months[::-1]


def seed_collaborative(teams: int, months: int, rng: random.Random) -> float:
    """Grow the benchmark collaborative to `teams` enrolled hospitals with `months` submitted
    months each on five measures (one of each kind), and patient days for every hospital."""
    from django.db import connection
    from django.utils import timezone

    from cases.models import PatientDays
    from collaboratives.measures.models import (
        Direction,
        Measure,
        MeasureKind,
        MeasureType,
        MeasureValue,
        MonthlyReport,
        ReportStatus,
    )
    from collaboratives.pdsa.models import PdsaCycle
    from collaboratives.programmes import services as programme_services
    from collaboratives.programmes.models import (
        LearningCollaborative,
        Team,
        TeamMember,
        TeamRole,
        TeamStatus,
    )
    from members.models import Hospital, Membership, User
    from members.roles import HospitalRole, PsoRole

    started = time.monotonic()
    coordinator = User.objects.filter(pso_role=PsoRole.COORDINATOR).order_by("id").first()
    collaborative, created = LearningCollaborative.objects.get_or_create(
        name=COLLABORATIVE, defaults={"topic": "Falls", "aim_statement": "Fewer falls.",
                                      "status": "running", "created_by": coordinator})
    span = month_list(months)
    if created or collaborative.starts_on != span[0]:
        collaborative.starts_on = span[0]
        collaborative.save(update_fields=["starts_on"])
    if created:
        kinds = [("rate", MeasureKind.RATE, 1000, Direction.DOWN),
                 ("bundle", MeasureKind.PROPORTION, None, Direction.UP),
                 ("ehr", MeasureKind.PROPORTION, None, Direction.UP),
                 ("count", MeasureKind.COUNT, None, Direction.DOWN),
                 ("minutes", MeasureKind.CONTINUOUS, None, Direction.DOWN)]
        for position, (short, kind, multiplier, direction) in enumerate(kinds, 1):
            Measure.objects.create(collaborative=collaborative, position=position,
                                   name=f"Measure {short}", short_name=short,
                                   type=MeasureType.OUTCOME, kind=kind,
                                   rate_multiplier=multiplier, direction=direction,
                                   numerator_definition="n", denominator_definition="d",
                                   target_value=1)
    measures = list(collaborative.measures.all())
    leads = {m.hospital_id: m.user_id for m in Membership.objects.filter(
        role=HospitalRole.SAFETY_LEAD, is_active=True).order_by("hospital_id", "id")}
    hospitals = list(Hospital.objects.filter(pk__in=leads).order_by("id")[:teams])
    for hospital in hospitals:
        team, made = Team.objects.get_or_create(
            collaborative=collaborative, hospital=hospital,
            defaults={"status": TeamStatus.ENROLLED, "sponsor_id": leads[hospital.pk],
                      "team_lead_id": leads[hospital.pk], "enrolled_at": timezone.now(),
                      "created_by": coordinator})
        if made:
            programme_services.assign_peer_code(team)
            TeamMember.objects.create(
                team=team, user_id=leads[hospital.pk], role=TeamRole.TEAM_LEAD,
                added_by_id=leads[hospital.pk],
                membership=Membership.objects.get(hospital=hospital,
                                                  user_id=leads[hospital.pk]))
            for number in range(1, 4):
                cycle = PdsaCycle.objects.create(team=team, number=number, title="Test",
                                                 own_idea="Idea", objective="o",
                                                 started_on=span[len(span) // 2 + number],
                                                 created_by_id=leads[hospital.pk])
                cycle.measures.add(*measures[:2])
        have = set(MonthlyReport.objects.filter(team=team).values_list("month", flat=True))
        reports = MonthlyReport.objects.bulk_create([
            MonthlyReport(team=team, month=month, status=ReportStatus.SUBMITTED,
                          created_by_id=leads[hospital.pk], submitted_at=timezone.now(),
                          submitted_by_id=leads[hospital.pk], progress_score="3.0")
            for month in span if month not in have])
        values = []
        for report in reports:
            for measure in measures:
                if measure.kind == MeasureKind.RATE:
                    figures = {"numerator": rng.randint(0, 12), "denominator": 4000}
                elif measure.short_name == "bundle":
                    figures = {"numerator": rng.randint(40, 95), "denominator": 100}
                elif measure.kind == MeasureKind.PROPORTION:
                    figures = {"numerator": rng.randint(14000, 17000), "denominator": 20000}
                elif measure.kind == MeasureKind.COUNT:
                    figures = {"numerator": rng.randint(0, 9)}
                else:
                    figures = {"value": rng.randint(100, 400)}
                values.append(MeasureValue(report=report, team=team, measure=measure,
                                           month=report.month,
                                           entered_by_id=leads[hospital.pk], **figures))
        MeasureValue.objects.bulk_create(values, batch_size=2000)
    for hospital_id in leads:
        PatientDays.objects.bulk_create(
            [PatientDays(hospital_id=hospital_id, month=month, patient_days=3000,
                         entered_by_id=leads[hospital_id]) for month in span],
            ignore_conflicts=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.monotonic() - started


def pages(people):
    from collaboratives.programmes.models import Team

    team = Team.objects.filter(collaborative__name=COLLABORATIVE,
                               hospital_id=people["team_hospital"]).first()
    bundle = team.collaborative.measures.get(short_name="bundle")
    last = month_list(1)[0]
    compare = (f"/collaboratives/feedback/{team.collaborative.public_id}/measures/"
               f"{bundle.public_id}/compare/?month={last:%Y-%m}&span=12")
    return [
        ("bare page (50 hospitals)", "lead", base.BARE_PATH),
        ("report dashboard, 12 months", "lead", "/reports/dashboard/"),
        ("report dashboard, 36 months", "lead", "/reports/dashboard/?months=36"),
        ("PSO report dashboard, 36 months", "coordinator",
         "/pso/reports/dashboard/?months=36"),
        ("team charts (5 measures)", "team", f"/collaboratives/feedback/teams/{team.public_id}/"),
        ("funnel plot, 12 months pooled", "team", compare),
    ]


def measure(runs, people, stage):
    import gc

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    urls = pages(people)
    clients = {}
    for who in ("lead", "coordinator", "team"):
        clients[who] = Client()
        clients[who].force_login(people[who])
    gc.collect()
    for _ in range(base.WARMUPS):
        for label, who, url in urls:
            response = clients[who].get(url)
            if response.status_code != 200:
                sys.exit(f"{label}: {url} answered {response.status_code} for {who}.")
    timings = {label: [] for label, _, _ in urls}
    for _ in range(runs):
        for label, who, url in urls:
            started = time.perf_counter()
            clients[who].get(url)
            timings[label].append((time.perf_counter() - started) * 1000)
    results = {}
    for label, who, url in urls:
        with CaptureQueriesContext(connection) as captured:
            clients[who].get(url)
        results[label] = {"ms": statistics.median(timings[label]), "queries": len(captured)}
        print(f"  [{stage}] {label:34} {results[label]['ms']:7.2f} ms  {len(captured)} queries")
    return results, urls


def cold_timings(people, urls) -> dict:
    """One request per page with an empty cache: what the first visitor after a change pays."""
    from django.core.cache import cache
    from django.test import Client

    results = {}
    for label, who, url in urls:
        client = Client()
        client.force_login(people[who])
        client.get(url)
        cache.clear()
        client.force_login(people[who])
        started = time.perf_counter()
        client.get(url)
        results[label] = (time.perf_counter() - started) * 1000
    return results


def main():
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmark runs on PostgreSQL: give a postgres:// URL.")
    base.recreate_database(args.database_url, False)
    base.configure_django(args)

    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    from members.models import Membership, User
    from members.roles import PsoRole

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    plain_static = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    urlconf = base.install_urlconf()
    seeding = {}
    with override_settings(ROOT_URLCONF=urlconf, STORAGES=plain_static):
        small_largest = max(1, round(args.largest * args.small / args.large))
        seeding["reports small"] = base.seed(args.small, args.hospitals, small_largest,
                                             args.seed)
        seeding["collaborative small"] = seed_collaborative(args.small_teams,
                                                            args.small_months, rng)
        people = base.pick_people()
        team_hospital = Membership.objects.filter(
            user__team_memberships__team__collaborative__name=COLLABORATIVE).values_list(
            "hospital_id", "user_id").order_by("hospital_id").first()
        people["team_hospital"] = team_hospital[0]
        people["team"] = User.objects.get(pk=team_hospital[1])
        people["coordinator"] = User.objects.filter(pso_role=PsoRole.COORDINATOR).first()
        print(f"Measuring at {args.small:,} reports, {args.small_teams} teams x "
              f"{args.small_months} months...")
        small, urls = measure(args.runs, people, "small")
        cold_small = cold_timings(people, urls)
        seeding["reports large"] = base.seed(args.large, args.hospitals, args.largest,
                                             args.seed)
        seeding["collaborative large"] = seed_collaborative(args.large_teams,
                                                            args.large_months, rng)
        print(f"Measuring at {args.large:,} reports, {args.large_teams} teams x "
              f"{args.large_months} months...")
        large, urls = measure(args.runs, people, "large")
        cold_large = cold_timings(people, urls)

    from cases.models import IncidentReport

    largest = IncidentReport.objects.filter(hospital_id=people["hospital_id"]).count()
    base.PAGES[:] = [(label, who, url) for label, who, url in urls]
    base.GOAL_VS_BARE = GOAL_VS_BARE
    small_name = f"{base.human(args.small)} reports, {args.small_teams}x{args.small_months}"
    large_name = f"{base.human(args.large)} reports, {args.large_teams}x{args.large_months}"
    header, rows, failures = base.build_table(small, large, args.small, args.large)
    header = ["page", "queries", "median ms (small)", "median ms (large)", "ratio large/small",
              "ratio page/bare (large)", "ratio page/bare (small)",
              "large/small relative to bare", "goal"]
    for row, (label, _, _) in zip(rows, urls, strict=True):
        row.append(f"{cold_small[label]:.0f} / {cold_large[label]:.0f}")
    header.append("first request after a change, ms (small / large)")
    facts = base.machine_facts()
    print()
    print(base.plain_table(header, rows))
    text = [
        "# Benchmark results: dashboards and charts",
        "",
        f"Run {facts['date']} with `bench/measurement_benchmark.py --runs {args.runs}` "
        f"(small: {small_name}; large: {large_name}; {args.hospitals} hospitals; the "
        f"largest hospital holds {largest:,} reports at the large size; five measures, one "
        "of each kind; patient days entered for every hospital and month).",
        "",
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['memory']} RAM, "
        f"PostgreSQL {facts['postgresql']}, Python {facts['python']}, "
        f"Django {facts['django']}, DEBUG off"
        + (", Redis cache." if args.redis_url else ", local-memory cache."),
        "",
        f"Median server time of `client.get(url)` over {args.runs} requests after "
        f"{base.WARMUPS} warm-ups; queries counted on one more request. Figures are cached "
        "until the data change, so the medians are of cached pages; the last column is one "
        "request with an empty cache (the first visitor after a change).",
        "",
        base.markdown_table(header, rows),
        "",
        "- Seeding: " + ", ".join(f"{k} {v:.1f}s" for k, v in seeding.items()) + ".",
        f"- Goal: page <= {GOAL_VS_BARE:g}x bare, <= {base.GOAL_GROWTH:g}x slower at the "
        "large size, same queries: " + ("met by every page." if not failures
                                         else "missed by " + ", ".join(failures) + "."),
        "",
    ]
    Path(args.output).write_text("\n".join(text))
    print(f"Wrote {args.output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
