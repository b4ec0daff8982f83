"""Points of no return ask first and say what follows; what can be undone is undone in the
page where it was done (issue 13, item 3)."""

import re
from datetime import time, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from playwright.sync_api import expect

from collaboratives import services as session_services
from collaboratives.models import SessionStatus
from members import services as member_services
from members.models import Membership
from members.roles import HospitalRole, PsoRole
from tests.browser.test_journeys import sign_in
from tests.factories import ContractFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def test_closing_nominations_asks_first_and_can_be_undone(new_page):
    facilitator = UserFactory(email="facilitator@pso.test", full_name="Fran Facilitator")
    member_services.pso_role_set(user=facilitator, role=PsoRole.FACILITATOR, actor=None)
    secret = generate_totp_secret()
    TOTP.activate(facilitator, secret)
    hospital = ContractFactory(hospital__name="Mercy Confirm Hospital").hospital
    lead = MembershipFactory(hospital=hospital, role=HospitalRole.SAFETY_LEAD).user
    today = timezone.localdate()
    session = session_services.session_create(
        actor=facilitator, title="Falls at night", focus_categories=["fall"], theme="",
        date=today + timedelta(days=21), start_time=time(14, 0),
        time_zone="America/Los_Angeles", duration_minutes=90,
        location="https://meet.example.org/falls", nomination_deadline=today + timedelta(days=14),
        max_cases_per_hospital=3, description="")
    session_services.session_invite_hospitals(session=session, hospitals=[hospital],
                                              actor=facilitator)
    session_services.session_answer(session_hospital=session.hospitals.get(), accept=True,
                                    actor=lead, attendees=[])

    page = new_page(**DESKTOP)
    sign_in(page, facilitator.email, totp_secret=secret)
    page.goto(f"/sessions/{session.public_id}/")
    page.get_by_role("link", name="Close nominations").click()
    page.wait_for_url(re.compile(r"/advance/$"))
    what = page.get_by_test_id("what-follows")
    expect(what).to_contain_text("can no longer nominate cases")
    expect(what).to_contain_text("14 days from now")
    # Going back changes nothing.
    page.get_by_role("link", name="Back to the session").click()
    session.refresh_from_db()
    assert session.status == SessionStatus.INVITATIONS_SENT

    page.get_by_role("link", name="Close nominations").click()
    page.get_by_role("button", name="Close nominations").click()
    expect(page.get_by_role("alert")).to_contain_text("Nominations closed")
    page.get_by_role("button", name="Reopen nominations").click()
    expect(page.get_by_role("alert")).to_contain_text("Nominations are open again")
    session.refresh_from_db()
    assert session.status == SessionStatus.INVITATIONS_SENT


def test_deactivating_a_member_asks_first_and_can_be_undone(new_page):
    hospital = ContractFactory(hospital__name="Mercy Confirm Hospital").hospital
    lead = MembershipFactory(hospital=hospital, role=HospitalRole.SAFETY_LEAD,
                             user__email="lead@mercy.test").user
    # Managing members needs the lead's second factor.
    secret = generate_totp_secret()
    TOTP.activate(lead, secret)
    nurse = MembershipFactory(hospital=hospital, role=HospitalRole.STAFF,
                              user__email="nurse@mercy.test", user__full_name="Nell Nightly")

    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sign_in(page, lead.email, totp_secret=secret)
    page.goto("/hospital/members/")
    row = page.locator("tr", has_text="nurse@mercy.test")
    row.get_by_role("link", name="Deactivate").click()
    expect(page.get_by_test_id("what-follows")).to_contain_text("signed out everywhere")
    expect(page.get_by_test_id("what-follows")).to_contain_text("reactivate them later")
    assert Membership.objects.get(pk=nurse.pk).is_active
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("alert")).to_contain_text("was deactivated")
    assert not Membership.objects.get(pk=nurse.pk).is_active

    row = page.locator("tr", has_text="nurse@mercy.test")
    expect(row).to_contain_text("Deactivated")
    row.get_by_role("button", name="Reactivate").click()
    expect(page.get_by_role("alert")).to_contain_text("is active again")
    membership = Membership.objects.get(pk=nurse.pk)
    assert membership.is_active and membership.role == HospitalRole.STAFF
