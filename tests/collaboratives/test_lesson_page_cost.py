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


def test_the_hospital_s_actions_and_the_viewer_s_comments_are_read_only_when_there_are_some(
        world, client_for):
    """Most views find neither: whether there are any is read with the lesson itself."""
    from datetime import timedelta

    from django.utils import timezone

    from actions import services as action_services
    from collaboratives.lessons import services as lesson_services

    lesson = published_lesson(world, sent_report=origin_report(world))
    client = client_for(world.staff)
    client.get(lesson_url(lesson))

    def view():
        with CaptureQueriesContext(connection) as captured:
            page = client.get(lesson_url(lesson)).content.decode()
        sqls = [q["sql"] for q in captured.captured_queries]
        return page, [s for s in sqls if '"actions_actionitem"' in s
                      or '"collaboratives_lessoncomment"' in s]

    page, reads = view()
    assert len(reads) == 1 and '"collaboratives_lesson"' in reads[0]  # the lesson's own read
    assert "No actions planned yet" in page and "Your comments" not in page

    membership = world.hospital.memberships.get(user=world.staff)
    lesson_services.lesson_comment(lesson=lesson, membership=membership,
                                   text="We check pump alarms at each handover now.")
    action_services.action_create(
        hospital=world.hospital, actor=world.lead, report=None, lesson=lesson,
        owner=world.staff, due_date=timezone.localdate() + timedelta(days=7),
        title="Pump alarm check at handover", strength="stronger")
    page, reads = view()
    assert len(reads) == 3
    assert "Pump alarm check at handover" in page
    assert "Your comments" in page and "We check pump alarms at each handover now." in page
    # The lead's page: the hospital's action, but not the staff member's comment.
    lead_page = client_for(world.lead).get(lesson_url(lesson)).content.decode()
    assert "Pump alarm check at handover" in lead_page and "Your comments" not in lead_page
    # Another hospital: neither.
    other = client_for(world.other_lead).get(lesson_url(lesson)).content.decode()
    assert "Pump alarm check at handover" not in other and "Your comments" not in other


def test_a_hospital_without_actions_on_the_lesson_gets_an_empty_list_not_a_query(world):
    """The page knows from its read of the lesson that the hospital has no actions on it:
    the card gets a plain empty list, with no query built (an empty query set still goes
    through the ORM's compiler on every view). Another hospital's flag is not trusted."""
    from datetime import timedelta

    from django.db.models import QuerySet
    from django.utils import timezone

    from actions import selectors as action_selectors
    from actions import services as action_services
    from collaboratives.lessons import selectors

    lesson = published_lesson(world, sent_report=origin_report(world))
    read = selectors.lesson_for_member(hospital=world.hospital, public_id=lesson.public_id,
                                       viewer=world.staff)
    assert read.has_own_actions is False
    found = action_selectors.lesson_actions(hospital=world.hospital, lesson=read)
    assert found == [] and not isinstance(found, QuerySet)
    # Read for one hospital, asked for another: the flag is not theirs, so the query runs.
    for_other = action_selectors.lesson_actions(hospital=world.other_hospital, lesson=read)
    assert isinstance(for_other, QuerySet)
    action_services.action_create(
        hospital=world.hospital, actor=world.lead, report=None, lesson=lesson,
        owner=world.staff, due_date=timezone.localdate() + timedelta(days=7),
        title="Pump alarm check at handover", strength="stronger")
    read = selectors.lesson_for_member(hospital=world.hospital, public_id=lesson.public_id,
                                       viewer=world.staff)
    assert [a.title for a in action_selectors.lesson_actions(hospital=world.hospital,
                                                             lesson=read)] \
        == ["Pump alarm check at handover"]


def test_the_body_is_rendered_once_per_revision_and_the_rest_per_viewer(world, client_for):
    """The lesson's body is kept by revision: a second view shows what the first rendered,
    a new revision is rendered afresh, and what is the viewer's own (the CSRF token, the
    hospital's mark) is written on every view."""
    from collaboratives.lessons import views
    from collaboratives.models import Lesson

    lesson = published_lesson(world, sent_report=origin_report(world))
    first = client_for(world.staff).get(lesson_url(lesson)).content.decode()
    assert (lesson.public_id, lesson.revision) in views._bodies
    assert CONTENT["what_happened"].split()[0] in first
    assert "Recommended actions" in first and 'What "stronger"' in first
    # The same revision's text changed under it (never done by the portal): still the body
    # rendered first, so the body was not rendered again.
    Lesson.objects.filter(pk=lesson.pk).update(what_happened="Rewritten in place.")
    other_client = client_for(world.other_lead)
    again = other_client.get(lesson_url(lesson)).content.decode()
    assert "Rewritten in place." not in again
    body = first.split('<div class="col-lg-8">', 1)[1].split('<div class="col-lg-4">', 1)[0]
    assert body in again
    # Per viewer: each page carries its own CSRF token.
    token = 'name="csrfmiddlewaretoken" value="'
    assert first.split(token, 1)[1].split('"', 1)[0] != again.split(token, 1)[1].split('"', 1)[0]
    # A new revision is rendered from its own content.
    Lesson.objects.filter(pk=lesson.pk).update(revision=lesson.revision + 1)
    fresh = other_client.get(lesson_url(lesson)).content.decode()
    assert "Rewritten in place." in fresh


def test_the_kept_bodies_are_bounded(world, monkeypatch):
    from types import SimpleNamespace

    from collaboratives.lessons import views

    monkeypatch.setattr(views, "_bodies", {})
    monkeypatch.setattr(views, "BODY_CACHE_SIZE", 3)
    monkeypatch.setattr(views, "render_to_string",
                        lambda name, context: f"body {context['lesson'].revision}")
    for revision in range(1, 6):
        assert views._lesson_body(SimpleNamespace(public_id="x", revision=revision)) \
            == f"body {revision}"
    assert list(views._bodies) == [("x", 3), ("x", 4), ("x", 5)]
