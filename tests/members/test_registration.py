"""A hospital applies to join the PSO through the public "Register your hospital" page."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse

from chpso_portal.audit.models import AuditAction, AuditEvent
from chpso_portal.notifications import kinds
from chpso_portal.notifications.models import Notification, OutboxEmail
from members.models import Hospital, HospitalStatus, Invitation
from members.roles import PsoRole

from ..conftest import make_pso
from ..factories import HospitalFactory

URL = "/register/"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def application(**overrides):
    data = {
        "name": "Redwood Coast Hospital",
        "city": "Eureka",
        "state": "CA",
        "ccn": "050301",
        "bed_size": "100-199",
        "contact_name": "Jordan Avery",
        "contact_title": "Director of Quality",
        "contact_email": "Jordan.Avery@Redwood.example",
    }
    data.update(overrides)
    return data


def test_the_register_url_has_the_documented_name():
    assert reverse("hospital-register") == URL


def test_anyone_can_open_the_register_page(client):
    response = client.get(URL)

    assert response.status_code == 200
    for field in ("name", "city", "state", "ccn", "bed_size", "contact_name", "contact_title",
                  "contact_email"):
        assert f'name="{field}"' in response.content.decode()


def test_front_page_links_to_the_register_page(client):
    response = client.get(reverse("front"))

    assert f'href="{URL}"' in response.content.decode()


def test_sign_in_page_links_to_the_register_page(client):
    response = client.get(reverse("account_login"))

    assert f'href="{URL}"' in response.content.decode()


def test_an_application_is_stored_as_an_applicant(client, db):
    response = client.post(URL, application())

    assert response.status_code == 302
    assert response["Location"] == reverse("hospital-register-done")
    hospital = Hospital.objects.get()
    assert hospital.status == HospitalStatus.APPLICANT
    assert hospital.activated_at is None
    assert (hospital.name, hospital.city, hospital.state) == ("Redwood Coast Hospital", "Eureka",
                                                              "CA")
    assert hospital.ccn == "050301"
    assert hospital.bed_size == "100-199"
    assert hospital.contact_name == "Jordan Avery"
    assert hospital.contact_title == "Director of Quality"
    assert hospital.contact_email == "jordan.avery@redwood.example"


def test_an_applicant_receives_no_invitation_before_its_contract(client, db):
    client.post(URL, application())

    assert not Invitation.objects.exists()
    assert not OutboxEmail.objects.filter(kind=kinds.ACCOUNT_INVITATION.code).exists()


def test_the_applicant_sees_a_confirmation_naming_the_hospital(client, db):
    response = client.post(URL, application(), follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "we received the application for Redwood Coast Hospital" in page
    assert "invitation to create your account" in page


def test_the_confirmation_page_without_an_application_sends_back_to_the_form(client, db):
    response = client.get(reverse("hospital-register-done"))

    assert response.status_code == 302
    assert response["Location"] == URL


def test_every_coordinator_is_notified_in_the_portal_and_by_email(client, world):
    second = make_pso(PsoRole.COORDINATOR, "second.coordinator@pso.test")

    client.post(URL, application())

    hospital = Hospital.objects.get(name="Redwood Coast Hospital")
    notified = Notification.objects.filter(kind=kinds.APPLICATION_RECEIVED.code)
    assert {n.recipient for n in notified} == {world.coordinator, second}
    assert all("Redwood Coast Hospital" in n.title for n in notified)
    assert all(n.link == reverse("admin:members_hospital_change", args=[hospital.pk])
               for n in notified)
    emails = OutboxEmail.objects.filter(kind=kinds.APPLICATION_RECEIVED.code)
    assert sorted(e.to_address for e in emails) == sorted(
        [world.coordinator.email, second.email]
    )


def test_facilitators_and_hospital_members_are_not_notified_of_applications(client, world):
    client.post(URL, application())

    recipients = set(
        Notification.objects.filter(kind=kinds.APPLICATION_RECEIVED.code)
        .values_list("recipient__email", flat=True)
    )
    assert recipients == {world.coordinator.email}


def test_an_application_is_audited_without_an_actor(client, db):
    client.post(URL, application())

    hospital = Hospital.objects.get()
    event = AuditEvent.objects.get(action=AuditAction.CREATE, hospital=hospital)
    assert event.actor is None
    assert event.object_type == "members.hospital"


def test_the_certification_number_is_optional(client, db):
    client.post(URL, application(ccn=""))
    response = client.post(URL, application(name="Another Hospital", ccn=""))

    assert response.status_code == 302
    assert list(Hospital.objects.values_list("ccn", flat=True)) == [None, None]


def test_a_lowercase_certification_number_is_stored_in_capitals(client, db):
    client.post(URL, application(ccn="05a301"))

    assert Hospital.objects.get().ccn == "05A301"


@pytest.mark.parametrize("ccn", ["05030", "0503011", "AB0301", "05030X", "05-301"])
def test_a_malformed_certification_number_is_refused(client, db, ccn):
    response = client.post(URL, application(ccn=ccn))

    assert response.status_code == 200
    assert "ccn" in response.context["form"].errors
    assert not Hospital.objects.exists()


def test_a_malformed_certification_number_is_explained(client, db):
    response = client.post(URL, application(ccn="AB0301"))

    assert "A CMS certification number has 6 characters" in response.content.decode()


def test_a_second_application_with_the_same_certification_number_is_refused(client, db):
    HospitalFactory(name="Already Here Hospital", ccn="050301")

    response = client.post(URL, application(ccn="050301"))

    assert response.status_code == 200
    assert "already applied or is a member" in response.content.decode()
    assert Hospital.objects.count() == 1


def test_a_second_application_with_the_same_name_in_the_same_state_is_refused(client, db):
    HospitalFactory(name="Redwood Coast Hospital", state="CA", ccn=None)

    response = client.post(URL, application(name="  redwood coast HOSPITAL ", ccn=""))

    assert response.status_code == 200
    assert "A hospital with this name in this state has already applied" in (
        response.content.decode()
    )
    assert Hospital.objects.count() == 1


def test_the_same_name_in_another_state_is_accepted(client, db):
    HospitalFactory(name="Redwood Coast Hospital", state="OR", ccn=None)

    response = client.post(URL, application(state="CA"))

    assert response.status_code == 302
    assert Hospital.objects.filter(name="Redwood Coast Hospital").count() == 2


def test_a_refused_duplicate_notifies_nobody(client, world):
    HospitalFactory(name="Redwood Coast Hospital", state="CA", ccn=None)

    client.post(URL, application())

    assert not Notification.objects.filter(kind=kinds.APPLICATION_RECEIVED.code).exists()


@pytest.mark.parametrize("missing", ["name", "city", "state", "bed_size", "contact_name",
                                     "contact_title", "contact_email"])
def test_every_field_but_the_certification_number_is_required(client, db, missing):
    response = client.post(URL, application(**{missing: ""}))

    assert response.status_code == 200
    assert not Hospital.objects.exists()


def test_an_invalid_work_email_is_refused(client, db):
    response = client.post(URL, application(contact_email="not-an-email"))

    assert response.status_code == 200
    assert not Hospital.objects.exists()


def test_applications_from_one_address_are_rate_limited(client, db, settings):
    settings.REGISTRATION_RATE = "2/h"
    client.post(URL, application(name="First Hospital", ccn=""))
    client.post(URL, application(name="Second Hospital", ccn=""))

    response = client.post(URL, application(name="Third Hospital", ccn=""))

    assert response.status_code == 429
    assert "Too many applications" in response.content.decode()
    assert not Hospital.objects.filter(name="Third Hospital").exists()
    assert Hospital.objects.count() == 2


def test_invalid_submissions_count_towards_the_rate_limit(client, db, settings):
    settings.REGISTRATION_RATE = "2/h"
    client.post(URL, application(ccn="bad"))
    client.post(URL, application(ccn="bad"))

    response = client.post(URL, application())

    assert response.status_code == 429
    assert not Hospital.objects.exists()


def test_the_rate_limit_is_per_address(client, db, settings):
    settings.REGISTRATION_RATE = "1/h"
    client.post(URL, application(name="First Hospital", ccn=""), REMOTE_ADDR="203.0.113.1")

    response = client.post(URL, application(name="Second Hospital", ccn=""),
                           REMOTE_ADDR="203.0.113.2")

    assert response.status_code == 302
    assert Hospital.objects.count() == 2


def test_the_default_rate_is_five_an_hour(client, db):
    assert django_settings.REGISTRATION_RATE == "5/h"
    for n in range(5):
        assert client.post(URL, application(name=f"Hospital {n}", ccn="")).status_code == 302

    assert client.post(URL, application(name="Hospital 6", ccn="")).status_code == 429


def test_reading_the_form_is_not_rate_limited(client, db, settings):
    settings.REGISTRATION_RATE = "1/h"
    client.post(URL, application())

    assert client.get(URL).status_code == 200
    assert client.get(URL).status_code == 200


def test_the_register_page_accepts_only_get_and_post(client, db):
    assert client.put(URL).status_code == 405
    assert client.delete(URL).status_code == 405
