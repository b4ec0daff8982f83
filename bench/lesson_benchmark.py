"""Latency and query counts of the lesson library at two library sizes, on PostgreSQL.

    .venv/bin/python bench/lesson_benchmark.py \
        --database-url postgres://postgres@127.0.0.1:5432/chpso_bench_lessons --runs 30

Steps: (re)create the database, migrate, seed 50 member hospitals (manage.py seed_reports with
a few reports), add --small published lessons (categories, contributing factors, two actions
each, "acting on this" marks), measure, grow to --large lessons, measure again, print a table
and write it to bench/lesson_results.md. Same method and yardstick as bench/benchmark.py: the
median of --runs requests through django.test.Client after warm-ups, against a bare page that
lists 50 rows of one table.
"""

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchmark as base  # noqa: E402 (the report benchmark's database and Django set-up)

# Each lesson is about two or three topics and otherwise written in common words, so a topic
# search matches a few percent of the library, as in real text; "nurse" is in most lessons.
TOPICS = ("handover infusion pump alarm label barcode scanner fall bed exit sensor insulin "
          "heparin transfusion specimen wristband sepsis escalation rapid response checklist "
          "pharmacy verification night staffing discharge reconciliation pressure injury "
          "restraint delirium transport imaging contrast anticoagulant opioid sedation").split()
COMMON = ("the a of to and in was for on with at by after before during when patient nurse "
          "team unit order dose staff shift time room care plan record system process "
          "policy review change check found not had were been could should would next "
          "first second new same other each every two three hours minutes day").split()


def _text(rng, topics, words):
    chosen = rng.choices(COMMON, k=words)
    for topic in topics:
        chosen[rng.randrange(words)] = topic
    return " ".join(chosen) + "."
PAGES = [
    ("bare page (50 hospitals)", base.BARE_PATH),
    ("library", "/lessons/"),
    ("library, search 'infusion pump'", "/lessons/?q=infusion+pump"),
    ("library, search 'nurse' (common)", "/lessons/?q=nurse"),
    ("library, category=fall", "/lessons/?category=fall"),
    ("library, factor=handover", "/lessons/?factor=handover"),
    ("library, strength=stronger", "/lessons/?strength=stronger"),
    ("library, year", "/lessons/?year={year}"),
    ("library, page 5", "/lessons/?page=5"),
    ("lesson page", "/lessons/{lesson}/"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--small", type=int, default=100, help="Published lessons, first size.")
    parser.add_argument("--large", type=int, default=10_000, help="Lessons, second size.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--output", default=str(base.ROOT / "bench" / "lesson_results.md"))
    parser.set_defaults(reuse=False)
    return parser.parse_args()


def seed_lessons(count: int, rng: random.Random) -> float:
    """Grow the library to `count` published lessons, in bulk (the services are for people)."""
    from django.utils import timezone

    from cases.models import ContributingFactor
    from cases.taxonomy import EventCategory
    from collaboratives.models import (
        ActionStrength,
        HarmBand,
        Lesson,
        LessonAdoption,
        LessonCategory,
        LessonStatus,
        RecommendedAction,
    )
    from members.models import Hospital, User
    from members.roles import PsoRole

    started = time.monotonic()
    author = User.objects.filter(pso_role=PsoRole.COORDINATOR).order_by("id").first()
    publisher, _ = User.objects.get_or_create(
        email="bench.publisher@pso.example",
        defaults={"full_name": "Bench Publisher", "pso_role": PsoRole.COORDINATOR})
    hospitals = list(Hospital.objects.values_list("id", flat=True))
    factors = list(ContributingFactor.objects.values_list("code", flat=True))
    categories = list(EventCategory.values)
    now = timezone.now()
    existing = Lesson.objects.count()
    batch = 1000
    through = Lesson.contributing_factors.through
    for offset in range(existing, count, batch):
        size = min(batch, count - offset)
        lessons = []
        children = []
        for _ in range(size):
            topics = rng.sample(TOPICS, rng.randint(2, 3))
            title = " ".join([*topics, *rng.sample(COMMON, 2)]).capitalize()
            texts = [_text(rng, topics, 60) for _ in range(3)]
            codes = rng.sample(categories, rng.randint(1, 2))
            strengths = [rng.choice(ActionStrength.values) for _ in range(2)]
            children.append((codes, strengths, topics))
            lessons.append(Lesson(
                category_codes=codes,
                action_strengths=[s for s in ActionStrength.values if s in strengths],
                title=title, what_happened=texts[0], systems_issues=texts[1],
                what_helped=texts[2], harm_band=rng.choice(HarmBand.values),
                status=LessonStatus.PUBLISHED, created_by=author, published_by=publisher,
                published_at=now - timedelta(days=rng.randint(0, 5 * 365),
                                             minutes=rng.randint(0, 1440)),
                search_text="\n".join([title, *texts]).lower()))
        created = Lesson.objects.bulk_create(lessons)  # PostgreSQL returns the new ids
        LessonCategory.objects.bulk_create(
            [LessonCategory(lesson=lesson, category=code)
             for lesson, (codes, _, _) in zip(created, children, strict=True) for code in codes])
        through.objects.bulk_create(
            [through(lesson_id=lesson.pk, contributingfactor_id=code) for lesson in created
             for code in rng.sample(factors, rng.randint(1, 3))])
        RecommendedAction.objects.bulk_create(
            [RecommendedAction(lesson=lesson, position=n, strength=strength,
                               text=_text(rng, topics[:1], 15))
             for lesson, (_, strengths, topics) in zip(created, children, strict=True)
             for n, strength in enumerate(strengths)])
        LessonAdoption.objects.bulk_create(
            [LessonAdoption(lesson=lesson, hospital_id=hospital, marked_by=author)
             for lesson in created for hospital in rng.sample(hospitals, rng.randint(0, 6))])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.monotonic() - started


def measure(runs, viewer, stage):
    import gc
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from collaboratives.models import Lesson

    newest = Lesson.objects.published().order_by("-published_at", "-id").first()
    urls = [(label, url.format(year=newest.published_at.year, lesson=newest.public_id))
            for label, url in PAGES]
    client = Client()
    client.force_login(viewer)
    gc.collect()
    for _ in range(base.WARMUPS):
        for label, url in urls:
            if client.get(url).status_code != 200:
                sys.exit(f"{label}: {url} did not answer 200.")
    timings = {label: [] for label, _ in urls}
    for _ in range(runs):
        for label, url in urls:
            started = time.perf_counter()
            client.get(url)
            timings[label].append((time.perf_counter() - started) * 1000)
    results = {}
    for label, url in urls:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        results[label] = {"ms": statistics.median(timings[label]), "queries": len(captured)}
        print(f"  [{stage}] {label:34} {results[label]['ms']:7.2f} ms  {len(captured)} queries")
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

    from members.models import Membership
    from members.roles import HospitalRole

    call_command("migrate", verbosity=0)
    call_command("seed_reports", reports=500, hospitals=50, seed=args.seed, force=True)
    viewer = Membership.objects.filter(role=HospitalRole.STAFF, is_active=True).select_related(
        "user").order_by("id").first().user
    rng = random.Random(args.seed)
    plain_static = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    urlconf = base.install_urlconf()
    with override_settings(ROOT_URLCONF=urlconf, STORAGES=plain_static):
        seeding = {args.small: seed_lessons(args.small, rng)}
        small = measure(args.runs, viewer, base.human(args.small))
        seeding[args.large] = seed_lessons(args.large, rng)
        large = measure(args.runs, viewer, base.human(args.large))

    base.PAGES[:] = [(label, None, url) for label, url in PAGES]  # the table reads base.PAGES
    header, rows, failures = base.build_table(small, large, args.small, args.large)
    header[0] = "page"
    facts = base.machine_facts()
    print()
    print(base.plain_table(header, rows))
    text = [
        "# Benchmark results: the lesson library",
        "",
        f"Run {facts['date']} with `bench/lesson_benchmark.py --runs {args.runs}` "
        f"(50 member hospitals; {args.small:,} then {args.large:,} published lessons, each "
        "with one or two categories, one to three contributing factors, two actions and up "
        "to six hospitals acting on it).",
        "",
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['memory']} RAM, "
        f"PostgreSQL {facts['postgresql']}, Python {facts['python']}, "
        f"Django {facts['django']}, DEBUG off.",
        "",
        f"Median server time of `client.get(url)` over {args.runs} requests after "
        f"{base.WARMUPS} warm-ups, as a member of a hospital; queries counted on one more "
        "request.",
        "",
        base.markdown_table(header, rows),
        "",
        f"- Seeding: {seeding[args.small]:.1f}s for {args.small:,} lessons, "
        f"{seeding[args.large]:.1f}s to grow to {args.large:,}.",
        f"- Goal: page <= {base.GOAL_VS_BARE:g}x bare and <= {base.GOAL_GROWTH:g}x slower at "
        f"the large size: " + ("met by every page." if not failures
                               else "missed by " + ", ".join(failures) + "."),
        "",
    ]
    Path(args.output).write_text("\n".join(text))
    print(f"Wrote {args.output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
