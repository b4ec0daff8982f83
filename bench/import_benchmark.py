"""Time a 10,000-row CSV import end to end (checking every row, then creating the reports).

    .venv/bin/python bench/import_benchmark.py \
        --database-url postgres://postgres@127.0.0.1:5432/chpso_bench_import --rows 10000

The database is dropped and recreated (its name must contain "bench"). The import runs the
same code as the Celery task; the second upload of the same file must create nothing.
"""

import argparse
import csv
import io
import os
import secrets
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchmark import recreate_database  # noqa: E402


def make_csv(rows: int) -> bytes:
    from cases.transfer import IMPORT_COLUMNS

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(IMPORT_COLUMNS))
    categories = ["medication", "fall", "device", "blood", "surgery", "other"]
    start = date(2025, 1, 1)
    for n in range(rows):
        event_type = ("incident", "near_miss", "unsafe_condition")[n % 3]
        category = categories[n % len(categories)]
        day = (start + timedelta(days=n % 600)).isoformat()
        writer.writerow([
            f"EVT-{n:06d}", event_type, category, day, "", day, "med_surg", "medication room",
            "A dose was prepared from a look-alike vial and caught at the bedside scan.",
            "mild" if event_type == "incident" else "",
            "temporary" if event_type == "incident" else "",
            "C" if category == "medication" and event_type == "incident" else "",
            "Barcode scan at the bedside" if event_type == "near_miss" else "",
        ])
    return buffer.getvalue().encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    recreate_database(args.database_url, reuse=False)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "chpso_portal.settings", "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": args.database_url, "LOG_LEVEL": "WARNING",
        "PRIVATE_MEDIA_ROOT": "/tmp/chpso-import-bench",
    })
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from cases.models import ImportStatus, IncidentReport, ReportImport
    from cases.transfer import run_import
    from tests.factories import ContractFactory, MembershipFactory

    call_command("migrate", verbosity=0)
    hospital = ContractFactory(hospital__name="Import Bench Hospital").hospital
    lead = MembershipFactory(hospital=hospital, role="safety_lead").user
    content = make_csv(args.rows)
    timings = []
    for attempt in ("first upload", "same file again"):
        job = ReportImport.objects.create(hospital=hospital, uploaded_by=lead,
                                          source_system="bench",
                                          file=ContentFile(content, name="bench.csv"))
        started = time.perf_counter()
        job = run_import(report_import=job)
        elapsed = time.perf_counter() - started
        timings.append(elapsed)
        assert job.status == ImportStatus.DONE, job.errors[:5]
        print(f"{attempt}: {args.rows} rows in {elapsed:.1f} s "
              f"({job.created_count} created, {job.skipped_count} already there)")
    assert IncidentReport.objects.filter(hospital=hospital).count() == args.rows
    print("within a minute" if max(timings) <= 60 else "SLOWER THAN A MINUTE")


if __name__ == "__main__":
    main()
