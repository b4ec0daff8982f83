"""Writes of monthly data. A value is never overwritten: each entry is a new version."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record

from .models import MeasureValue, MonthlyReport, ValueSource

VALUE_FIELDS = ("numerator", "denominator", "value", "not_collected", "not_collected_reason")


def _same(old: MeasureValue, new: dict) -> bool:
    return all(getattr(old, field) == new[field] for field in VALUE_FIELDS)


@transaction.atomic
def value_record(*, actor, report: MonthlyReport, measure, numerator=None, denominator=None,
                 value=None, not_collected: bool = False, not_collected_reason: str = "",
                 source: str = ValueSource.FORM, correction_reason: str = "",
                 audit: bool = True) -> MeasureValue | None:
    """Enter one measure's value for the report's month as a new version.

    The current version (if any) is kept and retired, pointing at its successor. Entering the
    same figures again writes nothing and returns None. A correction of a submitted month needs
    a reason and is audited with the old and new figures.
    """
    if measure.collaborative_id != report.team.collaborative_id:
        raise ValidationError("This measure belongs to another collaborative.")
    figures = {"numerator": numerator, "denominator": denominator, "value": value,
               "not_collected": not_collected,
               "not_collected_reason": not_collected_reason.strip() if not_collected else ""}
    if not_collected:
        figures.update(numerator=None, denominator=None, value=None)
    current = (MeasureValue.objects.select_for_update()
               .filter(team_id=report.team_id, measure=measure, month=report.month,
                       is_current=True).first())
    if current is not None and _same(current, figures):
        return None
    if report.is_submitted and current is not None and not correction_reason.strip():
        raise ValidationError("Say why a submitted month is corrected.")
    new = MeasureValue(
        report=report, team_id=report.team_id, measure=measure, month=report.month,
        version=(current.version + 1) if current else 1, source=source,
        correction_reason=correction_reason.strip()[:300], entered_by=actor, **figures,
    )
    new.full_clean(exclude=["report", "team", "measure", "entered_by", "superseded_by"],
                   validate_unique=False, validate_constraints=False)
    if current is not None:
        # Retire first: the partial unique index allows one current row at a time.
        current.is_current = False
        current.superseded_at = timezone.now()
        current.save(update_fields=["is_current", "superseded_at"])
    new.save()
    if current is not None:
        current.superseded_by = new
        current.save(update_fields=["superseded_by"])
    if audit and current is not None and report.is_submitted:
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=report, hospital=report.team.hospital,
            summary=f"Corrected {measure.short_name} for {report.month:%Y-%m}",
            detail={"measure": str(measure.public_id), "month": f"{report.month:%Y-%m}",
                    "old_version": current.version, "new_version": new.version,
                    "old": {f: str(getattr(current, f)) for f in VALUE_FIELDS},
                    "new": {f: str(figures[f]) for f in VALUE_FIELDS},
                    "reason": new.correction_reason},
        )
    return new
