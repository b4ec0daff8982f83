"""The hospital's own units: kept by its safety lead, chosen on the report form, matched by name
in the import, never sent to the PSO, retired and never deleted."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse

from cases import services, units
from cases.forms import ReportForm
from cases.models import HospitalUnit, IncidentReport
from chpso_portal.audit.models import AuditEvent
from tests.cases.test_transfer import csv_bytes, row, upload
from tests.factories import ReportFactory


@pytest.fixture
def west(world):
    return units.unit_create(hospital=world.hospital, actor=world.lead, name="Tower 7 North",
                             location_type="med_surg")


def report_post(**overrides):
    data = {"event_type": "near_miss", "category": "medication", "location_type": "",
            "location_detail": "", "narrative": "Two look-alike vials were side by side.",
            "near_miss_recovery": "Barcode scan at the bedside.", "submit": "1"}
    data.update(overrides)
    return data


# Management ----------------------------------------------------------------------------------

def test_the_lead_adds_renames_and_retires_a_unit(world, client_for):
    client = client_for(world.lead)
    empty = client.get(reverse("unit-list")).content.decode()
    assert "No units listed yet" in empty
    response = client.post(reverse("unit-list"), {"name": "  Cath   lab ",
                                                  "location_type": "or"})
    assert response.status_code == 302
    unit = HospitalUnit.objects.get()
    assert (unit.name, unit.location_type, unit.hospital, unit.active) == (
        "Cath lab", "or", world.hospital, True)
    # Same name in other letters: refused, and what was typed stays on the page.
    again = client.post(reverse("unit-list"), {"name": "CATH LAB", "location_type": "icu"})
    assert again.status_code == 200 and "already has a unit named" in again.content.decode()
    assert 'value="CATH LAB"' in again.content.decode()
    edit = client.post(reverse("unit-edit", args=[unit.public_id]),
                       {"name": "Cardiac cath lab", "location_type": "or"})
    assert edit.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "Cardiac cath lab"
    # Retiring asks first and says what follows.
    confirm = client.get(reverse("unit-retire", args=[unit.public_id])).content.decode()
    assert "Retire the unit Cardiac cath lab?" in confirm and "never deleted" in confirm
    unit.refresh_from_db()
    assert unit.active
    client.post(reverse("unit-retire", args=[unit.public_id]), {"active": "no"})
    unit.refresh_from_db()
    assert not unit.active
    assert "Retired" in client.get(reverse("unit-list")).content.decode()
    client.post(reverse("unit-retire", args=[unit.public_id]), {"active": "yes"})  # back
    unit.refresh_from_db()
    assert unit.active
    actions = list(AuditEvent.objects.filter(object_id=str(unit.public_id)).values_list("action",
                                                                                  flat=True))
    assert {"create", "update", "deactivate", "activate"} <= set(actions)


def test_units_are_the_hospitals_own(world, client_for, west):
    other = client_for(world.other_lead)
    assert "Tower 7 North" not in other.get(reverse("unit-list")).content.decode()
    for name in ("unit-edit", "unit-retire"):
        assert other.get(reverse(name, args=[west.public_id])).status_code == 404
        assert other.post(reverse(name, args=[west.public_id]),
                          {"name": "Mine", "location_type": "icu"}).status_code == 404
    staff = client_for(world.staff)
    assert staff.get(reverse("unit-list")).status_code == 403
    assert staff.post(reverse("unit-list"), {"name": "X", "location_type": "icu"}
                      ).status_code == 403
    west.refresh_from_db()
    assert west.name == "Tower 7 North" and west.active
    # Another hospital may use the same name.
    units.unit_create(hospital=world.other_hospital, actor=world.other_lead,
                      name="tower 7 north", location_type="icu")


def test_a_unit_that_reports_name_cannot_be_deleted(world, west):
    ReportFactory(hospital=world.hospital, reporter=world.staff, unit=west)
    with pytest.raises(ProtectedError):
        west.delete()
    units.unit_set_active(unit=west, actor=world.lead, active=False)
    assert IncidentReport.objects.get().unit == west


def test_unit_names_are_checked(world):
    for name in ("", "   ", "x" * 81):
        with pytest.raises(ValidationError):
            units.unit_create(hospital=world.hospital, actor=world.lead, name=name,
                              location_type="icu")
    with pytest.raises(ValidationError):
        units.unit_create(hospital=world.hospital, actor=world.lead, name="ICU",
                          location_type="nowhere")


# The report form -----------------------------------------------------------------------------

def test_the_form_offers_the_hospitals_units_in_use(world, client_for, west):
    retired = units.unit_create(hospital=world.hospital, actor=world.lead, name="Old wing",
                                location_type="med_surg")
    units.unit_set_active(unit=retired, actor=world.lead, active=False)
    units.unit_create(hospital=world.other_hospital, actor=world.other_lead, name="Valley ED",
                      location_type="ed")
    page = client_for(world.staff).get(reverse("report-new")).content.decode()
    assert "Tower 7 North" in page and 'data-location-type="med_surg"' in page
    assert "Old wing" not in page and "Valley ED" not in page
    assert "describe it below" in page


def test_a_hospital_without_units_is_not_asked(world, client_for):
    form = ReportForm(hospital=world.hospital)
    assert "unit" not in form.fields
    assert form.fields["location_type"].required


def test_choosing_a_unit_fills_where_and_is_kept_in_the_hospital(world, client_for, west):
    client = client_for(world.staff)
    response = client.post(reverse("report-new"), report_post(unit=str(west.pk),
                                                              location_detail="med room"))
    assert response.status_code == 302
    report = IncidentReport.objects.get()
    assert report.unit == west and report.location_type == "med_surg"
    assert report.location_detail == "med room"
    lead = client_for(world.lead)
    assert "Tower 7 North" in lead.get(reverse("report-review", args=[report.public_id])
                                ).content.decode()
    # What goes to the PSO carries the kind of location, never the unit's name.
    services.report_review_save(report=report, actor=world.lead, factors=[],
                                pso_summary="Look-alike vials stored together.")
    send_page = lead.get(reverse("report-send", args=[report.public_id])).content.decode()
    assert "Tower 7 North" not in send_page
    sent = services.report_send(report=report, actor=world.lead)
    assert "unit" not in sent.data and "Tower 7 North" not in str(sent.data)
    assert sent.data["location_type"] == "med_surg"


def test_without_a_unit_where_is_still_asked(world, client_for, west):
    response = client_for(world.staff).post(reverse("report-new"), report_post())
    assert response.status_code == 200
    assert "Choose where it happened, or choose a unit." in response.content.decode()
    assert not IncidentReport.objects.exists()


def test_a_unit_of_another_hospital_or_retired_is_refused(world, client_for, west):
    valley = units.unit_create(hospital=world.other_hospital, actor=world.other_lead,
                               name="Valley ED", location_type="ed")
    client = client_for(world.staff)
    assert client.post(reverse("report-new"), report_post(unit=str(valley.pk))
                       ).status_code == 200
    units.unit_set_active(unit=west, actor=world.lead, active=False)
    assert client.post(reverse("report-new"), report_post(unit=str(west.pk))
                       ).status_code == 200
    assert not IncidentReport.objects.exists()
    with pytest.raises(ValidationError):
        services.report_save_draft(hospital=world.hospital, reporter=world.staff,
                                   data={"unit": valley, "event_type": "near_miss"})


# The import ----------------------------------------------------------------------------------

HEADER_WITH_UNIT = [*row("x").keys(), "unit"]


def test_the_import_matches_units_by_name(world, client_for, west,
                                          django_capture_on_commit_callbacks):
    client = client_for(world.lead)
    page = client.get(reverse("report-import")).content.decode()
    assert "1 unit of your hospital" in page and "<code>Tower 7 North</code>" in page
    content = csv_bytes([row("U-1", unit="tower 7 north"), row("U-2", unit="")],
                        header=HEADER_WITH_UNIT)
    upload(client, content, capture=django_capture_on_commit_callbacks)
    by_source = {r.source_id: r for r in IncidentReport.objects.all()}
    assert by_source["U-1"].unit == west and by_source["U-2"].unit is None
    export = b"".join(client.get(reverse("report-export"), {"status": "all"}
                                 ).streaming_content).decode()
    assert "Tower 7 North" in export


def test_the_import_names_an_unknown_or_retired_unit(world, client_for, west,
                                                     django_capture_on_commit_callbacks):
    old = units.unit_create(hospital=world.hospital, actor=world.lead, name="Old wing",
                            location_type="icu")
    units.unit_set_active(unit=old, actor=world.lead, active=False)
    units.unit_create(hospital=world.other_hospital, actor=world.other_lead, name="Valley ED",
                      location_type="ed")
    client = client_for(world.lead)
    content = csv_bytes([row("U-1", unit="5 East"), row("U-2", unit="old wing"),
                         row("U-3", unit="Valley ED")], header=HEADER_WITH_UNIT)
    response = upload(client, content, capture=django_capture_on_commit_callbacks)
    page = client.get(response.url).content.decode()
    assert ("&#x27;5 East&#x27; is not one of the hospital&#x27;s units; "
            "one of: Tower 7 North") in page
    assert "Old wing&#x27; is a retired unit" in page
    assert "&#x27;Valley ED&#x27; is not one of the hospital&#x27;s units" in page
    assert not IncidentReport.objects.exists()


def test_the_import_page_says_when_there_are_no_units(world, client_for):
    page = client_for(world.lead).get(reverse("report-import")).content.decode()
    assert "Your hospital lists no units yet" in page
