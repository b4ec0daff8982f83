"""The safety lead's list of the hospital's units: add, rename, retire (with confirmation)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from chpso_portal import access
from chpso_portal.forms import BootstrapMixin, add_service_errors
from members.roles import Scope

from . import units
from .access import _deny
from .models import HospitalUnit
from .taxonomy import LocationType


class UnitForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="Unit name", max_length=80,
                           help_text="As your colleagues say it, for example \"4 West\" or "
                                     "\"Cath lab\". Reporters choose it on the report form.")
    location_type = forms.ChoiceField(
        label="Kind of location", choices=[("", "Choose...")] + LocationType.choices,
        help_text="Filled in on the report when a reporter chooses this unit. Only the kind of "
                  "location, never the unit's name, is sent to the PSO.")


def _unit_or_404(request, public_id):
    unit = units.unit_for_lead(hospital=request.hospital, public_id=public_id)
    if unit is None:
        _deny(request, public_id, request.hospital, model=HospitalUnit, what="Unit")
    return unit


@access.hospital(Scope.REPORTS_REVIEW, methods=("GET", "POST"))
def unit_list(request):
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = units.unit_create(hospital=request.hospital, actor=request.user,
                                     **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Added the unit {unit.name}. Reporters can choose it "
                                      "now.")
            return redirect("unit-list")
    return render(request, "cases/units/list.html", {
        "form": form, "units": list(units.units_for_hospital(hospital=request.hospital)),
    })


@access.hospital(Scope.REPORTS_REVIEW, methods=("GET", "POST"), object_scoped=True)
def unit_edit(request, public_id):
    unit = _unit_or_404(request, public_id)
    form = UnitForm(request.POST or None,
                    initial={"name": unit.name, "location_type": unit.location_type})
    if request.method == "POST" and form.is_valid():
        try:
            units.unit_update(unit=unit, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Unit saved. Reports that name it show the new name.")
            return redirect("unit-list")
    return render(request, "cases/units/edit.html", {"form": form, "unit": unit})


@access.hospital(Scope.REPORTS_REVIEW, methods=("GET", "POST"), object_scoped=True)
def unit_retire(request, public_id):
    """Retiring asks first and says what follows; a retired unit can be brought back here."""
    unit = _unit_or_404(request, public_id)
    if request.method == "POST":
        # The form says which way it goes: a second click, or a page left open in another
        # tab, must not undo what the first did.
        wanted = {"no": False, "yes": True}.get(request.POST.get("active"))
        if wanted is None:
            messages.error(request, "Nothing changed: retire the unit or bring it back from "
                                    "its page.")
            return redirect("unit-list")
        bring_back = wanted
        units.unit_set_active(unit=unit, actor=request.user, active=bring_back)
        messages.success(request, f"The unit {unit.name} is in use again." if bring_back else
                         f"Retired the unit {unit.name}. Reports that name it keep it.")
        return redirect("unit-list")
    return render(request, "cases/units/retire.html", {
        "unit": unit, "report_count": unit.reports.count(),
    })
