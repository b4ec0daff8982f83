"""CSV import and export of incident reports, in the columns documented in IMPORT_COLUMNS.

An import is all or nothing: every row is checked first, errors are listed by row and column,
and nothing is saved unless every row is valid. Rows carry the source system's identifier, so
uploading the same file again creates nothing new.
"""

import csv
import io
import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.text import first_control_character

from .dashboard import reports_changed
from .models import HospitalUnit, ImportStatus, IncidentReport, ReportImport, ReportStatus
from .services import SENT_FIELDS, allocate_references, validate_report
from .taxonomy import (
    EventCategory,
    EventType,
    HarmDuration,
    HarmLevel,
    LocationType,
    MedicationErrorCategory,
)

logger = logging.getLogger(__name__)

PSWP_LABEL = "# Patient Safety Work Product: confidential and privileged (42 U.S.C. 299b-22)"

# column -> (what it holds, choices or None, required)
IMPORT_COLUMNS: dict[str, tuple[str, type | None, bool]] = {
    "source_id": ("The report's identifier in your reporting system (unique).", None, True),
    "event_type": ("incident, near_miss or unsafe_condition.", EventType, True),
    "category": ("Common Formats category code, e.g. medication, fall.", EventCategory, True),
    "event_date": ("YYYY-MM-DD, or empty if unknown.", None, False),
    "event_time": ("HH:MM (24 h), or empty.", None, False),
    "discovered_date": ("YYYY-MM-DD, or empty.", None, False),
    "location_type": ("Unit type code, e.g. icu, med_surg, ed.", LocationType, True),
    "location_detail": ("Where, in words (no names).", None, False),
    "unit": ("One of your hospital's units, by its name as listed below (upper or lower case), "
             "or empty.", None, False),
    "narrative": ("What happened.", None, True),
    "harm_level": ("AHRQ harm scale for incidents: death, severe, moderate, mild, none, "
                   "unknown.", HarmLevel, False),
    "harm_duration": ("permanent, temporary or unknown.", HarmDuration, False),
    "medication_category": ("NCC MERP A to I, medication events only.",
                            MedicationErrorCategory, False),
    "near_miss_recovery": ("For near misses: what stopped it reaching the patient.", None,
                           False),
}
EXPORT_COLUMNS = ["reference", "status", "submitted_at", "sent_at", *IMPORT_COLUMNS,
                  "systems_issue", "preventability", "handover_involved",
                  "contributing_factors", "pso_summary"]
MAX_ERRORS_KEPT = 200
MAX_FINDINGS_KEPT = 200  # rows with findings listed on the import's page; all are counted
SCREENED_COLUMNS = ["location_detail", "narrative", "near_miss_recovery"]
PROGRESS_EVERY = 500


def _choice(value: str, choices) -> str:
    value = value.strip()
    if not value:
        return ""
    for code, label in choices.choices:
        if value.lower() in (code.lower(), label.lower()):
            return code
    raise ValueError(f"'{value}' is not one of: {', '.join(choices.values)}")


def _date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a date in the form YYYY-MM-DD") from None


def _time(value: str) -> time | None:
    value = value.strip()
    if not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a time in the form HH:MM") from None


# Columns that hold one line; the others (narrative, near_miss_recovery) may span lines.
ONE_LINE_COLUMNS = {"source_id", "location_detail", "unit"}


def _max_length(column: str) -> int | None:
    if column == "unit":
        return HospitalUnit._meta.get_field("name").max_length
    try:
        return IncidentReport._meta.get_field(column).max_length
    except FieldDoesNotExist:
        return None


def _text_problem(column: str, value: str, *, check_length: bool = True) -> str:
    """What is wrong with a value whatever the column holds, said for its row and column."""
    if "\x00" in value:
        return "contains a NUL character (byte 0): remove it, it is not text"
    char = first_control_character(value, multiline=column not in ONE_LINE_COLUMNS)
    if char is not None:
        if column in ONE_LINE_COLUMNS and char in "\r\n":
            return "must be on one line: remove the line break"
        return f"contains an invisible control character (U+{ord(char):04X}): remove it"
    limit = _max_length(column) if check_length else None
    if limit and len(value) > limit:
        return f"is {len(value)} characters long; at most {limit} are allowed"
    return ""


def _unit(value: str, units: dict[str, HospitalUnit]) -> HospitalUnit | None:
    if not value:
        return None
    unit = units.get(value.lower())
    if unit is None:
        active = sorted(u.name for u in units.values() if u.active)
        known = (f"one of: {', '.join(active)}" if active
                 else "none are listed yet (the safety lead adds them under Units)")
        raise ValueError(f"'{value}' is not one of the hospital's units; {known}")
    if not unit.active:
        raise ValueError(f"'{unit.name}' is a retired unit: choose a unit in use or leave "
                         "the column empty")
    return unit


def hospital_units(hospital) -> dict[str, HospitalUnit]:
    """The hospital's units by lower-case name, retired ones too (to say so)."""
    return {unit.name.lower(): unit for unit in HospitalUnit.objects.filter(hospital=hospital)}


def parse_row(raw: dict, units: dict[str, HospitalUnit] | None = None
              ) -> tuple[dict, list[tuple[str, str]]]:
    """One CSV row -> (report fields, [(column, message), ...]). `units` are the hospital's
    units by lower-case name (see hospital_units)."""
    data: dict = {}
    errors: list[tuple[str, str]] = []
    for column, (_, choices, required) in IMPORT_COLUMNS.items():
        value = (raw.get(column) or "").strip()
        if required and not value:
            errors.append((column, "is required"))
            continue
        problem = _text_problem(column, value, check_length=choices is None)
        if problem:
            errors.append((column, problem))
            continue
        try:
            if choices is not None:
                data[column] = _choice(value, choices)
            elif column in ("event_date", "discovered_date"):
                data[column] = _date(value)
            elif column == "event_time":
                data[column] = _time(value)
            elif column == "unit":
                data[column] = _unit(value, units or {})
            else:
                data[column] = value
        except ValueError as exc:
            errors.append((column, str(exc)))
    if not errors:
        try:
            validate_report(data)
        except ValidationError as exc:
            errors.extend((field, " ".join(msgs)) for field, msgs in exc.message_dict.items())
    return data, errors


def read_rows(content: bytes) -> tuple[list[tuple[int, dict]], list[dict]]:
    """Decode and read the file -> ([(line number, row), ...], file-level errors).

    Rows are numbered by their line in the file as a spreadsheet shows it, so that an error
    "row 7" points at line 7 even when the file starts with comment lines (the template does).
    Lines starting with "#" between records are comments; a quoted value may span lines.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [{"row": 0, "column": "", "message": "The file is not UTF-8 text."}]
    state = {"line": 0, "start": None}

    def lines():
        for line in io.StringIO(text, newline=""):
            state["line"] += 1
            if state["start"] is None:
                if line.startswith("#"):
                    continue
                state["start"] = state["line"]
            yield line

    records: list[tuple[int, list[str]]] = []
    try:
        for values in csv.reader(lines(), strict=True):
            start, state["start"] = state["start"], None
            if any(value.strip() for value in values):
                records.append((start, values))
    except csv.Error as exc:
        row = state["start"] or state["line"]
        header = [name.strip() for name in records[0][1]] if records else []
        return [], [_csv_error(text, row, header, exc)]
    if not records:
        return [], [{"row": 1, "column": c, "message": "column missing from the header"}
                    for c, (_, _, required) in IMPORT_COLUMNS.items() if required]
    header_line, header = records[0]
    header = [name.strip() for name in header]
    missing = [c for c, (_, _, required) in IMPORT_COLUMNS.items()
               if required and c not in header]
    if missing:
        return [], [{"row": header_line, "column": c, "message": "column missing from the header"}
                    for c in missing]
    rows = [(number, dict(zip(header, values, strict=False))) for number, values in records[1:]]
    return rows, []


def _csv_error(text: str, row: int, header: list[str], exc: csv.Error) -> dict:
    """Name the row and, when it can be told, the column of a quoting mistake."""
    line = text.splitlines()[row - 1] if 0 < row <= len(text.splitlines()) else ""
    before = next(csv.reader([line]), []) if line else []
    index = max(len(before) - 1, 0)
    column = header[index] if index < len(header) else ""
    if "unexpected end of data" in str(exc) or line.count('"') % 2:
        message = ("a quoted value is never closed: a \" is missing at its end, so the rest "
                   "of the file would be read as this one value")
    else:
        message = f"is not valid CSV ({exc}); check the quotes around this value"
    return {"row": row, "column": column, "message": message}


def run_import(*, report_import: ReportImport) -> ReportImport:
    """Check every row, then create all reports in one transaction, or none.

    An unexpected failure (say, the same file imported twice at the same moment) saves nothing
    and marks the job failed, so its page stops waiting.
    """
    try:
        return _run_import(report_import)
    except Exception:
        logger.exception("Report import %s stopped", report_import.pk)
        ReportImport.objects.filter(pk=report_import.pk).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(),
            errors=[{"row": 0, "column": "",
                     "message": "The import stopped unexpectedly; nothing was saved. "
                                "Upload the file again."}],
        )
        report_import.refresh_from_db()
        return report_import


STOPPED_MESSAGE = ("The import stopped before it finished (the server restarted or the job "
                   "ran out of time); nothing was saved. Upload the file again.")


def fail_stale_imports(*, now=None) -> int:
    """Jobs queued or running for longer than IMPORT_STALE_AFTER_MINUTES died with the process
    that ran them: mark them failed, so that their page stops waiting and says so."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.IMPORT_STALE_AFTER_MINUTES)
    stale = ReportImport.objects.filter(
        status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING], created_at__lt=cutoff)
    return stale.update(status=ImportStatus.FAILED, finished_at=now,
                        errors=[{"row": 0, "column": "", "message": STOPPED_MESSAGE}])


def is_stale(job: ReportImport, *, now=None) -> bool:
    now = now or timezone.now()
    return (job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
            and job.created_at < now - timedelta(minutes=settings.IMPORT_STALE_AFTER_MINUTES))


def _run_import(job: ReportImport) -> ReportImport:
    job.status = ImportStatus.RUNNING
    job.save(update_fields=["status"])
    with job.file.open("rb") as handle:
        rows, errors = read_rows(handle.read())
    job.total_rows = len(rows)
    job.save(update_fields=["total_rows"])
    parsed: list[tuple[int, dict]] = []
    seen: set[str] = set()
    error_count = len(errors)
    units = hospital_units(job.hospital)
    for index, (number, raw) in enumerate(rows, start=1):
        data, row_errors = parse_row(raw, units)
        source_id = data.get("source_id", "")
        if source_id and source_id in seen:
            row_errors.append(("source_id", f"'{source_id}' appears twice in the file"))
        seen.add(source_id)
        for column, message in row_errors:
            error_count += 1
            if len(errors) < MAX_ERRORS_KEPT:
                errors.append({"row": number, "column": column, "message": message})
        parsed.append((number, data))
        if index % PROGRESS_EVERY == 0:
            ReportImport.objects.filter(pk=job.pk).update(processed_rows=index)
    if error_count:
        job.status = ImportStatus.FAILED
        job.errors = errors
        job.processed_rows = len(rows)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "errors", "processed_rows", "total_rows",
                                "finished_at"])
        audit_record(actor=job.uploaded_by, action=AuditAction.CREATE, obj=job,
                     hospital=job.hospital, outcome="failure",
                     summary=f"Report import refused: {error_count} error(s), nothing saved")
        return job
    # Screened before the transaction, which holds the hospital's reference sequence.
    screened = _screen_rows(parsed)
    with transaction.atomic():
        existing: set[str] = set()
        ids = sorted(seen)
        for i in range(0, len(ids), 500):  # keeps each query under the database's limits
            existing.update(IncidentReport.objects.filter(
                hospital=job.hospital, source_system=job.source_system,
                source_id__in=ids[i:i + 500],
            ).values_list("source_id", flat=True))
        new = [(number, data) for number, data in parsed
               if data["source_id"] not in existing]
        references = allocate_references(hospital=job.hospital, year=timezone.localdate().year,
                                         count=len(new)) if new else []
        now = timezone.now()
        reports = [IncidentReport(hospital=job.hospital, source_system=job.source_system,
                                  reference=reference, status=ReportStatus.SUBMITTED,
                                  submitted_at=now, created_at=now, **data)
                   for reference, (_, data) in zip(references, new, strict=True)]
        job.findings, job.flagged_rows = _finding_entries(
            [(number, report, screened[number]) for (number, _), report
             in zip(new, reports, strict=True) if number in screened])
        IncidentReport.objects.bulk_create(reports, batch_size=1000)
        reports_changed(job.hospital_id)
        job.status = ImportStatus.DONE
        job.processed_rows = len(rows)
        job.created_count = len(new)
        job.skipped_count = len(parsed) - len(new)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "processed_rows", "created_count", "skipped_count",
                                "finished_at", "findings", "flagged_rows"])
        audit_record(actor=job.uploaded_by, action=AuditAction.CREATE, obj=job,
                     hospital=job.hospital,
                     summary=f"Imported {len(new)} report(s) from {job.source_system}; "
                             f"{job.skipped_count} already there",
                     detail={"rows_with_screening_findings": job.flagged_rows})
    return job


def _screen_rows(parsed: list[tuple[int, dict]]) -> dict[int, list]:
    """Row number -> the row's texts with what the de-identification screening found in them,
    for the rows with any. Importing is never refused for them: each finding is fixed or
    dismissed on the report's review page before the report is sent to the PSO."""
    from .screening import known_identifiers, screen_texts

    known = known_identifiers()
    found = {}
    for number, data in parsed:
        if screened := screen_texts(((column, column, data.get(column) or "")
                                     for column in SCREENED_COLUMNS), known):
            found[number] = screened
    return found


def _finding_entries(rows) -> tuple[list[dict], int]:
    """For the import's page: one entry per row and column (row number, column, the report's
    reference and id, the words and their kinds) for the first rows, and the count of rows."""
    from .screening import kind_of

    entries: list[dict] = []
    for number, report, screened in rows[:MAX_FINDINGS_KEPT]:
        for item in screened:
            entries.append({
                "row": number, "column": item.name, "reference": report.reference,
                "report": str(report.public_id),
                "words": [{"text": f.text, "kind": kind_of(f)} for f in item.findings],
            })
    return entries, len(rows)


def template_rows() -> Iterator[list[str]]:
    """The header and nothing else: an example row in a template gets imported as a real
    report. The import page documents each column and shows EXAMPLE_ROW beside the download."""
    yield [PSWP_LABEL]
    yield list(IMPORT_COLUMNS)


EXAMPLE_ROW = ["EXAMPLE-1", "near_miss", "medication", "2026-03-01", "", "2026-03-01",
               "med_surg", "medication room", "4 West",
               "Two look-alike vials were stored side by side; the wrong one was drawn up and "
               "caught at the bedside scan.", "", "", "B",
               "Barcode scan at the bedside"]


def column_docs(hospital=None) -> list[dict]:
    """Each import column with what it holds and, for a coded column, every valid code; for the
    unit column, the names of the hospital's units in use."""
    units = []
    if hospital is not None:
        units = [(name, LocationType(kind).label) for name, kind in HospitalUnit.objects.filter(
            hospital=hospital, active=True).values_list("name", "location_type")]
    return [{"name": name, "content": content, "required": required,
             "codes": list(choices.choices) if choices is not None else [],
             "units": units if name == "unit" else None}
            for name, (content, choices, required) in IMPORT_COLUMNS.items()]


def _value(report: IncidentReport, column: str, factor_codes: dict[int, list[str]],
           unit_names: dict[int, str]) -> str:
    if column == "contributing_factors":
        return ";".join(factor_codes.get(report.pk, []))
    if column == "unit":
        return unit_names.get(report.unit_id, "")
    value = getattr(report, column)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def export_rows(reports, *, with_hospital: bool = False) -> Iterable[list[str]]:
    """Rows for a CSV export; reads the reports in chunks, never all at once."""
    yield [PSWP_LABEL]
    yield (["hospital"] if with_hospital else []) + EXPORT_COLUMNS
    chunk: list[IncidentReport] = []
    for report in reports.iterator(chunk_size=2000):
        chunk.append(report)
        if len(chunk) == 2000:
            yield from _export_chunk(chunk, with_hospital)
            chunk = []
    if chunk:
        yield from _export_chunk(chunk, with_hospital)


PSO_EXPORT_COLUMNS = ["hospital", "reference", "sent_at", *SENT_FIELDS, "contributing_factors"]


def _sent_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def pso_export_rows(reports) -> Iterable[list[str]]:
    """Rows for the PSO's export, from the copies kept when each report was sent: exactly what
    the hospital sent, never a later value, the reporter or the feedback to them."""
    yield [PSWP_LABEL]
    yield PSO_EXPORT_COLUMNS
    for report in reports.select_related("hospital", "sent_copy").iterator(chunk_size=2000):
        data = report.sent_copy.data
        yield [report.hospital.name, _sent_value(data.get("reference")),
               report.sent_copy.sent_at.astimezone(UTC).isoformat(timespec="seconds")] + [
            _sent_value(data.get(name)) for name in [*SENT_FIELDS, "contributing_factors"]
        ]


def _export_chunk(chunk, with_hospital):
    through = IncidentReport.contributing_factors.through
    codes: dict[int, list[str]] = {}
    for report_id, code in through.objects.filter(
        incidentreport_id__in=[r.pk for r in chunk]
    ).values_list("incidentreport_id", "contributingfactor_id"):
        codes.setdefault(report_id, []).append(code)
    unit_names = dict(HospitalUnit.objects.filter(
        pk__in={r.unit_id for r in chunk if r.unit_id}).values_list("pk", "name"))
    for report in chunk:
        row = [_value(report, column, codes, unit_names) for column in EXPORT_COLUMNS]
        yield ([report.hospital.name] if with_hospital else []) + row
