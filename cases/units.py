"""The hospital's own units and locations: kept by its safety lead, offered on the report form
and matched by name in the import. A unit that reports use is retired, never deleted, so every
report keeps the unit it named."""

from django.core.exceptions import ValidationError
from django.db import transaction

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record

from .models import HospitalUnit
from .taxonomy import LocationType

MAX_UNITS = 300


def units_for_hospital(*, hospital):
    """Every unit of the hospital, in use first, each with the number of reports naming it."""
    from django.db.models import Count

    return (HospitalUnit.objects.filter(hospital=hospital)
            .annotate(report_count=Count("reports")).order_by("-active", "name"))


def active_units(*, hospital):
    return HospitalUnit.objects.filter(hospital=hospital, active=True).order_by("name")


def unit_for_lead(*, hospital, public_id) -> HospitalUnit | None:
    return HospitalUnit.objects.filter(hospital=hospital, public_id=public_id).first()


def _clean_name(hospital, name: str, *, exclude=None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the unit's name as your colleagues say it, for "
                                       "example \"4 West\"."})
    if len(name) > 80:
        raise ValidationError({"name": "Keep the name to 80 characters or fewer."})
    same = HospitalUnit.objects.filter(hospital=hospital, name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    if same.exists():
        raise ValidationError({"name": f"The hospital already has a unit named \"{name}\"."})
    return name


def _clean_type(location_type: str) -> str:
    if location_type not in LocationType.values:
        raise ValidationError({"location_type": "Choose the kind of location."})
    return location_type


@transaction.atomic
def unit_create(*, hospital, actor, name: str, location_type: str) -> HospitalUnit:
    if HospitalUnit.objects.filter(hospital=hospital).count() >= MAX_UNITS:
        raise ValidationError(f"A hospital can list {MAX_UNITS} units: retire or rename one.")
    unit = HospitalUnit.objects.create(hospital=hospital, name=_clean_name(hospital, name),
                                       location_type=_clean_type(location_type))
    audit_record(actor=actor, action=AuditAction.CREATE, obj=unit, hospital=hospital,
                 summary=f"Added the unit {unit.name}")
    return unit


@transaction.atomic
def unit_update(*, unit: HospitalUnit, actor, name: str, location_type: str) -> HospitalUnit:
    unit = HospitalUnit.objects.select_for_update().get(pk=unit.pk)
    old = unit.name
    unit.name = _clean_name(unit.hospital, name, exclude=unit)
    unit.location_type = _clean_type(location_type)
    unit.save(update_fields=["name", "location_type"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=unit, hospital=unit.hospital,
                 summary=f"Changed the unit {old}" + (f" to {unit.name}" if old != unit.name
                                                       else ""))
    return unit


@transaction.atomic
def unit_set_active(*, unit: HospitalUnit, actor, active: bool) -> HospitalUnit:
    """Retire a unit (no longer offered on the form or accepted by the import; the reports
    that name it keep it) or bring it back."""
    unit = HospitalUnit.objects.select_for_update().get(pk=unit.pk)
    if unit.active == active:
        return unit
    unit.active = active
    unit.save(update_fields=["active"])
    audit_record(actor=actor,
                 action=AuditAction.ACTIVATE if active else AuditAction.DEACTIVATE,
                 obj=unit, hospital=unit.hospital,
                 summary=f"{'Brought back' if active else 'Retired'} the unit {unit.name}")
    return unit
