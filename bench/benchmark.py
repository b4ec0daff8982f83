"""Page latency and query counts of the report lists at two data sizes, on PostgreSQL.

    .venv/bin/python bench/benchmark.py \
        --database-url postgres://postgres@127.0.0.1:5432/chpso_bench --runs 30

Steps: (re)create the benchmark database, migrate, seed 10,000 reports, measure every page,
grow the same database to 1,000,000 reports, measure again, then print a table and write it
to bench/report_results.md. Each page is requested through django.test.Client (the whole middleware
stack, DEBUG off); the figure is the median of --runs timed requests after 3 warm-ups. A bare
page that lists 50 rows of one table, served through the same middleware, is the yardstick.
See bench/README.md.
"""

import argparse
import gc
import os
import platform
import secrets
import statistics
import sys
import time
import types
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_VS_BARE = 2.0
GOAL_GROWTH = 1.2
WARMUPS = 3


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True,
                        help="PostgreSQL URL of a dedicated benchmark database.")
    parser.add_argument("--runs", type=int, default=30, help="Timed requests per page.")
    parser.add_argument("--small", type=int, default=10_000, help="Reports, first size.")
    parser.add_argument("--large", type=int, default=1_000_000, help="Reports, second size.")
    parser.add_argument("--hospitals", type=int, default=200)
    parser.add_argument("--largest", type=int, default=50_000,
                        help="Reports of the largest hospital at the large size (scaled down "
                             "in proportion at the small size).")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reuse", action="store_true",
                        help="Keep the database as it is instead of recreating it (it must not "
                             "hold more than --small reports).")
    parser.add_argument("--redis-url", default="",
                        help="Use Redis for the cache and sessions, as in production.")
    parser.add_argument("--output", default=str(ROOT / "bench" / "report_results.md"))
    return parser.parse_args()


def recreate_database(url: str, reuse: bool) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        sys.exit("The database URL must name a database.")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if exists and not reuse:
            if "bench" not in name:
                sys.exit(f"Refusing to drop {name!r}: the benchmark recreates its database, so "
                         "its name must contain 'bench' (or pass --reuse).")
            print(f"Dropping database {name}...")
            cursor.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = False
        if not exists:
            print(f"Creating database {name}...")
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def configure_django(args) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "chpso_portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "PSO_REQUIRE_MFA": "false",
        "DATABASE_URL": args.database_url,
        "LOG_LEVEL": "WARNING",
    })
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


# --- The bare page and the URLconf that mounts it -------------------------------------------

BARE_PATH = "/__bench__/bare/"


def install_urlconf() -> str:
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import path

    import chpso_portal.urls
    from members.models import Hospital

    template = engines["django"].from_string(
        "<!DOCTYPE html><html><head><title>Hospitals</title></head><body><table>"
        "{% for h in rows %}<tr><td>{{ h.name }}</td><td>{{ h.city }}</td>"
        "<td>{{ h.get_state_display }}</td><td>{{ h.get_status_display }}</td></tr>"
        "{% endfor %}</table></body></html>"
    )

    def bare(request):
        return HttpResponse(template.render({"rows": Hospital.objects.all()[:50]}))

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [path(BARE_PATH.strip("/") + "/", bare)] + list(
        chpso_portal.urls.urlpatterns)
    sys.modules["bench_urls"] = module
    return "bench_urls"


# --- Who looks at what ----------------------------------------------------------------------


def pick_people():
    from django.db.models import Count

    from cases.models import IncidentReport
    from members.models import Membership, User
    from members.roles import HospitalRole, PsoRole

    hospital_id = (IncidentReport.objects.values_list("hospital").annotate(n=Count("id"))
                   .order_by("-n")[0][0])
    lead = Membership.objects.filter(hospital_id=hospital_id, role=HospitalRole.SAFETY_LEAD,
                                     is_active=True).select_related("user").first().user
    staff_ids = set(Membership.objects.filter(hospital_id=hospital_id, role=HospitalRole.STAFF)
                    .values_list("user_id", flat=True))
    reporter_id = next(
        rid for rid, _ in IncidentReport.objects.filter(hospital_id=hospital_id)
        .values_list("reporter").annotate(n=Count("id")).order_by("-n")
        if rid in staff_ids
    )
    coordinator = User.objects.filter(pso_role=PsoRole.COORDINATOR, is_active=True) \
        .order_by("id").first()
    return {"lead": lead, "staff": User.objects.get(pk=reporter_id),
            "coordinator": coordinator, "hospital_id": hospital_id}


PAGES = [
    # (label, who, url)
    ("bare page (50 hospitals)", "lead", BARE_PATH),
    ("review queue (needs action)", "lead", "/reports/review/"),
    ("review queue, all", "lead", "/reports/review/?status=all"),
    ("review queue, all, sort=harm", "lead", "/reports/review/?status=all&sort=harm"),
    ("review queue, sort=category_desc", "lead", "/reports/review/?sort=category_desc"),
    ("review queue, status=submitted", "lead", "/reports/review/?status=submitted"),
    ("review queue, category=fall", "lead", "/reports/review/?category=fall"),
    ("review queue, page 5", "lead", "/reports/review/?page=5"),
    ("review queue, sort=event", "lead", "/reports/review/?sort=event"),
    ("my reports", "staff", "/reports/mine/"),
    ("my reports, page 5", "staff", "/reports/mine/?page=5"),
    ("PSO list", "coordinator", "/pso/reports/"),
    ("PSO list, page 5", "coordinator", "/pso/reports/?page=5"),
]


def measure(runs: int, people, stage: str) -> dict:
    """Median time of each page. Pages take turns within every round, so a change in the
    machine's load during the phase weighs on all of them alike."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {}
    for who in ("lead", "staff", "coordinator"):
        client = Client()
        client.force_login(people[who])
        clients[who] = client
    gc.collect()
    load_before = os.getloadavg()[0]
    for _ in range(WARMUPS):
        for label, who, url in PAGES:
            response = clients[who].get(url)
            if response.status_code != 200:
                sys.exit(f"{label}: {url} answered {response.status_code} for {who}.")
    timings = {label: [] for label, _, _ in PAGES}
    for _ in range(runs):
        for label, who, url in PAGES:
            client = clients[who]
            started = time.perf_counter()
            client.get(url)
            timings[label].append((time.perf_counter() - started) * 1000)
    results = {"_load": (load_before, os.getloadavg()[0])}
    for label, who, url in PAGES:
        with CaptureQueriesContext(connection) as captured:
            clients[who].get(url)
        results[label] = {"ms": statistics.median(timings[label]), "queries": len(captured),
                          "sql": [q["sql"] for q in captured.captured_queries]}
        print(f"  [{stage}] {label:34} {results[label]['ms']:7.2f} ms  "
              f"{len(captured)} queries")
    return results


def seed(reports: int, hospitals: int, largest: int, seed_value: int) -> float:
    from django.core.management import call_command

    started = time.monotonic()
    call_command("seed_reports", reports=reports, hospitals=hospitals, largest=largest,
                 seed=seed_value, force=True)
    return time.monotonic() - started


def machine_facts() -> dict:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": os.cpu_count(),
        "cpu": cpu or platform.processor() or "unknown",
        "memory": memory or "unknown",
        "postgresql": pg_version,
        "python": platform.python_version(),
        "django": django.get_version(),
    }


def human(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return f"{n:,}"


def build_table(small: dict, large: dict, small_n: int, large_n: int):
    """One row per page. The goal is judged on the raw medians; the extra columns help
    read a run made while the machine's load changed between the two sizes: the bare page
    slows down with the machine, so dividing by it cancels that out."""
    bare = PAGES[0][0]
    s_name, l_name = human(small_n), human(large_n)
    header = ["page", "queries", f"median ms at {s_name}", f"median ms at {l_name}",
              f"ratio {l_name}/{s_name}", f"ratio page/bare ({l_name})",
              f"ratio page/bare ({s_name})", f"{l_name}/{s_name} relative to bare", "goal"]
    rows, failures = [], []
    for label, _, _ in PAGES:
        s, big = small[label], large[label]
        growth = big["ms"] / s["ms"]
        vs_bare = big["ms"] / large[bare]["ms"]
        vs_bare_small = s["ms"] / small[bare]["ms"]
        ok = label == bare or (growth <= GOAL_GROWTH and vs_bare <= GOAL_VS_BARE
                               and s["queries"] == big["queries"])
        if not ok:
            failures.append(label)
        queries = str(big["queries"]) if s["queries"] == big["queries"] else \
            f"{s['queries']} -> {big['queries']}"
        rows.append([label, queries, f"{s['ms']:.2f}", f"{big['ms']:.2f}",
                     f"{growth:.2f}", f"{vs_bare:.2f}", f"{vs_bare_small:.2f}",
                     f"{vs_bare / vs_bare_small:.2f}",
                     "-" if label == bare else ("ok" if ok else "MISSED")])
    return header, rows, failures


def markdown_table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def plain_table(header, rows) -> str:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                              for i, (c, w) in enumerate(zip(r, widths, strict=True)))
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows])


def main():
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmark runs on PostgreSQL: give a postgres:// URL.")
    if args.large < args.small:
        sys.exit("--large must be at least --small.")
    recreate_database(args.database_url, args.reuse)
    configure_django(args)

    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    from cases.models import IncidentReport

    call_command("migrate", verbosity=0)
    if IncidentReport.objects.count() > args.small:
        sys.exit(f"The database already holds more than {args.small:,} reports; run without "
                 "--reuse to start again from an empty one.")
    small_largest = max(1, round(args.largest * args.small / args.large))
    # Static files are served by WhiteNoise from a manifest built by collectstatic in
    # production; the benchmark uses the plain storage so it needs no build step. Templates
    # still resolve every {% static %} tag.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    urlconf = install_urlconf()
    seed_times = {}
    with override_settings(ROOT_URLCONF=urlconf, STORAGES=plain_static):
        print(f"Seeding {args.small:,} reports...")
        seed_times[args.small] = seed(args.small, args.hospitals, small_largest, args.seed)
        people = pick_people()
        print(f"Measuring at {args.small:,} reports ({args.runs} runs per page)...")
        small = measure(args.runs, people, human(args.small))
        print(f"Growing to {args.large:,} reports...")
        seed_times[args.large] = seed(args.large, args.hospitals, args.largest, args.seed)
        print(f"Measuring at {args.large:,} reports ({args.runs} runs per page)...")
        large = measure(args.runs, people, human(args.large))

    for label, _, _ in PAGES:
        if small[label]["queries"] != large[label]["queries"]:
            print(f"Query count of {label!r} changed with the data size:")
            print("\n".join(["  at small size:"] + small[label]["sql"]
                            + ["  at large size:"] + large[label]["sql"]))
    header, rows, failures = build_table(small, large, args.small, args.large)
    facts = machine_facts()
    from cases.models import IncidentReport as Report  # noqa: N814

    largest_now = Report.objects.filter(hospital_id=people["hospital_id"]).count()
    mine_now = Report.objects.filter(reporter=people["staff"]).count()
    print()
    print(plain_table(header, rows))
    print()
    print(f"Seeding: {args.small:,} reports in {seed_times[args.small]:.1f}s; growing to "
          f"{args.large:,} in {seed_times[args.large]:.1f}s.")
    print(f"Largest hospital: {largest_now:,} reports; the 'my reports' user filed "
          f"{mine_now:,}.")
    print(f"Load average (1 min): {small['_load'][0]:.2f}-{small['_load'][1]:.2f} at "
          f"{human(args.small)}, {large['_load'][0]:.2f}-{large['_load'][1]:.2f} at "
          f"{human(args.large)}.")
    print("Goal: each page <= {:.1f}x the bare page and <= {:.1f}x slower at the large size: "
          "{}".format(GOAL_VS_BARE, GOAL_GROWTH,
                      "met" if not failures else "missed by " + ", ".join(failures)))

    text = [
        "# Benchmark results: report lists",
        "",
        f"Run {facts['date']} with `bench/benchmark.py --runs {args.runs}` "
        f"({args.hospitals} hospitals; {args.small:,} then {args.large:,} reports).",
        "",
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['memory']} RAM, "
        f"PostgreSQL {facts['postgresql']}, Python {facts['python']}, "
        f"Django {facts['django']}, DEBUG off"
        + (", Redis cache and sessions." if args.redis_url else ", sessions in the database."),
        "",
        f"Median server time of `client.get(url)` over {args.runs} requests after "
        f"{WARMUPS} warm-ups; queries counted on one more request (equal at both sizes). "
        "\"Relative to bare\" divides the growth ratio by the bare page's own, cancelling a "
        "change in the machine's speed between the two sizes.",
        "",
        markdown_table(header, rows),
        "",
        f"- Largest hospital at {human(args.large)}: {largest_now:,} reports (review queue "
        f"user: its safety lead). The \"my reports\" user filed {mine_now:,}.",
        f"- Seeding: {args.small:,} reports in {seed_times[args.small]:.1f}s; growing to "
        f"{args.large:,} in {seed_times[args.large]:.1f}s (COPY, then VACUUM ANALYZE).",
        f"- Load average (1 min) while measuring: {small['_load'][0]:.2f}-"
        f"{small['_load'][1]:.2f} at {human(args.small)}, {large['_load'][0]:.2f}-"
        f"{large['_load'][1]:.2f} at {human(args.large)} (the machine may be shared).",
        f"- Goal: page <= {GOAL_VS_BARE:g}x bare and <= {GOAL_GROWTH:g}x slower at "
        f"{human(args.large)} than at {human(args.small)}: "
        + ("met by every page." if not failures else "missed by " + ", ".join(failures) + "."),
        "",
    ]
    Path(args.output).write_text("\n".join(text))
    print(f"Wrote {args.output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
