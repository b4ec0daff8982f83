"""In-process cost of portal pages against the bare page, interleaved request by request.

    .venv/bin/python bench/inprocess_ratio.py \
        --database-url postgres://postgres@127.0.0.1:5432/speed_bench \
        --redis-url redis://127.0.0.1:6379/14 --rounds 3 --runs 20

Works on a database the HTTP benchmark (bench/http_benchmark.py) has seeded, with its
benchmark collaborative; it changes nothing in it. Each timed request of a page is paired with
a request of the bare page (bench/benchmark.py's: 50 rows of one table through the same
middleware), in alternating order, so a change in the machine's load weighs on both; each
round gives the ratio of the two medians, and the rounds are printed side by side with the
load average. `--profile LABEL` runs one page under cProfile instead and prints where the time
goes; `--queries` prints each page's SQL.

`--bare-project` pairs the pages with the bare Django project's page instead (bench/bare/, the
HTTP benchmark's yardstick: its own settings and middleware, on the `_bare` database the HTTP
benchmark seeded), served request by request by a child process under its own settings, and
prints the ratios of CPU time too. `--profile bare` then profiles that page.
"""

import argparse
import cProfile
import gc
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchmark as base  # noqa: E402 (Django set-up, the bare page and who looks at what)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--runs", type=int, default=20, help="Timed pairs per page and round.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", action="append", default=[],
                        help="Measure only the pages whose label contains this (repeatable).")
    parser.add_argument("--profile", default="", help="Profile the page with this label.")
    parser.add_argument("--profile-out", default="",
                        help="With --profile, also write the raw profile here (pstats format).")
    parser.add_argument("--queries", action="store_true", help="Print each page's SQL.")
    parser.add_argument("--bare-project", action="store_true",
                        help="Pair with the bare Django project (bench/bare/) in a child process.")
    parser.set_defaults(reuse=True)
    return parser.parse_args()


def pages(people):
    from collaboratives.models import Lesson
    from collaboratives.programmes.models import Team

    lesson = Lesson.objects.published().order_by("-published_at", "-id").first()
    result = [
        ("review queue", "lead", "/reports/review/"),
        ("my reports", "staff", "/reports/mine/"),
        ("PSO list", "coordinator", "/pso/reports/"),
        ("lesson library", "lead", "/lessons/"),
        ("lesson page", "lead", f"/lessons/{lesson.public_id}/"),
        ("home (coordinator)", "coordinator", "/home/"),
        ("home (lead)", "lead", "/home/"),
        ("report dashboard 12", "lead", "/reports/dashboard/"),
        ("report dashboard 36", "lead", "/reports/dashboard/?months=36"),
        ("PSO dashboard 36", "coordinator", "/pso/reports/dashboard/?months=36"),
    ]
    team = Team.objects.filter(hospital_id=people.get("team_hospital")).select_related(
        "collaborative").first()
    if team is not None:
        bundle = team.collaborative.measures.filter(short_name="bundle").first() \
            or team.collaborative.measures.first()
        result += [
            ("team charts", "team", f"/collaboratives/feedback/teams/{team.public_id}/"),
            ("funnel plot", "team", f"/collaboratives/feedback/{team.collaborative.public_id}"
                                    f"/measures/{bundle.public_id}/compare/?span=12"),
            ("collaborative page", "team", f"/learning/{team.collaborative.public_id}/"),
            ("team page", "team", f"/learning/teams/{team.public_id}/"),
        ]
    return result


def find_people():
    from collaboratives.programmes.models import TeamMember
    from members.models import User
    from members.roles import PsoRole

    people = base.pick_people()
    people["coordinator"] = User.objects.filter(pso_role=PsoRole.COORDINATOR,
                                                is_active=True).order_by("id").first()
    member = (TeamMember.objects.filter(membership__isnull=False)
              .select_related("team", "user").order_by("team__hospital_id", "id").first())
    if member is not None:
        people["team"] = member.user
        people["team_hospital"] = member.team.hospital_id
    return people


class BareProject:
    """The bare project's signed-in page, one request per `get()`, in a child process under the
    bare project's settings (bench/http_helper.py serve-pairs)."""

    def __init__(self, args, profile: int = 0):
        import subprocess

        import http_benchmark

        env = http_benchmark.bare_env(args)
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve().parent / "http_helper.py"),
             "serve-pairs", "--user", http_benchmark.BARE_USER, "--path",
             http_benchmark.BARE_PATH, "--profile", str(profile)],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        if not profile and self.process.stdout.readline().strip() != "ready":
            sys.exit("The bare project's page did not start; see above.")

    def get(self) -> tuple[float, float]:
        """Wall and CPU milliseconds of one request, as the child measured them."""
        self.process.stdin.write("go\n")
        wall, cpu = self.process.stdout.readline().split()
        return float(wall), float(cpu)

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def main():
    args = parse_args()
    if args.bare_project and args.profile == "bare":
        BareProject(args, profile=args.runs).close()
        return 0
    base.configure_django(args)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    plain_static = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    urlconf = base.install_urlconf()
    with override_settings(ROOT_URLCONF=urlconf, STORAGES=plain_static):
        people = find_people()
        # Against the bare project, the bare page in the portal's middleware is a page too:
        # its ratio is what the portal's fixed cost of a signed-in request adds.
        own = [("bare page in the portal", "lead", base.BARE_PATH)] if args.bare_project else []
        urls = [p for p in own + pages(people)
                if not args.only or any(o in p[0] for o in args.only + [args.profile or "\0"])]
        clients = {}
        for who in ("lead", "staff", "coordinator", "team"):
            if who in people:
                clients[who] = Client()
                clients[who].force_login(people[who])
        bare = clients["lead"]
        for _ in range(base.WARMUPS):
            bare.get(base.BARE_PATH)
            for label, who, url in urls:
                response = clients[who].get(url)
                if response.status_code != 200:
                    sys.exit(f"{label}: {url} answered {response.status_code} for {who}.")

        if args.profile:
            label, who, url = next(p for p in urls if args.profile in p[0])
            # CPU time of this process: what the page costs in Python, whatever the load.
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(args.runs):
                clients[who].get(url)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            if args.profile_out:
                stats.dump_stats(args.profile_out)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
            print(out.getvalue())
            return 0

        counts = {}
        for label, who, url in [("bare page", "lead", base.BARE_PATH), *urls]:
            with CaptureQueriesContext(connection) as captured:
                (clients[who] if who in clients else bare).get(url)
            counts[label] = len(captured)
            if args.queries:
                print(f"--- {label}: {len(captured)} queries")
                for query in captured.captured_queries:
                    print("   ", query["sql"][:300])

        project = BareProject(args) if args.bare_project else None
        ratios = {label: [] for label, _, _ in urls}
        cpu_ratios = {label: [] for label, _, _ in urls}
        medians = {label: [] for label, _, _ in urls}
        loads = []
        gc.collect()
        for round_number in range(args.rounds):
            loads.append(os.getloadavg()[0])
            for label, who, url in urls:
                page_ms, bare_ms, page_cpu, bare_cpu = [], [], [], []
                for run in range(args.runs):
                    order = [(project or bare, base.BARE_PATH, bare_ms, bare_cpu),
                             (clients[who], url, page_ms, page_cpu)]
                    if (run + round_number) % 2:
                        order.reverse()
                    for client, path, into, into_cpu in order:
                        if client is project:
                            wall, cpu = project.get()
                        else:
                            started, cpu_started = time.perf_counter(), time.process_time()
                            client.get(path)
                            wall = (time.perf_counter() - started) * 1000
                            cpu = (time.process_time() - cpu_started) * 1000
                        into.append(wall)
                        into_cpu.append(cpu)
                medians[label].append((statistics.median(page_ms), statistics.median(bare_ms)))
                ratios[label].append(statistics.median(page_ms) / statistics.median(bare_ms))
                cpu_ratios[label].append(statistics.median(page_cpu)
                                         / statistics.median(bare_cpu))
        loads.append(os.getloadavg()[0])
        if project is not None:
            project.close()

    yardstick = ("the bare project's page (bench/bare/)" if args.bare_project
                 else f"bare page {counts['bare page']} queries")
    print(f"\nload average (1 min) {min(loads):.2f}-{max(loads):.2f}; {args.rounds} rounds of "
          f"{args.runs} interleaved pairs; {yardstick}\n")
    print(f"{'page':24} {'queries':>7}  " + "  ".join(f"{'round ' + str(i + 1):>16}"
                                                      for i in range(args.rounds))
          + "  median ratio")
    for label, _, _ in urls:
        cells = "  ".join(f"{p:6.1f}/{b:5.1f} {r:4.2f}" for (p, b), r in
                          zip(medians[label], ratios[label], strict=True))
        print(f"{label:24} {counts[label]:>7}  {cells}  {statistics.median(ratios[label]):.2f}"
              f"  (CPU {' '.join(f'{r:.2f}' for r in cpu_ratios[label])}:"
              f" {statistics.median(cpu_ratios[label]):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
