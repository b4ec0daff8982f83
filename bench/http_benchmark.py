"""The portal's pages against a bare Django project, over HTTP, both under gunicorn.

    .venv/bin/python bench/http_benchmark.py \
        --database-url postgres://postgres@127.0.0.1:5432/speed_bench \
        --redis-url redis://127.0.0.1:6379/14

One command: (re)create two PostgreSQL databases (the portal's, and the bare project's with
the suffix _bare), seed the portal with manage.py seed_reports and the lesson benchmark's
lessons and the bare project's one table with --rows rows, start both under gunicorn on
127.0.0.1 with production settings (DEBUG off, PostgreSQL, Redis cache and sessions), sign in
through their real sign-in forms (the coordinator with a code from an authenticator app),
measure each page in-process (queries, median server time) and over HTTP with wrk (req/s,
p50, p99), each portal page's wrk runs alternating with the bare page's, then print a table
and write it, with the machine's facts and load, to bench/results.md. See bench/README.md.
"""

import argparse
import base64
import hashlib
import hmac
import http.cookiejar
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

import benchmark as inprocess  # noqa: E402 (database re-creation)

PASSWORD = "seeded-password-2026"  # manage.py seed_reports
BARE_USER, BARE_PASSWORD = "bench", "bare-bench-password-2026"
GOAL_INPROCESS = 1.2  # at most this many times the bare page's median server time
GOAL_HTTP = 0.8  # at least this share of the bare page's requests per second

PAGES = [
    # (label, who, path): who is a key of the people portal-setup returns
    ("review queue (lead, largest hospital)", "lead", "/reports/review/"),
    ("My reports (staff)", "staff", "/reports/mine/"),
    ("PSO list (coordinator)", "coordinator", "/pso/reports/"),
    ("lesson library (lead)", "lead", "/lessons/"),
    ("lesson page (lead)", "lead", "/lessons/{lesson}/"),
    ("home (coordinator)", "coordinator", "/home/"),
    ("home (lead)", "lead", "/home/"),
    ("report dashboard, 36 months (lead)", "lead", "/reports/dashboard/?months=36"),
    ("PSO report dashboard, 36 months (coordinator)", "coordinator",
     "/pso/reports/dashboard/?months=36"),
    ("team charts, 5 measures (team lead)", "team",
     "/collaboratives/feedback/teams/{team_public_id}/"),
    ("funnel plot, 12 months (team lead)", "team",
     "/collaboratives/feedback/{collaborative_public_id}/measures/{bundle_public_id}/compare/"
     "?span=12"),
    ("learning collaborative page (team lead)", "team", "/learning/{collaborative_public_id}/"),
]
BARE_LABEL = "bare Django: 50 rows"
BARE_PATH = "/rows/"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True,
                        help="PostgreSQL URL of the portal's benchmark database (its name must "
                             "contain 'bench'); the bare project's is the same name + _bare.")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14",
                        help="Cache and sessions of both projects. This Redis database is "
                             "emptied at the start.")
    parser.add_argument("--reuse", action="store_true",
                        help="Keep existing databases and only add what is missing.")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--hospitals", type=int, default=200)
    parser.add_argument("--largest", type=int, default=50_000,
                        help="Reports of the largest hospital (the review queue's).")
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=50,
                        help="Hospitals of the benchmark learning collaborative.")
    parser.add_argument("--months", type=int, default=36,
                        help="Months of data of each team, on five measures.")
    parser.add_argument("--rows", type=int, default=1_000_000, help="Rows of the bare table.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, each project.")
    parser.add_argument("--threads", type=int, default=1,
                        help="Threads per gunicorn worker (1: sync workers).")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections.")
    parser.add_argument("--duration", type=int, default=5, help="Seconds of each wrk run.")
    parser.add_argument("--rounds", type=int, default=3,
                        help="wrk runs of each page, each paired with one of the bare page.")
    parser.add_argument("--runs", type=int, default=30, help="In-process requests per page.")
    parser.add_argument("--port", type=int, default=8701,
                        help="The portal's port; the bare project listens on the next one.")
    parser.add_argument("--page", action="append", default=[], metavar="LABEL|WHO|PATH",
                        help="Another portal page to measure (who: lead, staff, "
                             "coordinator or team, a team lead of the collaborative). "
                             "Repeatable.")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="Measure only the pages whose label contains this (repeatable).")
    parser.add_argument("--output", default=str(BENCH / "results.md"))
    return parser.parse_args()


# --- Processes ------------------------------------------------------------------------------


def base_env(args) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DEBUG")}
    env.update({
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        # Plain HTTP on 127.0.0.1: no TLS redirect, cookies not limited to HTTPS.
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "REDIS_URL": args.redis_url,
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def portal_env(args) -> dict:
    return {**base_env(args), "DJANGO_SETTINGS_MODULE": "chpso_portal.settings",
            "DATABASE_URL": args.database_url, "PYTHONPATH": str(ROOT)}


def bare_env(args) -> dict:
    return {**base_env(args), "DJANGO_SETTINGS_MODULE": "bare.settings",
            "DATABASE_URL": bare_url(args.database_url), "PYTHONPATH": str(BENCH)}


def bare_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_bare"))


def helper(env, *argv) -> dict:
    result = subprocess.run([sys.executable, str(BENCH / "http_helper.py"), *argv], env=env,
                            cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"http_helper.py {argv[0]} failed:\n{result.stdout[-3000:]}"
                 f"\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class Server:
    """gunicorn serving one project on 127.0.0.1, stopped (only this process group) on exit."""

    def __init__(self, name, env, app, chdir, port, args):
        self.name, self.port = name, port
        (ROOT / "var").mkdir(exist_ok=True)
        self.log = open(ROOT / "var" / f"bench-{name}-gunicorn.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--threads", str(args.threads),
             "--chdir", str(chdir), "--log-level", "warning"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, path):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"{self.name}: gunicorn exited; see {self.log.name}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5)
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        sys.exit(f"{self.name}: not answering on port {self.port}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


# --- Signing in through the forms -----------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        response = self.opener.open(self.base + path, timeout=60)
        return response.geturl(), response.read().decode()

    def post_form(self, path, html, fields):
        token = CSRF_INPUT.search(html)
        if token is None:
            sys.exit(f"No CSRF token in the form at {path}")
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **fields})
        request = urllib.request.Request(self.base + path, data=data.encode(),
                                         headers={"Referer": self.base + path})
        response = self.opener.open(request, timeout=60)
        return response.geturl(), response.read().decode()

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def totp_code(secret: str, period: int = 30, digits: int = 6) -> str:
    """The code an authenticator app shows now (RFC 6238, as allauth checks it)."""
    counter = struct.pack(">Q", int(time.time()) // period)
    digest = hmac.new(base64.b32decode(secret, casefold=True), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10 ** digits:0{digits}}"


def portal_sign_in(base, email, totp_secret=None) -> str:
    browser = Browser(base)
    _, html = browser.get("/accounts/login/")
    url, html = browser.post_form("/accounts/login/", html,
                                  {"login": email, "password": PASSWORD})
    path = urlsplit(url).path
    if path.startswith("/accounts/2fa/authenticate"):
        if not totp_secret:
            sys.exit(f"{email} is asked for a second factor but has no authenticator.")
        url, html = browser.post_form(path, html, {"code": totp_code(totp_secret)})
        path = urlsplit(url).path
    if path != "/home/":
        sys.exit(f"Signing in as {email} ended on {url}")
    return browser.cookie_header()


def bare_sign_in(base) -> str:
    browser = Browser(base)
    _, html = browser.get("/login/")
    url, _ = browser.post_form("/login/", html,
                               {"username": BARE_USER, "password": BARE_PASSWORD})
    if urlsplit(url).path != BARE_PATH:
        sys.exit(f"Signing in to the bare project ended on {url}")
    return browser.cookie_header()


def check_page(base, path, cookie):
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    response = urllib.request.urlopen(request, timeout=60)
    if response.status != 200 or urlsplit(response.geturl()).path != urlsplit(path).path:
        sys.exit(f"{path} answered {response.status} at {response.geturl()}")


# --- wrk ------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk(args, url, cookie, duration) -> dict:
    out = subprocess.run(
        ["wrk", "-t", str(min(2, args.connections)), "-c", str(args.connections),
         "-d", f"{duration}s", "--latency", "-H", f"Cookie: {cookie}", url],
        capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx" in out:
        sys.exit(f"wrk saw error responses from {url}:\n{out}")
    latency = {p: float(v) * UNITS[u] for p, v, u in
               re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": latency["50"], "p99": latency["99"]}


# --- Report ---------------------------------------------------------------------------------


def machine_facts(database_url) -> dict:
    import psycopg2

    conn = psycopg2.connect(database_url)
    with conn.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    conn.close()
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {"date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "nproc": os.cpu_count(), "cpu": cpu, "memory": f"{memory_kb / 1024 ** 2:.0f} GiB",
            "postgresql": pg_version, "python": platform.python_version(),
            "django": metadata.version("django"), "gunicorn": metadata.version("gunicorn"),
            "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True)
            .stdout.split("[")[0].strip() or "wrk"}


def table(rows, header) -> tuple[str, str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    plain = ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in [header, *rows]]
    plain.insert(1, "  ".join("-" * w for w in widths))
    md = ["| " + " | ".join(header) + " |",
          "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    md += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(plain), "\n".join(md)


def main():
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmark runs on PostgreSQL: give a postgres:// URL.")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk).")
    pages = [(label, who, path) for label, who, path in PAGES]
    for extra in args.page:
        label, who, path = extra.split("|")
        pages.append((label, who, path))
    if args.only:
        pages = [page for page in pages if any(text in page[0] for text in args.only)]

    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    inprocess.recreate_database(args.database_url, args.reuse)
    inprocess.recreate_database(bare_url(args.database_url), args.reuse)
    penv, benv = portal_env(args), bare_env(args)
    # Production serves static files from the manifest collectstatic builds.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   env=penv, cwd=ROOT, check=True)
    print(f"Seeding the portal ({args.reports:,} reports, {args.hospitals} hospitals, "
          f"{args.lessons:,} lessons) and the bare table ({args.rows:,} rows)...", flush=True)
    portal = helper(penv, "portal-setup", "--reports", str(args.reports), "--hospitals",
                    str(args.hospitals), "--largest", str(args.largest), "--lessons",
                    str(args.lessons), "--teams", str(args.teams), "--months", str(args.months))
    bare = helper(benv, "bare-setup", "--rows", str(args.rows), "--username", BARE_USER,
                  "--password", BARE_PASSWORD)
    pages = [(label, who, path.format(**portal)) for label, who, path in pages]
    people = {who: portal[who] for who in ("lead", "staff", "coordinator", "team")}

    # In-process: queries and median server time, each project in its own process; the two
    # take turns twice so that a change in the machine's load weighs on both.
    print("Measuring in-process...", flush=True)
    loads = {"in-process": [os.getloadavg()[0]]}
    portal_pages = json.dumps([(label, people[who], path) for label, who, path in pages])
    bare_pages = json.dumps([(BARE_LABEL, BARE_USER, BARE_PATH)])
    ms = {label: [] for label, _, _ in pages} | {BARE_LABEL: []}
    counted = {}
    half = max(1, args.runs // 2)
    for _ in range(2):
        for env, page_list in ((benv, bare_pages), (penv, portal_pages)):
            result = helper(env, "measure", "--runs", str(half), "--pages", page_list)
            for label, data in result.items():
                ms[label] += data["ms"]
                counted[label] = data
    loads["in-process"].append(os.getloadavg()[0])

    servers = [Server("portal", penv, "chpso_portal.wsgi:application", ROOT, args.port, args),
               Server("bare", benv, "bare.wsgi:application", BENCH, args.port + 1, args)]
    http = {label: [] for label, _, _ in pages} | {BARE_LABEL: []}
    try:
        servers[0].wait_ready("/accounts/login/")
        servers[1].wait_ready("/login/")
        portal_base = f"http://127.0.0.1:{args.port}"
        bare_base = f"http://127.0.0.1:{args.port + 1}"
        cookies = {who: portal_sign_in(portal_base, email,
                                       portal["totp_secret"] if who == "coordinator" else None)
                   for who, email in people.items()}
        bare_cookie = bare_sign_in(bare_base)
        check_page(bare_base, BARE_PATH, bare_cookie)
        for _, who, path in pages:
            check_page(portal_base, path, cookies[who])
        print("Warming up the servers...", flush=True)
        wrk(args, bare_base + BARE_PATH, bare_cookie, 2)
        for _, who, path in pages:
            wrk(args, portal_base + path, cookies[who], 1)
        loads["http"] = [os.getloadavg()[0]]
        for round_number in range(args.rounds):
            print(f"wrk round {round_number + 1} of {args.rounds}...", flush=True)
            for label, who, path in pages:
                pair = [(BARE_LABEL, bare_base + BARE_PATH, bare_cookie),
                        (label, portal_base + path, cookies[who])]
                if round_number % 2:
                    pair.reverse()  # neither side always runs first
                for name, url, cookie in pair:
                    http[name].append(wrk(args, url, cookie, args.duration))
            loads["http"].append(os.getloadavg()[0])
        for _, who, path in pages:  # still signed in: the figures are of real pages
            check_page(portal_base, path, cookies[who])
    finally:
        for server in servers:
            server.stop()

    def med(values):
        return statistics.median(values)

    bare_ms = med(ms[BARE_LABEL])
    rows, failures = [], []
    for label in [BARE_LABEL] + [label for label, _, _ in pages]:
        runs = http[label]
        page_ms, rps = med(ms[label]), med([r["rps"] for r in runs])
        # The bare page's runs paired with this page's (for the bare row: all of them).
        if label == BARE_LABEL:
            ratio_rps = 1.0
        else:
            index = [lbl for lbl, _, _ in pages].index(label)
            paired = http[BARE_LABEL][index::len(pages)]
            ratio_rps = med([r["rps"] / b["rps"] for r, b in zip(runs, paired, strict=True)])
        ratio_ms = page_ms / bare_ms
        ok = label == BARE_LABEL or (ratio_ms <= GOAL_INPROCESS and ratio_rps >= GOAL_HTTP)
        if not ok:
            failures.append(label)
        rows.append([label, counted[label]["queries"], counted[label]["writes"],
                     f"{page_ms:.2f}", f"{ratio_ms:.2f}", f"{rps:.0f}", f"{ratio_rps:.2f}",
                     f"{med([r['p50'] for r in runs]):.1f}",
                     f"{med([r['p99'] for r in runs]):.1f}",
                     "-" if label == BARE_LABEL else ("ok" if ok else "missed")])
    header = ["page", "queries", "writes", "in-process median ms", "x bare",
              "req/s", "x bare", "p50 ms", "p99 ms", "goal"]
    plain, md = table(rows, header)
    facts = machine_facts(args.database_url)
    print()
    print(plain)
    load_text = (f"{loads['in-process'][0]:.2f}-{loads['in-process'][1]:.2f} in-process, "
                 f"{min(loads['http']):.2f}-{max(loads['http']):.2f} during the wrk runs")
    print(f"\nLoad average (1 min): {load_text}.")
    for label in [BARE_LABEL] + [label for label, _, _ in pages]:
        if counted[label]["writes"]:
            writes = [s[:80] for s in counted[label]["sql"]
                      if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
            print(f"{label} writes: {writes}")
    seeding = portal["seeding_seconds"]
    text = [
        "# Benchmark results: the portal against bare Django, over HTTP",
        "",
        f"Run {facts['date']} with `bench/http_benchmark.py` (`--rounds {args.rounds} "
        f"--duration {args.duration} --connections {args.connections} --workers "
        f"{args.workers} --threads {args.threads} --runs {args.runs}`).",
        "",
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['memory']} RAM, "
        f"PostgreSQL {facts['postgresql']}, Python {facts['python']}, Django "
        f"{facts['django']}, gunicorn {facts['gunicorn']} ({args.workers} "
        f"{'sync' if args.threads == 1 else 'gthread'} workers per project), {facts['wrk']}.",
        f"Load average (1 min) while measuring: {load_text}. The machine is shared: the "
        "ratios, measured in alternating runs, are the figures to read.",
        "",
        f"Data: the portal holds {portal['reports']:,} reports of {args.hospitals} hospitals "
        f"(the review queue's hospital has {portal['largest']:,}; the My reports user filed "
        f"{portal['mine']:,}) and {portal['lessons']:,} published lessons; the bare table "
        f"has {bare['rows']:,} rows."
        + (f" Seeding took {sum(seeding.values()):.0f}s." if seeding else ""),
        "",
        "Both projects run with DEBUG off, PostgreSQL (persistent connections), Redis as the "
        "cache and `cached_db` sessions, under gunicorn on 127.0.0.1, signed in through their "
        "sign-in forms (the PSO coordinator with a code from an authenticator app, "
        "`PSO_REQUIRE_MFA` on). The bare project (bench/bare/) has sessions and "
        "authentication only and one page listing the newest 50 rows of its table.",
        "",
        "- queries, writes: SQL statements of one request, in-process (django.test.Client), "
        "after warm-up (the user, then the page's own; the session comes from Redis). Redis "
        "round trips besides: one for the bare page (the session), two for a portal page (the "
        "session, then the user's cached memberships, unread count and authenticator flag in "
        "one get_many). The lesson page's write is the audit row of the read.",
        f"- in-process median ms: median server time over {2 * half} requests, the two "
        "projects taking turns twice; x bare: the page's median over the bare page's.",
        f"- req/s, p50, p99: medians over {args.rounds} wrk runs of {args.duration}s "
        f"({args.connections} connections); x bare: median of each run's req/s over that of "
        "the bare page's run paired with it.",
        f"- goal (issue 14): in-process at most {GOAL_INPROCESS}x the bare page and at least "
        f"{GOAL_HTTP}x its req/s.",
        "",
        md,
        "",
    ]
    Path(args.output).write_text("\n".join(text))
    print(f"Wrote {args.output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
