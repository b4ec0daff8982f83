"""A microcollaborative session in a real browser: a facilitator schedules it and invites two
hospitals, one hospital accepts and nominates a case, the other accepts too, the facilitator
accepts the case after attesting, and a named attendee accepts the ground rules and opens the
case materials."""

import re
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import FACTOR_SEED, ContributingFactor
from collaboratives.models import (
    Attestation,
    CollaborativeSession,
    Nomination,
    NominationStatus,
    ParticipationStatus,
    SessionStatus,
)
from collaboratives.rules import GROUND_RULES
from members import services as member_services
from members.roles import HospitalRole, PsoRole
from tests.browser.test_journeys import sign_in
from tests.collaboratives import eligible_report
from tests.factories import ContractFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.browser

TITLE = "Infusions paused across a shift change"
LOCATION = "https://meet.example.org/pso-infusions"
CASE_SUMMARY = ("At a shift change the receiving team was not told that an infusion had been "
                "paused for a procedure; the pump screen did not show the pause clearly and "
                "the infusion was restarted two hours late.")
FIRST = "Mercy Session Hospital"
SECOND = "Valley Session Hospital"
SESSION_PATH = r"/sessions/[0-9a-f-]{36}/$"
VIEWPORT = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def cast():
    # live_server runs on a transactional database, emptied between tests: the seeded
    # contributing factors may be gone.
    for seed in FACTOR_SEED:
        ContributingFactor.objects.get_or_create(code=seed["code"], defaults=seed)
    facilitator = UserFactory(email="facilitator@pso.test", full_name="Fran Facilitator")
    member_services.pso_role_set(user=facilitator, role=PsoRole.FACILITATOR, actor=None)
    secret = generate_totp_secret()
    TOTP.activate(facilitator, secret)

    first = ContractFactory(hospital__name=FIRST).hospital
    second = ContractFactory(hospital__name=SECOND, hospital__city="Fresno").hospital
    lead = MembershipFactory(hospital=first, role=HospitalRole.SAFETY_LEAD,
                             user__email="lead@mercy.test", user__full_name="Lee Lead").user
    nurse = MembershipFactory(hospital=first, role=HospitalRole.STAFF, job_title="nurse",
                              user__email="nurse@mercy.test",
                              user__full_name="Nell Nightly").user
    other_lead = MembershipFactory(hospital=second, role=HospitalRole.SAFETY_LEAD,
                                   user__email="lead@valley.test",
                                   user__full_name="Vera Valley").user
    report = eligible_report(hospital=first, lead=lead, reporter=nurse)
    return {"facilitator": facilitator, "secret": secret, "first": first, "second": second,
            "lead": lead, "nurse": nurse, "other_lead": other_lead, "report": report}


def open_session(page):
    page.goto("/sessions/")
    page.get_by_role("link", name=re.compile(TITLE)).click()
    page.wait_for_url(re.compile(SESSION_PATH))
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)


def answer_accept(page, attendee_names):
    page.get_by_role("link", name="Answer the invitation").click()
    page.wait_for_url(re.compile(r"/answer/$"))
    expect(page.get_by_role("heading", name="Your hospital is invited")).to_be_visible()
    page.get_by_label("Accept: our hospital takes part").check()
    for name in attendee_names:
        page.get_by_label(re.compile(rf"^{name} \(")).check()
    page.get_by_role("button", name="Send the answer").click()
    page.wait_for_url(re.compile(SESSION_PATH))
    expect(page.get_by_role("alert").filter(has_text="Thank you: your hospital takes part.")
           ).to_be_visible()


def test_a_session_goes_from_scheduling_to_an_attendee_reading_the_case(new_page, cast):
    today = timezone.localdate()
    session_date = today + timedelta(days=21)
    deadline = today + timedelta(days=14)
    report = cast["report"]

    # 1. The facilitator schedules the session and invites both hospitals.
    fac = new_page(**VIEWPORT)
    sign_in(fac, cast["facilitator"].email, totp_secret=cast["secret"])
    fac.goto("/sessions/")
    fac.get_by_role("link", name="Schedule a session").click()
    fac.wait_for_url(re.compile(r"/sessions/new/$"))
    expect(fac.get_by_role("heading", name="Schedule a session")).to_be_visible()
    fac.fill("input[name=title]", TITLE)
    fac.check("input[name=focus_categories][value=medication]")
    fac.fill("input[name=theme]", "handovers between shifts")
    fac.fill("input[name=date]", str(session_date))
    fac.fill("input[name=start_time]", "14:00")
    fac.select_option("select[name=time_zone]", "America/Chicago")
    fac.fill("input[name=duration_minutes]", "90")
    fac.fill("input[name=location]", LOCATION)
    fac.fill("input[name=nomination_deadline]", str(deadline))
    fac.select_option("select[name=max_cases_per_hospital]", "2")
    fac.get_by_role("button", name="Schedule", exact=True).click()
    fac.wait_for_url(re.compile(SESSION_PATH))
    expect(fac.get_by_role("alert").filter(has_text="Session scheduled as a draft")
           ).to_be_visible()
    heading = fac.get_by_role("heading", level=1)
    expect(heading).to_contain_text(TITLE)
    expect(heading).to_contain_text("Draft")
    expect(fac.get_by_text(LOCATION)).to_be_visible()
    expect(fac.get_by_text(f"{session_date:%a, %b} {session_date.day}, {session_date.year}"
                           " at 14:00 (Central), 90 minutes")).to_be_visible()
    expect(fac.locator("dd", has_text="up to 2")).to_be_visible()

    session = CollaborativeSession.objects.get(title=TITLE)
    assert (session.date, session.nomination_deadline, session.max_cases_per_hospital) == (
        session_date, deadline, 2)
    assert list(session.facilitators.all()) == [cast["facilitator"]]

    fac.get_by_role("link", name="Invite hospitals").click()
    fac.wait_for_url(re.compile(r"/invite-hospitals/$"))
    fac.get_by_label(f"{FIRST} (Sacramento, CA)").check()
    fac.get_by_label(f"{SECOND} (Fresno, CA)").check()
    fac.get_by_role("button", name="Invite", exact=True).click()
    fac.wait_for_url(re.compile(SESSION_PATH))
    expect(fac.get_by_role("alert").filter(has_text="Invited 2 hospitals")).to_be_visible()
    expect(fac.get_by_role("heading", level=1)).to_contain_text("Invitations sent")
    for name in (FIRST, SECOND):
        expect(fac.locator("tr", has_text=name)).to_contain_text("Invited")

    # 2. The first hospital's lead accepts, names attendees and nominates a case.
    lead = new_page(**VIEWPORT)
    sign_in(lead, cast["lead"].email)
    open_session(lead)
    expect(lead.get_by_text("Invitation: Invited.")).to_be_visible()
    answer_accept(lead, ["Lee Lead", "Nell Nightly"])
    expect(lead.get_by_text("Invitation: Accepted.")).to_be_visible()
    expect(lead.get_by_text("You are named to attend.")).to_be_visible()
    attending = lead.locator("ul", has_text="Nell Nightly")
    expect(attending).to_contain_text("Lee Lead")

    lead.get_by_role("link", name="Nominate cases").click()
    lead.wait_for_url(re.compile(r"/nominate/$"))
    expect(lead.get_by_role("heading", name="Nominate a case")).to_be_visible()
    expect(lead.locator("select[name=report] option", has_text=report.reference)
           ).to_contain_text("Sent to the PSO · systems issue")
    lead.select_option("select[name=report]", str(report.public_id))
    lead.fill("textarea[name=summary]", CASE_SUMMARY)
    lead.get_by_role("button", name="Nominate", exact=True).click()
    if lead.locator("[data-testid=screening-findings]").count():
        findings = lead.locator("[data-testid=screening-findings]").inner_text()
        pytest.fail(f"The case summary was flagged by the screening: {findings}")
    lead.wait_for_url(re.compile(r"/nominate/$"))
    expect(lead.get_by_role("alert").filter(has_text="Case nominated.")).to_be_visible()
    mine = lead.locator(".card", has_text=report.reference)
    expect(mine).to_contain_text("Submitted")
    nomination = Nomination.objects.get(session=session)
    assert (nomination.status, nomination.report, nomination.summary) == (
        NominationStatus.SUBMITTED, report, CASE_SUMMARY)

    # 3. The second hospital's lead accepts too.
    other = new_page(**VIEWPORT)
    sign_in(other, cast["other_lead"].email)
    open_session(other)
    answer_accept(other, ["Vera Valley"])
    expect(other.get_by_text("2 accepted")).to_be_visible()
    expect(other.get_by_role("heading", level=1)).to_contain_text("Confirmed")
    assert set(session.hospitals.values_list("status", flat=True)) == {
        ParticipationStatus.ACCEPTED}

    # 4. The facilitator attests, then accepts the nomination on the materials page.
    open_session(fac)
    expect(fac.locator("tr", has_text=FIRST)).to_contain_text("Accepted")
    expect(fac.locator("tr", has_text=SECOND)).to_contain_text("Accepted")
    expect(fac.get_by_text("Nominations: 1 waiting, 0 accepted, 0 returned.")).to_be_visible()
    fac.get_by_role("link", name="Read and accept the ground rules").click()
    fac.wait_for_url(re.compile(r"/ground-rules/$"))
    fac.get_by_label("I accept the ground rules and the confidentiality terms above.").check()
    fac.get_by_role("button", name="Accept", exact=True).click()
    fac.wait_for_url(re.compile(r"/materials/$"))
    expect(fac.get_by_role("heading", name="Case materials")).to_be_visible()
    expect(fac.get_by_text("No case has been accepted yet.")).to_be_visible()
    waiting = fac.locator("section.card", has_text=CASE_SUMMARY)
    expect(waiting).to_contain_text(f"From {FIRST}")
    expect(waiting).to_contain_text("Submitted")
    waiting.get_by_role("button", name="Accept", exact=True).click()
    fac.wait_for_url(re.compile(r"/materials/$"))
    expect(fac.get_by_role("alert").filter(has_text="Accepted as Case 1.")).to_be_visible()
    case = fac.locator("section.card", has=fac.get_by_role("heading", name="Case 1"))
    expect(case).to_contain_text(CASE_SUMMARY)
    expect(case).to_contain_text(f"Presented by {FIRST}")
    expect(fac.get_by_text("Nothing waiting.")).to_be_visible()
    nomination.refresh_from_db()
    assert (nomination.status, nomination.case_number) == (NominationStatus.ACCEPTED, 1)

    # The first lead sees the case accepted, by its report reference only.
    open_session(lead)
    expect(lead.locator("li", has_text=report.reference)).to_contain_text("Accepted (Case 1)")

    # The other hospital's lead sees the session, but no case tied to a hospital.
    open_session(other)
    expect(other.get_by_text("You are named to attend.")).to_be_visible()
    expect(other.get_by_role("link", name="Read and accept the ground rules")).to_be_visible()
    body = other.locator("body")
    expect(body).not_to_contain_text(FIRST)
    expect(body).not_to_contain_text("Case 1")
    expect(body).not_to_contain_text(CASE_SUMMARY)
    expect(body).not_to_contain_text(report.reference)
    expect(other.get_by_text("Your nominations")).to_have_count(0)

    # 5. The named staff colleague tries the materials, is sent to the ground rules, accepts
    #    them and reads the case.
    nurse = new_page(**VIEWPORT)
    sign_in(nurse, cast["nurse"].email)
    nurse.locator("#nav").get_by_role("link", name="Sessions").click()
    nurse.wait_for_url(re.compile(r"/sessions/$"))
    nurse.get_by_role("link", name=re.compile(TITLE)).click()
    nurse.wait_for_url(re.compile(SESSION_PATH))
    expect(nurse.get_by_text("You are named to attend.")).to_be_visible()
    expect(nurse.get_by_role("link", name="Nominate cases")).to_have_count(0)
    nurse.goto(f"/sessions/{session.public_id}/materials/")
    nurse.wait_for_url(re.compile(r"/ground-rules/$"))
    expect(nurse.get_by_role("alert").filter(
        has_text="Accept the ground rules to open the case materials.")).to_be_visible()
    expect(nurse.get_by_role("heading", name="Ground rules and confidentiality")).to_be_visible()
    rules = nurse.locator(".form-narrow > ol > li")
    expect(rules).to_have_count(9)
    expect(rules).to_have_text(GROUND_RULES)
    expect(nurse.get_by_text(CASE_SUMMARY)).to_have_count(0)
    assert not Attestation.objects.filter(session=session, user=cast["nurse"]).exists()

    nurse.get_by_label("I accept the ground rules and the confidentiality terms above.").check()
    nurse.get_by_role("button", name="Accept", exact=True).click()
    nurse.wait_for_url(re.compile(r"/materials/$"))
    expect(nurse.get_by_role("alert").filter(
        has_text="You can now open the case materials.")).to_be_visible()
    expect(nurse.get_by_role("heading", name="Case materials")).to_be_visible()
    case = nurse.locator("section.card", has=nurse.get_by_role("heading", name="Case 1"))
    expect(case).to_be_visible()
    expect(case).to_contain_text(CASE_SUMMARY)
    # Attendees review nothing: the facilitator's part of the page is not theirs.
    expect(nurse.get_by_role("heading", name="Nominations to review")).to_have_count(0)
    assert Attestation.objects.filter(session=session, user=cast["nurse"]).exists()
    session.refresh_from_db()
    assert session.status == SessionStatus.INVITATIONS_SENT
