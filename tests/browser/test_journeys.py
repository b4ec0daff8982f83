"""The main journeys, in a real browser (DESIGN.md section 10)."""

import re
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from members import services
from members.models import Contract, Hospital, HospitalStatus, Invitation
from members.roles import HospitalRole, PsoRole
from tests.factories import (
    PASSWORD,
    PDF,
    ContractFactory,
    HospitalFactory,
    MembershipFactory,
    UserFactory,
)
from tests.totp import current_totp_code

pytestmark = pytest.mark.browser


def sign_in(page, email, *, totp_secret=None):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if totp_secret is not None:
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.fill("input[name=code]", current_totp_code(totp_secret))
        page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/home/$"))


def make_lead():
    """A safety lead manages members, so they have a second factor: sign in with lead.secret."""
    hospital = ContractFactory(hospital__name="Mercy Browser Hospital").hospital
    lead = MembershipFactory(hospital=hospital, role=HospitalRole.SAFETY_LEAD,
                             user__email="lead@mercy.test", user__full_name="Lee Lead").user
    lead.secret = generate_totp_secret()
    TOTP.activate(lead, lead.secret)
    return hospital, lead


def test_a_safety_lead_invites_a_colleague(page):
    hospital, lead = make_lead()
    sign_in(page, lead.email, totp_secret=lead.secret)
    expect(page.get_by_text("Mercy Browser Hospital").first).to_be_visible()

    page.get_by_role("link", name="Members", exact=True).click()
    expect(page.get_by_role("heading", name="Members of Mercy Browser Hospital")).to_be_visible()
    page.get_by_role("link", name="Invite a colleague").click()
    page.fill("input[name=email]", "New.Nurse@Mercy.test")
    page.select_option("select[name=role]", HospitalRole.STAFF.value)
    page.select_option("select[name=job_title]", "nurse")
    page.get_by_role("button", name="Send the invitation").click()

    page.wait_for_url(re.compile(r"/hospital/members/$"))
    expect(page.get_by_role("alert").filter(has_text="Invitation sent to new.nurse@mercy.test")
           ).to_be_visible()
    row = page.locator("tr", has_text="new.nurse@mercy.test")
    expect(row).to_contain_text("Staff")
    expect(row).to_contain_text("Pending")

    invitation = Invitation.objects.get(hospital=hospital)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "new.nurse@mercy.test", HospitalRole.STAFF, lead)
    sent = [m for m in mail.outbox if m.to == ["new.nurse@mercy.test"]]
    assert len(sent) == 1 and "/invitations/" in sent[0].body


def test_a_coordinator_records_a_contract_and_the_hospital_becomes_a_member(page):
    coordinator = UserFactory(email="coordinator@pso.test", full_name="Cora Coordinator")
    services.pso_role_set(user=coordinator, role=PsoRole.COORDINATOR, actor=None)
    secret = generate_totp_secret()
    TOTP.activate(coordinator, secret)
    applicant = HospitalFactory(name="Harbor Applicant Hospital", status=HospitalStatus.APPLICANT,
                                contact_email="quality@harbor.test")

    sign_in(page, coordinator.email, totp_secret=secret)
    page.goto(f"/admin/members/contract/add/?hospital={applicant.pk}")
    hospital_select = page.locator("select#id_hospital")
    expect(hospital_select).to_have_value(str(applicant.pk))  # pre-filled from the query
    expect(hospital_select.locator("option:checked")).to_contain_text(
        "Harbor Applicant Hospital")

    today = timezone.localdate()
    page.fill("#id_signed_on", str(today - timedelta(days=2)))
    page.fill("#id_effective_on", str(today))
    page.fill("#id_expires_on", str(today + timedelta(days=365)))
    page.fill("#id_signed_by_name", "Casey Chief")
    page.fill("#id_signed_by_title", "CEO")
    page.set_input_files("#id_document", files=[
        {"name": "harbor-contract.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.locator("input[name=_save]").click()

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    contract = Contract.objects.get(hospital=applicant)
    assert contract.created_by == coordinator and contract.document.name.endswith(".pdf")

    page.goto("/admin/members/hospital/?q=Harbor")
    row = page.locator("#result_list tr", has_text="Harbor Applicant Hospital")
    expect(row).to_contain_text("Member")
    assert Hospital.objects.get(pk=applicant.pk).status == HospitalStatus.ACTIVE
    invitations = [m for m in mail.outbox if m.to == ["quality@harbor.test"]]
    assert len(invitations) == 1
    assert "Harbor Applicant Hospital" in invitations[0].subject
    assert "/invitations/" in invitations[0].body


@pytest.mark.parametrize("who", ["visitor", "lead"])
def test_a_phone_sized_screen_needs_no_horizontal_scroll(new_page, who):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    if who == "lead":
        _, lead = make_lead()
        sign_in(page, lead.email, totp_secret=lead.secret)
        paths = ["/home/", "/hospital/members/", "/hospital/members/invite/", "/notifications/"]
    else:
        paths = ["/", "/accounts/login/", "/register/"]
    for path in paths:
        page.goto(path)
        expect(page.locator("main, #main").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
