"""Action plans: the model, the services, who reaches what, the reminders, the lead's list."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from actions import services
from actions.models import ActionItem, ActionStatus
from chpso_portal.audit.models import AuditEvent
from chpso_portal.notifications.models import Notification, OutboxEmail
from members.roles import HospitalRole
from tests.collaboratives import session_world
from tests.collaboratives.lessons import published_lesson
from tests.factories import MembershipFactory, ReportFactory

TODAY = timezone.localdate


def in_days(n):
    return TODAY() + timedelta(days=n)


def add(world, *, report=None, lesson=None, owner=None, due=7, hospital=None, **extra):
    hospital = hospital or world.hospital
    if report is None and lesson is None:
        report = ReportFactory(hospital=hospital, reporter=world.staff)
    data = {"title": "Lock the bed alarm volume", "strength": "stronger", **extra}
    return services.action_create(hospital=hospital, actor=world.lead, report=report,
                                  lesson=lesson, owner=owner or world.staff,
                                  due_date=in_days(due), **data)


def lesson_of(world):
    session, _ = session_world(world)
    return published_lesson(world, author=world.facilitator, session=session)


# --- Model ------------------------------------------------------------------------------


def test_an_action_is_for_exactly_one_report_or_lesson(world):
    action = add(world)
    lesson = lesson_of(world)
    for report, les in ((None, None), (action.report, lesson)):
        with pytest.raises(IntegrityError), transaction.atomic():
            ActionItem.objects.create(hospital=world.hospital, report=report, lesson=les,
                                      title="x", owner=world.staff, due_date=in_days(1),
                                      strength="weaker", created_by=world.lead)


def test_done_needs_a_completion_time(world):
    action = add(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=action.pk).update(status=ActionStatus.DONE)


# --- Services ---------------------------------------------------------------------------


def test_create_audits_and_tells_the_owner(world):
    action = add(world)
    assert action.status == ActionStatus.OPEN and action.created_by == world.lead
    event = AuditEvent.objects.get(object_id=str(action.public_id), action="create")
    assert event.hospital == world.hospital and event.actor == world.lead
    note = Notification.objects.get(recipient=world.staff, kind="action_assigned")
    assert note.link == reverse("action-detail", args=[action.public_id])


@pytest.mark.parametrize("change, field", [
    ({"due": -1}, "due_date"),
    ({"title": "  "}, "title"),
    ({"strength": "strongest"}, "strength"),
])
def test_create_refuses_bad_input(world, change, field):
    with pytest.raises(ValidationError) as exc:
        add(world, **change)
    assert field in exc.value.message_dict
    assert not ActionItem.objects.exists()


def test_the_owner_must_be_an_active_member_of_the_hospital(world):
    with pytest.raises(ValidationError) as exc:
        add(world, owner=world.other_staff)
    assert "owner" in exc.value.message_dict
    gone = MembershipFactory(hospital=world.hospital, role=HospitalRole.STAFF, is_active=False)
    with pytest.raises(ValidationError):
        add(world, owner=gone.user)
    assert not ActionItem.objects.exists()


def test_update_changes_owner_and_due_date_and_rearms_reminders(world):
    action = add(world, due=1)
    services.actions_send_reminders()
    action.refresh_from_db()
    assert action.due_soon_sent_for == action.due_date
    services.action_update(action=action, actor=world.lead, title=action.title,
                           owner=world.lead, due_date=in_days(20), strength="intermediate")
    action.refresh_from_db()
    assert (action.owner, action.due_date, action.strength) == (world.lead, in_days(20),
                                                                "intermediate")
    assert action.due_soon_sent_for is None
    event = AuditEvent.objects.filter(object_id=str(action.public_id), action="update").get()
    assert set(event.detail["changes"]) == {"owner_id", "due_date", "strength"}


def test_a_past_due_date_stays_when_unchanged_but_cannot_be_set(world, time_machine):
    action = add(world, due=2)
    time_machine.move_to(timezone.now() + timedelta(days=5))
    services.action_update(action=action, actor=world.lead, title="Lock it", owner=world.staff,
                           due_date=action.due_date, strength="stronger")
    with pytest.raises(ValidationError):
        services.action_update(action=action, actor=world.lead, title="Lock it",
                               owner=world.staff, due_date=in_days(-1), strength="stronger")


def test_mark_done_with_a_note_then_it_is_closed(world):
    action = add(world)
    services.action_set_status(action=action, actor=world.staff, status="in_progress")
    done = services.action_set_status(action=action, actor=world.staff, status="done",
                                      note="Volume locked on all 32 beds.")
    assert done.completed_at is not None and done.completion_note.startswith("Volume")
    with pytest.raises(ValidationError):
        services.action_set_status(action=action, actor=world.staff, status="open")
    with pytest.raises(ValidationError):
        services.action_cancel(action=action, actor=world.lead, reason="No longer needed")
    assert AuditEvent.objects.filter(object_id=str(action.public_id),
                                     action="update").count() == 2


def test_cancel_needs_a_reason(world):
    action = add(world)
    with pytest.raises(ValidationError):
        services.action_cancel(action=action, actor=world.lead, reason=" ")
    cancelled = services.action_cancel(action=action, actor=world.lead, reason="Superseded")
    assert cancelled.status == ActionStatus.CANCELLED and cancelled.cancelled_at


def test_actions_on_a_lesson_need_it_published(world):
    from tests.collaboratives.lessons import draft_lesson

    draft = draft_lesson(world, title="A draft")
    with pytest.raises(ValidationError):
        add(world, lesson=draft)


# --- Reminders --------------------------------------------------------------------------


def test_reminders_go_once_each(world, time_machine, mailoutbox):
    soon = add(world, due=2)
    later = add(world, due=30)
    assert services.actions_send_reminders() == {"due_soon": 1, "overdue": 0}
    assert services.actions_send_reminders() == {"due_soon": 0, "overdue": 0}
    reminders = Notification.objects.filter(kind="action_reminder", recipient=world.staff)
    assert reminders.count() == 1
    assert reminders.get().link == reverse("action-detail", args=[soon.public_id])
    time_machine.move_to(timezone.now() + timedelta(days=3))
    assert services.actions_send_reminders() == {"due_soon": 0, "overdue": 1}
    assert services.actions_send_reminders() == {"due_soon": 0, "overdue": 0}
    assert reminders.count() == 2
    assert OutboxEmail.objects.filter(kind="action_reminder").count() == 2
    # Done actions are not reminded; the far one only when its time comes.
    services.action_set_status(action=later, actor=world.staff, status="done")
    time_machine.move_to(timezone.now() + timedelta(days=40))
    assert services.actions_send_reminders() == {"due_soon": 0, "overdue": 0}


def test_a_new_due_date_arms_the_reminder_again(world, time_machine):
    action = add(world, due=1)
    services.actions_send_reminders()
    services.action_update(action=action, actor=world.lead, title=action.title,
                           owner=world.staff, due_date=in_days(3), strength="stronger")
    assert services.actions_send_reminders()["due_soon"] == 1
    assert Notification.objects.filter(kind="action_reminder").count() == 2


def test_no_reminder_for_an_owner_who_left_or_a_lapsed_contract(world):
    add(world, due=1)
    world.hospital.memberships.filter(user=world.staff).update(is_active=False)
    assert services.actions_send_reminders()["due_soon"] == 0
    world.hospital.memberships.filter(user=world.staff).update(is_active=True)
    world.hospital.contracts.update(terminated_on=TODAY() - timedelta(days=1))
    assert services.actions_send_reminders()["due_soon"] == 0


def test_the_task_is_scheduled_and_calls_the_service(world, settings):
    from actions.tasks import send_reminders

    add(world, due=0)
    assert send_reminders() == {"due_soon": 1, "overdue": 0}
    assert any(entry["task"] == "actions.send_reminders"
               for entry in settings.CELERY_BEAT_SCHEDULE.values())


def test_the_reminder_kinds_can_be_switched_off(world):
    from chpso_portal.notifications import kinds

    offered = {kind.code for kind in kinds.configurable_for(world.staff)}
    assert {"action_assigned", "action_reminder"} <= offered


# --- Access -----------------------------------------------------------------------------


def test_the_owner_and_the_lead_reach_an_action_others_get_404(world, client_for):
    action = add(world)
    detail = reverse("action-detail", args=[action.public_id])
    assert client_for(world.staff).get(detail).status_code == 200
    assert client_for(world.lead).get(detail).status_code == 200
    assert AuditEvent.objects.filter(action="view", object_id=str(action.public_id)).count() == 2
    colleague = MembershipFactory(hospital=world.hospital, role=HospitalRole.STAFF).user
    assert client_for(colleague).get(detail).status_code == 404
    assert client_for(world.other_lead).get(detail).status_code == 404
    assert client_for(world.outsider).get(detail).status_code == 403  # no hospital at all
    before = AuditEvent.objects.filter(action="denied").count()
    client_for(world.other_staff).get(detail)
    assert AuditEvent.objects.filter(action="denied").count() == before + 1


def test_staff_cannot_edit_or_cancel(world, client_for):
    action = add(world)
    client = client_for(world.staff)
    for name in ("action-edit", "action-cancel"):
        assert client.get(reverse(name, args=[action.public_id])).status_code == 403
        assert client.post(reverse(name, args=[action.public_id]),
                           {"reason": "x"}).status_code == 403
    assert client.get(reverse("action-list")).status_code == 403
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    assert client.get(reverse("action-new-report", args=[report.public_id])).status_code == 403


def test_another_hospitals_report_is_404_for_adding_actions(world, client_for):
    report = ReportFactory(hospital=world.other_hospital, reporter=world.other_staff)
    response = client_for(world.lead).post(reverse("action-new-report", args=[report.public_id]),
                                           {"title": "x"})
    assert response.status_code == 404
    assert not ActionItem.objects.exists()


# --- Views ------------------------------------------------------------------------------


def form_data(world, **extra):
    membership = world.hospital.memberships.get(user=world.staff)
    return {"title": "Lock the bed alarm volume", "description": "On every bed of 4 West.",
            "owner": str(membership.public_id), "due_date": str(in_days(10)),
            "strength": "stronger", **extra}


def test_the_lead_adds_an_action_from_the_review_page(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    client = client_for(world.lead)
    review = client.get(reverse("report-review", args=[report.public_id])).content.decode()
    add_url = reverse("action-new-report", args=[report.public_id])
    assert add_url in review
    response = client.post(add_url, form_data(world))
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("report-review", args=[report.public_id]) + "#actions")
    action = ActionItem.objects.get()
    assert (action.report, action.owner, action.hospital) == (report, world.staff,
                                                             world.hospital)
    review = client.get(reverse("report-review", args=[report.public_id])).content.decode()
    assert "Lock the bed alarm volume" in review


@pytest.mark.parametrize("bad, message", [
    ({"due_date": "2001-01-01"}, "The due date cannot be in the past."),
    ({"owner": "00000000-0000-0000-0000-000000000000"}, "Choose an active member"),
])
def test_bad_input_keeps_what_was_typed(world, client_for, bad, message):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    response = client_for(world.lead).post(
        reverse("action-new-report", args=[report.public_id]),
        form_data(world, description="Every bed, both towers.", **bad))
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert "Every bed, both towers." in page
    assert not ActionItem.objects.exists()


def test_the_owner_marks_done_with_a_note(world, client_for):
    action = add(world)
    client = client_for(world.staff)
    url = reverse("action-status", args=[action.public_id])
    response = client.post(url, {"status": "nonsense", "note": "Locked on all beds."})
    assert response.status_code == 200 and "Locked on all beds." in response.content.decode()
    assert client.post(url, {"status": "done", "note": "Locked on all beds."}).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.completion_note == "Locked on all beds."


def test_cancelling_asks_first(world, client_for):
    action = add(world)
    client = client_for(world.lead)
    url = reverse("action-cancel", args=[action.public_id])
    page = client.get(url).content.decode()
    assert "Keep it" in page and 'data-testid="what-follows"' in page
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    assert client.post(url, {"reason": ""}).status_code == 200
    assert client.post(url, {"reason": "Superseded by a new pump"}).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED


def test_the_lead_edits_owner_and_due_date(world, client_for):
    action = add(world)
    lead_membership = world.hospital.memberships.get(user=world.lead)
    client = client_for(world.lead)
    url = reverse("action-edit", args=[action.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(world, owner=str(lead_membership.public_id),
                                          due_date=str(in_days(40))))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.owner == world.lead and action.due_date == in_days(40)


def test_my_actions_and_the_home_card(world, client_for):
    mine = add(world, title="Mine to do")
    add(world, title="The lead's own", owner=world.lead)
    client = client_for(world.staff)
    page = client.get(reverse("action-mine")).content.decode()
    assert "Mine to do" in page and "The lead's own" not in page
    assert "Mine to do" in client.get(reverse("home")).content.decode()
    services.action_set_status(action=mine, actor=world.staff, status="done")
    assert "Mine to do" not in client.get(reverse("action-mine")).content.decode()
    assert "Mine to do" in client.get(reverse("action-mine"), {"show": "closed"}).content.decode()


# --- The lead's list --------------------------------------------------------------------


def listed(response):
    return [a.title for a in response.context["page"]]


def test_lead_list_overdue_first_and_filters(world, client_for, time_machine):
    late = add(world, title="Late", due=1)
    add(world, title="Soon", due=5)
    add(world, title="Lead's", due=9, owner=world.lead)
    done = add(world, title="Done", due=3)
    services.action_set_status(action=done, actor=world.lead, status="done")
    add(world, title="Elsewhere", hospital=world.other_hospital, owner=world.other_staff,
        report=ReportFactory(hospital=world.other_hospital, reporter=world.other_staff))
    time_machine.move_to(timezone.now() + timedelta(days=2))
    client = client_for(world.lead)
    url = reverse("action-list")
    response = client.get(url)
    assert listed(response) == ["Late", "Soon", "Lead's"]
    assert "Overdue" in response.content.decode()
    assert listed(client.get(url, {"overdue": "on"})) == ["Late"]
    assert listed(client.get(url, {"status": "done"})) == ["Done"]
    assert listed(client.get(url, {"sort": "-due"})) == ["Lead's", "Soon", "Late"]
    staff_key = str(world.hospital.memberships.get(user=world.staff).public_id)
    assert listed(client.get(url, {"owner": staff_key})) == ["Late", "Soon"]
    services.action_set_status(action=late, actor=world.staff, status="done")
    assert listed(client.get(url)) == ["Soon", "Lead's"]


def test_lead_list_empty_state_says_what_to_do(world, client_for):
    page = client_for(world.lead).get(reverse("action-list")).content.decode()
    assert 'data-testid="empty"' in page and "Add an action" in page


def test_lead_list_queries_do_not_grow(world, client_for, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.lead)
    url = reverse("action-list")

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(world)
    small = count()
    lesson = lesson_of(world)
    for n in range(30):
        owner = MembershipFactory(hospital=world.hospital, role=HospitalRole.STAFF).user
        add(world, owner=owner, title=f"Action {n}", due=n % 9,
            **({"lesson": lesson, "report": None} if n % 2 else {}))
    assert count() == small
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert len(response.context["page"]) == 25 and response.context["page"].has_next


# --- Lessons: a hospital's own plan -------------------------------------------------------


def test_lesson_actions_are_seen_only_by_the_hospital(world, client_for):
    lesson = lesson_of(world)
    add(world, lesson=lesson, report=None, title="Structured handover line for paused pumps")
    lesson_url = reverse("lesson-detail", args=[lesson.public_id])
    title = "Structured handover line for paused pumps"
    assert title in client_for(world.staff).get(lesson_url).content.decode()
    assert title in client_for(world.lead).get(lesson_url).content.decode()
    other = client_for(world.other_lead).get(lesson_url).content.decode()
    assert title not in other and "No actions planned yet" in other
    for person in (world.coordinator, world.facilitator):
        page = client_for(person).get(
            reverse("lesson-pso-detail", args=[lesson.public_id])).content.decode()
        assert title not in page
    # The other hospital plans its own, which stays its own.
    add(world, lesson=lesson, report=None, hospital=world.other_hospital,
        owner=world.other_staff, title="Valley own plan")
    assert "Valley own plan" not in client_for(world.lead).get(lesson_url).content.decode()
    assert "Valley own plan" in client_for(world.other_lead).get(lesson_url).content.decode()


def test_a_lesson_action_page_names_the_lesson_not_its_origin(world, client_for):
    lesson = lesson_of(world)
    action = add(world, lesson=lesson, report=None)
    page = client_for(world.lead).get(
        reverse("action-detail", args=[action.public_id])).content.decode()
    assert lesson.title in page
    origin = lesson.origin
    for hidden in filter(None, [getattr(origin.hospital, "name", None),
                                getattr(origin.session, "title", None)]):
        assert hidden not in page


def test_the_other_hospital_adds_its_own_plan_through_the_page(world, client_for):
    lesson = lesson_of(world)
    membership = world.other_hospital.memberships.get(user=world.other_staff)
    response = client_for(world.other_lead).post(
        reverse("action-new-lesson", args=[lesson.public_id]),
        {"title": "Pump banner", "owner": str(membership.public_id),
         "due_date": str(in_days(10)), "strength": "stronger"})
    assert response.status_code == 302
    action = ActionItem.objects.get()
    assert action.hospital == world.other_hospital and action.lesson == lesson
    # Another hospital's member cannot be named owner.
    staff = world.hospital.memberships.get(user=world.staff)
    response = client_for(world.other_lead).post(
        reverse("action-new-lesson", args=[lesson.public_id]),
        {"title": "Pump banner", "owner": str(staff.public_id),
         "due_date": str(in_days(10)), "strength": "stronger"})
    assert response.status_code == 200 and ActionItem.objects.count() == 1


def test_a_lesson_action_can_start_from_a_recommended_action(world, client_for):
    lesson = lesson_of(world)
    # Copies under new row ids, so that no row id equals its place in the list.
    first = list(lesson.actions.all())
    old_ids = [a.pk for a in first]
    for action in first:
        action.pk = None
        action.save()
    lesson.actions.filter(pk__in=old_ids).delete()
    actions = list(lesson.actions.all())
    recommended, place = actions[-1], len(actions)
    assert all(a.pk != i for i, a in enumerate(actions, 1))
    url = reverse("action-new-lesson", args=[lesson.public_id])
    client = client_for(world.lead)
    page = client.get(url).content.decode()
    # The address names its place in the lesson's list, never the row's sequential id.
    assert f"?recommended={place}" in page
    assert f"?recommended={recommended.pk}\"" not in page
    form = client.get(url, {"recommended": str(place)}).context["form"]
    assert form.initial["title"] == recommended.text
    assert form.initial["strength"] == recommended.strength
    for nonsense in ("nonsense", "0", "-1", str(place + 1), "9" * 30):
        assert client.get(url, {"recommended": nonsense}).context["form"].initial == {}
