"""The full stack on 127.0.0.1, in throwaway processes the fault and load tests can break.

Everything here is started on a free port and stopped by whoever started it: a Redis server,
a PostgreSQL cluster in a temporary directory, an SMTP server that can refuse, hold and count,
Celery worker and beat processes, gunicorn, and a small HTTP client that signs in like a browser.
The machine's own PostgreSQL and Redis are never touched. Every wait is bounded in time.
"""

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2, explain=None):
    """Poll `predicate` until it is true; fail with `what` (and `explain()`) after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            detail = f"\n{explain()}" if explain else ""
            raise AssertionError(f"not within {timeout:.0f} s: {what}{detail}")
        time.sleep(interval)


def tail(path: Path, size: int = 4000) -> str:
    try:
        return Path(path).read_text(errors="replace")[-size:]
    except OSError as exc:
        return f"({path}: {exc})"


def stop_process(process: subprocess.Popen | None, *, timeout: float = 20) -> None:
    """SIGTERM the process's group, then SIGKILL it if it does not leave in time."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    # Children of a killed parent (pool processes) leave with their group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def spawn(args, *, env, log_path: Path, cwd=ROOT) -> subprocess.Popen:
    log = open(log_path, "ab")  # noqa: SIM115 - the child keeps it open
    try:
        return subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        log.close()


# --- Redis -----------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own, without persistence: a restart loses whatever it held."""

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.process = None
        self.log_path = self.workdir / f"redis-{self.port}.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--logfile", str(self.log_path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self.ping, timeout=15, what=f"redis-server answers on {self.port}",
                   explain=lambda: tail(self.log_path))
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        stop_process(self.process, timeout=10)
        self.process = None


# --- PostgreSQL ------------------------------------------------------------------------------


def postgres_bindir() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")


class PostgresCluster:
    """A PostgreSQL cluster in a temporary directory, on a free port, trusting local users.

    The server refuses to run as root, so as root the cluster belongs to the `postgres` user.
    """

    def __init__(self):
        self.bindir = postgres_bindir()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="chpso-pg-"))
        self.data = self.root / "data"
        self.log_path = self.root / "server.log"
        self.run_as = None
        if os.geteuid() == 0:
            self.run_as = pwd.getpwnam("postgres")
            os.chown(self.root, self.run_as.pw_uid, self.run_as.pw_gid)
            os.chmod(self.root, 0o755)

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args, timeout=120, **kwargs):
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as.pw_name, "--", *command]
        return subprocess.run(command, check=True, timeout=timeout, capture_output=True,
                              **kwargs)

    def init(self) -> "PostgresCluster":
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        return self

    def start(self) -> "PostgresCluster":
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-o", options,
                  "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def psql(self, dbname: str, sql: str, **kwargs):
        return self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                         "-d", dbname, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql, **kwargs)

    def copy_database(self, source_url_parts: dict, dbname: str) -> None:
        """Create `dbname` here holding everything of a database on another server."""
        self.psql("postgres", f'CREATE DATABASE "{dbname}"')
        dump = subprocess.run(
            [str(self.bindir / "pg_dump"), "-h", source_url_parts["HOST"] or "127.0.0.1",
             "-p", str(source_url_parts["PORT"] or 5432), "-U",
             source_url_parts["USER"] or "postgres", "--no-owner", "--no-privileges",
             source_url_parts["NAME"]],
            check=True, timeout=120, capture_output=True,
            env={**os.environ, "PGPASSWORD": source_url_parts.get("PASSWORD") or ""},
        )
        subprocess.run(
            [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
             "postgres", "-d", dbname, "-v", "ON_ERROR_STOP=1", "-q"],
            input=dump.stdout, check=True, timeout=120, capture_output=True,
        )

    def cleanup(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


# --- SMTP ------------------------------------------------------------------------------------


@dataclass
class SmtpLog:
    """What the SMTP server saw: messages it accepted (250 after the data) and every try."""

    accepted: list = field(default_factory=list)  # dicts: message_id, to, subject, at
    refused: list = field(default_factory=list)  # times (time.monotonic) of refused connections
    deferred: list = field(default_factory=list)  # (address, time) of recipients told "later"
    aborted: list = field(default_factory=list)  # times of sessions cut before the data was in

    def message_ids(self) -> list[str]:
        return [m["message_id"] for m in self.accepted]

    def to(self, address: str) -> list[dict]:
        return [m for m in self.accepted if address.lower() in m["to"]]


class _SmtpHandler(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):  # noqa: C901 - one small state machine reads best in one place
        sink: SmtpSink = self.server.sink
        with sink.lock:
            if sink.refuse_next > 0:
                sink.refuse_next -= 1
                sink.log.refused.append(time.monotonic())
                refuse = True
            else:
                refuse = False
        if refuse:
            self.reply("421 4.3.2 Service not available, try again later")
            return
        self.reply("220 sink.test ESMTP")
        recipients = []
        try:
            while True:
                line = self.rfile.readline(4096)
                if not line:
                    sink.log.aborted.append(time.monotonic())
                    return
                verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250-sink.test\r\n250 8BITMIME" if verb == "EHLO" else "250 ok")
                elif verb == "MAIL":
                    recipients = []
                    self.reply("250 ok")
                elif verb == "RCPT":
                    address = line.decode(errors="replace").split(":", 1)[1].strip()
                    address = address.strip("<>").lower()
                    with sink.lock:
                        defer = sink.defer_each.get(address, 0) > 0
                        if defer:
                            sink.defer_each[address] -= 1
                            sink.log.deferred.append((address, time.monotonic()))
                    if defer:
                        self.reply("451 4.3.0 Mailbox busy, try again later")
                    else:
                        recipients.append(address)
                        self.reply("250 ok")
                elif verb == "DATA":
                    if not recipients:
                        self.reply("554 no valid recipients")
                        continue
                    if sink.hold_data.is_set():
                        # Hold the sender between its envelope and its message.
                        sink.holding.set()
                        sink.release.wait(timeout=60)
                    try:
                        self.reply("354 go ahead")
                    except OSError:
                        sink.log.aborted.append(time.monotonic())
                        return
                    body = self._read_data()
                    if body is None:
                        sink.log.aborted.append(time.monotonic())
                        return
                    message = message_from_bytes(body)
                    with sink.lock:
                        sink.log.accepted.append({
                            "message_id": message.get("Message-ID", ""),
                            "to": ",".join(recipients).lower(),
                            "subject": message.get("Subject", ""),
                            "at": time.monotonic(),
                        })
                    self.reply("250 queued")
                elif verb == "RSET" or verb == "NOOP":
                    self.reply("250 ok")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")
        except OSError:
            sink.log.aborted.append(time.monotonic())

    def _read_data(self) -> bytes | None:
        lines = []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)


class _ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    """An SMTP server that counts what it accepts, refuses the next N connections on demand
    (421), tells a recipient "try again later" (451) its first N times, and can hold senders
    after DATA until released (to cut a send in the middle)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.log = SmtpLog()
        self.refuse_next = 0
        self.defer_each: dict[str, int] = {}
        self.hold_data = threading.Event()
        self.holding = threading.Event()
        self.release = threading.Event()
        self.server = _ThreadingServer(("127.0.0.1", 0), _SmtpHandler)
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       kwargs={"poll_interval": 0.1})

    def start(self) -> "SmtpSink":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


# --- Portal processes ------------------------------------------------------------------------


def portal_env(*, database_url: str, redis_url: str, smtp_port: int, workdir: Path,
               **extra) -> dict:
    """Environment of a production-like portal process (DEBUG off, SMTP, Redis, PostgreSQL)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults.stack_settings",
        "DEBUG": "false",
        "SECRET_KEY": "faults-" + "s" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "VAR_DIR": str(workdir / "var"),
        "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
        # Short outbox delays so that a test sees several retries and sweeps in seconds.
        "OUTBOX_RETRY_BASE_SECONDS": "1",
        "OUTBOX_SWEEP_AFTER_SECONDS": "3",
        "OUTBOX_SWEEP_INTERVAL_SECONDS": "1",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    env.update({key: str(value) for key, value in extra.items()})
    return env


def start_worker(env: dict, log_path: Path, *, name: str, concurrency: int = 1):
    """A prefork worker, as deployed (docker-compose.yml), with its own process group."""
    return spawn(
        [PYTHON, "-m", "celery", "-A", "chpso_portal", "worker", "--pool=prefork",
         f"--concurrency={concurrency}", "-l", "info", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-n", f"{name}-{os.getpid()}@%h"],
        env=env, log_path=log_path,
    )


def worker_ready(log_path: Path) -> bool:
    return " ready." in tail(log_path, 100_000)


def pool_children(worker: subprocess.Popen) -> list[int]:
    """The pool processes of a prefork worker (its direct children)."""
    try:
        text = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in text.split()]


def start_beat(env: dict, log_path: Path, workdir: Path):
    return spawn(
        [PYTHON, "-m", "celery", "-A", "chpso_portal", "beat", "-l", "info",
         "--schedule", str(workdir / f"celerybeat-schedule-{free_port()}")],
        env=env, log_path=log_path,
    )


# One access-log line per request: method and path, status, microseconds spent in the worker.
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"


def start_gunicorn(env: dict, log_path: Path, *, port: int, workers: int = 2,
                   timeout: int = 30, access_log: Path | None = None):
    access = ["--access-logfile", str(access_log), "--access-logformat", ACCESS_FORMAT] \
        if access_log else []
    process = spawn(
        [PYTHON, "-m", "gunicorn", "chpso_portal.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", str(timeout),
         "--graceful-timeout", "5", "--error-logfile", "-", *access],
        env=env, log_path=log_path,
    )

    def answers():
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited ({process.returncode}):\n{tail(log_path)}")
        try:
            return Visitor(port, timeout=5).get("/accounts/login/").status == 200
        except OSError:
            return False

    wait_until(answers, timeout=90, interval=0.5, what="gunicorn serves the sign-in page",
               explain=lambda: tail(log_path))
    return process


def gunicorn_workers(master: subprocess.Popen) -> list[int]:
    return pool_children(master)


def rss_kib(pid: int) -> int:
    """Resident memory of one process, in KiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Stack:
    """Redis, SMTP, a worker, beat and gunicorn around one database. Tests break them on
    purpose; `heal()` puts back whatever a test left broken."""

    def __init__(self, workdir, db_url, *, web_workers=2, redis=None, smtp=None, **env):
        self.workdir = Path(workdir)
        self.db_url = db_url
        self.redis = redis or RedisServer(self.workdir).start()
        self.smtp = smtp or SmtpSink().start()
        self.env = portal_env(database_url=db_url, redis_url=self.redis.url,
                              smtp_port=self.smtp.port, workdir=self.workdir, **env)
        self.worker_log = self.workdir / "worker.log"
        self.beat_log = self.workdir / "beat.log"
        self.web_log = self.workdir / "web.log"
        self.access_log = self.workdir / "access.log"
        self.worker = self.beat = self.web = None
        self.web_port = free_port()
        self.web_workers = web_workers

    def start(self):
        self.start_worker()
        self.beat = start_beat(self.env, self.beat_log, self.workdir)
        self.web = start_gunicorn(self.env, self.web_log, port=self.web_port,
                                  workers=self.web_workers, access_log=self.access_log)
        return self

    def start_worker(self):
        self.worker = start_worker(self.env, self.worker_log, name="faults")
        wait_until(lambda: worker_ready(self.worker_log), timeout=90,
                   what="the Celery worker is ready", explain=self.logs)

    def visitor(self, **kwargs) -> "Visitor":
        return Visitor(self.web_port, **kwargs)

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{tail(path, 3000)}"
                         for path in (self.worker_log, self.beat_log, self.web_log))

    def heal(self):
        self.smtp.refuse_next = 0
        self.smtp.defer_each.clear()
        self.smtp.hold_data.clear()
        self.smtp.release.set()
        if not self.redis.ping():
            self.redis.start()
        if self.worker is None or self.worker.poll() is not None:
            stop_process(self.worker)
            self.start_worker()
        self.smtp.release.clear()
        self.smtp.holding.clear()

    def close(self):
        for process in (self.web, self.beat, self.worker):
            stop_process(process)
        self.redis.stop()
        self.smtp.stop()


# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict
    body: str
    seconds: float

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Visitor:
    """One person's browser: cookies, the CSRF token, a timeout on every request."""

    def __init__(self, port: int, *, timeout: float = 20):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "faults-test"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read().decode("utf-8", errors="replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    if morsel["max-age"] == "0" or morsel.value == "":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            headers_out = {k.lower(): v for k, v in response.getheaders()}
            return Response(response.status, headers_out, payload,
                            time.perf_counter() - started)
        finally:
            connection.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Response:
        return self.request("POST", path, {**data,
                                           "csrfmiddlewaretoken": self.cookies.get("csrftoken",
                                                                                   "")})

    def login(self, email: str, password: str) -> Response:
        page = self.get("/accounts/login/")
        assert page.status == 200, page.status
        answer = self.post("/accounts/login/", {"login": email, "password": password})
        assert answer.status == 302, (answer.status, answer.body[-2000:])
        return answer


UUID_IN_PATH = re.compile(r"/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/")


def public_id_from(location: str) -> str:
    match = UUID_IN_PATH.search(location)
    assert match, f"no id in {location!r}"
    return match.group(1)
