"""Set-up and in-process measurements for bench/http_benchmark.py.

Run in a child process under one project's settings, the portal's or the bare project's
(DJANGO_SETTINGS_MODULE and the rest come from the environment the benchmark gives it); prints
one line of JSON. Not meant to be run by hand.

    http_helper.py portal-setup --reports N --hospitals N --largest N --lessons N
    http_helper.py bare-setup --rows N --username U --password P
    http_helper.py measure --runs N --pages '[["label", "user", "/path/"], ...]'
    http_helper.py serve-pairs --user U --path /path/ [--profile N]
"""

import argparse
import gc
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

WARMUPS = 3


def portal_setup(args) -> dict:
    import benchmark
    import lesson_benchmark
    import measurement_benchmark
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.core.management import call_command

    from cases.models import IncidentReport
    from collaboratives.models import Lesson

    call_command("migrate", verbosity=0)
    timings = {}
    if IncidentReport.objects.count() < args.reports:
        started = time.monotonic()
        call_command("seed_reports", reports=args.reports, hospitals=args.hospitals,
                     largest=args.largest, seed=42, force=True, verbosity=0)
        timings["reports"] = time.monotonic() - started
    if Lesson.objects.published().count() < args.lessons:
        timings["lessons"] = lesson_benchmark.seed_lessons(args.lessons, random.Random(7))
    if args.teams:
        # Tops up: only the missing teams and months are added.
        timings["collaborative"] = measurement_benchmark.seed_collaborative(
            args.teams, args.months, random.Random(11))
    people = benchmark.pick_people()
    # The coordinator signs in as in production: password, then a code from an authenticator
    # app. The benchmark computes the codes from this secret.
    coordinator = people["coordinator"]
    Authenticator.objects.filter(user=coordinator).delete()
    secret = generate_totp_secret()
    TOTP.activate(coordinator, secret)
    lesson = Lesson.objects.published().order_by("-published_at", "-id").first()
    collaborative = {}
    if args.teams:
        collaborative = collaborative_pages()
    return {
        **collaborative,
        "lead": people["lead"].email, "staff": people["staff"].email,
        "coordinator": coordinator.email, "totp_secret": secret,
        "lesson": str(lesson.public_id),
        "reports": IncidentReport.objects.count(),
        "largest": IncidentReport.objects.filter(hospital_id=people["hospital_id"]).count(),
        "mine": IncidentReport.objects.filter(reporter=people["staff"]).count(),
        "lessons": Lesson.objects.published().count(),
        "seeding_seconds": timings,
    }


def collaborative_pages() -> dict:
    """A team lead of the benchmark collaborative, and the paths of its pages."""
    import measurement_benchmark

    from collaboratives.programmes.models import Team, TeamMember

    team = (Team.objects.filter(collaborative__name=measurement_benchmark.COLLABORATIVE)
            .select_related("collaborative").order_by("hospital_id").first())
    member = TeamMember.objects.filter(team=team).select_related("user").order_by("id").first()
    bundle = team.collaborative.measures.get(short_name="bundle")
    return {
        "team": member.user.email,
        "team_public_id": str(team.public_id),
        "collaborative_public_id": str(team.collaborative.public_id),
        "bundle_public_id": str(bundle.public_id),
    }


def bare_setup(args) -> dict:
    from bare.models import Row
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    have = Row.objects.count()
    if have < args.rows:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO bare_row (name, city, state, status, created_at)
                SELECT 'Hospital number ' || n, 'City ' || mod(n, 997),
                       (ARRAY['CA', 'NV', 'OR', 'AZ'])[1 + mod(n, 4)],
                       (ARRAY['active', 'applicant', 'declined'])[1 + mod(n, 3)],
                       now() - (n || ' minutes')::interval
                FROM generate_series(%s, %s) AS n
                """,
                [have + 1, args.rows],
            )
            cursor.execute("VACUUM ANALYZE bare_row")
    User = get_user_model()  # noqa: N806
    user, _ = User.objects.get_or_create(username=args.username)
    user.set_password(args.password)
    user.save()
    return {"rows": Row.objects.count(), "seconds": time.monotonic() - started}


def measure(args) -> dict:
    """Median server time of each page through django.test.Client (the whole middleware
    stack), pages taking turns within each round; queries counted on one more request."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    pages = json.loads(args.pages)
    User = get_user_model()  # noqa: N806
    clients = {}
    for _, who, _ in pages:
        if who not in clients:
            client = Client()
            client.force_login(User.objects.get(**{User.USERNAME_FIELD: who}))
            clients[who] = client
    # The set-up has just given the coordinator an authenticator: the cache holds off its
    # "has an authenticator" flag for a few seconds after such a change (members/cache.py),
    # which is not what a page costs the rest of the time.
    from members.cache import FORGOTTEN_FOR

    time.sleep(FORGOTTEN_FOR + 1)
    for _ in range(WARMUPS):
        for label, who, path in pages:
            status = clients[who].get(path).status_code
            if status != 200:
                raise SystemExit(f"{label}: {path} answered {status} in-process")
    gc.collect()
    timings = {label: [] for label, _, _ in pages}
    for _ in range(args.runs):
        for label, who, path in pages:
            started = time.perf_counter()
            clients[who].get(path)
            timings[label].append((time.perf_counter() - started) * 1000)
    results = {}
    for label, who, path in pages:
        with CaptureQueriesContext(connection) as captured:
            clients[who].get(path)
        sqls = [q["sql"] for q in captured.captured_queries]
        writes = [s for s in sqls if s.lstrip().upper().startswith(("INSERT", "UPDATE",
                                                                     "DELETE"))]
        results[label] = {"ms": timings[label], "queries": len(sqls), "writes": len(writes),
                          "sql": sqls}
    return results


def serve_pairs(args) -> dict:
    """One signed-in page on request, for bench/inprocess_ratio.py --bare-project: each line
    read from stdin runs one request and answers its wall and CPU milliseconds, so the other
    process can interleave its own page's requests with these. Signs in with the cache-only
    session store (read as cached_db reads a cached session) and without touching last_login,
    so nothing is written to the database."""
    import cProfile
    import io
    import pstats

    from django.contrib.auth import get_user_model, user_logged_in
    from django.contrib.auth.models import update_last_login
    from django.test import Client
    from django.test.utils import override_settings

    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    User = get_user_model()  # noqa: N806
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cache"):
        client = Client()
        client.force_login(User.objects.get(**{User.USERNAME_FIELD: args.user}))
        for _ in range(WARMUPS):
            status = client.get(args.path).status_code
            if status != 200:
                raise SystemExit(f"{args.path} answered {status} in-process")
        if args.profile:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(args.profile):
                client.get(args.path)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
            sys.stderr.write(out.getvalue())
            return {"profiled": args.profile}
        gc.collect()
        print("ready", flush=True)
        for line in sys.stdin:
            if line.strip() != "go":
                break
            started, cpu = time.perf_counter(), time.process_time()
            client.get(args.path)
            print(f"{(time.perf_counter() - started) * 1000:.4f} "
                  f"{(time.process_time() - cpu) * 1000:.4f}", flush=True)
    return {"served": True}


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("portal-setup")
    p.add_argument("--reports", type=int, required=True)
    p.add_argument("--hospitals", type=int, required=True)
    p.add_argument("--largest", type=int, required=True)
    p.add_argument("--lessons", type=int, required=True)
    p.add_argument("--teams", type=int, default=0)
    p.add_argument("--months", type=int, default=36)
    p = sub.add_parser("bare-setup")
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--password", required=True)
    p = sub.add_parser("measure")
    p.add_argument("--runs", type=int, required=True)
    p.add_argument("--pages", required=True)
    p = sub.add_parser("serve-pairs")
    p.add_argument("--user", required=True)
    p.add_argument("--path", required=True)
    p.add_argument("--profile", type=int, default=0)
    args = parser.parse_args()

    import django

    django.setup()
    result = {"portal-setup": portal_setup, "bare-setup": bare_setup,
              "measure": measure, "serve-pairs": serve_pairs}[args.command](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
