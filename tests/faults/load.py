"""A bounded load on the portal over HTTP: nurses reporting, leads reviewing, members reading
lessons, each a thread with a cookie jar, pausing between steps like a person would.

Used by tests/faults/test_load.py (a short run in CI) and bench/load_test.py (the recorded run).
Every loop is bounded in count and in time; requests go to 127.0.0.1 only.
"""

import math
import random
import re
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

from . import stack

NURSE, LEAD, READER = "nurse", "lead", "reader"
MAX_STEPS = 100_000  # per virtual user, on top of the time limit
WORDS = ["pump", "alarm", "handover", "dose", "fall", "label", "sepsis", "bed", "chart", "wrist"]


def report_form(narrative: str) -> dict:
    """A complete incident report, submitted (not a draft)."""
    from django.utils import timezone

    today = timezone.localdate()
    return {
        "event_type": "incident", "category": "medication",
        "event_date": (today - timedelta(days=2)).isoformat(), "event_time": "",
        "discovered_date": (today - timedelta(days=1)).isoformat(),
        "location_type": "med_surg", "location_detail": "", "narrative": narrative,
        "harm_level": "mild", "harm_duration": "temporary", "medication_category": "D",
        "near_miss_recovery": "", "confirm_screening": "on", "submit": "1",
    }


def cast_sizes(users: int) -> dict[str, int]:
    """Half nurses, a fifth leads, the rest members reading lessons."""
    nurses = max(1, math.ceil(users * 0.5))
    leads = max(1, math.ceil(users * 0.2))
    return {NURSE: nurses, LEAD: leads, READER: max(1, users - nurses - leads)}


def seed(*, users: int, hospitals: int = 5, lessons: int = 30, seed_value: int = 7) -> dict:
    """People in `hospitals` hospitals with active contracts, and published lessons."""
    from django.utils import timezone

    from collaboratives.models import ActionStrength, HarmBand, Lesson, LessonStatus
    from members.roles import HospitalRole, PsoRole
    from tests.factories import ContractFactory, MembershipFactory, UserFactory

    rng = random.Random(seed_value)
    sizes = cast_sizes(users)
    places = [ContractFactory(hospital__name=f"Load Test Hospital {n}").hospital
              for n in range(hospitals)]
    cast = {NURSE: [], LEAD: [], READER: []}
    role_of = {NURSE: HospitalRole.STAFF, LEAD: HospitalRole.SAFETY_LEAD,
               READER: HospitalRole.STAFF}
    for role, count in sizes.items():
        for n in range(count):
            hospital = places[n % hospitals]
            user = MembershipFactory(hospital=hospital, role=role_of[role],
                                     user__email=f"{role}{n}.load@hospital.test").user
            cast[role].append(user.email)
    # Every nurse's hospital has a lead: the review queue is never empty for long.
    for n in range(sizes[LEAD], hospitals):
        MembershipFactory(hospital=places[n], role=HospitalRole.SAFETY_LEAD,
                          user__email=f"lead{n}.extra.load@hospital.test")
    author = UserFactory(email="author.load@pso.test", pso_role=PsoRole.COORDINATOR)
    publisher = UserFactory(email="publisher.load@pso.test", pso_role=PsoRole.COORDINATOR)
    now = timezone.now()
    created = []
    for n in range(lessons):
        topics = rng.sample(WORDS, 3)
        text = " ".join(rng.choice(WORDS) for _ in range(60))
        created.append(Lesson.objects.create(
            title=f"Lesson {n}: {' and '.join(topics)}", what_happened=text,
            systems_issues=text[::-1], what_helped=text, harm_band=rng.choice(HarmBand.values),
            status=LessonStatus.PUBLISHED, created_by=author, published_by=publisher,
            published_at=now - timedelta(days=n), category_codes=["medication"],
            action_strengths=[ActionStrength.values[0]],
            search_text=f"{' '.join(topics)} {text}".lower()))
    cast["lessons"] = [str(lesson.public_id) for lesson in created]
    return cast


class FormFields(HTMLParser):
    """The fields of the first POST form whose action is `action` (inputs, selects, textareas),
    as a browser would send them untouched."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.inside = False
        self.done = False
        self.fields: dict[str, list[str]] = {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done:
            self.inside = (attrs.get("method", "").lower() == "post"
                           and attrs.get("action", "") in (self.action, ""))
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "button"):
                return
            self.fields.setdefault(name, []).append(attrs.get("value", "on"))
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea:
                self.fields[self._textarea][-1] = self.fields[self._textarea][-1].lstrip("\n")
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False
            self.done = True


def form_fields(html: str, action: str) -> dict[str, list[str]]:
    parser = FormFields(action)
    parser.feed(html)
    return parser.fields


REVIEW_LINK = re.compile(r'href="(/reports/[0-9a-f-]{36}/review/)"')
DETAIL_LINK = re.compile(r'href="(/reports/[0-9a-f-]{36}/)"')


@dataclass
class Sample:
    at: float
    label: str
    status: int
    seconds: float
    ok: bool


@dataclass
class VirtualUser:
    role: str
    email: str
    port: int
    lessons: list
    think: tuple
    seed_value: int
    samples: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    filed: list = field(default_factory=list)  # narratives of reports the portal accepted
    posted: list = field(default_factory=list)  # narratives of every report sent

    def __post_init__(self):
        self.rng = random.Random(self.seed_value)
        self.browser = stack.Visitor(self.port, timeout=30)

    # A request, recorded; anything but the expected status is an error.
    def call(self, label, method, path, data=None, expect=200):
        try:
            if method == "POST":
                answer = self.browser.post(path, data)
            else:
                answer = self.browser.get(path)
        except OSError as exc:
            self.samples.append(Sample(time.monotonic(), label, 0, 0.0, False))
            self.errors.append(f"{label} {path}: {exc!r}")
            return None
        ok = answer.status == expect
        self.samples.append(Sample(time.monotonic(), label, answer.status, answer.seconds, ok))
        if not ok:
            self.errors.append(f"{label} {path}: {answer.status} {answer.body[-300:]!r}")
            return None
        return answer

    def run(self, stop_at: float):
        from tests.factories import PASSWORD

        self.browser.login(self.email, PASSWORD)
        step = {NURSE: self.nurse, LEAD: self.lead, READER: self.reader}[self.role]
        for _ in range(MAX_STEPS):
            if time.monotonic() >= stop_at:
                return
            step()
            time.sleep(self.rng.uniform(*self.think))

    def nurse(self):
        self.call("my reports", "GET", "/reports/mine/")
        if not self.call("report form", "GET", "/reports/new/"):
            return
        narrative = (f"The {self.rng.choice(WORDS)} alarm was silenced and a dose was given "
                     f"two hours late on the ward ({uuid.uuid4().hex[:12]}).")
        self.posted.append(narrative)
        answer = self.call("file a report", "POST", "/reports/new/", report_form(narrative),
                           expect=302)
        if answer:
            self.filed.append(narrative)
            self.call("the report", "GET", answer.location)

    def lead(self):
        queue = self.call("review queue", "GET", "/reports/review/?status=submitted")
        links = REVIEW_LINK.findall(queue.body) if queue else []
        if not links:
            return
        path = self.rng.choice(links)
        page = self.call("review page", "GET", path)
        if not page or self.rng.random() < 0.5:
            return
        fields = form_fields(page.body, path)
        if "feedback" not in fields:
            return
        fields["feedback"] = ["Thank you: we are looking at the pump alarms on the ward."]
        fields.pop("csrfmiddlewaretoken", None)
        answer = self.call("save a review", "POST", path, fields, expect=302)
        if answer:
            self.call("review page", "GET", answer.location)

    def reader(self):
        self.call("lesson library", "GET", "/lessons/")
        self.call("lesson search", "GET", f"/lessons/?q={self.rng.choice(WORDS)}")
        self.call("a lesson", "GET", f"/lessons/{self.rng.choice(self.lessons)}/")


def worker_times(access_log, start: int, end: int | None = None) -> dict[str, list[float]]:
    """Milliseconds each request spent inside a gunicorn worker, by method, read from the
    access log (stack.ACCESS_FORMAT) between two byte offsets."""
    times: dict[str, list[float]] = {}
    with open(access_log, "rb") as log:
        log.seek(start)
        data = log.read(None if end is None else end - start)
    for line in data.decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3].isdigit():
            times.setdefault(parts[0], []).append(int(parts[3]) / 1000)
    return times


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


@dataclass
class LoadResult:
    users: int
    duration: float
    samples: list
    errors: list
    filed: list
    posted: list
    rss_start: dict
    rss_end: dict

    def summary(self, label=None) -> dict:
        chosen = [s for s in self.samples if label is None or s.label == label]
        ms = [s.seconds * 1000 for s in chosen if s.status]
        return {
            "requests": len(chosen), "errors": sum(1 for s in chosen if not s.ok),
            "p50": percentile(ms, 0.50), "p95": percentile(ms, 0.95),
            "p99": percentile(ms, 0.99), "max": max(ms, default=0.0),
            "mean": statistics.fmean(ms) if ms else 0.0,
        }

    def labels(self) -> list[str]:
        return sorted({s.label for s in self.samples})


def run_load(*, port: int, cast: dict, users: int, duration: float, ramp: float,
             think=(1.0, 3.0), web_pids=lambda: [], warmup: float = 0.0,
             seed_value: int = 11, on_measure=lambda: None,
             on_done=lambda: None) -> LoadResult:
    """Start `users` virtual users over `ramp` seconds, let them work for `duration` seconds
    after the ramp, then wait (bounded) for every one to finish its step."""
    sizes = cast_sizes(users)
    people = [(role, cast[role][n]) for role in (NURSE, LEAD, READER)
              for n in range(sizes[role])]
    virtual = [VirtualUser(role, email, port, cast["lessons"], think, seed_value + n)
               for n, (role, email) in enumerate(people)]
    started = time.monotonic()
    stop_at = started + ramp + warmup + duration
    threads = []
    for n, user in enumerate(virtual):
        thread = threading.Thread(target=user.run, args=(stop_at,), daemon=True)
        thread.start()
        threads.append(thread)
        time.sleep(max(0.0, started + ramp * (n + 1) / len(virtual) - time.monotonic()))
    time.sleep(max(0.0, started + ramp + warmup - time.monotonic()))
    measured_from = time.monotonic()
    rss_start = {pid: stack.rss_kib(pid) for pid in web_pids()}
    on_measure()
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at - time.monotonic()) + 60)
    on_done()
    rss_end = {pid: stack.rss_kib(pid) for pid in web_pids()}
    stuck = [user.email for user, thread in zip(virtual, threads, strict=True)
             if thread.is_alive()]
    errors = [e for user in virtual for e in user.errors]
    errors += [f"{email}: still running after the time limit" for email in stuck]
    samples = [s for user in virtual for s in user.samples if s.at >= measured_from]
    return LoadResult(
        users=users, duration=time.monotonic() - measured_from, samples=samples,
        errors=errors, filed=[n for user in virtual for n in user.filed],
        posted=[n for user in virtual for n in user.posted],
        rss_start=rss_start, rss_end=rss_end,
    )
