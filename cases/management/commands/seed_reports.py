"""Seed a large synthetic data set for performance work: hospitals, members and reports.

    manage.py seed_reports --reports 1000000 --hospitals 200 [--largest 50000] [--seed 42]

`--reports` is the total wanted: when the database already holds reports, only the missing
ones are added, so a benchmark can measure a small data set and then grow it in place.
Reports are spread unevenly (a Zipf-like curve whose largest hospital gets exactly
`--largest`). On PostgreSQL rows go in with COPY, elsewhere with bulk_create.

The data is synthetic and plentiful: the command refuses to run when DEBUG is off unless
given `--force`.
"""

import csv
import io
import json
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from cases.models import IncidentReport, ReportSequence, ReportStatus, SentReport
from cases.services import SENT_FIELDS, hospital_prefix
from cases.taxonomy import (
    EventCategory,
    EventType,
    LocationType,
    Preventability,
)
from members.models import Contract, Hospital, HospitalStatus, Membership, User
from members.roles import HospitalRole, PsoRole

SEED_DOMAIN = "seed.pso.example"
PASSWORD = "seeded-password-2026"
STAFF_PER_HOSPITAL = 4
# Share of a hospital's reports filed by its lead, then by each staff member: one prolific
# reporter, a long tail.
REPORTER_WEIGHTS = [0.08, 0.45, 0.22, 0.15, 0.10]
COPY_CHUNK = 50_000
BULK_BATCH = 2_000
YEARS_BACK = 3

PLACES = [
    "Mercy", "Valley", "Sierra", "Coastal", "Redwood", "Golden State", "Pacific", "Bayside",
    "Saint Agnes", "Saint Joseph", "Good Samaritan", "Desert", "Foothill", "Harbor", "Lakeside",
    "Mission", "Oak Park", "Pine Ridge", "Riverside", "Sequoia", "Shasta", "Summit", "Sunrise",
    "Tahoe", "Twin Cities", "Vista", "Westside", "Eastside", "Northbay", "Southland",
    "Cedar Grove", "Canyon", "El Camino", "Alta Vista", "Marina", "Mountain View", "Palomar",
    "San Gabriel", "Santa Rosa", "Sutter", "Kern", "Madera", "Tulare", "Placer", "Yolo",
    "Mendocino", "Humboldt", "Napa", "Sonoma", "Ventura",
]
KINDS = ["Medical Center", "General Hospital", "Community Hospital", "Regional Hospital",
         "Memorial Hospital", "Health Center"]
CITIES = ["Sacramento", "Fresno", "Oakland", "San Jose", "Los Angeles", "San Diego",
          "Bakersfield", "Redding", "Eureka", "Modesto", "Stockton", "Riverside", "Chico",
          "Salinas", "Santa Barbara", "Visalia", "Merced", "Ukiah", "Auburn", "Napa"]
BED_SIZES = ["lt25", "25-99", "100-199", "200-299", "300-499", "500+"]
STAFF_TITLES = ["nurse", "physician", "pharmacist", "respiratory", "nurse_manager"]
FIRST_NAMES = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie",
               "Avery", "Quinn", "Robin", "Drew", "Kim", "Lee", "Pat", "Chris"]
LAST_NAMES = ["Garcia", "Nguyen", "Smith", "Patel", "Johnson", "Lopez", "Kim", "Chen",
              "Martinez", "Brown", "Singh", "Davis", "Wilson", "Rivera", "Lee", "Clark"]

# Status mix by the report's age: recent ones are still open, old ones mostly sent.
STATUS_CHOICES = [ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.IN_REVIEW,
                  ReportStatus.SENT, ReportStatus.WITHDRAWN]
STATUS_BY_AGE = [
    (14, [0.12, 0.50, 0.30, 0.05, 0.03]),
    (90, [0.04, 0.20, 0.30, 0.42, 0.04]),
    (None, [0.02, 0.05, 0.06, 0.81, 0.06]),
]
EVENT_TYPES = ([EventType.INCIDENT, EventType.NEAR_MISS, EventType.UNSAFE_CONDITION],
               [0.6, 0.3, 0.1])
CATEGORIES = ([EventCategory.MEDICATION, EventCategory.FALL, EventCategory.DEVICE,
               EventCategory.HAI, EventCategory.PRESSURE_INJURY, EventCategory.SURGERY,
               EventCategory.BLOOD, EventCategory.PERINATAL, EventCategory.VTE,
               EventCategory.OTHER],
              [0.30, 0.18, 0.08, 0.06, 0.07, 0.07, 0.03, 0.04, 0.03, 0.14])
HARMS = (["none", "mild", "moderate", "severe", "death", "unknown"],
         [0.45, 0.30, 0.12, 0.04, 0.01, 0.08])
MED_CATEGORIES_REACHED = (list("CDEFGHI"), [0.45, 0.3, 0.12, 0.07, 0.03, 0.02, 0.01])
LOCATIONS = [choice for choice, _ in LocationType.choices]
PREVENTABILITY = [choice for choice, _ in Preventability.choices]

NARRATIVES = {
    "medication": [
        "Scheduled dose given {delay} late after the infusion pump alarm was silenced.",
        "Look-alike vials stored side by side; the wrong strength was drawn up and {caught}.",
        "Allergy not visible on the order screen; the dose was {caught}.",
    ],
    "fall": [
        "Patient got up without help during the night shift and fell near the bathroom; "
        "bed alarm was off.",
        "Unwitnessed fall in the corridor; the call light was out of reach.",
    ],
    "device": [
        "Monitor lead disconnected without an alarm for {delay}.",
        "Infusion pump library out of date on one unit; programming limits were missing.",
    ],
    "hai": ["Central line dressing past its change date found during rounds."],
    "pressure_injury": ["Stage 2 pressure injury found on the heel; turning schedule missed."],
    "surgery": ["Count discrepancy at closing; resolved after an X-ray.",
                "Time-out started before the whole team was in the room."],
    "blood": ["Unit picked up for the wrong patient; {caught} at the bedside check."],
    "perinatal": ["Fetal monitoring strip not reviewed for {delay} during a busy shift."],
    "vte": ["Prophylaxis not ordered after admission; noticed on day two."],
    "other": ["Patient identification band missing after transfer from another unit.",
              "Handover missed a pending lab result; follow-up was {delay} late."],
}
DELAYS = ["twenty minutes", "an hour", "two hours", "half a shift"]
CAUGHT = ["caught by the second nurse", "caught by the pharmacist", "not caught in time"]
RECOVERIES = ["The pharmacist queried the order.", "Barcode scanning stopped the dose.",
              "A second nurse double-checked and stopped it."]
DETAILS = ["Room 12", "Bay 3", "Night shift", "Near the nurses' station", "Med room", ""]
SUMMARIES = ["Delay linked to alarm fatigue; unit reviewing alarm settings.",
             "Storage of look-alike products changed after this event.",
             "Staffing and handover contributed; shared with the unit manager.",
             "Device configuration issue; reported to the manufacturer."]
FEEDBACK = ["Thank you: this led to a change on the unit.", "Reviewed with the team.", ""]
WITHDRAWAL_REASONS = ["Duplicate of an earlier report.", "Filed at the wrong hospital."]

COLUMNS = [
    "public_id", "hospital_id", "reference", "reporter_id", "reporter_hidden", "status",
    "event_type", "category", "event_date", "event_time", "discovered_date", "location_type",
    "location_detail", "narrative", "harm_level", "harm_duration", "medication_category",
    "near_miss_recovery", "systems_issue", "preventability", "handover_involved",
    "pso_summary", "feedback", "committed_send_by", "created_at", "updated_at",
    "submitted_at", "reviewed_at", "sent_at", "withdrawn_at", "withdrawal_reason",
    "source_system",
    "source_id", "dismissed_findings", "unit_id",
]
COL = {name: i for i, name in enumerate(COLUMNS)}


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder)."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    counts = [int(x) for x in exact]
    short = total - sum(counts)
    for i in sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)[:short]:
        counts[i] += 1
    return counts


def plan_counts(total: int, hospitals: int, largest: int) -> list[int]:
    """Reports per hospital: the first gets exactly `largest`, the others follow a Zipf-like
    curve 1/rank**s, with s chosen so that the second largest has about half the largest."""
    if hospitals == 1:
        return [total]
    rest = total - largest
    if rest < 0:
        raise CommandError("--largest cannot be more than --reports.")
    ranks = range(2, hospitals + 1)

    def second(s):
        weights = [r ** -s for r in ranks]
        return rest * weights[0] / sum(weights)

    if second(0.0) > largest:
        raise CommandError(f"--largest {largest} is too small: {hospitals - 1} other hospitals "
                           f"would each hold more than that.")
    lo, hi = 0.0, 4.0
    if second(hi) < largest / 2:
        lo = hi
    else:
        for _ in range(50):
            mid = (lo + hi) / 2
            if second(mid) < largest / 2:
                lo = mid
            else:
                hi = mid
    return [largest] + apportion(rest, [r ** -lo for r in ranks])


class Command(BaseCommand):
    help = ("Seed synthetic hospitals and incident reports for benchmarks (a large data set). "
            f"Seeded users sign in with the password {PASSWORD}.")

    def add_arguments(self, parser):
        parser.add_argument("--reports", type=int, default=10_000,
                            help="Total number of reports wanted (existing ones count).")
        parser.add_argument("--hospitals", type=int, default=200)
        parser.add_argument("--largest", type=int, default=None,
                            help="Reports of the largest hospital (default: 5%% of --reports).")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--force", action="store_true",
                            help="Run even with DEBUG off (writes lots of synthetic data).")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_reports writes lots of synthetic data. It runs with "
                               "DEBUG=true, or with --force.")
        if options["hospitals"] < 1 or options["reports"] < 0:
            raise CommandError("--hospitals must be at least 1 and --reports not negative.")
        self.postgres = connection.vendor == "postgresql"
        started = time.monotonic()
        with transaction.atomic():
            added = self.seed(options)
        if self.postgres and added:
            # Fresh statistics for the planner. Outside a transaction, VACUUM too: it marks the
            # new pages all-visible now rather than leaving that to autovacuum later.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            with connection.cursor() as cursor:
                for table in ("cases_incidentreport", "cases_sentreport", "cases_reportsequence",
                              "members_hospital", "members_membership", "members_user"):
                    cursor.execute(f"{command} {table}")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Added {added:,} reports in {elapsed:.1f}s; "
            f"{IncidentReport.objects.count():,} in total."))

    # --- Hospitals and people ------------------------------------------------------------

    def seed(self, options) -> int:
        rng = random.Random(options["seed"])
        hospitals = self.ensure_hospitals(options["hospitals"], rng)
        self.ensure_coordinator()
        total_now = IncidentReport.objects.count()
        needed = options["reports"] - total_now
        if needed <= 0:
            self.stdout.write(f"{total_now:,} reports already: nothing to add.")
            return 0
        existing = dict(
            IncidentReport.objects.filter(hospital__in=[h for h, _ in hospitals])
            .values_list("hospital").annotate(n=Count("id")).order_by()
        )
        seeded_target = sum(existing.values()) + needed
        largest = options["largest"]
        if largest is None:
            largest = max(1, round(seeded_target * 0.05))
        targets = plan_counts(seeded_target, len(hospitals), min(largest, seeded_target))
        deficits = [max(0, t - existing.get(h.pk, 0))
                    for t, (h, _) in zip(targets, hospitals, strict=True)]
        if sum(deficits) != needed:
            deficits = apportion(needed, deficits or [1] * len(hospitals))
        # A fresh stream per growth step, so growing 10k -> 1M differs from seeding 1M at once
        # only in the order rows were written.
        rng = random.Random(f"{options['seed']}-{total_now}")
        max_id_before = IncidentReport.objects.aggregate(m=Max("id"))["m"] or 0
        self.stdout.write(f"Adding {needed:,} reports to {len(hospitals)} hospitals "
                          f"(largest target {targets[0]:,})...")
        self.write_reports(hospitals, deficits, rng)
        self.add_sent_copies(hospitals, max_id_before)
        return needed

    def ensure_hospitals(self, count: int, rng: random.Random):
        """The seeded hospitals in seed order, each with (lead, staff...) user ids."""
        seeded = list(Hospital.objects.filter(contact_email__endswith="@" + SEED_DOMAIN)
                      .order_by("id"))
        password = make_password(PASSWORD)
        today = timezone.localdate()
        now = timezone.now()
        new_hospitals = []
        for i in range(len(seeded), count):
            name = f"{PLACES[i % len(PLACES)]} {KINDS[(i // len(PLACES)) % len(KINDS)]}"
            if i >= len(PLACES) * len(KINDS):
                name += f" Campus {i // (len(PLACES) * len(KINDS)) + 1}"
            new_hospitals.append(Hospital(
                name=name, city=rng.choice(CITIES), state="CA", ccn=None,
                bed_size=rng.choice(BED_SIZES), contact_name="Seeded Contact",
                contact_title="Quality director", contact_email=f"contact{i}@{SEED_DOMAIN}",
                status=HospitalStatus.ACTIVE, applied_at=now - timedelta(days=800),
                activated_at=now - timedelta(days=790),
            ))
        if new_hospitals:
            Hospital.objects.bulk_create(new_hospitals, batch_size=500)
            created = list(Hospital.objects.filter(
                contact_email__in=[h.contact_email for h in new_hospitals]).order_by("id"))
            Contract.objects.bulk_create([
                Contract(hospital=h, signed_on=today - timedelta(days=790),
                         effective_on=today - timedelta(days=790),
                         expires_on=today + timedelta(days=2 * 365),
                         signed_by_name="Chief Executive", signed_by_title="CEO",
                         document="contracts/seeded-contract.pdf")
                for h in created
            ], batch_size=500)
            users, roles = [], []
            for h in created:
                i = int(h.contact_email.removeprefix("contact").split("@")[0])
                people = [("lead", HospitalRole.SAFETY_LEAD, "quality")] + [
                    (f"staff{k}", HospitalRole.STAFF, STAFF_TITLES[k % len(STAFF_TITLES)])
                    for k in range(1, STAFF_PER_HOSPITAL + 1)
                ]
                for tag, role, title in people:
                    users.append(User(
                        email=f"{tag}.h{i}@{SEED_DOMAIN}", password=password,
                        full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                        date_joined=now - timedelta(days=780),
                    ))
                    roles.append((h, role, title))
            User.objects.bulk_create(users, batch_size=1000)
            by_email = dict(User.objects.filter(email__in=[u.email for u in users])
                            .values_list("email", "id"))
            Membership.objects.bulk_create([
                Membership(hospital=h, user_id=by_email[u.email], role=role, job_title=title,
                           joined_at=now - timedelta(days=780))
                for u, (h, role, title) in zip(users, roles, strict=True)
            ], batch_size=1000)
            EmailAddress.objects.bulk_create([
                EmailAddress(user_id=by_email[u.email], email=u.email, verified=True,
                             primary=True)
                for u in users
            ], batch_size=1000)
            seeded += created
        seeded = seeded[:count]
        people = {}
        for hospital_id, user_id, role, email in (
            Membership.objects.filter(hospital__in=seeded)
            .values_list("hospital_id", "user_id", "role", "user__email")
        ):
            people.setdefault(hospital_id, []).append((role != HospitalRole.SAFETY_LEAD, email,
                                                       user_id))
        result = []
        for h in seeded:
            members = sorted(people.get(h.pk, []))
            if not members:
                raise CommandError(f"Seeded hospital {h.name} has no members.")
            result.append((h, [user_id for _, _, user_id in members]))
        return result

    def ensure_coordinator(self):
        email = f"coordinator@{SEED_DOMAIN}"
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": "Seeded Coordinator",
                                   "pso_role": PsoRole.COORDINATOR,
                                   "password": make_password(PASSWORD)})
        if created:
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)

    # --- Reports -------------------------------------------------------------------------

    def write_reports(self, hospitals, counts, rng: random.Random):
        now = timezone.now().astimezone(UTC).replace(microsecond=0)
        today = timezone.localdate()
        span = YEARS_BACK * 365 * 86400
        sequences = {
            (s.hospital_id, s.year): s.last
            for s in ReportSequence.objects.filter(hospital__in=[h for h, _ in hospitals])
        }
        touched = set()
        sink = self.copy_sink() if self.postgres else self.bulk_sink()
        next(sink)
        written = 0
        last_note = time.monotonic()
        for (hospital, user_ids), count in zip(hospitals, counts, strict=True):
            if not count:
                continue
            weights = REPORTER_WEIGHTS[:len(user_ids)] + [0.05] * (len(user_ids) -
                                                                 len(REPORTER_WEIGHTS))
            reporters = rng.choices(user_ids, weights=weights, k=count)
            rows = [self.make_row(rng, hospital.pk, reporter, now, today, span)
                    for reporter in reporters]
            # References follow the order of submission within each year.
            prefix = hospital_prefix(hospital)
            submitted = sorted((r for r in rows if r[COL["submitted_at"]] is not None),
                               key=lambda r: r[COL["submitted_at"]])
            for row in submitted:
                year = timezone.localtime(row[COL["submitted_at"]]).year
                key = (hospital.pk, year)
                number = sequences.get(key, 0) + 1
                sequences[key] = number
                touched.add(key)
                row[COL["reference"]] = f"{prefix}-{year}-{number:04d}"
            for row in rows:
                sink.send(row)
            written += count
            if time.monotonic() - last_note > 10:
                self.stdout.write(f"  {written:,} rows...")
                last_note = time.monotonic()
        sink.close()
        ReportSequence.objects.bulk_create(
            [ReportSequence(hospital_id=h, year=y, last=sequences[(h, y)]) for h, y in touched],
            update_conflicts=True, unique_fields=["hospital", "year"], update_fields=["last"],
        )

    def make_row(self, rng, hospital_id, reporter_id, now, today, span) -> list:
        r = rng.random
        created = now - timedelta(seconds=int(r() * span))
        age = (now - created).days
        weights = next(w for limit, w in STATUS_BY_AGE if limit is None or age < limit)
        status = rng.choices(STATUS_CHOICES, weights=weights)[0]
        event_type = rng.choices(*EVENT_TYPES)[0]
        category = rng.choices(*CATEGORIES)[0]
        harm = duration = med = recovery = ""
        if event_type == EventType.INCIDENT:
            harm = rng.choices(*HARMS)[0]
            if harm in ("mild", "moderate", "severe"):
                duration = rng.choices(["temporary", "permanent", "unknown"], [85, 5, 10])[0]
        elif event_type == EventType.NEAR_MISS:
            recovery = rng.choice(RECOVERIES)
        if category == EventCategory.MEDICATION:
            med = {EventType.INCIDENT: rng.choices(*MED_CATEGORIES_REACHED)[0],
                   EventType.NEAR_MISS: "B"}.get(event_type, "A")
        created_day = timezone.localtime(created).date()
        event_date = discovered = event_time = None
        if r() > 0.03:
            event_date = created_day - timedelta(days=rng.randint(0, 4))
            discovered = min(created_day, event_date + timedelta(days=rng.randint(0, 1)))
            if r() < 0.6:
                event_time = dtime(rng.randint(0, 23), rng.choice((0, 15, 30, 45)))
        narrative = rng.choice(NARRATIVES[category]).format(delay=rng.choice(DELAYS),
                                                            caught=rng.choice(CAUGHT))
        submitted = sent = withdrawn = committed = None
        systems_issue = preventability = handover = None
        summary = feedback = reason = ""
        if status != ReportStatus.DRAFT:
            submitted = min(now, created + timedelta(seconds=rng.randint(300, 3 * 3600)))
        reviewed = None
        if status in (ReportStatus.IN_REVIEW, ReportStatus.SENT, ReportStatus.WITHDRAWN):
            reviewed = min(now, submitted + timedelta(hours=rng.randint(1, 24 * 10)))
            systems_issue = r() < 0.6
            preventability = rng.choice(PREVENTABILITY)
            handover = r() < 0.2
            feedback = rng.choice(FEEDBACK)
            if status != ReportStatus.WITHDRAWN and (status == ReportStatus.SENT or r() < 0.5):
                summary = rng.choice(SUMMARIES)
        if status == ReportStatus.SENT:
            sent = submitted + timedelta(days=rng.randint(2, 90), seconds=rng.randint(0, 86399))
            if sent > now:
                status, sent = ReportStatus.IN_REVIEW, None
            else:
                reviewed = min(reviewed, sent)
        if status == ReportStatus.IN_REVIEW and r() < 0.3:
            committed = today + timedelta(days=rng.randint(1, 60))
        if status == ReportStatus.WITHDRAWN:
            withdrawn = min(now, submitted + timedelta(days=rng.randint(1, 30)))
            reason = rng.choice(WITHDRAWAL_REASONS)
        updated = max(t for t in (created, submitted, sent, withdrawn) if t is not None)
        return [
            uuid.UUID(int=rng.getrandbits(128), version=4), hospital_id, "", reporter_id,
            r() < 0.08, status, event_type, category, event_date, event_time, discovered,
            rng.choice(LOCATIONS), rng.choice(DETAILS), narrative, harm, duration, med,
            recovery, systems_issue, preventability or "", handover, summary, feedback,
            committed, created, updated, submitted, reviewed, sent, withdrawn, reason, "", "",
            [], None,
        ]

    def check_columns(self):
        table_columns = {f.column for f in IncidentReport._meta.concrete_fields
                         if not f.primary_key}
        if table_columns != set(COLUMNS):
            raise CommandError(
                "seed_reports is out of date with IncidentReport: "
                f"missing {sorted(table_columns - set(COLUMNS))}, "
                f"unknown {sorted(set(COLUMNS) - table_columns)}."
            )

    def copy_sink(self):
        """A coroutine taking rows and writing them with COPY in chunks."""
        self.check_columns()
        table = IncidentReport._meta.db_table
        sql = (f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN "
               "WITH (FORMAT csv, NULL '\\N')")
        raw = connection.connection  # the psycopg2 connection inside the atomic block
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        pending = 0

        def flush():
            nonlocal buffer, writer, pending
            buffer.seek(0)
            with raw.cursor() as cursor:
                cursor.copy_expert(sql, buffer)
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            pending = 0

        try:
            while True:
                row = yield
                writer.writerow([_csv_value(v) for v in row])
                pending += 1
                if pending >= COPY_CHUNK:
                    flush()
        except GeneratorExit:
            if pending:
                flush()

    def bulk_sink(self):
        self.check_columns()
        batch = []
        try:
            while True:
                row = yield
                batch.append(IncidentReport(**dict(zip(COLUMNS, row, strict=True))))
                if len(batch) >= BULK_BATCH:
                    IncidentReport.objects.bulk_create(batch)
                    batch = []
        except GeneratorExit:
            if batch:
                IncidentReport.objects.bulk_create(batch)

    def add_sent_copies(self, hospitals, max_id_before: int):
        """What the PSO received, for each newly seeded sent report (the PSO pages read it)."""
        leads = {h.pk: user_ids[0] for h, user_ids in hospitals}
        fields = [IncidentReport._meta.get_field(name) for name in SENT_FIELDS]
        if self.postgres:
            pairs = ", ".join(f"({h}, {u})" for h, u in leads.items())
            build = ", ".join(f"'{f.name}', r.{f.column}" for f in fields)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {SentReport._meta.db_table}
                        (report_id, hospital_id, data, sent_at, sent_by_id)
                    SELECT r.id, r.hospital_id,
                           jsonb_build_object({build}, 'reference', r.reference,
                                              'contributing_factors', '[]'::jsonb),
                           r.sent_at, lead.user_id
                    FROM {IncidentReport._meta.db_table} r
                    JOIN (VALUES {pairs}) AS lead(hospital_id, user_id)
                      ON lead.hospital_id = r.hospital_id
                    WHERE r.id > %s AND r.status = %s
                    """,
                    [max_id_before, ReportStatus.SENT],
                )
            return
        batch = []
        sent = IncidentReport.objects.filter(id__gt=max_id_before, status=ReportStatus.SENT,
                                             hospital__in=list(leads))
        for report in sent.iterator(chunk_size=BULK_BATCH):
            data = {}
            for f in fields:
                value = getattr(report, f.attname)
                data[f.name] = value.isoformat() if hasattr(value, "isoformat") else value
            data["reference"] = report.reference
            data["contributing_factors"] = []
            batch.append(SentReport(report_id=report.pk, hospital_id=report.hospital_id,
                                    data=data, sent_at=report.sent_at,
                                    sent_by_id=leads[report.hospital_id]))
            if len(batch) >= BULK_BATCH:
                SentReport.objects.bulk_create(batch)
                batch = []
        if batch:
            SentReport.objects.bulk_create(batch)


def _csv_value(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (datetime, date, dtime)):
        return value.isoformat()
    if isinstance(value, list):
        return json.dumps(value)
    return value
