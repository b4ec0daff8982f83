"""The nightly positive-deviance scan: every running collaborative, flags stored once, the
coordinators told, a failing collaborative not holding back the others."""

from unittest import mock

from django.conf import settings

from chpso_portal.audit.models import AuditEvent
from collaboratives import tasks
from collaboratives.feedback.models import DevianceFlag, DevianceStatus
from collaboratives.programmes.models import CollaborativeStatus

from .feedback_world import build_world
from .learning import make_collaborative


def test_the_nightly_scan_flags_each_running_collaboratives_deviants_once(
        world, django_capture_on_commit_callbacks):
    collaborative, (mine, *_) = build_world(world)
    closed = make_collaborative(world, name="An older collaborative")
    closed.status = CollaborativeStatus.CLOSED
    closed.save(update_fields=["status"])

    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.deviance_scan_nightly()

    assert result == {"scanned": 1, "flagged": 1, "failed": 0}
    flag = DevianceFlag.objects.get()
    assert (flag.team, flag.measure.short_name, flag.status) == (mine, "bundle",
                                                                 DevianceStatus.FLAGGED)
    assert flag.collaborative == collaborative
    # The flag is audited (the system acted: no person) and the coordinators are told.
    event = AuditEvent.objects.get(object_type="feedback.devianceflag")
    assert event.actor is None and event.action == "create"
    assert world.coordinator.notifications.filter(kind="positive_deviance").count() == 1

    # The next night finds the same team again: nothing new is stored or sent.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deviance_scan_nightly() == {"scanned": 1, "flagged": 0, "failed": 0}
    assert DevianceFlag.objects.count() == 1
    assert world.coordinator.notifications.filter(kind="positive_deviance").count() == 1


def test_one_failing_collaborative_does_not_stop_the_others(world):
    build_world(world)
    make_collaborative(world, name="A second running collaborative")
    from collaboratives.feedback import services

    real = services.deviance_scan
    calls = []

    def first_fails(*, collaborative, actor=None):
        calls.append(collaborative.pk)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        return real(collaborative=collaborative, actor=actor)

    with mock.patch.object(services, "deviance_scan", side_effect=first_fails):
        result = tasks.deviance_scan_nightly()

    assert result["failed"] == 1 and result["scanned"] == 1 and len(calls) == 2


def test_the_beat_runs_the_scan_every_night_and_celery_knows_the_task():
    from chpso_portal.celery import app

    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values()
               if e["task"] == "collaboratives.deviance_scan"]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert schedule.hour == {9} and schedule.minute == {45}  # once a day
    app.loader.import_default_modules()
    assert "collaboratives.deviance_scan" in app.tasks
