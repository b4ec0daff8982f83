"""PSO contracts: derived status, recording them in the admin, the signed document, reminders."""

import itertools
import uuid
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditAction, AuditEvent
from chpso_portal.notifications import kinds
from chpso_portal.notifications.models import Notification, OutboxEmail
from members import services
from members.models import (
    Contract,
    ContractStatus,
    Hospital,
    HospitalStatus,
    Invitation,
)
from members.roles import HospitalRole

from ..factories import PDF, ContractFactory, HospitalFactory, MembershipFactory

DAY = date(2026, 6, 15)


def noon(day):
    """Midday in the portal's time zone, so that timezone.localdate() is `day`."""
    return datetime.combine(day, time(12), tzinfo=timezone.get_current_timezone())
ADD_URL = "/admin/members/contract/add/"
LIST_URL = "/admin/members/contract/"


def contract(effective, expires, terminated=None, day=DAY):
    """An unsaved contract with dates given as day offsets from `day` (None: no date)."""
    def at(offset):
        return None if offset is None else day + timedelta(days=offset)

    return Contract(
        signed_on=at(effective), effective_on=at(effective), expires_on=at(expires),
        terminated_on=at(terminated),
    )


@pytest.fixture(autouse=True)
def private_files_in_tmp(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private")}}}


# --- Status derived from the dates -------------------------------------------------------


def test_a_contract_that_expires_today_is_still_in_force():
    today_last = contract(-300, 0)

    assert today_last.status_on(DAY) == ContractStatus.EXPIRING
    assert today_last.is_active_on(DAY)


def test_a_contract_that_expired_yesterday_is_expired():
    ended = contract(-300, -1)

    assert ended.status_on(DAY) == ContractStatus.EXPIRED
    assert not ended.is_active_on(DAY)


def test_a_contract_effective_tomorrow_is_pending():
    starting = contract(1, 400)

    assert starting.status_on(DAY) == ContractStatus.PENDING
    assert not starting.is_active_on(DAY)


def test_a_contract_effective_today_is_in_force():
    assert contract(0, 400).status_on(DAY) == ContractStatus.ACTIVE


def test_a_contract_with_sixty_days_left_is_expiring():
    assert contract(-300, 60).status_on(DAY) == ContractStatus.EXPIRING


def test_a_contract_with_sixty_one_days_left_is_active():
    assert contract(-300, 61).status_on(DAY) == ContractStatus.ACTIVE


def test_an_open_ended_contract_stays_active():
    assert contract(-3000, None).status_on(DAY) == ContractStatus.ACTIVE
    assert contract(-3000, None).days_left(DAY) is None


def test_a_contract_terminated_today_is_terminated():
    ended = contract(-300, 400, terminated=0)

    assert ended.status_on(DAY) == ContractStatus.TERMINATED
    assert not ended.is_active_on(DAY)


def test_a_contract_terminated_tomorrow_is_in_force_today():
    assert contract(-300, 400, terminated=1).status_on(DAY) == ContractStatus.ACTIVE


def test_termination_wins_over_expiry():
    assert contract(-300, -10, terminated=-20).status_on(DAY) == ContractStatus.TERMINATED


def test_days_left_counts_to_the_last_day():
    assert contract(-300, 7).days_left(DAY) == 7


# --- The querysets agree with the model ----------------------------------------------------

EFFECTIVE = [-400, -1, 0, 1, 30]
EXPIRES = [None, -2, -1, 0, 1, 7, 59, 60, 61, 400]
TERMINATED = [None, -1, 0, 1]


@pytest.fixture
def contract_grid(db):
    hospital = HospitalFactory()
    rows = []
    for n, (eff, exp, term) in enumerate(itertools.product(EFFECTIVE, EXPIRES, TERMINATED)):
        if exp is not None and exp < eff:
            continue  # the database refuses it
        row = contract(eff, exp, term)
        row.hospital = hospital
        row.document = f"contracts/grid-{n}.pdf"
        rows.append(row)
    Contract.objects.bulk_create(rows)
    return list(Contract.objects.all())


@pytest.mark.parametrize("status", ContractStatus.values)
def test_with_status_selects_exactly_the_contracts_of_that_status(contract_grid, status):
    expected = {c.pk for c in contract_grid if c.status_on(DAY) == status}

    selected = set(Contract.objects.with_status(status, DAY).values_list("pk", flat=True))

    assert expected, "the grid must hold at least one contract of every status"
    assert selected == expected


def test_active_on_selects_exactly_the_contracts_in_force(contract_grid):
    expected = {c.pk for c in contract_grid if c.is_active_on(DAY)}

    assert set(Contract.objects.active_on(DAY).values_list("pk", flat=True)) == expected


def test_every_contract_has_exactly_one_status(contract_grid):
    for row in contract_grid:
        matching = [s for s in ContractStatus.values
                    if Contract.objects.with_status(s, DAY).filter(pk=row.pk).exists()]
        assert matching == [row.status_on(DAY)]


def test_with_status_refuses_an_unknown_status(db):
    with pytest.raises(ValueError):
        Contract.objects.with_status("lapsed", DAY)


# --- Who works in the admin --------------------------------------------------------------


def test_coordinators_are_admin_staff_with_contract_permissions(world):
    coordinator = world.coordinator

    assert coordinator.is_staff
    assert coordinator.has_perm("members.add_contract")
    assert coordinator.has_perm("members.change_contract")
    assert not coordinator.has_perm("members.delete_contract")


def test_facilitators_are_not_admin_staff(world):
    assert not world.facilitator.is_staff
    assert not world.facilitator.has_perm("members.add_contract")


def test_a_coordinator_can_open_the_contract_admin(world, client_for):
    assert client_for(world.coordinator).get(ADD_URL).status_code == 200


@pytest.mark.parametrize("who", ["facilitator", "lead", "staff", "outsider"])
def test_nobody_else_can_open_the_contract_admin(world, client_for, who):
    response = client_for(getattr(world, who)).get(ADD_URL)

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "login" in response["Location"]


def test_anonymous_visitors_are_sent_to_sign_in_from_the_admin(world, client_for):
    response = client_for(None).get(ADD_URL)

    assert response.status_code == 302
    assert "login" in response["Location"]


# --- Recording a contract in the admin ---------------------------------------------------


def pdf_upload(content=PDF + b"%% signed\n" * 10, name="signed-contract.pdf",
               content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def contract_form(hospital, **overrides):
    today = timezone.localdate()
    data = {
        "hospital": hospital.pk,
        "signed_on": (today - timedelta(days=3)).isoformat(),
        "effective_on": (today - timedelta(days=1)).isoformat(),
        "expires_on": (today + timedelta(days=365)).isoformat(),
        "signed_by_name": "Alex Morgan",
        "signed_by_title": "Chief Executive Officer",
        "document": pdf_upload(),
        "terminated_on": "",
        "termination_reason": "",
        "_save": "Save",
    }
    data.update(overrides)
    return data


@pytest.fixture
def applicant(db):
    return HospitalFactory(
        name="Redwood Applicant Hospital", status=HospitalStatus.APPLICANT,
        contact_email="quality@redwood.example",
    )


@pytest.fixture
def coordinator_client(world, client_for):
    return client_for(world.coordinator)


def test_recording_a_contract_in_the_admin_saves_it(coordinator_client, world, applicant):
    response = coordinator_client.post(ADD_URL, contract_form(applicant))

    assert response.status_code == 302
    saved = Contract.objects.get(hospital=applicant)
    assert saved.signed_by_name == "Alex Morgan"
    assert saved.created_by == world.coordinator
    assert saved.status == ContractStatus.ACTIVE


def test_the_signed_document_is_kept_in_private_storage(coordinator_client, applicant, tmp_path):
    coordinator_client.post(ADD_URL, contract_form(applicant))

    saved = Contract.objects.get(hospital=applicant)
    stored = tmp_path / "private" / saved.document.name
    assert stored.read_bytes().startswith(b"%PDF-")
    assert "redwood" not in saved.document.name.lower()


def test_a_first_active_contract_makes_the_hospital_a_member(coordinator_client, applicant):
    coordinator_client.post(ADD_URL, contract_form(applicant))

    applicant.refresh_from_db()
    assert applicant.status == HospitalStatus.ACTIVE
    assert applicant.activated_at is not None


def test_a_first_active_contract_invites_the_contact_as_safety_lead(coordinator_client, applicant):
    coordinator_client.post(ADD_URL, contract_form(applicant))

    invitation = Invitation.objects.get(hospital=applicant)
    assert invitation.email == "quality@redwood.example"
    assert invitation.role == HospitalRole.SAFETY_LEAD
    email = OutboxEmail.objects.get(kind=kinds.ACCOUNT_INVITATION.code)
    assert email.to_address == "quality@redwood.example"
    assert "Redwood Applicant Hospital" in email.subject
    assert "/invitations/" in email.body


def test_recording_a_contract_is_audited_as_a_create(coordinator_client, world, applicant):
    coordinator_client.post(ADD_URL, contract_form(applicant))

    saved = Contract.objects.get(hospital=applicant)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="members.contract")
    assert event.actor == world.coordinator
    assert event.hospital == applicant
    assert event.object_id == str(saved.public_id)
    assert AuditEvent.objects.filter(action=AuditAction.ACTIVATE, hospital=applicant).exists()


def test_changing_a_contract_is_audited_as_an_update(coordinator_client, world, applicant):
    coordinator_client.post(ADD_URL, contract_form(applicant))
    saved = Contract.objects.get(hospital=applicant)
    new_expiry = timezone.localdate() + timedelta(days=30)

    response = coordinator_client.post(
        f"/admin/members/contract/{saved.pk}/change/",
        contract_form(applicant, document="", expires_on=new_expiry.isoformat()),
    )

    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.expires_on == new_expiry
    assert saved.document.name  # the signed document is kept
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="members.contract")
    assert event.actor == world.coordinator
    assert "expires_on" in event.detail["changed"]


def test_a_second_contract_does_not_invite_the_contact_again(coordinator_client, world):
    before = Invitation.objects.count()
    first = world.hospital.contracts.get()

    # The renewal, signed now, in force from the day after the first one expires.
    response = coordinator_client.post(ADD_URL, contract_form(
        world.hospital, effective_on=(first.expires_on + timedelta(days=1)).isoformat(),
        expires_on=(first.expires_on + timedelta(days=366)).isoformat()))

    assert response.status_code == 302
    assert world.hospital.contracts.count() == 2
    assert Invitation.objects.count() == before


def test_a_contract_not_yet_effective_leaves_the_hospital_an_applicant(coordinator_client,
                                                                      applicant):
    today = timezone.localdate()
    coordinator_client.post(ADD_URL, contract_form(
        applicant, effective_on=(today + timedelta(days=10)).isoformat(),
    ))

    applicant.refresh_from_db()
    assert Contract.objects.get(hospital=applicant).status == ContractStatus.PENDING
    assert applicant.status == HospitalStatus.APPLICANT
    assert not Invitation.objects.filter(hospital=applicant).exists()


def test_an_open_ended_contract_can_be_recorded(coordinator_client, applicant):
    coordinator_client.post(ADD_URL, contract_form(applicant, expires_on=""))

    saved = Contract.objects.get(hospital=applicant)
    assert saved.expires_on is None
    assert saved.status == ContractStatus.ACTIVE


def test_a_document_that_is_not_a_pdf_is_refused(coordinator_client, applicant):
    fake = pdf_upload(content=b"PK\x03\x04 this is a zip", name="contract.pdf")

    response = coordinator_client.post(ADD_URL, contract_form(applicant, document=fake))

    assert response.status_code == 200
    assert "This file is not a PDF" in response.content.decode()
    assert not Contract.objects.filter(hospital=applicant).exists()
    applicant.refresh_from_db()
    assert applicant.status == HospitalStatus.APPLICANT
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(object_type="members.contract").exists()


def test_a_document_with_another_extension_is_refused(coordinator_client, applicant):
    renamed = pdf_upload(name="contract.docx")

    response = coordinator_client.post(ADD_URL, contract_form(applicant, document=renamed))

    assert response.status_code == 200
    assert not Contract.objects.filter(hospital=applicant).exists()


def test_a_document_over_the_size_limit_is_refused(coordinator_client, applicant, settings):
    settings.CONTRACT_DOCUMENT_MAX_BYTES = 1024
    too_big = pdf_upload(content=PDF + b"0" * 1024)

    response = coordinator_client.post(ADD_URL, contract_form(applicant, document=too_big))

    assert response.status_code == 200
    assert "must be a PDF of at most" in response.content.decode()
    assert not Contract.objects.filter(hospital=applicant).exists()


def test_a_document_at_the_size_limit_is_accepted(coordinator_client, applicant, settings):
    content = PDF + b"0" * (1024 - len(PDF))
    settings.CONTRACT_DOCUMENT_MAX_BYTES = len(content)

    response = coordinator_client.post(
        ADD_URL, contract_form(applicant, document=pdf_upload(content=content))
    )

    assert response.status_code == 302
    assert Contract.objects.filter(hospital=applicant).exists()


def test_a_contract_needs_its_signed_document(coordinator_client, applicant):
    response = coordinator_client.post(ADD_URL, contract_form(applicant, document=""))

    assert response.status_code == 200
    assert not Contract.objects.filter(hospital=applicant).exists()


def test_a_signed_date_in_the_future_is_refused(coordinator_client, applicant):
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = coordinator_client.post(ADD_URL, contract_form(
        applicant, signed_on=tomorrow.isoformat(), effective_on=tomorrow.isoformat(),
    ))

    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not Contract.objects.filter(hospital=applicant).exists()


def test_an_expiry_before_the_effective_date_is_refused(coordinator_client, applicant):
    today = timezone.localdate()

    response = coordinator_client.post(ADD_URL, contract_form(
        applicant, expires_on=(today - timedelta(days=2)).isoformat(),
    ))

    assert response.status_code == 200
    assert "on or after the effective date" in response.content.decode()
    assert not Contract.objects.filter(hospital=applicant).exists()


def test_a_termination_needs_a_reason(coordinator_client, applicant):
    response = coordinator_client.post(ADD_URL, contract_form(
        applicant, terminated_on=timezone.localdate().isoformat(),
    ))

    assert response.status_code == 200
    assert "Say why the contract was terminated" in response.content.decode()


def test_a_bad_signed_date_with_a_termination_is_explained_not_a_crash(coordinator_client,
                                                                      applicant):
    response = coordinator_client.post(ADD_URL, contract_form(
        applicant, signed_on="not a date", terminated_on=timezone.localdate().isoformat(),
        termination_reason="Hospital closed",
    ))

    assert response.status_code == 200
    assert not Contract.objects.filter(hospital=applicant).exists()


def test_contracts_cannot_be_deleted_in_the_admin(coordinator_client, world):
    saved = world.hospital.contracts.get()

    response = coordinator_client.post(f"/admin/members/contract/{saved.pk}/delete/",
                                       {"post": "yes"})

    assert response.status_code == 403
    assert Contract.objects.filter(pk=saved.pk).exists()


# --- Finding contracts in the admin ------------------------------------------------------


@pytest.fixture
def contract_list(world):
    """Contracts that end in 10, 45, 80 and 200 days, and one that ended five days ago."""
    today = timezone.localdate()

    def make(name, expires_in, **extra):
        return ContractFactory(hospital__name=name, expires_on=today + timedelta(days=expires_in),
                               **extra)

    return {
        "10": make("Ten Days Hospital", 10),
        "45": make("Forty-five Days Hospital", 45),
        "80": make("Eighty Days Hospital", 80),
        "200": make("Two Hundred Days Hospital", 200),
        "ended": make("Ended Hospital", -5),
        "pending": ContractFactory(
            hospital__name="Starting Hospital", signed_on=today,
            effective_on=today + timedelta(days=5), expires_on=today + timedelta(days=20),
        ),
    }


def listed(client, query):
    response = client.get(LIST_URL + query)
    assert response.status_code == 200
    return {c.hospital.name for c in response.context["cl"].result_list}


def test_the_status_filter_shows_expiring_contracts(coordinator_client, contract_list):
    assert listed(coordinator_client, "?status=expiring") == {
        "Ten Days Hospital", "Forty-five Days Hospital",
    }


def test_the_status_filter_shows_expired_contracts(coordinator_client, contract_list):
    assert listed(coordinator_client, "?status=expired") == {
        "Ended Hospital", "Coastal Test Hospital",
    }


def test_the_status_filter_shows_pending_contracts(coordinator_client, contract_list):
    assert listed(coordinator_client, "?status=pending") == {"Starting Hospital"}


def test_the_status_filter_shows_active_contracts(coordinator_client, contract_list):
    assert listed(coordinator_client, "?status=active") == {
        "Eighty Days Hospital", "Two Hundred Days Hospital", "Mercy Test Hospital",
        "Valley Test Hospital",
    }


@pytest.mark.parametrize("days, names", [
    ("30", {"Ten Days Hospital"}),
    ("60", {"Ten Days Hospital", "Forty-five Days Hospital"}),
    ("90", {"Ten Days Hospital", "Forty-five Days Hospital", "Eighty Days Hospital"}),
])
def test_the_expires_within_filter_shows_contracts_in_force_ending_soon(
    coordinator_client, contract_list, days, names
):
    assert listed(coordinator_client, f"?expires_within={days}") == names


def test_the_search_finds_contracts_by_hospital_name(coordinator_client, contract_list):
    assert listed(coordinator_client, "?q=eighty") == {"Eighty Days Hospital"}


def test_the_contract_list_shows_the_derived_status(coordinator_client, contract_list):
    response = coordinator_client.get(LIST_URL + "?q=Ten+Days")

    assert "Expiring" in response.content.decode()


# --- Downloading the signed document -----------------------------------------------------


@pytest.fixture
def signed(world):
    return world.hospital.contracts.get()


def document_url(contract):
    return reverse("contract-document", args=[contract.public_id])


def test_a_coordinator_downloads_the_signed_document(world, client_for, signed):
    response = client_for(world.coordinator).get(document_url(signed))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "Mercy" not in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_a_download_is_audited(world, client_for, signed):
    client_for(world.coordinator).get(document_url(signed))

    event = AuditEvent.objects.get(action=AuditAction.DOWNLOAD)
    assert event.actor == world.coordinator
    assert event.hospital == world.hospital
    assert event.object_id == str(signed.public_id)


@pytest.mark.parametrize("who", ["facilitator", "lead", "staff", "other_lead", "outsider"])
def test_nobody_but_coordinators_may_download_the_document(world, client_for, signed, who):
    response = client_for(getattr(world, who)).get(document_url(signed))

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.DOWNLOAD).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED,
                                     actor=getattr(world, who)).exists()


def test_anonymous_visitors_are_sent_to_sign_in_for_the_document(world, client_for, signed):
    response = client_for(None).get(document_url(signed))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_contract_document_is_not_found(world, client_for):
    response = client_for(world.coordinator).get(
        reverse("contract-document", args=[uuid.uuid4()])
    )

    assert response.status_code == 404


# --- The nightly pass: activation and reminders -------------------------------------------

EXPIRY = DAY + timedelta(days=90)


@pytest.fixture
def expiring(world):
    """A member hospital whose contract's last day is EXPIRY, with a lead and a staff member."""
    hospital = ContractFactory(
        hospital__name="Reminder Hospital", signed_on=DAY - timedelta(days=400),
        effective_on=DAY - timedelta(days=400), expires_on=EXPIRY,
    ).hospital
    lead = MembershipFactory(hospital=hospital, role=HospitalRole.SAFETY_LEAD,
                             user__email="lead@reminder.test").user
    staff = MembershipFactory(hospital=hospital, role=HospitalRole.STAFF,
                              user__email="nurse@reminder.test").user
    return {"hospital": hospital, "contract": hospital.contracts.get(), "lead": lead,
            "staff": staff}


def reminders(contract):
    return Notification.objects.filter(event_key__startswith=f"contract:{contract.pk}:")


def reminder_keys(contract):
    return set(reminders(contract).values_list("event_key", flat=True))


def run(days_before_expiry):
    return services.contracts_reconcile(today=EXPIRY - timedelta(days=days_before_expiry))


def test_no_reminder_before_sixty_days(expiring):
    run(61)

    assert not reminders(expiring["contract"]).exists()


@pytest.mark.parametrize("days", [60, 30, 7])
def test_a_reminder_goes_out_at_each_threshold(expiring, days):
    run(days)

    pk = expiring["contract"].pk
    assert reminder_keys(expiring["contract"]) == {f"contract:{pk}:expiring:{days}"}


def test_reminders_go_to_coordinators_and_the_hospitals_safety_leads(world, expiring):
    run(60)

    recipients = {n.recipient for n in reminders(expiring["contract"])}
    assert recipients == {world.coordinator, expiring["lead"]}
    assert all(n.kind == kinds.CONTRACT_EXPIRING.code for n in reminders(expiring["contract"]))


def test_reminders_are_also_emailed(world, expiring):
    run(30)

    emails = OutboxEmail.objects.filter(kind=kinds.CONTRACT_EXPIRING.code,
                                        event_key__startswith=f"contract:{expiring['contract'].pk}:")
    assert {e.to_address for e in emails} == {world.coordinator.email, "lead@reminder.test"}


def test_a_reminder_says_how_many_days_are_left(expiring):
    run(30)

    assert all("ends in 30 days" in n.title for n in reminders(expiring["contract"]))


def test_running_twice_sends_nothing_twice(expiring):
    first = run(60)
    second = run(60)

    assert first["notified"] == 2
    assert second["notified"] == 0
    assert reminders(expiring["contract"]).count() == 2


def test_the_days_between_thresholds_send_nothing_new(expiring):
    run(60)
    for days in (59, 45, 31):
        assert run(days)["notified"] == 0

    assert len(reminder_keys(expiring["contract"])) == 1


def test_a_whole_season_sends_each_reminder_once(expiring):
    for days in range(70, -10, -1):
        run(days)

    pk = expiring["contract"].pk
    assert reminder_keys(expiring["contract"]) == {
        f"contract:{pk}:expiring:60", f"contract:{pk}:expiring:30",
        f"contract:{pk}:expiring:7", f"contract:{pk}:ended",
    }
    assert reminders(expiring["contract"]).count() == 4 * 2


def test_a_contract_recorded_late_gets_only_the_next_reminder(expiring):
    run(20)

    pk = expiring["contract"].pk
    assert reminder_keys(expiring["contract"]) == {f"contract:{pk}:expiring:30"}


def test_the_day_after_the_last_day_sends_one_expired_notice(world, expiring):
    run(-1)
    run(-1)
    run(-2)

    ended = reminders(expiring["contract"]).filter(kind=kinds.CONTRACT_EXPIRED.code)
    assert {n.recipient for n in ended} == {world.coordinator, expiring["lead"]}
    assert all("expired" in n.title for n in ended)


def test_the_last_day_itself_sends_no_expired_notice(expiring):
    run(0)

    assert not reminders(expiring["contract"]).filter(kind=kinds.CONTRACT_EXPIRED.code).exists()


def test_a_terminated_contract_sends_one_termination_notice(world, expiring):
    signed = expiring["contract"]
    signed.terminated_on = DAY
    signed.termination_reason = "Hospital closed"
    signed.save()

    services.contracts_reconcile(today=DAY)
    services.contracts_reconcile(today=DAY)

    ended = reminders(signed).filter(kind=kinds.CONTRACT_EXPIRED.code)
    assert ended.count() == 2
    assert all("terminated" in n.title for n in ended)


def test_a_renewed_contract_sends_no_expired_notice(expiring):
    ContractFactory(hospital=expiring["hospital"], signed_on=EXPIRY - timedelta(days=20),
                    effective_on=EXPIRY + timedelta(days=1), expires_on=None)

    run(-1)

    assert not reminders(expiring["contract"]).filter(kind=kinds.CONTRACT_EXPIRED.code).exists()


def test_staff_and_other_hospitals_get_no_reminders(world, expiring):
    run(60)

    recipients = {n.recipient for n in reminders(expiring["contract"])}
    assert expiring["staff"] not in recipients
    assert world.lead not in recipients
    assert world.facilitator not in recipients


def test_reminders_follow_the_clock_when_no_day_is_given(expiring):
    with time_machine.travel(noon(EXPIRY - timedelta(days=7)), tick=False):
        services.contracts_reconcile()

    pk = expiring["contract"].pk
    assert reminder_keys(expiring["contract"]) == {f"contract:{pk}:expiring:7"}


@pytest.fixture
def pending_applicant(db):
    hospital = HospitalFactory(name="Later Hospital", status=HospitalStatus.APPLICANT,
                               contact_email="quality@later.example")
    ContractFactory(hospital=hospital, signed_on=DAY - timedelta(days=10), effective_on=DAY,
                    expires_on=DAY + timedelta(days=700))
    return hospital


def test_the_nightly_pass_leaves_a_hospital_with_a_pending_contract_alone(pending_applicant):
    result = services.contracts_reconcile(today=DAY - timedelta(days=1))

    pending_applicant.refresh_from_db()
    assert result["activated"] == 0
    assert pending_applicant.status == HospitalStatus.APPLICANT


def test_the_nightly_pass_activates_a_hospital_on_its_effective_date(pending_applicant):
    with time_machine.travel(noon(DAY), tick=False):
        result = services.contracts_reconcile()

    pending_applicant.refresh_from_db()
    assert result["activated"] == 1
    assert pending_applicant.status == HospitalStatus.ACTIVE
    assert OutboxEmail.objects.filter(kind=kinds.ACCOUNT_INVITATION.code,
                                      to_address="quality@later.example").exists()


def test_the_nightly_pass_activates_on_the_day_it_is_given(db):
    starts = timezone.localdate() + timedelta(days=5)
    hospital = HospitalFactory(name="Soon Hospital", status=HospitalStatus.APPLICANT)
    ContractFactory(hospital=hospital, signed_on=timezone.localdate(), effective_on=starts,
                    expires_on=starts + timedelta(days=700))

    result = services.contracts_reconcile(today=starts)

    hospital.refresh_from_db()
    assert result["activated"] == 1
    assert hospital.status == HospitalStatus.ACTIVE
    assert Invitation.objects.filter(hospital=hospital, role=HospitalRole.SAFETY_LEAD).exists()


def test_the_nightly_pass_activates_and_invites_only_once(pending_applicant):
    with time_machine.travel(noon(DAY), tick=False):
        services.contracts_reconcile()
        second = services.contracts_reconcile()

    assert second["activated"] == 0
    assert Invitation.objects.filter(hospital=pending_applicant).count() == 1
    assert OutboxEmail.objects.filter(kind=kinds.ACCOUNT_INVITATION.code).count() == 1


def test_the_hospital_queryset_knows_whose_contract_is_in_force(world):
    states = dict(
        Hospital.objects.with_contract_state().values_list("name", "has_active_contract")
    )

    assert states["Mercy Test Hospital"] is True
    assert states["Coastal Test Hospital"] is False
