"""A lesson's page: its actions and factors come from the cache (they cannot change while the
lesson is published); whether it is still published, who acts on it and the audit row of the
read are read or written on every view."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chpso_portal.audit.models import AuditEvent
from collaboratives.lessons import services
from collaboratives.models import RecommendedAction

from .lessons import CONTENT, origin_report, published_lesson, second_coordinator


def lesson_url(lesson):
    return reverse("lesson-detail", args=[lesson.public_id])


def test_a_repeated_view_reads_the_lesson_but_not_its_actions_and_audits_each_read(
        world, client_for):
    lesson = published_lesson(world, sent_report=origin_report(world))
    client = client_for(world.staff)
    first = client.get(lesson_url(lesson)).content.decode()
    for text, _ in CONTENT["actions"]:
        assert text in first
    reads = AuditEvent.objects.filter(action="view", object_id=str(lesson.public_id)).count()
    with CaptureQueriesContext(connection) as captured:
        again = client.get(lesson_url(lesson)).content.decode()
    sqls = [q["sql"] for q in captured.captured_queries]
    assert not [s for s in sqls if "recommendedaction" in s or "contributingfactor" in s]
    assert [s for s in sqls if '"collaboratives_lesson"' in s]  # published? read every time
    for text, _ in CONTENT["actions"]:
        assert text in again
    factors = first.split("Contributing factors:", 1)[1].split("</p>", 1)[0]
    assert factors.strip() and factors in again
    # The read is audited every time, cached or not.
    assert AuditEvent.objects.filter(action="view",
                                     object_id=str(lesson.public_id)).count() == reads + 1


def test_a_withdrawn_lesson_is_gone_at_once_though_its_actions_are_cached(world, client_for):
    lesson = published_lesson(world, sent_report=origin_report(world))
    client = client_for(world.staff)
    assert client.get(lesson_url(lesson)).status_code == 200
    services.lesson_withdraw(lesson=lesson, actor=second_coordinator(),
                             reason="A newer lesson replaces it.")
    assert client.get(lesson_url(lesson)).status_code == 404


def test_a_new_revision_shows_its_own_actions(world, client_for):
    """Children are cached per revision: content saved again (a draft edited after being
    returned, then published) never shows the old actions."""
    from collaboratives.lessons import selectors

    lesson = published_lesson(world, sent_report=origin_report(world))
    first = selectors.lesson_for_member(hospital=world.hospital, public_id=lesson.public_id)
    assert [a.text for a in first.actions.all()] == [t for t, _ in CONTENT["actions"]]
    lesson.refresh_from_db()
    lesson.revision += 1
    lesson.save(update_fields=["revision"])
    lesson.actions.all().delete()
    RecommendedAction.objects.create(lesson=lesson, position=0,
                                              text="Only this one now.", strength="stronger")
    again = selectors.lesson_for_member(hospital=world.hospital, public_id=lesson.public_id)
    assert [a.text for a in again.actions.all()] == ["Only this one now."]
