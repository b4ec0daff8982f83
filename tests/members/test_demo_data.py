"""`manage.py demo_data`: a newcomer's first look at the portal, loaded in one command."""

import re
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from members.models import Contract, ContractStatus, Hospital, HospitalStatus, Membership, User
from members.roles import HospitalRole, PsoRole

PASSWORD = "demo-password-2026"
MEMBER_HOSPITALS = {
    "mercy": "Mercy General Hospital",
    "valley": "Valley Regional Medical Center",
    "sierra": "Sierra Community Hospital",
    "coastal": "Coastal Medical Center",
}
DEMO_EMAILS = (
    ["coordinator@pso.example", "facilitator@pso.example", "expert@humanfactors.example",
     "partner@family.example"]
    + [f"{who}@{short}.example" for short in MEMBER_HOSPITALS for who in ("lead", "nurse")]
)


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.DEBUG = True
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private")}}}
    call_command("demo_data", stdout=StringIO())


def counts():
    return {model.__name__: model.objects.count()
            for model in (User, Hospital, Contract, Membership, EmailAddress)}


def test_the_command_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_data")

    assert not User.objects.exists()
    assert not Hospital.objects.exists()


def test_every_demo_account_exists(demo):
    assert set(User.objects.values_list("email", flat=True)) == set(DEMO_EMAILS)


# One demo load for every account (a load takes seconds); each assertion names the account.
def test_every_demo_account_signs_in_with_the_demo_password(demo):
    for email in DEMO_EMAILS:
        assert User.objects.get(email=email).check_password(PASSWORD), email


def test_every_demo_account_has_a_verified_primary_email(demo):
    for email in DEMO_EMAILS:
        address = EmailAddress.objects.get(email=email)

        assert address.verified, email
        assert address.primary, email
        assert address.user.email == email


def test_a_demo_user_can_sign_in_through_the_login_page(demo, client):
    response = client.post("/accounts/login/",
                           {"login": "lead@mercy.example", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session.get("_auth_user_id")


def test_the_coordinator_has_the_coordinator_role_and_the_admin(demo):
    coordinator = User.objects.get(email="coordinator@pso.example")

    assert coordinator.pso_role == PsoRole.COORDINATOR
    assert coordinator.is_staff
    assert coordinator.has_perm("members.add_contract")


def test_the_facilitator_has_the_facilitator_role_and_no_admin(demo):
    facilitator = User.objects.get(email="facilitator@pso.example")

    assert facilitator.pso_role == PsoRole.FACILITATOR
    assert not facilitator.is_staff


def test_the_guest_expert_belongs_to_no_hospital(demo):
    expert = User.objects.get(email="expert@humanfactors.example")

    assert not expert.memberships.exists()
    assert expert.pso_role == ""


def test_the_member_hospitals_are_active_with_a_contract_in_force(demo):
    for name in ("Mercy General Hospital", "Valley Regional Medical Center",
                 "Sierra Community Hospital"):
        hospital = Hospital.objects.get(name=name)
        assert hospital.status == HospitalStatus.ACTIVE
        assert hospital.contracts.count() == 1
        assert hospital.contract_on().is_active_on()


def test_the_coastal_hospital_contract_has_expired(demo):
    coastal = Hospital.objects.get(name="Coastal Medical Center")

    assert coastal.contracts.get().status == ContractStatus.EXPIRED
    assert not Hospital.objects.with_contract_state().get(pk=coastal.pk).has_active_contract


def test_the_demo_shows_an_expiring_and_an_open_ended_contract(demo):
    valley = Hospital.objects.get(name="Valley Regional Medical Center").contracts.get()
    sierra = Hospital.objects.get(name="Sierra Community Hospital").contracts.get()

    assert valley.status == ContractStatus.EXPIRING
    assert sierra.expires_on is None


def test_redwood_valley_is_an_applicant_without_a_contract(demo):
    redwood = Hospital.objects.get(name="Redwood Valley Hospital")

    assert redwood.status == HospitalStatus.APPLICANT
    assert not redwood.contracts.exists()


def test_demo_contracts_carry_a_pdf_document(demo):
    for contract in Contract.objects.all():
        with contract.document.open("rb") as document:
            assert document.read(5) == b"%PDF-"


def test_each_member_hospital_has_a_lead_and_a_nurse(demo):
    for short, name in MEMBER_HOSPITALS.items():
        hospital = Hospital.objects.get(name=name)

        roles = dict(hospital.memberships.filter(is_active=True)
                     .values_list("user__email", "role"))
        assert roles == {f"lead@{short}.example": HospitalRole.SAFETY_LEAD,
                         f"nurse@{short}.example": HospitalRole.STAFF}, name


def test_running_the_command_twice_creates_nothing_new(demo):
    before = counts()

    call_command("demo_data", stdout=StringIO())

    assert counts() == before


def test_running_the_command_twice_keeps_the_accounts_working(demo):
    call_command("demo_data", stdout=StringIO())

    coordinator = User.objects.get(email="coordinator@pso.example")
    assert coordinator.check_password(PASSWORD)
    assert coordinator.is_staff
    assert coordinator.groups.count() == 1


def test_the_command_prints_the_accounts_and_the_password(db, settings, tmp_path):
    settings.DEBUG = True
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private")}}}
    out = StringIO()

    call_command("demo_data", stdout=out)

    assert "coordinator@pso.example" in out.getvalue()
    assert PASSWORD in out.getvalue()


def test_the_first_load_summarises_its_emails_instead_of_printing_them(db, settings, tmp_path,
                                                                       capsys, monkeypatch):
    # The emails go out after commit, which a test's transaction never reaches: run the
    # after-commit work at once, as the real commit at the end of the load does.
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit",
                        lambda func, using=None, robust=False: func())
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private")}}}
    out = StringIO()
    call_command("demo_data", stdout=out)
    text = out.getvalue()
    assert re.search(r"Loading sent \d+ demo emails to \d+ addresses \(not printed\)", text)
    assert "Subject:" not in text and len(text.splitlines()) < 60
    # The console email backend writes to the terminal: nothing was written there.
    assert "Subject:" not in capsys.readouterr().out
