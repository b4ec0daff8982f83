"""Every URL is declared in the access registry, and every declaration holds for every visitor.

A URL with no rule fails the first test. The second test visits every declared URL of the
portal as each kind of visitor and compares the answer with what the rule promises.
"""

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from chpso_portal import access
from chpso_portal.audit.models import AuditEvent
from members.models import Invitation
from members.roles import HospitalRole, hospital_scopes, pso_scopes

from .factories import InvitationFactory, MembershipFactory, ReportFactory


def walk(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern):
            # An unnamed pattern inside a namespace (the admin has some) falls under it.
            yield (f"{namespace}{entry.name}" if entry.name else namespace or None), entry


def rule_for(name, pattern):
    return getattr(pattern.callback, "access_rule", None) or (
        access.library_rule(name) if name else None
    )


def test_every_url_is_declared():
    undeclared = [
        f"{name or '(unnamed)'} -> {pattern.pattern}"
        for name, pattern in walk()
        if rule_for(name, pattern) is None
    ]
    assert undeclared == []


def own_views():
    return sorted(
        (name, pattern.callback.access_rule)
        for name, pattern in walk()
        if name and hasattr(pattern.callback, "access_rule")
    )


def url_kwargs(name, world):
    """Arguments for URLs that name an object: always an object of `world.hospital`."""
    if name in ("member-edit", "member-deactivate", "member-reactivate"):
        staff = world.hospital.memberships.get(user=world.staff)
        return {"public_id": staff.public_id}
    if name in ("invitation-resend", "invitation-revoke"):
        invitation = InvitationFactory(hospital=world.hospital)
        return {"public_id": invitation.public_id}
    if name == "contract-document":
        return {"public_id": world.hospital.contracts.get().public_id}
    if name == "notification-open":
        from chpso_portal.notifications.models import Notification

        n = Notification.objects.create(recipient=world.staff, kind="contract_expired",
                                        event_key="x", title="t")
        return {"public_id": n.public_id}
    if name in ("unit-edit", "unit-retire"):
        from cases.models import HospitalUnit
        from cases.units import unit_create

        unit = HospitalUnit.objects.filter(hospital=world.hospital).first() or unit_create(
            hospital=world.hospital, actor=world.lead, name="4 West", location_type="med_surg")
        return {"public_id": unit.public_id}
    if name == "queue-view-delete":
        from cases.queue import saved_view_create

        view = saved_view_create(user=world.lead, hospital=world.hospital, name="Falls",
                                 query="category=fall")
        return {"public_id": view.public_id}
    if name.startswith("action-") and name not in ("action-list", "action-mine"):
        return action_kwargs(name, world)
    if name in ("attachment-download", "attachment-name", "attachment-remove",
                "pso-attachment-download"):
        return {"public_id": attachment_for_registry(world, sent=name.startswith("pso-"))}
    if name.startswith("report-") and name not in ("report-new", "report-export") \
            and not name.startswith("report-import"):
        report = ReportFactory(hospital=world.hospital, reporter=world.staff)
        return {"public_id": report.public_id}
    if name == "report-import-status":
        from cases.models import ReportImport

        job = ReportImport.objects.create(hospital=world.hospital, uploaded_by=world.lead,
                                          source_system="test", file="imports/x.csv")
        return {"public_id": job.public_id}
    if name == "pso-report-detail":
        from cases.services import report_send

        report = ReportFactory(hospital=world.hospital, reporter=world.staff,
                               pso_summary="A late dose after a silenced pump alarm.")
        return {"public_id": report_send(report=report, actor=world.lead).report.public_id}
    if name.startswith("session-") and name not in ("session-list", "session-create"):
        from .collaboratives import session_world

        session, _ = session_world(world)
        return {"public_id": session.public_id}
    if name.startswith("nomination-"):
        from .collaboratives import session_world

        _, nomination = session_world(world)
        return {"public_id": nomination.public_id}
    if name in ("lesson-edit", "lesson-submit"):
        from .collaboratives import session_world
        from .collaboratives.lessons import draft_lesson

        session, _ = session_world(world)
        lesson = draft_lesson(world, author=world.facilitator, session=session)
        return {"public_id": lesson.public_id}
    if name.startswith("lesson-") and name not in ("lesson-library", "lesson-pso-list",
                                                   "lesson-create"):
        from .collaboratives import session_world
        from .collaboratives.lessons import published_lesson

        session, _ = session_world(world)
        lesson = published_lesson(world, author=world.facilitator, session=session)
        return {"public_id": lesson.public_id}
    if name.startswith("feedback-"):
        return feedback_kwargs(name, world)
    if name.startswith("lc-") and name not in ("lc-home", "lc-create"):
        from .collaboratives.learning import registry_world

        objects = registry_world(world)
        target = LC_URL_OBJECTS.get(name, "collaborative")
        kwargs = {"public_id": objects[target].public_id}
        if name == "lc-report-month":
            kwargs.update(year=2026, month=1)
        return kwargs
    if name == "invitation-accept":
        invitation = Invitation(hospital=world.hospital, email="new@mercy.test",
                                role=HospitalRole.STAFF, job_title="nurse")
        token = invitation.new_token()
        invitation.save()
        return {"token": token}
    return {}


def action_kwargs(name, world):
    """An action on a report of `hospital`, owned by its staff member; or the objects an
    action is added to."""
    from actions.services import action_create

    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    if name == "action-new-report":
        return {"public_id": report.public_id}
    if name == "action-new-lesson":
        from .collaboratives import session_world
        from .collaboratives.lessons import published_lesson

        session, _ = session_world(world)
        lesson = published_lesson(world, author=world.facilitator, session=session)
        return {"public_id": lesson.public_id}
    action = action_create(hospital=world.hospital, actor=world.lead, report=report,
                           title="Lock the bed alarm volume", owner=world.staff,
                           due_date=timezone.localdate() + timedelta(days=14),
                           strength="stronger")
    return {"public_id": action.public_id}


def attachment_for_registry(world, *, sent=False):
    """A photo the staff member attached to their report; `sent`: the report went to the PSO
    with the photo ticked."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.attachments import attachments_add
    from cases.services import report_send

    from .cases.test_attachments import jpeg

    report = ReportFactory(hospital=world.hospital, reporter=world.staff,
                           pso_summary="A late dose after a silenced pump alarm.")
    attachment = attachments_add(
        report=report, actor=world.staff,
        membership=world.hospital.memberships.get(user=world.staff),
        uploads=[SimpleUploadedFile("pump.jpg", jpeg())])[0]
    if sent:
        report_send(report=report, actor=world.lead, attachments=[attachment.public_id])
    return attachment.public_id


def feedback_kwargs(name, world):
    """A collaborative whose faculty is `facilitator`, with `hospital`'s team led by `lead`."""
    from collaboratives.feedback.models import DevianceFlag, DevianceStatus

    from .collaboratives.learning import enrol, make_collaborative

    collaborative = make_collaborative(world)
    team = enrol(collaborative, world.hospital, world.lead)
    measure = collaborative.measures.first()
    if name in ("feedback-team", "feedback-team-pdf", "feedback-phase"):
        return {"public_id": team.public_id}
    if name == "feedback-compare":
        return {"collaborative_id": collaborative.public_id, "measure_id": measure.public_id}
    if name in ("feedback-deviance", "feedback-deviance-scan"):
        return {"collaborative_id": collaborative.public_id}
    flag = DevianceFlag.objects.create(
        collaborative=collaborative, measure=measure, team=team, first_month="2026-01-01",
        last_month="2026-03-01", months=3, status=DevianceStatus.ASKED)
    return {"public_id": flag.public_id}


# Learning collaborative URLs that name something other than the collaborative.
LC_URL_OBJECTS = {
    "lc-event-ics": "event", "lc-event-attendance": "event",
    "lc-team-member-remove": "member",
    "lc-report": "report", "lc-report-submit": "report", "lc-report-comment": "report",
    "lc-pdsa-detail": "cycle", "lc-pdsa-edit": "cycle", "lc-pdsa-comment": "cycle",
    "lc-thread": "thread", "lc-thread-reply": "thread", "lc-thread-subscribe": "thread",
    "lc-post-hide": "post",
    "lc-resource-download": "resource", "lc-resource-remove": "resource",
    **{name: "team" for name in (
        "lc-team", "lc-team-decide", "lc-team-member-add", "lc-team-partner-add", "lc-skills",
        "lc-spread", "lc-reports", "lc-report-month", "lc-upload", "lc-upload-template",
        "lc-pdsa", "lc-pdsa-new", "lc-coaching-notes")},
}


def expected_learning(rule, who, name):
    """The collaborative of registry_world: `hospital`'s team (lead and staff), the other
    hospital's team (its lead), the expired hospital's team (contract lapsed: outside),
    `facilitator` on the faculty, `coordinator` charters every collaborative."""
    inside = {"lead", "staff", "other_hospital", "facilitator", "coordinator"}
    if who not in inside:
        return {404}
    faculty = who in ("facilitator", "coordinator")
    names_team = LC_URL_OBJECTS.get(name) in ("team", "report", "cycle", "member")
    if who == "other_hospital":
        # Inside the collaborative, outside `hospital`'s team: its pages do not exist for them.
        if names_team:
            return {404}
        return {200, 302} if rule.scope == access.LC_MEMBER else {403}
    if rule.scope == access.LC_MEMBER:
        return {200, 302}
    if rule.scope == access.LC_TEAM:
        return {200, 302}
    if rule.scope == access.LC_TEAM_WORK:
        return {403} if faculty else {200, 302}
    if rule.scope == access.LC_TEAM_LEAD:
        return {200, 302} if who == "lead" else {403}
    if rule.scope == access.LC_FACULTY:
        return {200, 302} if faculty else {403}
    raise AssertionError(f"unknown audience {rule.scope}")


def expected_status(rule, who, world, name):
    """What the rule promises to `who` (a key of World.people())."""
    if rule.kind == access.PUBLIC:
        return {200, 302, 410, 403} if name == "invitation-accept" else {200, 302}
    if who == "anonymous":
        return {302}
    if rule.kind == access.ACCOUNT:
        if name == "notification-open":
            return {302} if who == "staff" else {404}
        return {200, 302}
    if rule.kind == access.PSO:
        person = world.people()[who]
        if rule.scope not in pso_scopes(person.pso_role):
            return {403}
        if name == "session-notes" and who == "coordinator":
            return {403}  # sees every session, but notes are for attested facilitators
        if name in ("lesson-edit", "lesson-submit") and who != "facilitator":
            return {404}  # only the author edits or submits a draft
        # A form posted empty is refused with a message on the page it came from.
        return {200} if "GET" in rule.methods else {302}
    if rule.kind == access.PARTICIPANT:
        # The session of url_kwargs: facilitated by `facilitator`, `hospital` invited with its
        # lead named to attend and attested; `staff` of that hospital is neither lead nor
        # attendee. Coordinators see every session but attest only when they facilitate it.
        if name == "session-list":
            return {200}
        if name == "feedback-phase" and who in ("facilitator", "coordinator"):
            return {403}  # PSO staff see a team's charts; the team marks its own changes
        if name == "feedback-phase" and who == "lead":
            return {302}
        if name == "feedback-deviance-decide" and who in ("facilitator", "coordinator"):
            return {404}  # the team answers for itself
        if who not in ("lead", "facilitator", "coordinator"):
            return {404}
        if who == "coordinator" and name in ("session-attest", "session-materials",
                                             "session-agenda"):
            return {403}
        return {200}
    if rule.kind == access.LEARNING:
        return expected_learning(rule, who, name)
    if rule.kind == access.HOSPITAL:
        if who in ("facilitator", "coordinator", "outsider"):
            return {403}
        if who == "expired_hospital":
            return {403}
        if who == "other_hospital" and rule.object_scoped:
            return {404}
        role = HospitalRole.STAFF if who == "staff" else HospitalRole.SAFETY_LEAD
        if rule.scope not in hospital_scopes(role):
            return {403}
        return {200, 302}
    raise AssertionError(f"unknown rule kind {rule.kind}")


VISITORS = ["anonymous", "staff", "lead", "other_hospital", "expired_hospital",
            "facilitator", "coordinator", "outsider"]


@pytest.mark.parametrize("who", VISITORS)
def test_every_declared_rule_holds_for(who, world, client_for):
    client = client_for(world.people()[who])
    failures = []
    for name, rule in own_views():
        url = reverse(name, kwargs=url_kwargs(name, world))
        method = "get" if "GET" in rule.methods else "post"
        response = getattr(client, method)(url)
        allowed = expected_status(rule, who, world, name)
        if response.status_code not in allowed:
            failures.append(f"{method.upper()} {name}: {response.status_code}, want {allowed}")
    assert failures == []


def test_wrong_method_answers_405(world, client_for):
    client = client_for(world.lead)
    failures = []
    for name, rule in own_views():
        url = reverse(name, kwargs=url_kwargs(name, world))
        wrong = "put" if "PUT" not in rule.methods else "delete"
        response = getattr(client, wrong)(url)
        if response.status_code != 405:
            failures.append(f"{wrong.upper()} {name}: {response.status_code}")
        if "POST" not in rule.methods and client.post(url).status_code != 405:
            failures.append(f"POST {name} should be refused")
    assert failures == []


def test_denials_are_audited(world, client_for):
    before = AuditEvent.objects.filter(action="denied").count()
    client_for(world.staff).get(reverse("member-invite"))  # wrong role
    client_for(world.expired_lead).get(reverse("member-list"))  # contract expired
    other = world.other_hospital.memberships.get(user=world.other_staff)
    client_for(world.lead).get(reverse("member-edit", args=[other.public_id]))  # other hospital
    client_for(world.facilitator).get(reverse("contract-document",
                                              args=[world.hospital.contracts.get().public_id]))
    assert AuditEvent.objects.filter(action="denied").count() == before + 4


def test_object_of_another_hospital_is_404_for_its_lead(world, client_for):
    other = world.other_hospital.memberships.get(user=world.other_staff)
    client = client_for(world.lead)
    assert client.get(reverse("member-edit", args=[other.public_id])).status_code == 404
    assert client.post(reverse("member-deactivate", args=[other.public_id])).status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_member_of_two_hospitals_acts_for_one_at_a_time(world, client_for):
    MembershipFactory(hospital=world.other_hospital, user=world.lead, role=HospitalRole.STAFF)
    client = client_for(world.lead)
    page = client.get(reverse("member-list"))
    assert page.status_code == 200 and world.hospital.name in page.content.decode()
    client.post(reverse("switch-hospital"),
                {"hospital": str(world.other_hospital.public_id), "next": "/home/"})
    # Staff at the other hospital: the members page is not theirs to see there.
    assert client.get(reverse("member-list")).status_code == 403
    home = client.get(reverse("home")).content.decode()
    assert world.other_hospital.name in home


def test_contract_lapse_needs_no_click(world, client_for, time_machine):
    client = client_for(world.lead)
    assert client.get(reverse("member-list")).status_code == 200
    contract = world.hospital.contracts.get()
    time_machine.move_to(timezone.now() + timedelta(days=(contract.expires_on -
                                                          timezone.localdate()).days + 1))
    client.force_login(world.lead)  # the old session has long passed its idle timeout
    response = client.get(reverse("member-list"))
    assert response.status_code == 403
    assert "paused" in response.content.decode()
