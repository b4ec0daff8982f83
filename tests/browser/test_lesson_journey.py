"""A shared lesson in a real browser: a facilitator drafts it from a case presented in their
session, the screening finds a member's name, the facilitator fixes the text and submits the
lesson; a coordinator publishes it; a staff member of another hospital finds it in the library,
reads it and marks that their hospital is acting on it, without ever seeing where it came from.
"""

import re
from types import SimpleNamespace

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import expect

from cases.models import FACTOR_SEED, ContributingFactor
from collaboratives.models import Lesson, LessonAdoption, LessonOrigin, LessonStatus
from members import services as member_services
from members.roles import HospitalRole, PsoRole
from tests.browser.test_journeys import sign_in
from tests.collaboratives import invite_and_accept, make_session, nominate
from tests.factories import ContractFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.browser

ORIGIN = "Mercy Lesson Hospital"
OTHER = "Valley Lesson Hospital"
NURSE = "Nell Nightly"
TITLE = "Paused infusions forgotten at a shift change"
NAMED = (f"{NURSE} found that an infusion paused for a procedure had not been restarted after "
         "a shift change; the next dose ran two hours late.")
FIXED = ("A nurse found that an infusion paused for a procedure had not been restarted after a "
         "shift change; the next dose ran two hours late.")
SYSTEMS = ("The handover tool had no line for paused infusions, and the pump showed the pause "
           "only on a screen that went dark after a minute.")
HELPED = "The pump's event log showed exactly when the infusion had stopped."
ACTION = ("Configure the pumps so that a paused infusion shows a banner that stays on and "
          "sounds a reminder after fifteen minutes.")
PSO_LESSON_PATH = r"/pso/lessons/[0-9a-f-]{36}/$"
LESSON_PATH = r"/lessons/[0-9a-f-]{36}/$"
VIEWPORT = {"viewport": {"width": 1280, "height": 900}}


def pso_user(email, full_name, role):
    user = UserFactory(email=email, full_name=full_name)
    member_services.pso_role_set(user=user, role=role, actor=None)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


@pytest.fixture
def cast():
    # live_server runs on a transactional database, emptied between tests: the seeded
    # contributing factors may be gone.
    for seed in FACTOR_SEED:
        ContributingFactor.objects.get_or_create(code=seed["code"], defaults=seed)
    facilitator, facilitator_secret = pso_user("facilitator@pso.test", "Fran Facilitator",
                                               PsoRole.FACILITATOR)
    coordinator, coordinator_secret = pso_user("coordinator@pso.test", "Cora Coordinator",
                                               PsoRole.COORDINATOR)
    origin = ContractFactory(hospital__name=ORIGIN).hospital
    other = ContractFactory(hospital__name=OTHER, hospital__city="Fresno").hospital
    lead = MembershipFactory(hospital=origin, role=HospitalRole.SAFETY_LEAD,
                             user__email="lead@mercy.test", user__full_name="Lee Lead").user
    nurse = MembershipFactory(hospital=origin, role=HospitalRole.STAFF, job_title="nurse",
                              user__email="nurse@mercy.test", user__full_name=NURSE).user
    reader = MembershipFactory(hospital=other, role=HospitalRole.STAFF, job_title="nurse",
                               user__email="nurse@valley.test",
                               user__full_name="Vic Valley").user
    # A case of the origin hospital, sent to the PSO and accepted in the facilitator's session:
    # what the facilitator may draft a lesson from.
    world = SimpleNamespace(facilitator=facilitator)
    session = make_session(world)
    invitation = invite_and_accept(session, world, origin, lead, attendees=[lead])
    nomination = nominate(session, invitation, lead=lead, reporter=nurse)
    return SimpleNamespace(facilitator=facilitator, facilitator_secret=facilitator_secret,
                           coordinator=coordinator, coordinator_secret=coordinator_secret,
                           origin=origin, other=other, reader=reader,
                           report=nomination.report)


def alert(page, text):
    return page.get_by_role("alert").filter(has_text=text)


def test_a_lesson_goes_from_a_case_to_a_hospital_acting_on_it(new_page, cast):
    report = cast.report

    # 1. The facilitator drafts the lesson from the case, naming a nurse by mistake.
    fac = new_page(**VIEWPORT)
    sign_in(fac, cast.facilitator.email, totp_secret=cast.facilitator_secret)
    fac.locator("#nav").get_by_role("link", name="Lessons").click()
    fac.wait_for_url(re.compile(r"/pso/lessons/$"))
    fac.get_by_role("link", name="Draft a lesson").click()
    fac.wait_for_url(re.compile(r"/pso/lessons/new/$"))
    expect(fac.get_by_role("heading", name="Draft a lesson")).to_be_visible()
    fac.fill("input[name=report_reference]", report.reference)
    fac.fill("input[name=title]", TITLE)
    fac.fill("textarea[name=what_happened]", NAMED)
    fac.fill("textarea[name=systems_issues]", SYSTEMS)
    fac.check("input[name=contributing_factors][value=handover]")
    fac.check("input[name=contributing_factors][value=health_it]")
    fac.fill("textarea[name=what_helped]", HELPED)
    fac.fill("textarea[name=action_1_text]", ACTION)
    fac.select_option("select[name=action_1_strength]", "intermediate")
    fac.check("input[name=categories][value=medication]")
    fac.check("input[name=harm_band][value=mild_moderate]")
    fac.get_by_role("button", name="Save the draft").click()
    fac.wait_for_url(re.compile(PSO_LESSON_PATH))
    expect(alert(fac, "Some words may still identify someone")).to_be_visible()
    expect(fac.get_by_role("heading", level=1)).to_contain_text("Draft")
    expect(fac.locator("li", has_text=NURSE)).to_contain_text("not fixed or dismissed")

    lesson = Lesson.objects.get(title=TITLE)
    origin = LessonOrigin.objects.get(lesson=lesson)
    assert (origin.sent_report, origin.hospital) == (report.sent_copy, cast.origin)

    # Submitting is refused while the name is in the text.
    fac.get_by_role("button", name="Submit for review").click()
    fac.wait_for_url(re.compile(PSO_LESSON_PATH))
    expect(alert(fac, "may still identify")).to_contain_text(NURSE)
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.DRAFT

    # The facilitator sees the finding on the form, fixes the text and submits.
    fac.get_by_role("link", name="Edit", exact=True).click()
    fac.wait_for_url(re.compile(r"/edit/$"))
    findings = fac.locator("[data-testid=screening-findings]")
    expect(findings).to_contain_text(NURSE)
    expect(findings).to_contain_text("What happened")
    fac.fill("textarea[name=what_happened]", FIXED)
    fac.get_by_role("button", name="Save the draft").click()
    fac.wait_for_url(re.compile(PSO_LESSON_PATH))
    expect(alert(fac, "Draft saved. Submit it for review when it is ready.")).to_be_visible()
    expect(fac.get_by_text("No identifiers found in the text.")).to_be_visible()
    fac.get_by_role("button", name="Submit for review").click()
    fac.wait_for_url(re.compile(PSO_LESSON_PATH))
    expect(alert(fac, "Submitted. A PSO coordinator will review it.")).to_be_visible()
    expect(fac.get_by_role("heading", level=1)).to_contain_text("In review")
    lesson.refresh_from_db()
    assert (lesson.status, lesson.what_happened) == (LessonStatus.IN_REVIEW, FIXED)

    # 2. A coordinator opens it from the PSO lesson list and publishes it.
    coo = new_page(**VIEWPORT)
    sign_in(coo, cast.coordinator.email, totp_secret=cast.coordinator_secret)
    coo.locator("#nav").get_by_role("link", name="Lessons").click()
    coo.wait_for_url(re.compile(r"/pso/lessons/$"))
    waiting = coo.locator(".card", has=coo.get_by_role("heading", name="Waiting for your review"))
    waiting.get_by_role("link", name=TITLE).click()
    coo.wait_for_url(re.compile(PSO_LESSON_PATH))
    expect(coo.get_by_text(FIXED)).to_be_visible()
    expect(coo.locator("dd", has_text=ORIGIN)).to_be_visible()  # the PSO's own records
    coo.get_by_label("Publish to member hospitals").check()
    coo.get_by_role("button", name="Record the decision").click()
    coo.wait_for_url(re.compile(PSO_LESSON_PATH))
    expect(alert(coo, "Published: every member hospital can read it now.")).to_be_visible()
    expect(coo.get_by_role("heading", level=1)).to_contain_text("Published")
    lesson.refresh_from_db()
    assert (lesson.status, lesson.created_by, lesson.published_by) == (
        LessonStatus.PUBLISHED, cast.facilitator, cast.coordinator)

    # 3. A staff member of another hospital finds the lesson, reads it and acts on it.
    member = new_page(**VIEWPORT)
    sign_in(member, cast.reader.email)
    member.locator("#nav").get_by_role("link", name="Lessons").click()
    member.wait_for_url(re.compile(r"/lessons/$"))
    member.get_by_role("searchbox", name="Search").fill("paused")
    member.get_by_role("button", name="Find").click()
    member.wait_for_url(re.compile(r"/lessons/\?.*q=paused"))
    member.get_by_role("link", name=re.compile(TITLE)).click()
    member.wait_for_url(re.compile(LESSON_PATH))
    expect(member.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(member.get_by_text(FIXED)).to_be_visible()
    expect(member.get_by_text(SYSTEMS)).to_be_visible()
    expect(member.locator(".lesson-actions li")).to_contain_text(ACTION)
    member.get_by_role("button", name="We are acting on this").click()
    member.wait_for_url(re.compile(LESSON_PATH))
    expect(alert(member, "Marked: your hospital is acting on this lesson.")).to_be_visible()
    expect(member.locator("[data-testid=acting-count]")).to_have_text(
        "Other hospitals acting on this lesson: fewer than 3")
    expect(member.get_by_text("Your hospital is acting on this.")).to_be_visible()
    body = member.locator("body")
    expect(body).not_to_contain_text(ORIGIN)
    expect(body).not_to_contain_text(report.reference)
    expect(body).not_to_contain_text(NURSE)
    assert LessonAdoption.objects.filter(lesson=lesson, hospital=cast.other).exists()
