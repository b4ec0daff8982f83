"""Dates are bounded to a sensible range everywhere: no session on 9999-12-31, no event before
1900, nothing that breaks a calendar file or date arithmetic."""

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.services import validate_report
from collaboratives import services
from collaboratives.models import CollaborativeSession


def session_form(**overrides):
    today = timezone.localdate()
    data = {"title": "Pumps", "focus_categories": ["medication"], "theme": "",
            "date": (today + timedelta(days=20)).isoformat(), "start_time": "10:00",
            "time_zone": "America/Los_Angeles", "duration_minutes": "90",
            "location": "Video call",
            "nomination_deadline": (today + timedelta(days=10)).isoformat(),
            "max_cases_per_hospital": "3", "description": ""}
    data.update(overrides)
    return data


@pytest.mark.parametrize("field", ["date", "nomination_deadline"])
def test_a_session_far_in_the_future_is_refused_on_the_page(world, client_for, field):
    response = client_for(world.facilitator).post(reverse("session-create"),
                                                  session_form(**{field: "9999-12-31"}))
    assert response.status_code == 200
    assert not CollaborativeSession.objects.exists()


def test_the_service_refuses_a_session_years_ahead(world):
    far = timezone.localdate() + timedelta(days=365 * 4)
    with pytest.raises(ValidationError):
        services.session_create(actor=world.facilitator, title="Far", date=far,
                                start_time=time(10), time_zone="America/Los_Angeles",
                                location="Video", nomination_deadline=far - timedelta(days=7))
    assert not CollaborativeSession.objects.exists()


def test_a_session_within_the_range_is_accepted(world, client_for):
    response = client_for(world.facilitator).post(reverse("session-create"), session_form())
    assert response.status_code == 302
    session = CollaborativeSession.objects.get()
    assert client_for(world.facilitator).get(
        reverse("session-ics", args=[session.public_id])).status_code == 200


@pytest.mark.parametrize("day", [date(1899, 12, 31), date(1, 1, 1)])
def test_an_event_before_1900_is_refused(day):
    with pytest.raises(ValidationError) as caught:
        validate_report({"event_type": "near_miss", "category": "fall", "event_date": day,
                         "narrative": "x", "near_miss_recovery": "y"})
    assert "event_date" in caught.value.message_dict


def test_the_report_form_refuses_an_event_before_1900(world, client_for):
    from cases.models import IncidentReport

    from ..cases.test_views import form_data

    response = client_for(world.staff).post(reverse("report-new"), {
        **form_data(event_date="1850-01-01", discovered_date="1850-01-02"), "submit": "1"})
    assert response.status_code == 200
    assert not IncidentReport.objects.exists()


def test_the_admin_refuses_a_contract_ending_in_9999(world, client_for):
    contract = world.hospital.contracts.get()
    client = client_for(world.coordinator)
    url = f"/admin/members/contract/{contract.pk}/change/"
    response = client.post(url, {"hospital": world.hospital.pk,
                      "signed_on": contract.signed_on.isoformat(),
                      "effective_on": contract.effective_on.isoformat(),
                      "expires_on": "9999-12-31", "signed_by_name": "CEO",
                      "signed_by_title": "CEO", "terminated_on": "",
                      "termination_reason": ""})
    assert "between 1900 and 2100" in response.content.decode()
    contract.refresh_from_db()
    assert contract.expires_on != date(9999, 12, 31)
