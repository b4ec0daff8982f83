"""Lesson pages: members read published lessons and never learn where one came from (ground
rule 9); the PSO drafts, screens, reviews and withdraws lessons through the views."""

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape

from chpso_portal.audit.models import AuditEvent
from collaboratives import services as session_services
from collaboratives.lessons import selectors, services
from collaboratives.lessons.screening import finding_key
from collaboratives.models import Lesson, LessonAdoption, LessonComment, LessonStatus
from members.roles import HospitalRole

from ..cases.test_query_budgets import BUDGET  # the report lists' budget
from ..factories import ContractFactory, MembershipFactory
from . import invite_and_accept, make_session, nominate
from .lessons import (
    CONTENT,
    draft_lesson,
    origin_report,
    published_lesson,
    second_coordinator,
)

pytestmark = pytest.mark.django_db

ORIGIN_CITY = "Quillmont"
SESSION_TITLE = "Larkspur Bay handover circle"
COORDINATOR_NAME = "Corliss Brannagh"
FACILITATOR_NAME = "Wendeline Osgood"
PUBLISHER_NAME = "Ysolde Marchetti"


def url(name, lesson=None):
    return reverse(name, args=[lesson.public_id]) if lesson is not None else reverse(name)


def named(user, full_name):
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    return user


def membership(user):
    return user.memberships.get()


def hospital_with_member(name):
    """Another hospital with a contract in force and one staff member; returns the member."""
    hospital = ContractFactory(hospital__name=name).hospital
    return MembershipFactory(hospital=hospital, role=HospitalRole.STAFF).user


def held_session(world, title=SESSION_TITLE):
    """A session `world.facilitator` held: both hospitals took part and presented a case.
    Returns the session and the sent report `world.hospital` presented."""
    session = make_session(world, title=title)
    mercy = invite_and_accept(session, world, world.hospital, world.lead, attendees=[world.lead])
    valley = invite_and_accept(session, world, world.other_hospital, world.other_lead,
                               attendees=[world.other_lead])
    case = nominate(session, mercy, lead=world.lead, reporter=world.staff)
    nominate(session, valley, lead=world.other_lead, reporter=world.other_staff)
    session_services.session_advance(session=session, actor=world.facilitator)
    session_services.session_advance(session=session, actor=world.facilitator)
    return session, case.report.sent_copy


def lesson_post(**overrides):
    """What the lesson form posts, filled in as CONTENT says."""
    data = {
        "title": CONTENT["title"], "what_happened": CONTENT["what_happened"],
        "systems_issues": CONTENT["systems_issues"], "what_helped": CONTENT["what_helped"],
        "contributing_factors": list(CONTENT["factors"]),
        "categories": list(CONTENT["categories"]), "harm_band": CONTENT["harm_band"],
    }
    for number, (text, strength) in enumerate(CONTENT["actions"], start=1):
        data[f"action_{number}_text"] = text
        data[f"action_{number}_strength"] = strength
    data.update(overrides)
    return data


def listed(response):
    return [lesson.pk for lesson in response.context["page"]]


def acting_text(response) -> str:
    match = re.search(r'data-testid="acting-count">(.*?)</p>', response.content.decode(), re.S)
    assert match, "the lesson page shows how many hospitals are acting"
    return re.sub(r"<[^>]+>", "", match.group(1))


def denied_count():
    return AuditEvent.objects.filter(action="denied").count()


# --- Ground rule 9: where a lesson came from never reaches a member -----------------------


@dataclass
class Origins:
    report_lesson: Lesson
    session_lesson: Lesson
    session: object
    sent_reports: list
    people: list


@pytest.fixture
def origins(world):
    """Two published lessons with distinctive origins: a report `world.hospital` sent to the
    PSO, and a session (with the case `world.hospital` presented in it)."""
    world.hospital.city = ORIGIN_CITY
    world.hospital.save(update_fields=["city"])
    named(world.coordinator, COORDINATOR_NAME)
    named(world.facilitator, FACILITATOR_NAME)
    publisher = named(second_coordinator(), PUBLISHER_NAME)
    session, case_report = held_session(world)
    sent = origin_report(world)
    report_lesson = published_lesson(world, sent_report=sent)
    session_lesson = published_lesson(world, author=world.facilitator, session=session,
                                      sent_report=case_report,
                                      title="Held infusions missed between teams")
    assert report_lesson.published_by == publisher
    assert session_lesson.published_by == world.coordinator
    assert session_lesson.origin.hospital == world.hospital
    return Origins(report_lesson=report_lesson, session_lesson=session_lesson, session=session,
                   sent_reports=[sent, case_report],
                   people=[world.coordinator, world.facilitator, publisher])


def origin_strings(world, origins) -> list[str]:
    hospital, session = world.hospital, origins.session
    strings = [hospital.name, hospital.city, str(hospital.public_id), hospital.public_id.hex,
               session.title, str(session.public_id), session.public_id.hex,
               "Origin of lesson"]
    for sent in origins.sent_reports:
        report = sent.report
        strings += [report.reference, str(report.public_id), report.public_id.hex]
    for person in origins.people:
        strings += [person.full_name, person.email]
    return strings


def origin_patterns(world, origins) -> list[re.Pattern]:
    """Identifiers built from primary keys: hospital-12, /reports/7/, data-session="3", ..."""
    keyed = [("hospital", world.hospital.pk), ("session", origins.session.pk)]
    for sent in origins.sent_reports:
        keyed += [("report", sent.report.pk), ("report", sent.pk), ("sent", sent.pk)]
    keyed += [("origin", lesson.pk)
              for lesson in (origins.report_lesson, origins.session_lesson)]
    return [re.compile(rf"{word}s?(?:_id|_pk|-id)?(?:[-_/:=#]|=\"|=')+{pk}(?!\d)", re.I)
            for word, pk in keyed]


class Collector(HTMLParser):
    """Every attribute value and every piece of text of an HTML page, entities decoded."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def assert_no_origin(html: str, strings, patterns, *, where: str):
    collector = Collector()
    collector.feed(html)
    collector.close()
    assert collector.attributes, where  # the page was parsed
    text = " ".join(collector.text)
    for secret in strings:
        assert secret not in html, f"{where}: {secret!r} in the page"
        assert escape(secret) not in html, f"{where}: {secret!r} (escaped) in the page"
        assert secret not in text, f"{where}: {secret!r} in the text"
        for tag, name, value in collector.attributes:
            assert secret not in value, f"{where}: {secret!r} in <{tag} {name}>"
    for pattern in patterns:
        assert not pattern.search(html), f"{where}: {pattern.pattern} in the page"
        for tag, name, value in collector.attributes:
            assert not pattern.search(value), f"{where}: {pattern.pattern} in <{tag} {name}>"


def member_html(response, viewer, world) -> str:
    """The page, less the header's "Acting for <your hospital>": a member of the origin
    hospital sees the name of their own hospital there, on every page of the portal."""
    assert response.status_code == 200
    html = response.content.decode()
    own = f'Acting for <strong class="text-white">{escape(world.hospital.name)}</strong>'
    if membership(viewer).hospital == world.hospital:
        assert html.count(own) == 1
        html = html.replace(own, "")
    return html


@pytest.mark.parametrize("viewer", ["other_staff", "other_lead", "staff", "lead"])
def test_member_pages_never_show_where_a_lesson_came_from(world, client_for, origins, viewer):
    user = getattr(world, viewer)
    client = client_for(user)
    strings, patterns = origin_strings(world, origins), origin_patterns(world, origins)
    lessons = [origins.report_lesson, origins.session_lesson]

    pages = {
        "library": client.get(url("lesson-library")),
        "library searched": client.get(url("lesson-library"), {"q": "paused infusion"}),
        "library by title": client.get(url("lesson-library"), {"q": "held infusions missed"}),
        "library filtered": client.get(url("lesson-library"),
                                       {"category": "medication", "factor": "handover"}),
    }
    assert set(listed(pages["library"])) == {lesson.pk for lesson in lessons}
    assert set(listed(pages["library searched"])) == {lesson.pk for lesson in lessons}
    assert listed(pages["library by title"]) == [origins.session_lesson.pk]
    for lesson in lessons:
        pages[f"lesson {lesson.title}"] = client.get(url("lesson-detail", lesson))
    # The member's own actions on the lesson show on its page too.
    client.post(url("lesson-acting", origins.report_lesson), {"acting": "yes"})
    client.post(url("lesson-comment", origins.report_lesson), {"text": "We saw this too."})
    pages["lesson after acting"] = client.get(url("lesson-detail", origins.report_lesson))

    for where, response in pages.items():
        html = member_html(response, user, world)
        assert_no_origin(html, strings, patterns, where=f"{viewer}, {where}")
    assert "We saw this too." in pages["lesson after acting"].content.decode()


@pytest.mark.parametrize("viewer", ["other_staff", "staff"])
def test_searching_for_the_origin_finds_no_lesson(world, client_for, origins, viewer):
    client = client_for(getattr(world, viewer))
    for lesson in (origins.report_lesson, origins.session_lesson):
        lesson.refresh_from_db()
        for secret in origin_strings(world, origins):
            assert secret.lower() not in lesson.search_text
    searches = [world.hospital.name, "Mercy", ORIGIN_CITY, SESSION_TITLE, "Larkspur",
                FACILITATOR_NAME, COORDINATOR_NAME, PUBLISHER_NAME,
                *[sent.report.reference for sent in origins.sent_reports]]
    for query in searches:
        response = client.get(url("lesson-library"), {"q": query})
        assert response.status_code == 200
        assert listed(response) == [], query
        assert "No lesson matches" in response.content.decode()


def test_the_pso_sees_the_origin_in_its_own_box(world, client_for, origins):
    page = client_for(world.coordinator).get(url("lesson-pso-detail", origins.report_lesson))
    assert page.status_code == 200
    html = page.content.decode()
    box = html[html.index("For the PSO's records only"):html.index("De-identification")]
    assert origins.sent_reports[0].report.reference in box
    assert world.hospital.name in box
    assert COORDINATOR_NAME in box and PUBLISHER_NAME in box

    page = client_for(world.facilitator).get(url("lesson-pso-detail", origins.session_lesson))
    assert page.status_code == 200
    html = page.content.decode()
    box = html[html.index("For the PSO's records only"):html.index("De-identification")]
    assert SESSION_TITLE in box
    assert origins.sent_reports[1].report.reference in box
    assert world.hospital.name in box


# --- "We are acting on this" ---------------------------------------------------------------


def test_acting_count_is_coarse_and_never_names_the_hospitals(world, client_for):
    lesson = published_lesson(world)
    detail, acting = url("lesson-detail", lesson), url("lesson-acting", lesson)
    reader = client_for(world.other_staff)
    first, second = client_for(world.staff), client_for(world.lead)  # both of world.hospital
    birch = hospital_with_member("Birchwood Acting Hospital")
    cedar = hospital_with_member("Cedarbrook Acting Hospital")
    acting_names = [world.hospital.name, "Birchwood Acting Hospital",
                    "Cedarbrook Acting Hospital"]

    assert acting_text(reader.get(detail)) == (
        "Other hospitals acting on this lesson: fewer than 3")
    response = first.post(acting, {"acting": "yes"})
    assert response.status_code == 302 and response.url == detail
    page = first.get(detail)
    assert "Your hospital is acting on this." in page.content.decode()
    assert "fewer than 3" in acting_text(page)
    # A second member of the same hospital: still one hospital.
    second.post(acting, {"acting": "yes"})
    assert LessonAdoption.objects.filter(lesson=lesson).count() == 1
    assert "Your hospital is acting on this." in second.get(detail).content.decode()

    client_for(birch).post(acting, {"acting": "yes"})
    assert "fewer than 3" in acting_text(reader.get(detail))
    client_for(cedar).post(acting, {"acting": "yes"})
    page = reader.get(detail)
    assert acting_text(page) == "Other hospitals acting on this lesson: 3"
    html = page.content.decode()
    assert "Your hospital is acting on this." not in html
    for name in acting_names:
        assert name not in html
    library = reader.get(url("lesson-library")).content.decode()
    assert "Other hospitals acting on it: 3" in library
    for name in acting_names:
        assert name not in library
    # The marking hospital sees its own mark, but still not who else is acting.
    html = client_for(birch).get(detail).content.decode()
    assert "Your hospital is acting on this." in html
    assert world.hospital.name not in html and "Cedarbrook Acting Hospital" not in html

    response = first.post(acting, {"acting": "no"}, follow=True)
    assert "no longer marked as acting" in response.content.decode()
    assert not LessonAdoption.objects.filter(lesson=lesson, hospital=world.hospital).exists()
    assert "Your hospital is acting on this." not in first.get(detail).content.decode()
    assert "fewer than 3" in acting_text(reader.get(detail))


def test_a_hospitals_own_mark_never_moves_what_it_sees(world, client_for):
    """Two other hospitals act on the lesson. If a member's own mark counted, marking would
    turn "fewer than 3" into "3" and tell them exactly how many others act on it."""
    lesson = published_lesson(world)
    detail, acting = url("lesson-detail", lesson), url("lesson-acting", lesson)
    for name in ("Birchwood Acting Hospital", "Cedarbrook Acting Hospital"):
        client_for(hospital_with_member(name)).post(acting, {"acting": "yes"})
    member = client_for(world.other_staff)
    before = acting_text(member.get(detail))
    member.post(acting, {"acting": "yes"})
    after = acting_text(member.get(detail))
    assert before == after == "Other hospitals acting on this lesson: fewer than 3"
    library = member.get(url("lesson-library")).content.decode()
    assert "Other hospitals acting on it: fewer than 3" in library


def test_anything_but_yes_or_no_changes_no_mark(world, client_for):
    lesson = published_lesson(world)
    member = client_for(world.other_staff)
    member.post(url("lesson-acting", lesson), {"acting": "yes"})
    for bad in ({"acting": "garbage"}, {}):
        response = member.post(url("lesson-acting", lesson), bad, follow=True)
        assert "Choose whether your hospital is acting on this lesson." in \
            response.content.decode()
        assert LessonAdoption.objects.filter(lesson=lesson,
                                             hospital=world.other_hospital).exists()


# --- Private comments to the PSO -------------------------------------------------------------


def test_a_comment_goes_to_the_pso_only(world, client_for):
    lesson = published_lesson(world)
    text = "Our pumps already show a banner; the handover tool was the gap for us."
    staff = client_for(world.staff)

    response = staff.post(url("lesson-comment", lesson), {"text": text})
    assert response.status_code == 302 and response.url == url("lesson-detail", lesson)
    comment = LessonComment.objects.get()
    assert (comment.lesson, comment.hospital, comment.author, comment.text) == (
        lesson, world.hospital, world.staff, text)
    assert text in staff.get(url("lesson-detail", lesson)).content.decode()

    response = staff.post(url("lesson-comment", lesson), {"text": "   "})
    assert response.status_code == 200
    assert response.context["comment_form"].errors["text"]
    assert "This field is required." in response.content.decode()
    assert LessonComment.objects.count() == 1

    for user in (world.other_staff, world.other_lead, world.lead):
        html = client_for(user).get(url("lesson-detail", lesson)).content.decode()
        assert text not in html, user.email
    html = client_for(world.coordinator).get(url("lesson-pso-detail", lesson)).content.decode()
    assert "Comments from members" in html
    assert escape(text) in html and world.hospital.name in html


# --- Who reaches what ----------------------------------------------------------------------


def lesson_in(world, state) -> Lesson:
    reviewer = second_coordinator()
    if state == "withdrawn":
        lesson = published_lesson(world, publisher=reviewer)
        return services.lesson_withdraw(lesson=lesson, actor=reviewer, reason="Out of date.")
    lesson = draft_lesson(world)
    if state in ("in_review", "returned"):
        services.lesson_submit(lesson=lesson, actor=world.coordinator)
    if state == "returned":
        services.lesson_return(lesson=lesson, actor=reviewer, comments="Say less about dates.")
    lesson.refresh_from_db()
    assert lesson.status == state
    return lesson


@pytest.mark.parametrize("state", ["draft", "in_review", "returned", "withdrawn"])
def test_unpublished_lessons_are_404_to_members_and_the_miss_is_audited(world, client_for,
                                                                       state):
    lesson = lesson_in(world, state)
    for user in (world.other_staff, world.staff):
        client = client_for(user)
        before = denied_count()
        assert client.get(url("lesson-detail", lesson)).status_code == 404
        assert client.post(url("lesson-acting", lesson), {"acting": "yes"}).status_code == 404
        assert client.post(url("lesson-comment", lesson), {"text": "Hello"}).status_code == 404
        denied = AuditEvent.objects.filter(action="denied").order_by("-id")[:3]
        assert denied_count() == before + 3
        assert {event.hospital for event in denied} == {membership(user).hospital}
        assert all(event.actor == user for event in denied)
        assert listed(client.get(url("lesson-library"))) == []
    assert not LessonAdoption.objects.exists() and not LessonComment.objects.exists()


def test_unknown_lesson_is_404_and_not_audited_as_a_lesson(world, client_for):
    missing = uuid.uuid4()
    member, coordinator = client_for(world.other_staff), client_for(world.coordinator)
    before = denied_count()
    assert member.get(reverse("lesson-detail", args=[missing])).status_code == 404
    assert member.post(reverse("lesson-acting", args=[missing]),
                       {"acting": "yes"}).status_code == 404
    assert member.post(reverse("lesson-comment", args=[missing]),
                       {"text": "x"}).status_code == 404
    for name in ("lesson-pso-detail", "lesson-edit"):
        assert coordinator.get(reverse(name, args=[missing])).status_code == 404, name
    assert coordinator.post(reverse("lesson-review", args=[missing]),
                            {"decision": "publish"}).status_code == 404
    assert denied_count() == before


def test_member_of_an_expired_hospital_gets_403(world, client_for):
    lesson = published_lesson(world)
    client = client_for(world.expired_staff)
    for response in (client.get(url("lesson-library")), client.get(url("lesson-detail", lesson)),
                     client.post(url("lesson-acting", lesson), {"acting": "yes"}),
                     client.post(url("lesson-comment", lesson), {"text": "Hello"})):
        assert response.status_code == 403
        assert lesson.title not in response.content.decode()
    assert not LessonAdoption.objects.exists() and not LessonComment.objects.exists()


def test_pso_pages_are_for_pso_staff_and_the_library_for_members(world, client_for):
    lesson = published_lesson(world)
    for user in (world.lead, world.staff, world.outsider):
        client = client_for(user)
        for name in ("lesson-pso-list", "lesson-create"):
            assert client.get(url(name)).status_code == 403, (user.email, name)
        assert client.get(url("lesson-pso-detail", lesson)).status_code == 403, user.email
    coordinator = client_for(world.coordinator)
    for name in ("lesson-pso-list", "lesson-create"):
        assert coordinator.get(url(name)).status_code == 200, name
    assert coordinator.get(url("lesson-pso-detail", lesson)).status_code == 200
    # The nav shows each side its own lessons link.
    pso_page = coordinator.get(url("lesson-pso-list")).content.decode()
    assert f'href="{url("lesson-pso-list")}"' in pso_page
    assert f'href="{url("lesson-library")}"' in client_for(world.staff).get(
        url("lesson-library")).content.decode()
    # PSO staff are not members of a hospital: the library is not theirs.
    assert coordinator.get(url("lesson-library")).status_code == 403
    assert client_for(world.facilitator).get(url("lesson-detail", lesson)).status_code == 403
    # A facilitator drafts but does not review or withdraw.
    facilitator = client_for(world.facilitator)
    assert facilitator.post(url("lesson-review", lesson),
                            {"decision": "publish"}).status_code == 403
    assert facilitator.post(url("lesson-withdraw", lesson), {"reason": "x"}).status_code == 403


def test_facilitator_sees_only_their_own_lessons(world, client_for):
    session, _ = held_session(world)
    own = draft_lesson(world, author=world.facilitator, session=session,
                       title="Held infusions missed between teams")
    others = draft_lesson(world)  # the coordinator's, from a sent report
    facilitator = client_for(world.facilitator)

    page = facilitator.get(url("lesson-pso-list"))
    assert page.status_code == 200
    assert listed(page) == [own.pk]
    assert others.title not in page.content.decode()
    before = denied_count()
    assert facilitator.get(url("lesson-pso-detail", others)).status_code == 404
    assert facilitator.get(url("lesson-edit", others)).status_code == 404
    assert facilitator.post(url("lesson-submit", others)).status_code == 404
    assert denied_count() == before + 3
    assert facilitator.get(url("lesson-pso-detail", own)).status_code == 200
    # A reviewer sees every lesson.
    assert set(listed(client_for(world.coordinator).get(url("lesson-pso-list")))) == {
        own.pk, others.pk}


# --- The PSO's flow, through the views -------------------------------------------------------


def test_facilitator_drafts_from_a_session_and_dismisses_a_finding(world, client_for):
    named(world.lead, "Harriet Quenby")  # before anything screens text (the names are cached)
    session, _ = held_session(world)
    facilitator = client_for(world.facilitator)
    form = facilitator.get(url("lesson-create"))
    assert form.status_code == 200
    assert f'value="{session.public_id}"' in form.content.decode()

    happened = ("Harriet Quenby noticed that a paused infusion was not handed over; the next "
                "dose was two hours late.")
    response = facilitator.post(url("lesson-create"), lesson_post(
        session=str(session.public_id), what_happened=happened))
    lesson = Lesson.objects.get()
    assert response.status_code == 302 and response.url == url("lesson-pso-detail", lesson)
    assert (lesson.status, lesson.created_by) == (LessonStatus.DRAFT, world.facilitator)
    assert (lesson.origin.session, lesson.origin.sent_report, lesson.origin.hospital) == (
        session, None, None)
    assert [(a.text, a.strength) for a in lesson.actions.all()] == CONTENT["actions"]
    assert sorted(f.pk for f in lesson.contributing_factors.all()) == ["handover", "health_it"]

    page = facilitator.get(response.url).content.decode()
    assert "Some words may still identify someone" in page
    assert "Harriet Quenby" in page and "not fixed or dismissed" in page

    refused = facilitator.post(url("lesson-submit", lesson), follow=True)
    assert "&#x27;Harriet Quenby&#x27;" in refused.content.decode()
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.DRAFT

    key = finding_key("name", "Harriet Quenby")
    edit = facilitator.get(url("lesson-edit", lesson)).content.decode()
    assert 'data-testid="screening-findings"' in edit
    assert f'name="dismiss-{key}"' in edit
    response = facilitator.post(url("lesson-edit", lesson), lesson_post(
        what_happened=happened, **{f"dismiss-{key}": "A made-up name in a teaching example."}))
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert [(d["kind"], d["text"], d["by"]) for d in lesson.dismissed_findings] == [
        ("name", "Harriet Quenby", world.facilitator.email)]
    page = facilitator.get(url("lesson-pso-detail", lesson)).content.decode()
    assert "A made-up name in a teaching example." in page

    response = facilitator.post(url("lesson-submit", lesson), follow=True)
    assert "Submitted. A PSO coordinator will review it." in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.IN_REVIEW
    assert client_for(world.other_staff).get(url("lesson-detail", lesson)).status_code == 404

    response = client_for(world.coordinator).post(
        url("lesson-review", lesson), {"decision": "publish", "revision": lesson.revision})
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert (lesson.status, lesson.published_by) == (LessonStatus.PUBLISHED, world.coordinator)
    page = client_for(world.other_staff).get(url("lesson-detail", lesson))
    assert page.status_code == 200 and "Harriet Quenby" in page.content.decode()


def test_findings_show_on_the_new_lesson_form_when_it_cannot_be_saved(world, client_for):
    named(world.lead, "Harriet Quenby")
    session, _ = held_session(world)
    unrelated = origin_report(world, hospital=world.other_hospital, lead=world.other_lead,
                              reporter=world.other_staff)
    response = client_for(world.coordinator).post(url("lesson-create"), lesson_post(
        session=str(session.public_id), report_reference=unrelated.report.reference,
        what_happened="Harriet Quenby found the paused infusion two hours later."))
    assert response.status_code == 200
    html = response.content.decode()
    assert "That report was not a case in the chosen session." in html
    assert 'data-testid="screening-findings"' in html
    assert f'name="dismiss-{finding_key("name", "Harriet Quenby")}"' in html
    assert not Lesson.objects.exists()


def test_a_report_outside_the_facilitators_sessions_is_not_found(world, client_for):
    stranger = origin_report(world, hospital=world.other_hospital, lead=world.other_lead,
                             reporter=world.other_staff)
    client = client_for(world.facilitator)
    # The same answer as for a reference that does not exist: no way to probe references.
    for reference in (stranger.report.reference, "NOPE-2026-9999"):
        response = client.post(url("lesson-create"), lesson_post(report_reference=reference))
        assert response.status_code == 200
        assert "None of the reports you can draft from has this reference." in \
            response.content.decode()
    # Nor does opening the form from that report's page fill in its reference.
    page = client.get(url("lesson-create") + f"?report={stranger.report.public_id}")
    assert stranger.report.reference not in page.content.decode()
    assert not Lesson.objects.exists()


def test_two_person_review_and_withdrawal_through_the_views(world, client_for):
    sent = origin_report(world)
    reviewer = second_coordinator()
    author, second = client_for(world.coordinator), client_for(reviewer)
    member = client_for(world.other_staff)

    response = author.post(url("lesson-create"),
                           lesson_post(report_reference=sent.report.reference.lower()))
    assert response.status_code == 302
    lesson = Lesson.objects.get()
    assert (lesson.origin.sent_report, lesson.origin.hospital) == (sent, world.hospital)
    author.post(url("lesson-submit", lesson))
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.IN_REVIEW

    # The author gets no review form, and the review view refuses them.
    page = author.get(url("lesson-pso-detail", lesson)).content.decode()
    assert url("lesson-review", lesson) not in page
    assert "Waiting for another coordinator" in page
    response = author.post(url("lesson-review", lesson),
                           {"decision": "publish", "revision": lesson.revision}, follow=True)
    assert "another coordinator must review it" in response.content.decode()
    lesson.refresh_from_db()
    assert (lesson.status, lesson.published_by) == (LessonStatus.IN_REVIEW, None)
    assert member.get(url("lesson-detail", lesson)).status_code == 404

    # The second coordinator sees the lesson waiting, and publishes it.
    waiting = second.get(url("lesson-pso-list")).content.decode()
    assert "Waiting for your review" in waiting and lesson.title in waiting
    page = second.get(url("lesson-pso-detail", lesson)).content.decode()
    assert f'action="{url("lesson-review", lesson)}"' in page
    assert f'name="revision" value="{lesson.revision}"' in page
    response = second.post(url("lesson-review", lesson),
                           {"decision": "bogus", "revision": lesson.revision}, follow=True)
    assert "Decision: Select a valid choice." in response.content.decode()
    response = second.post(url("lesson-review", lesson),
                           {"decision": "publish", "comments": "General enough.",
                            "revision": lesson.revision}, follow=True)
    assert "Published: every member hospital can read it now." in response.content.decode()
    lesson.refresh_from_db()
    assert (lesson.status, lesson.published_by) == (LessonStatus.PUBLISHED, reviewer)
    assert member.get(url("lesson-detail", lesson)).status_code == 200
    assert listed(member.get(url("lesson-library"))) == [lesson.pk]

    # Withdrawal needs a reason.
    for reason in ("", "   "):
        response = second.post(url("lesson-withdraw", lesson), {"reason": reason}, follow=True)
        assert "Reason: This field is required." in response.content.decode()
        lesson.refresh_from_db()
        assert lesson.status == LessonStatus.PUBLISHED
    response = second.post(url("lesson-withdraw", lesson),
                           {"reason": "A member found it points to their unit."}, follow=True)
    assert "Withdrawn: members no longer see this lesson." in response.content.decode()
    lesson.refresh_from_db()
    assert (lesson.status, lesson.withdrawn_at is not None) == (LessonStatus.WITHDRAWN, True)
    assert member.get(url("lesson-detail", lesson)).status_code == 404
    assert listed(member.get(url("lesson-library"))) == []
    # Withdrawn once is withdrawn: the form is gone and a second post changes nothing.
    assert url("lesson-withdraw", lesson) not in second.get(
        url("lesson-pso-detail", lesson)).content.decode()
    response = second.post(url("lesson-withdraw", lesson), {"reason": "Again."}, follow=True)
    assert "Only a published lesson can be withdrawn." in response.content.decode()


def test_a_returned_lesson_goes_back_to_its_author(world, client_for):
    lesson = lesson_in(world, "in_review")
    second = client_for(second_coordinator())
    response = second.post(url("lesson-review", lesson),
                           {"decision": "return", "revision": lesson.revision}, follow=True)
    assert "Say what the author should change." in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.IN_REVIEW
    second.post(url("lesson-review", lesson),
                {"decision": "return", "comments": "Drop the two hours.",
                 "revision": lesson.revision})
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.RETURNED
    author = client_for(world.coordinator)
    assert "Drop the two hours." in author.get(url("lesson-pso-detail", lesson)).content.decode()
    response = author.post(url("lesson-edit", lesson),
                           lesson_post(title="Paused infusions lost at handover"))
    assert response.status_code == 302
    author.post(url("lesson-submit", lesson))
    lesson.refresh_from_db()
    assert (lesson.status, lesson.title) == (LessonStatus.IN_REVIEW,
                                             "Paused infusions lost at handover")


BAD_INPUT = [
    ({"title": ""}, "title", "This field is required."),
    ({"action_1_strength": ""}, "action_1_strength", "Choose how strong this action is."),
    ({"action_2_text": ""}, "action_2_text", "Describe the action, or clear its strength."),
    ({"action_1_text": "", "action_1_strength": "", "action_2_text": "",
      "action_2_strength": ""}, "action_1_text", "Recommend at least one action."),
    ({"categories": []}, "categories", "This field is required."),
    ({"harm_band": "catastrophic"}, "harm_band", "Select a valid choice."),
    ({"contributing_factors": ["gremlins"]}, "contributing_factors", "Select a valid choice."),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUT)
def test_bad_lesson_input_re_renders_with_messages_and_creates_nothing(
        world, client_for, overrides, field, message):
    sent = origin_report(world)
    client = client_for(world.coordinator)
    response = client.post(url("lesson-create"),
                           lesson_post(report_reference=sent.report.reference, **overrides))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert escape(message) in response.content.decode()
    assert not Lesson.objects.exists()

    # The same on an existing draft: nothing changes.
    lesson = draft_lesson(world, sent_report=sent)
    response = client.post(url("lesson-edit", lesson), lesson_post(**overrides))
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.title == CONTENT["title"] and lesson.actions.count() == 2


@pytest.mark.parametrize(("origin", "message"), [
    ({}, "Choose the session or give the report's reference the lesson comes from."),
    ({"report_reference": "NOPE-2026-9999"},
     "None of the reports you can draft from has this reference."),
    ({"session": str(uuid.uuid4())}, "Select a valid choice."),
])
def test_a_lesson_needs_an_origin(world, client_for, origin, message):
    response = client_for(world.coordinator).post(url("lesson-create"), lesson_post(**origin))
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert not Lesson.objects.exists()


# --- Query budgets and pagination ------------------------------------------------------------


def queries_for(client, url, params=None):
    client.get(url, params or {})  # the first request of a session does some one-off work
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def add_published(world, count, *, sent):
    """`count` published lessons, each with a category, two factors and two actions; every
    other one marked by a hospital, every third by two."""
    publisher = second_coordinator()
    marks = [membership(world.staff), membership(world.other_staff)]
    start = Lesson.objects.count()
    for i in range(start, start + count):
        lesson = draft_lesson(world, sent_report=sent, title=f"Paused infusions, lesson {i}")
        services.lesson_submit(lesson=lesson, actor=world.coordinator)
        services.lesson_publish(lesson=lesson, actor=publisher)
        for mark in marks[:(i % 2) + (i % 3 == 0)]:
            services.lesson_set_acting(lesson=lesson, membership=mark, acting=True)


LIBRARY_PARAMS = [
    {},
    {"category": "medication", "factor": "handover", "strength": "stronger"},
    {"q": "paused infusions", "year": "this"},
]


@pytest.mark.parametrize("params", LIBRARY_PARAMS)
def test_library_does_not_grow(world, client_for, django_assert_max_num_queries, params):
    if params.get("year") == "this":
        params = {**params, "year": str(timezone.localdate().year)}
    sent = origin_report(world)
    client = client_for(world.staff)
    add_published(world, 3, sent=sent)
    small, response = queries_for(client, url("lesson-library"), params)
    assert len(listed(response)) == 3
    add_published(world, 27, sent=sent)
    large, response = queries_for(client, url("lesson-library"), params)
    assert len(listed(response)) == 25 and response.context["page"].has_next
    assert large == small
    with django_assert_max_num_queries(BUDGET):
        client.get(url("lesson-library"), params)


def test_library_pages_by_25(world, client_for, django_assert_max_num_queries):
    add_published(world, 30, sent=origin_report(world))
    client = client_for(world.other_staff)
    first = client.get(url("lesson-library"), {"q": "paused"})
    page = first.context["page"]
    assert (len(page), page.number, page.has_next) == (25, 1, True)
    assert "?q=paused&amp;page=2" in first.content.decode()
    with django_assert_max_num_queries(BUDGET):
        second = client.get(url("lesson-library"), {"q": "paused", "page": "2"})
    page = second.context["page"]
    assert (len(page), page.number, page.has_next) == (5, 2, False)
    assert not set(listed(first)) & set(listed(second))
    newest_first = [lesson.pk for lesson in Lesson.objects.order_by("-published_at", "-id")]
    assert listed(first) + listed(second) == newest_first
    assert client.get(url("lesson-library"), {"page": "nonsense"}).status_code == 200


def test_lesson_page_makes_a_fixed_number_of_queries(world, client_for,
                                                     django_assert_max_num_queries):
    sent = origin_report(world)
    plain = published_lesson(world, sent_report=sent, categories=["medication"],
                             factors=["handover"], actions=[CONTENT["actions"][0]])
    rich = published_lesson(
        world, sent_report=sent, categories=["medication", "device", "other"],
        factors=["handover", "health_it", "communication", "policies"],
        actions=[(f"Action number {n} for the team.", strength) for n, strength in
                 enumerate(["stronger", "intermediate", "weaker"] * 2, start=1)])
    client = client_for(world.staff)
    for user in (world.staff, world.other_staff, hospital_with_member("Third Acting Hospital")):
        services.lesson_set_acting(lesson=rich, membership=membership(user), acting=True)
    for text in ("First thought.", "Second thought."):
        services.lesson_comment(lesson=rich, membership=membership(world.staff), text=text)

    plain_count, _ = queries_for(client, url("lesson-detail", plain))
    rich_count, response = queries_for(client, url("lesson-detail", rich))
    assert "Second thought." in response.content.decode()
    # Three hospitals act on it, the viewer's among them: the viewer sees the other two.
    assert acting_text(response).endswith(": fewer than 3")
    # The viewer's comments are read only when there are some: one query, however many.
    assert rich_count == plain_count + 1
    with django_assert_max_num_queries(BUDGET):
        client.get(url("lesson-detail", rich))


# --- Filters -------------------------------------------------------------------------------


@pytest.fixture
def shelf(world):
    """Three published lessons: infusions (this year), bed alarms (this year), and an older
    one (last year)."""
    sent = origin_report(world)
    infusions = published_lesson(world, sent_report=sent)
    alarms = published_lesson(
        world, sent_report=sent, title="Bed alarms switched off at night",
        what_happened="A patient at high risk of falling got up alone at night; the bed alarm "
                      "had been switched off after false alarms.",
        systems_issues="Bed alarms sounded so often for nothing that staff turned them off.",
        categories=["fall"], factors=["physical_surroundings", "culture"],
        actions=[("Remind staff to keep bed alarms on.", "weaker")])
    older = published_lesson(
        world, sent_report=sent, title="Look-alike vials in the anesthesia cart",
        what_happened="Two vials with similar labels sat side by side in a cart.",
        systems_issues="Stocking put look-alike vials next to each other.",
        categories=["medication", "surgery"], factors=["policies"],
        actions=[("Separate look-alike vials and change one supplier.", "intermediate")])
    last_year = timezone.now() - timedelta(days=366)
    Lesson.objects.filter(pk=older.pk).update(published_at=last_year)
    selectors.forget_published_years()
    return {"infusions": infusions, "alarms": alarms, "older": older,
            "last_year": timezone.localtime(last_year).year}


def test_library_filters(world, client_for, shelf):
    client = client_for(world.other_staff)

    def found(**params):
        response = client.get(url("lesson-library"), params)
        assert response.status_code == 200
        return {pk for pk in listed(response)}

    pk = {name: lesson.pk for name, lesson in shelf.items() if name != "last_year"}
    assert found() == set(pk.values())
    assert found(q="bed alarms") == {pk["alarms"]}
    assert found(q="ALARMS night") == {pk["alarms"]}
    assert found(q="alarms vials") == set()
    assert found(q="look-alike") == {pk["older"]}
    assert found(category="fall") == {pk["alarms"]}
    assert found(category="medication") == {pk["infusions"], pk["older"]}
    assert found(factor="handover") == {pk["infusions"]}
    assert found(factor="policies") == {pk["older"]}
    assert found(strength="weaker") == {pk["alarms"]}
    assert found(strength="stronger") == {pk["infusions"]}
    assert found(strength="intermediate") == {pk["infusions"], pk["older"]}
    assert found(year=str(shelf["last_year"])) == {pk["older"]}
    assert found(year=str(timezone.localdate().year)) == {pk["infusions"], pk["alarms"]}
    assert found(category="medication", strength="intermediate",
                 year=str(shelf["last_year"])) == {pk["older"]}
    assert found(category="vte") == set()

    page = client.get(url("lesson-library"), {"year": str(shelf["last_year"])}).content.decode()
    assert f'<option value="{shelf["last_year"]}" selected>' in page
    assert "Clear the search and filters" in page


@pytest.mark.parametrize("bad", [{"year": "last year"}, {"year": "1999"},
                                 {"category": "nonsense"}, {"strength": "strongest"}])
def test_a_filter_that_is_not_understood_is_named_and_ignored(world, client_for, shelf, bad):
    client = client_for(world.other_staff)
    response = client.get(url("lesson-library"), bad)
    assert response.status_code == 200
    assert "Some filters were not understood and were ignored" in response.content.decode()
    assert len(listed(response)) == 3
    # The filters that were understood still apply.
    response = client.get(url("lesson-library"), {**bad, "q": "bed alarms"})
    assert response.status_code == 200
    assert "Some filters were not understood and were ignored" in response.content.decode()
    assert listed(response) == [shelf["alarms"].pk]


def test_the_hospitals_own_members_see_who_marked_it(world, client_for):
    lesson = published_lesson(world)
    detail, acting = url("lesson-detail", lesson), url("lesson-acting", lesson)
    client_for(world.staff).post(acting, {"acting": "yes"})
    page = client_for(world.lead).get(detail).content.decode()
    marked = re.search(r'data-testid="marked-by">(.*?)</p>', page).group(1)
    today = dateformat.format(timezone.localdate(), "M j, Y")
    assert marked == f"Marked by {world.staff.display_name} on {today}."
    other = client_for(world.other_staff).get(detail).content.decode()
    assert 'data-testid="marked-by"' not in other and world.staff.display_name not in other
