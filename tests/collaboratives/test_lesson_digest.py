"""The weekly digest of newly published lessons: the week, who gets it, and what it says."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from chpso_portal.notifications import kinds
from chpso_portal.notifications.models import EmailPreference, Notification, OutboxEmail
from collaboratives import tasks
from collaboratives.lessons import services
from collaboratives.lessons.digest import digest_recipients, digest_week, lessons_send_digest
from collaboratives.models import Lesson
from members.roles import HospitalRole, PsoRole
from tests.conftest import make_pso
from tests.factories import ContractFactory, MembershipFactory

from . import session_world
from .lessons import draft_lesson, published_lesson

LA = ZoneInfo("America/Los_Angeles")


def local(day: date, hour=0, minute=0, second=0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=LA)


def this_monday() -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday())


def run_time() -> datetime:
    """Today (so that contracts are as the fixtures made them), late morning, portal time."""
    return local(timezone.localdate(), 10)


def last_week() -> tuple[datetime, datetime]:
    end = local(this_monday())
    return local(this_monday() - timedelta(days=7)), end


def opt_in(*users, email=True):
    for user in users:
        EmailPreference.objects.update_or_create(user=user, kind=kinds.LESSON_DIGEST.code,
                                                 defaults={"email": email})


def published_at(world, when, **kwargs) -> Lesson:
    lesson = published_lesson(world, **kwargs)
    Lesson.objects.filter(pk=lesson.pk).update(published_at=when)
    return Lesson.objects.get(pk=lesson.pk)


def digests():
    return OutboxEmail.objects.filter(kind=kinds.LESSON_DIGEST.code)


def addresses():
    return set(digests().values_list("to_address", flat=True))


def link(lesson) -> str:
    return settings.SITE_URL + reverse("lesson-detail", args=[lesson.public_id])


# --- The week ------------------------------------------------------------------------------


@pytest.mark.parametrize("now, start, end", [
    # A Wednesday: the week that ended on Monday.
    (datetime(2026, 11, 18, 10, 0, tzinfo=LA),
     datetime(2026, 11, 9, 0, 0, tzinfo=LA), datetime(2026, 11, 16, 0, 0, tzinfo=LA)),
    # Just after midnight on a Monday in Los Angeles: the week that just ended.
    (datetime(2026, 11, 16, 0, 30, tzinfo=LA),
     datetime(2026, 11, 9, 0, 0, tzinfo=LA), datetime(2026, 11, 16, 0, 0, tzinfo=LA)),
    # Monday in UTC but still Sunday evening in Los Angeles: the week before.
    (datetime(2026, 11, 16, 7, 30, tzinfo=UTC),
     datetime(2026, 11, 2, 0, 0, tzinfo=LA), datetime(2026, 11, 9, 0, 0, tzinfo=LA)),
    # Sunday late evening in Los Angeles.
    (datetime(2026, 11, 22, 23, 59, tzinfo=LA),
     datetime(2026, 11, 9, 0, 0, tzinfo=LA), datetime(2026, 11, 16, 0, 0, tzinfo=LA)),
])
def test_the_digest_week_is_monday_to_monday_in_portal_time(now, start, end):
    assert digest_week(now) == (start, end)


def test_the_digest_week_keeps_local_midnights_across_a_clock_change():
    # Clocks went forward on Sunday, March 8, 2026: that week is 167 hours long.
    start, end = digest_week(datetime(2026, 3, 10, 12, 0, tzinfo=LA))

    assert start == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # midnight PST
    assert end == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # midnight PDT
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=167)


# --- What is in it -------------------------------------------------------------------------


def test_only_lessons_published_last_week_are_in_the_digest(world):
    opt_in(world.lead)
    start, end = last_week()
    monday = this_monday()
    inside = {
        "Week opens at midnight": start,
        "Published midweek": start + timedelta(days=3, hours=14),
        "Sunday last second": end - timedelta(seconds=1),
        # Monday 03:00 UTC is still Sunday evening in Los Angeles.
        "Sunday evening west coast": datetime.combine(monday, time(3, 0), tzinfo=UTC),
    }
    outside = {
        "A minute too early": start - timedelta(minutes=1),
        "Monday at midnight": end,
        # Monday 09:00 UTC is already Monday in Los Angeles.
        "Monday morning west coast": datetime.combine(monday, time(9, 0), tzinfo=UTC),
        "Two weeks ago": start - timedelta(days=7),
    }
    for title, when in {**inside, **outside}.items():
        published_at(world, when, title=title)

    assert lessons_send_digest(now=run_time()) == 1

    email = digests().get()
    for title in inside:
        assert title in email.body
    for title in outside:
        assert title not in email.body
    assert email.subject == f"4 new lessons from {settings.PSO_NAME}"


def test_the_email_lists_titles_and_links_and_nothing_of_the_origin(world):
    session, nomination = session_world(world)
    sent = nomination.report.sent_copy
    start, _ = last_week()
    pumps = published_at(world, start + timedelta(days=1), author=world.facilitator,
                         publisher=world.coordinator, session=session, sent_report=sent)
    falls = published_at(world, start + timedelta(days=2), title="Falls after night sedation",
                         author=world.coordinator)
    opt_in(world.other_lead)

    assert lessons_send_digest(now=run_time()) == 1

    email = digests().get()
    assert email.to_address == world.other_lead.email
    assert email.recipient == world.other_lead
    assert email.subject == f"2 new lessons from {settings.PSO_NAME}"
    body = email.body
    assert body.index(pumps.title) < body.index(falls.title)  # in order of publication
    assert link(pumps) in body
    assert link(falls) in body
    assert settings.SITE_URL + reverse("notification-preferences") in body
    second = falls.published_by
    hidden = [world.hospital.name, world.hospital.city, "MTH", session.title,
              nomination.report.reference, sent.data.get("reference") or "?",
              world.facilitator.full_name, world.facilitator.email,
              world.coordinator.full_name, world.coordinator.email,
              second.full_name, second.email, world.lead.full_name, world.staff.full_name]
    for text in hidden:
        assert text not in body, text
        assert text not in email.subject, text
    # An email only: no notice in the portal.
    assert not Notification.objects.filter(kind=kinds.LESSON_DIGEST.code).exists()


def test_a_single_lesson_is_named_in_the_singular(world):
    start, _ = last_week()
    published_at(world, start + timedelta(hours=30))
    opt_in(world.lead)

    lessons_send_digest(now=run_time())

    assert digests().get().subject == f"1 new lesson from {settings.PSO_NAME}"


def test_withdrawn_lessons_are_not_in_the_digest(world):
    start, _ = last_week()
    kept = published_at(world, start + timedelta(days=1), title="Kept in the library")
    gone = published_at(world, start + timedelta(days=2), title="Withdrawn after a recall")
    services.lesson_withdraw(lesson=gone, actor=world.coordinator, reason="Device recalled.")
    opt_in(world.lead)

    assert lessons_send_digest(now=run_time()) == 1

    body = digests().get().body
    assert kept.title in body
    assert gone.title not in body
    assert link(gone) not in body


def test_no_email_when_nothing_new_was_published(world):
    start, end = last_week()
    opt_in(world.lead, world.other_lead)
    published_at(world, start - timedelta(days=2), title="Old news")
    gone = published_at(world, start + timedelta(days=1), title="Withdrawn")
    services.lesson_withdraw(lesson=gone, actor=world.coordinator, reason="Superseded.")
    draft_lesson(world, title="Still a draft")
    waiting = draft_lesson(world, title="Waiting for review")
    services.lesson_submit(lesson=waiting, actor=world.coordinator)

    assert lessons_send_digest(now=run_time()) == 0
    assert not digests().exists()


# --- Who gets it ---------------------------------------------------------------------------


def test_only_opted_in_members_of_hospitals_under_contract_get_it(world):
    start, _ = last_week()
    published_at(world, start + timedelta(days=1))
    # Opted in, active members of hospitals under contract.
    opt_in(world.lead, world.other_staff)
    # Opted in, but their hospital's contract expired yesterday.
    opt_in(world.expired_lead, world.expired_staff)
    # Opted in, PSO staff without a membership.
    opt_in(world.coordinator, world.facilitator, world.outsider)
    # Said no.
    opt_in(world.other_lead, email=False)
    # world.staff never chose: the digest is opt-in.
    left = MembershipFactory(hospital=world.hospital, user__email="left@mercy.test",
                             is_active=False).user
    disabled = MembershipFactory(hospital=world.other_hospital,
                                 user__email="disabled@valley.test").user
    disabled.is_active = False
    disabled.save()
    opt_in(left, disabled)

    assert set(digest_recipients(timezone.localdate())) == {world.lead, world.other_staff}
    assert lessons_send_digest(now=run_time()) == 2
    assert addresses() == {world.lead.email, world.other_staff.email}


def test_a_member_of_two_hospitals_gets_one_email(world):
    MembershipFactory(hospital=world.other_hospital, user=world.lead, role=HospitalRole.STAFF)
    MembershipFactory(hospital=world.expired_hospital, user=world.lead, role=HospitalRole.STAFF)
    start, _ = last_week()
    published_at(world, start + timedelta(days=1))
    opt_in(world.lead)

    assert lessons_send_digest(now=run_time()) == 1
    assert addresses() == {world.lead.email}


def test_a_pso_user_who_is_also_a_member_gets_it_as_a_member(world):
    coordinator = make_pso(PsoRole.COORDINATOR, "dual@pso.test")
    MembershipFactory(hospital=world.other_hospital, user=coordinator)
    start, _ = last_week()
    published_at(world, start + timedelta(days=1))
    opt_in(coordinator)

    assert lessons_send_digest(now=run_time()) == 1
    assert addresses() == {"dual@pso.test"}


def test_a_hospital_whose_contract_starts_later_is_left_out(world):
    future = ContractFactory(hospital__name="Future Test Hospital",
                             signed_on=timezone.localdate(),
                             effective_on=timezone.localdate() + timedelta(days=10)).hospital
    early = MembershipFactory(hospital=future, user__email="early@future.test").user
    start, _ = last_week()
    published_at(world, start + timedelta(days=1))
    opt_in(early, world.lead)

    assert lessons_send_digest(now=run_time()) == 1
    assert addresses() == {world.lead.email}


# --- Once per week -------------------------------------------------------------------------


def test_running_the_digest_again_queues_nothing_new(world):
    start, end = last_week()
    published_at(world, start + timedelta(days=1))
    opt_in(world.lead, world.other_lead)

    assert lessons_send_digest(now=run_time()) == 2
    assert lessons_send_digest(now=run_time()) == 0
    # Late in the same week, still the same digest.
    later = max(run_time(), local(this_monday() + timedelta(days=6), 23, 0))
    assert lessons_send_digest(now=later) == 0

    assert digests().count() == 2
    assert set(digests().values_list("event_key", flat=True)) == {
        f"lesson-digest:{this_monday().isoformat()}"}


def test_next_weeks_digest_is_a_new_email(world):
    start, end = last_week()
    published_at(world, start + timedelta(days=1), title="Last week's lesson")
    published_at(world, end + timedelta(hours=12), title="This week's lesson")
    opt_in(world.lead)
    lessons_send_digest(now=run_time())

    next_week = local(this_monday() + timedelta(days=7), 10)
    assert lessons_send_digest(now=next_week) == 1

    first, second = digests().order_by("id")
    assert "Last week's lesson" in first.body and "This week's lesson" not in first.body
    assert "This week's lesson" in second.body and "Last week's lesson" not in second.body
    assert first.event_key != second.event_key


def test_the_celery_task_runs_the_digest(world, time_machine):
    start, _ = last_week()
    lesson = published_at(world, start + timedelta(days=1))
    opt_in(world.lead)
    time_machine.move_to(run_time(), tick=False)

    assert tasks.lesson_digest() == 1
    assert tasks.lesson_digest() == 0

    email = digests().get()
    assert email.to_address == world.lead.email
    assert lesson.title in email.body
    assert email.event_key == f"lesson-digest:{this_monday().isoformat()}"
