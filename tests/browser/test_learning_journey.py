"""A learning collaborative in a real browser: the coordinator charters it with a measure and
invites a hospital; the hospital's lead enrols a team; the team submits a month and logs a PDSA
cycle; the coach comments on the cycle and the team reads the comment; the lead starts a
thread and a member of another hospital's team replies to it."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import expect

from collaboratives.discussion.models import Post
from collaboratives.measures.models import MeasureValue, MonthlyReport
from collaboratives.pdsa.models import FacultyComment, PdsaCycle
from collaboratives.programmes.models import LearningCollaborative, Team, TeamStatus
from members import services as member_services
from members.roles import HospitalRole, PsoRole
from tests.browser.test_journeys import sign_in
from tests.collaboratives.learning import enrol
from tests.factories import ContractFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.browser

HOSPITAL = "Mercy Journey Hospital"
VIEWPORT = {"viewport": {"width": 1280, "height": 900}}


def pso_user(email, full_name, role):
    user = UserFactory(email=email, full_name=full_name)
    member_services.pso_role_set(user=user, role=role, actor=None)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def alert(page, text):
    return page.get_by_role("alert").filter(has_text=text)


def test_a_collaborative_from_charter_to_coaching(new_page):
    coordinator, coordinator_secret = pso_user("coordinator@pso.test", "Cora Coordinator",
                                               PsoRole.COORDINATOR)
    facilitator, facilitator_secret = pso_user("facilitator@pso.test", "Fran Faculty",
                                               PsoRole.FACILITATOR)
    hospital = ContractFactory(hospital__name=HOSPITAL).hospital
    lead = MembershipFactory(hospital=hospital, role=HospitalRole.SAFETY_LEAD,
                             user__email="lead@mercy.test", user__full_name="Lee Lead").user
    MembershipFactory(hospital=hospital, role=HospitalRole.STAFF,
                      user__email="nurse@mercy.test", user__full_name="Nia Nurse")

    # 1. The coordinator charters the collaborative, with the facilitator as faculty.
    coord = new_page(**VIEWPORT)
    sign_in(coord, coordinator.email, totp_secret=coordinator_secret)
    coord.locator("#nav").get_by_role("link", name="Collaboratives").click()
    coord.get_by_role("link", name="Charter a learning collaborative").click()
    coord.fill("input[name=name]", "Reducing falls with injury")
    coord.fill("input[name=topic]", "Inpatient falls")
    coord.fill("textarea[name=aim_statement]", "Halve falls with injury within 18 months.")
    coord.check(f"input[name=faculty][value='{facilitator.pk}']")
    coord.get_by_role("button", name="Charter it").click()
    coord.wait_for_url(re.compile(r"/learning/[0-9a-f-]{36}/$"))
    expect(alert(coord, "Collaborative chartered")).to_be_visible()
    collaborative = LearningCollaborative.objects.get()
    assert list(collaborative.faculty.all()) == [facilitator]

    coord.get_by_role("link", name="Add a measure").click()
    coord.fill("input[name=name]", "Falls with injury")
    coord.fill("input[name=short_name]", "falls")
    coord.select_option("select[name=type]", "outcome")
    coord.select_option("select[name=kind]", "count")
    coord.fill("textarea[name=numerator_definition]", "Falls with any injury")
    coord.select_option("select[name=direction]", "down")
    coord.get_by_role("button", name="Add").click()
    expect(alert(coord, "Measure added")).to_be_visible()
    coord.select_option("select[name=status]", "enrolling")
    coord.get_by_role("button", name="Change status").click()
    expect(alert(coord, "Status changed")).to_be_visible()
    coord.get_by_role("link", name="Teams and status").click()
    coord.select_option("select[name=hospital]", label=str(hospital))
    coord.get_by_role("button", name="Invite").click()
    expect(alert(coord, "Hospital invited")).to_be_visible()

    # 2. The hospital's lead enrols a team, naming the sponsor and the team lead.
    lead_page = new_page(**VIEWPORT)
    sign_in(lead_page, lead.email)
    lead_page.get_by_role("link", name="Learning collaboratives").click()
    lead_page.get_by_role("link", name="Answer the invitation").click()
    lead_page.select_option("select[name=sponsor]", label="Lee Lead")
    lead_page.select_option("select[name=team_lead]", label="Lee Lead")
    lead_page.get_by_role("button", name="Enrol").click()
    lead_page.wait_for_url(re.compile(r"/learning/teams/[0-9a-f-]{36}/$"))
    expect(alert(lead_page, "Your team is enrolled")).to_be_visible()
    team = Team.objects.get()
    assert team.status == TeamStatus.ENROLLED and team.peer_code.code

    # 3. The team submits the month.
    lead_page.get_by_role("link", name=re.compile(r"\d{4} report$")).click()
    lead_page.fill("input[name=falls-numerator]", "4")
    lead_page.fill("textarea[name=what_we_tested]", "Hourly rounding on one bay")
    lead_page.select_option("select[name=progress_score]", "2.5")
    lead_page.get_by_role("button", name="Save and submit").click()
    expect(alert(lead_page, "Month submitted")).to_be_visible()
    report = MonthlyReport.objects.get()
    assert report.is_submitted
    assert MeasureValue.objects.get(report=report).numerator == 4

    # 4. ... and logs a PDSA cycle.
    lead_page.goto(f"/learning/teams/{team.public_id}/pdsa/")
    lead_page.get_by_role("link", name="Log a new cycle").click()
    lead_page.fill("input[name=title]", "Rounding on one bay")
    lead_page.fill("input[name=own_idea]", "Hourly rounding")
    lead_page.fill("textarea[name=objective]", "See if rounds can be done every hour")
    lead_page.fill("textarea[name=prediction]", "8 of 10 rounds done")
    lead_page.get_by_role("button", name="Save").click()
    lead_page.wait_for_url(re.compile(r"/learning/pdsa/[0-9a-f-]{36}/$"))
    cycle = PdsaCycle.objects.get()

    # 5. The coach comments on the cycle; the team reads the comment.
    coach = new_page(**VIEWPORT)
    sign_in(coach, facilitator.email, totp_secret=facilitator_secret)
    coach.goto(f"/learning/{collaborative.public_id}/teams/")
    # The teams table's link: a notice above it may name the same team (a month now due).
    coach.get_by_role("table").get_by_role("link", name=HOSPITAL).click()
    coach.get_by_role("link", name="1. Rounding on one bay").click()
    coach.fill("textarea[name=text]", "Good start. Track the night shift separately.")
    coach.get_by_role("button", name="Comment").click()
    expect(alert(coach, "Comment sent to the team")).to_be_visible()
    assert FacultyComment.objects.get().cycle == cycle

    lead_page.goto(f"/learning/pdsa/{cycle.public_id}/")
    expect(lead_page.get_by_text("Track the night shift separately.")).to_be_visible()

    # 6. The lead starts a thread; a member of another hospital's team replies. The
    #    collaborative is blinded, so the reply names a team code, never the hospital.
    other = ContractFactory(hospital__name="Valley Journey Hospital").hospital
    other_lead = MembershipFactory(hospital=other, role=HospitalRole.SAFETY_LEAD,
                                   user__email="lead@valley.test",
                                   user__full_name="Val Lead").user
    other_team = enrol(collaborative, other, other_lead)

    lead_page.goto(f"/learning/{collaborative.public_id}/discussion/")
    lead_page.get_by_role("link", name="Start a thread").click()
    lead_page.fill("input[name=title]", "Night rounds")
    lead_page.fill("textarea[name=body]", "How do you keep hourly rounds going at night?")
    lead_page.get_by_role("button", name="Post").click()
    thread_url = lead_page.url

    valley = new_page(**VIEWPORT)
    sign_in(valley, other_lead.email)
    valley.goto(thread_url)
    expect(valley.get_by_text("How do you keep hourly rounds going at night?")).to_be_visible()
    valley.fill("textarea[name=body]", "We pair the rounds with toileting.")
    valley.get_by_role("button", name="Reply").click()
    expect(valley.get_by_text("We pair the rounds with toileting.")).to_be_visible()
    assert Post.objects.filter(body="We pair the rounds with toileting.").exists()

    lead_page.goto(thread_url)
    expect(lead_page.get_by_text("We pair the rounds with toileting.")).to_be_visible()
    expect(lead_page.get_by_text(f"A member of Team {other_team.peer_code.code}")).to_be_visible()
    assert "Valley" not in lead_page.content()
