"""Every page of every role, checked in the browser: axe-core finds no serious or critical
WCAG 2.2 A/AA violation, and the page fits a 390 px phone screen without horizontal scrolling.

axe-core ships inside axe-playwright-python (axe.min.js in the wheel): nothing is fetched at run
time. One browser, one signed-in context per role (the session cookie is set directly, so no
sign-in form or second factor per role), each page loaded once per width.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from actions import services as action_services
from cases import services as report_services
from cases.conversation import report_message_post
from cases.models import (
    FACTOR_SEED,
    ContributingFactor,
    MessageSide,
    ReportImport,
    ReportStatus,
)
from cases.queue import saved_view_create
from cases.units import unit_create
from collaboratives import services as session_services
from members.models import Invitation
from members.roles import HospitalRole
from tests.collaboratives import session_world
from tests.collaboratives.lessons import draft_lesson, published_lesson
from tests.factories import ReportFactory
from tests.test_access_registry import own_views

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}

# Pages per role: (URL name, key of the object it shows or None). Together they cover every
# page a person reads (see test_every_page_is_checked); the admin is checked separately.
PAGES = {
    "anonymous": [
        ("front", None), ("hospital-register", None), ("hospital-register-done", None),
        ("account_login", None), ("account_reset_password", None), ("account_signup", None),
        ("invitation-accept", "token"), ("glossary", None),
    ],
    "nurse": [
        ("home", None), ("report-new", None), ("my-reports", None),
        ("report-detail", "submitted"), ("report-edit", "draft"), ("lesson-library", None),
        ("report-attachments", "submitted"), ("attachment-remove", "attachment"),
        ("lesson-detail", "lesson"), ("notification-list", None),
        ("notification-preferences", None), ("account_email", None),
        ("account_change_password", None), ("mfa_index", None), ("usersessions_list", None),
        ("action-mine", None), ("action-detail", "action"),
    ],
    "lead": [
        ("home", None), ("review-queue", None),
        ("queue-view-delete", "saved_view"), ("unit-list", None), ("unit-edit", "unit"),
        ("unit-retire", "unit"), ("report-review", "submitted"),
        ("report-send", "submitted"), ("report-review", "sent"), ("report-import", None),
        ("report-attachments", "submitted"), ("report-attachments", "sent"),
        ("report-reporter", "submitted"),
        ("report-import-status", "import"), ("member-list", None), ("member-invite", None),
        ("member-edit", "staff_membership"), ("member-deactivate", "staff_membership"),
        ("session-list", None), ("session-detail", "session"), ("session-answer", "session"),
        ("session-attendees", "session"), ("session-nominate", "session"),
        ("session-attest", "session"), ("session-materials", "session"),
        ("session-agenda", "session"), ("lesson-library", None), ("lesson-detail", "lesson"),
        ("reports-dashboard", None), ("patient-days", None), ("feedback-team", "team"),
        ("feedback-compare", "compare"), ("feedback-deviance-decide", "flag"),
        ("lc-home", None), ("lc-detail", "lc"), ("lc-versions", "lc"), ("lc-calendar", "lc"),
        ("lc-team", "lc_team"), ("lc-team-member-add", "lc_team"),
        ("lc-team-partner-add", "lc_team"), ("lc-skills", "lc_team"), ("lc-spread", "lc_team"),
        ("lc-reports", "lc_team"), ("lc-report-month", "lc_month"), ("lc-upload", "lc_team"),
        ("lc-report", "lc_report"), ("lc-pdsa", "lc_team"), ("lc-pdsa-new", "lc_team"),
        ("lc-pdsa-detail", "lc_cycle"), ("lc-pdsa-edit", "lc_cycle"), ("lc-office", "lc"),
        ("lc-threads", "lc"), ("lc-thread-new", "lc"), ("lc-thread", "lc_thread"),
        ("lc-enrol", "lc_invited"),
        ("action-list", None), ("action-mine", None), ("action-detail", "action"),
        ("action-edit", "action"), ("action-cancel", "action"),
        ("action-new-report", "submitted"), ("action-new-lesson", "lesson"),
    ],
    "facilitator": [
        ("home", None), ("session-list", None), ("session-create", None),
        ("session-detail", "session"), ("session-edit", "session"),
        ("session-invite-hospitals", "session"), ("session-invite-guest", "session"),
        ("session-add-facilitator", "session"), ("session-advance", "session"),
        ("session-notes", "session"), ("session-materials", "session"),
        ("lesson-pso-list", None),
        ("lc-home", None), ("lc-detail", "lc"), ("lc-teams", "lc"), ("lc-event-add", "lc"),
        ("lc-event-attendance", "lc_event"), ("lc-coaching-notes", "lc_team"),
        ("lc-change-idea-add", "lc"), ("lc-measure-add", "lc"), ("lc-team", "lc_team"),
    ],
    "coordinator": [
        ("home", None), ("pso-report-list", None), ("pso-report-detail", "sent"),
        ("lesson-pso-list", None), ("lesson-create", None), ("lesson-pso-detail", "draft_lesson"),
        ("lesson-edit", "draft_lesson"), ("lesson-pso-detail", "lesson"),
        ("pso-reports-dashboard", None), ("feedback-deviance", "collaborative"),
        ("feedback-team", "team"), ("feedback-compare", "compare"),
        ("admin:index", None), ("admin:members_hospital_changelist", None),
        ("admin:members_hospital_change", "hospital"), ("admin:members_contract_changelist", None),
        ("admin:members_contract_add", None), ("admin:members_contract_change", "contract"),
        ("admin:audit_auditevent_changelist", None), ("admin:members_user_changelist", None),
        ("lc-create", None), ("lc-edit", "lc"), ("lc-status", "lc"),
    ],
    "guest": [
        ("home", None), ("session-list", None), ("session-detail", "session"),
        ("session-attest", "session"),
    ],
}
# Not pages: files, redirects and form targets.
NOT_PAGES = {
    "report-export", "report-import-template", "pso-report-export", "session-ics",
    "contract-document", "notification-open", "reports-dashboard-pdf", "feedback-team-pdf",
    "lc-event-ics", "lc-resource-download", "lc-upload-template", "attachment-download",
    "pso-attachment-download",
}


@dataclass
class Stage:
    objects: dict
    people: dict
    problems: list = field(default_factory=list)


@pytest.fixture
def stage(world):
    for seed in FACTOR_SEED:
        ContributingFactor.objects.get_or_create(code=seed["code"], defaults=seed)
    session, _ = session_world(world)
    guest = session_services.session_invite_guest(
        session=session, email="guest@outside.test", full_name="Gita Guest",
        expertise="Human factors", actor=world.facilitator).user
    submitted = ReportFactory(hospital=world.hospital, reporter=world.staff)
    # Its conversation shows on the nurse's report page and the lead's review page.
    report_message_post(report=submitted, author=world.lead, side=MessageSide.REVIEWER,
                        text="Which pump was it?")
    report_message_post(report=submitted, author=world.staff, side=MessageSide.REPORTER,
                        text="The older one on bay 4.")
    # Two photos: one whose file name the screening flags, one to send with the sent report.
    flagged = attach_photo(world, submitted, "john_smith_MRN1234567_fall.jpg")
    draft = ReportFactory(hospital=world.hospital, reporter=world.staff,
                          status=ReportStatus.DRAFT, reference="")
    sent = ReportFactory(hospital=world.hospital, reporter=world.staff)
    report_services.report_review_save(report=sent, actor=world.lead, factors=["handover"],
                                       systems_issue=True, pso_summary="A late dose.")
    photo = attach_photo(world, sent, "pump_display.jpg")
    report_services.report_send(report=sent, actor=world.lead, attachments=[photo.public_id])
    job = ReportImport.objects.create(hospital=world.hospital, uploaded_by=world.lead,
                                      source_system="Legacy system", file="imports/x.csv")
    invitation = Invitation(hospital=world.hospital, email="new@mercy.test",
                            role=HospitalRole.STAFF, job_title="nurse")
    token = invitation.new_token()
    invitation.save()
    objects = {
        "session": {"public_id": session.public_id},
        "submitted": {"public_id": submitted.public_id},
        "draft": {"public_id": draft.public_id},
        "attachment": {"public_id": flagged.public_id},
        "sent": {"public_id": sent.public_id},
        "import": {"public_id": job.public_id},
        "staff_membership": {"public_id": world.hospital.memberships.get(
            user=world.staff).public_id},
        "lesson": {"public_id": published_lesson(world).public_id},
        "draft_lesson": {"public_id": draft_lesson(world, title="A draft lesson").public_id},
        "token": {"token": token},
        "unit": {"public_id": unit_create(
            hospital=world.hospital, actor=world.lead, name="Tower 7 North",
            location_type="step_down").public_id},
        "saved_view": {"public_id": saved_view_create(
            user=world.lead, hospital=world.hospital, name="Falls by harm",
            query="status=all&category=fall&sort=harm").public_id},
        "hospital": {"object_id": world.hospital.pk},
        "contract": {"object_id": world.hospital.contracts.get().pk},
    }
    objects["action"] = {"public_id": action_services.action_create(
        hospital=world.hospital, actor=world.lead, report=submitted,
        title="Lock the bed alarm volume on every bed", owner=world.staff,
        due_date=timezone.localdate() + timedelta(days=10), strength="stronger").public_id}
    objects.update(learning_objects(world))
    objects.update(collaborative_objects(world))
    people = {"anonymous": None, "nurse": world.staff, "lead": world.lead,
              "facilitator": world.facilitator, "coordinator": world.coordinator,
              "guest": guest}
    return Stage(objects=objects, people=people)


def attach_photo(world, report, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.attachments import attachments_add
    from tests.cases.test_attachments import jpeg

    return attachments_add(report=report, actor=world.staff,
                           membership=world.hospital.memberships.get(user=world.staff),
                           uploads=[SimpleUploadedFile(name, jpeg())])[0]


def learning_objects(world) -> dict:
    """A collaborative whose faculty is the facilitator, with the hospital's team."""
    from collaboratives.feedback.models import DevianceFlag, DevianceStatus
    from tests.collaboratives.learning import enrol, make_collaborative

    collaborative = make_collaborative(world)
    team = enrol(collaborative, world.hospital, world.lead)
    measure = collaborative.measures.first()
    flag = DevianceFlag.objects.create(
        collaborative=collaborative, measure=measure, team=team, first_month="2026-01-01",
        last_month="2026-03-01", months=3, status=DevianceStatus.ASKED)
    return {
        "team": {"public_id": team.public_id},
        "compare": {"collaborative_id": collaborative.public_id,
                    "measure_id": measure.public_id},
        "collaborative": {"collaborative_id": collaborative.public_id},
        "flag": {"public_id": flag.public_id},
    }


def collaborative_objects(world) -> dict:
    """The learning collaborative pages' objects: the hospital's team in a running
    collaborative, and a second collaborative that has invited the hospital to enrol."""
    from collaboratives.programmes.models import CollaborativeStatus, Team, TeamStatus
    from tests.collaboratives.learning import make_collaborative, registry_world

    lc = registry_world(world)
    invited = make_collaborative(world, name="Sepsis bundle collaborative")
    invited.status = CollaborativeStatus.ENROLLING
    invited.save(update_fields=["status"])
    Team.objects.create(collaborative=invited, hospital=world.hospital,
                        status=TeamStatus.INVITED, created_by=world.coordinator)
    month = lc["report"].month
    return {
        "lc": {"public_id": lc["collaborative"].public_id},
        "lc_team": {"public_id": lc["team"].public_id},
        "lc_month": {"public_id": lc["team"].public_id, "year": month.year,
                     "month": month.month},
        "lc_event": {"public_id": lc["event"].public_id},
        "lc_report": {"public_id": lc["report"].public_id},
        "lc_cycle": {"public_id": lc["cycle"].public_id},
        "lc_thread": {"public_id": lc["thread"].public_id},
        "lc_invited": {"public_id": invited.public_id},
    }


def signed_in_context(chromium, live_server, user):
    context = chromium.new_context(base_url=live_server.url,
                                   viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies([{
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }])
    return context


def check_page(page, axe, url, label, problems):
    page.set_viewport_size({"width": 1280, "height": 900})
    response = page.goto(url)
    if response is None or response.status != 200:
        problems.append(f"{label}: HTTP {response.status if response else 'no answer'}")
        return
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                     "resultTypes": ["violations"]})
    for violation in results.response["violations"]:
        if violation["impact"] in FAILING_IMPACTS:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            problems.append(f"{label}: axe {violation['id']} ({violation['impact']}) "
                            f"{violation['help']} at {targets}")
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        problems.append(f"{label}: scrolls sideways by {overflow} px at 390 px wide")
    # A page that reloads itself (an import in progress) must not interrupt the next one.
    page.evaluate("() => { const last = setTimeout(() => {}, 0);"
                  " for (let id = 0; id <= last; id++) clearTimeout(id); }")


def test_every_page_of_every_role_passes_axe_and_fits_a_phone(chromium, live_server, stage):
    axe = Axe()
    problems = []
    for role, pages in PAGES.items():
        context = signed_in_context(chromium, live_server, stage.people[role])
        page = context.new_page()
        try:
            for name, key in pages:
                url = reverse(name, kwargs=stage.objects[key] if key else None)
                check_page(page, axe, url, f"{role} {name}", problems)
        finally:
            context.close()
    assert problems == [], "\n".join(problems)


def test_every_page_is_checked():
    """A page added to the portal is added to PAGES (or, if it is not a page, NOT_PAGES)."""
    checked = {name for pages in PAGES.values() for name, _ in pages}
    readable = {name for name, rule in own_views() if "GET" in rule.methods}
    assert readable - checked - NOT_PAGES == set()


@pytest.mark.parametrize("width", [1200, 1280])
def test_the_leads_navigation_fits_one_line_at_1280(chromium, live_server, world, width):
    # Long names are cut with an ellipsis rather than pushing the menu past the screen.
    world.lead.full_name = "Maria Fernanda Castellanos-Whitfield de la Vega"
    world.lead.save(update_fields=["full_name"])
    world.hospital.name = "Saint Bartholomew of the Northern Valley Regional Medical Center"
    world.hospital.save(update_fields=["name"])
    context = signed_in_context(chromium, live_server, world.lead)
    try:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(reverse("home"))
        links = page.locator("#nav .nav-link:visible")
        boxes = [links.nth(i).bounding_box() for i in range(links.count())]
        tops = {round(box["y"]) for box in boxes}
        assert links.count() >= 8 and len(tops) == 1, tops
        assert max(box["x"] + box["width"] for box in boxes) <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        expect(page.locator("#nav .nav-person .nav-link")).to_have_attribute(
            "title", world.lead.full_name)
        # On a phone the same links are behind the menu button.
        page.set_viewport_size({"width": 390, "height": 844})
        expect(page.get_by_role("button", name="Menu")).to_be_visible()
        expect(page.locator("#nav .nav-link").first).to_be_hidden()
    finally:
        context.close()
