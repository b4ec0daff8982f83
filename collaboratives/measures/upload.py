"""A team's CSV upload of monthly data (up to a year and more), all or nothing.

As the report import (cases/transfer.py): every row is checked first, errors are listed by the
row's line in the file and the column, and nothing is saved unless every row is valid. One row
is one measure in one month. Months already submitted are corrections: they need a reason in
the `correction_reason` column and are kept as new versions, like any other correction.
"""

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record

from .models import MeasureKind, MonthlyReport, ValueSource
from .services import _check_team_worker, month_start, value_record

COLUMNS = {
    "month": "YYYY-MM, the month the figures are for.",
    "measure": "The measure's short name, as in the charter.",
    "numerator": "Proportions and rates: the numerator. Counts: the count.",
    "denominator": "Proportions and rates: the denominator.",
    "value": "Continuous measures: the value.",
    "not_collected_reason": "If the month was not collected: why (leave the figures empty).",
    "correction_reason": "Only for a month already submitted: why it is corrected.",
}
REQUIRED = ("month", "measure")
MAX_ROWS = 2000
MAX_BYTES = 512 * 1024
PSWP_LABEL = "# Patient Safety Work Product: confidential and privileged (42 U.S.C. 299b-22)"


def template_rows(measures) -> list[list[str]]:
    rows = [[PSWP_LABEL], list(COLUMNS)]
    for measure in measures:
        rows.append(["2026-01", measure.short_name, "", "", "", "", ""])
    return rows


def _read(content: bytes):
    """-> ([(line, row dict)], errors). Lines starting with '#' before a record are comments."""
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

    records = []
    try:
        for values in csv.reader(lines()):
            start, state["start"] = state["start"], None
            if any(v.strip() for v in values):
                records.append((start, values))
    except csv.Error as exc:
        return [], [{"row": state["start"] or state["line"], "column": "",
                     "message": f"The file is not valid CSV: {exc}"}]
    if not records:
        return [], [{"row": 1, "column": c, "message": "column missing from the header"}
                    for c in REQUIRED]
    header_line, header = records[0]
    header = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [{"row": header_line, "column": c, "message": "column missing from the header"}
                    for c in missing]
    return [(n, {k: (v or "").strip() for k, v in zip(header, values, strict=False)})
            for n, values in records[1:]], []


def _number(text: str):
    if text == "":
        return None
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a number") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"'{text}' is not a number of zero or more")
    return number


def _month(text: str) -> date:
    try:
        year, month = text.split("-")[:2]
        return date(int(year), int(month), 1)
    except (ValueError, TypeError):
        raise ValueError(f"'{text}' is not a month written YYYY-MM") from None


def upload_check(*, team, content: bytes):
    """-> (parsed rows, errors). Checks everything without saving anything."""
    if len(content) > MAX_BYTES:
        return [], [{"row": 0, "column": "", "message": "The file is larger than 512 KB."}]
    rows, errors = _read(content)
    if len(rows) > MAX_ROWS:
        return [], [{"row": 0, "column": "", "message": f"More than {MAX_ROWS} rows."}]
    measures = {m.short_name.lower(): m for m in team.collaborative.measures.filter(
        is_active=True)}
    submitted = set(MonthlyReport.objects.filter(team=team, status="submitted")
                    .values_list("month", flat=True))
    this_month = month_start(timezone.localdate())
    parsed, seen = [], set()
    for line, raw in rows:
        row_errors = []

        def bad(column, message, _errors=row_errors, _line=line):
            _errors.append({"row": _line, "column": column, "message": message})

        try:
            month = _month(raw.get("month", ""))
            if month > this_month:
                bad("month", "a month that has not begun")
        except ValueError as exc:
            month = None
            bad("month", str(exc))
        measure = measures.get(raw.get("measure", "").lower())
        if measure is None:
            bad("measure", f"'{raw.get('measure', '')}' is not one of this collaborative's "
                           "measures")
        figures = {}
        for column in ("numerator", "denominator", "value"):
            try:
                figures[column] = _number(raw.get(column, ""))
            except ValueError as exc:
                bad(column, str(exc))
        reason = raw.get("not_collected_reason", "")
        correction = raw.get("correction_reason", "")
        if measure is not None and not row_errors:
            if reason:
                if any(v is not None for v in figures.values()):
                    bad("not_collected_reason", "a month not collected has no figures")
            elif measure.kind in (MeasureKind.PROPORTION, MeasureKind.RATE):
                if figures["numerator"] is None or figures["denominator"] is None:
                    bad("numerator", "give the numerator and the denominator")
                elif (measure.kind == MeasureKind.PROPORTION
                      and figures["numerator"] > figures["denominator"]):
                    bad("numerator", "a proportion's numerator cannot exceed its denominator")
            elif measure.kind == MeasureKind.COUNT and figures["numerator"] is None:
                bad("numerator", "give the count")
            elif measure.kind == MeasureKind.CONTINUOUS and figures["value"] is None:
                bad("value", "give the value")
        if month is not None and measure is not None:
            key = (month, measure.pk)
            if key in seen:
                bad("measure", f"{measure.short_name} for {month:%Y-%m} appears twice")
            seen.add(key)
            if month in submitted and not correction:
                bad("correction_reason", f"{month:%Y-%m} is submitted: say why it is corrected")
        errors.extend(row_errors)
        if not row_errors:
            parsed.append({"month": month, "measure": measure, "reason": reason,
                           "correction": correction, **figures})
    return parsed, errors


def upload_save(*, team, actor, content: bytes) -> dict:
    """Check the whole file; save every row in one transaction, or none. Returns
    {"errors": [...]} or {"saved": n, "months": [...]}."""
    _check_team_worker(team, actor)
    parsed, errors = upload_check(team=team, content=content)
    if errors:
        audit_record(actor=actor, action=AuditAction.CREATE, obj=team, hospital=team.hospital,
                     outcome="failure",
                     summary=f"Monthly data upload refused: {len(errors)} error(s), nothing "
                             "saved")
        return {"errors": errors}
    saved = 0
    with transaction.atomic():
        reports = {}
        for row in parsed:
            report = reports.get(row["month"])
            if report is None:
                report, _ = MonthlyReport.objects.get_or_create(
                    team=team, month=row["month"], defaults={"created_by": actor})
                reports[row["month"]] = report
            try:
                new = value_record(
                    actor=actor, report=report, measure=row["measure"],
                    numerator=row["numerator"], denominator=row["denominator"],
                    value=row["value"], not_collected=bool(row["reason"]),
                    not_collected_reason=row["reason"], source=ValueSource.CSV,
                    correction_reason=row["correction"])
            except ValidationError as exc:  # pragma: no cover - upload_check covers these
                transaction.set_rollback(True)
                return {"errors": [{"row": 0, "column": row["measure"].short_name,
                                    "message": " ".join(exc.messages)}]}
            saved += new is not None
        audit_record(actor=actor, action=AuditAction.CREATE, obj=team, hospital=team.hospital,
                     summary=f"Monthly data uploaded: {saved} value(s) in {len(reports)} "
                             "month(s)")
    return {"saved": saved, "months": sorted(reports)}
