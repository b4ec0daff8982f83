"""Demo lessons loaded by `manage.py demo_data`."""

from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from cases.models import SentReport
from collaboratives.demo import PAST
from collaboratives.lessons.demo import LESSONS, load_demo_lessons
from collaboratives.lessons.screening import screen_texts, unresolved_findings
from collaboratives.models import (
    ActionStrength,
    Lesson,
    LessonAdoption,
    LessonCategory,
    LessonComment,
    LessonOrigin,
    LessonReview,
    LessonStatus,
    RecommendedAction,
)
from members.models import Hospital, User


@pytest.fixture(scope="class")
def demo_loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo loaded once for a class (a load takes seconds), in a transaction rolled back
    when the class is done. What a test writes is undone after it (`demo`)."""
    storages = {**django_settings.STORAGES,
                "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                            "OPTIONS": {"location": str(tmp_path_factory.mktemp("private"))}}}
    with (override_settings(DEBUG=True, STORAGES=storages), django_db_blocker.unblock(),
          transaction.atomic()):
        cache.clear()
        call_command("demo_data", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db):
    """The class's demo load; each test runs in a savepoint of its own (`db`), rolled back."""


def counts():
    return {model.__name__: model.objects.count() for model in (
        Lesson, LessonOrigin, LessonCategory, RecommendedAction, LessonReview, LessonAdoption,
        LessonComment)}


def published():
    return Lesson.objects.filter(status=LessonStatus.PUBLISHED)


class TestDemoLessons:
    """The tests share one demo load (`demo_loaded`)."""

    def test_five_lessons_are_published_and_one_waits_for_review(self, demo):
        assert published().count() == 5
        waiting = Lesson.objects.get(status=LessonStatus.IN_REVIEW)
        assert waiting.submitted_at is not None and waiting.published_by is None
        assert Lesson.objects.count() == len(LESSONS) == 6

    def test_every_lesson_has_an_origin_in_the_demo_sessions_or_sent_reports(self, demo):
        origins = list(LessonOrigin.objects.select_related("session", "sent_report__report",
                                                           "hospital"))

        assert len(origins) == Lesson.objects.count()
        from_the_past_session = [o for o in origins
                                 if o.session and o.session.title == PAST["title"]]
        assert any(o.lesson.status == LessonStatus.PUBLISHED for o in from_the_past_session)
        from_reports = [o for o in origins if o.sent_report is not None]
        for origin in from_reports:
            assert isinstance(origin.sent_report, SentReport)
            assert origin.hospital == origin.sent_report.hospital
            assert origin.sent_report.report.nominations.filter(status="accepted").exists()
        assert len({o.hospital_id for o in from_reports}) >= 3

    def test_no_lesson_has_an_unresolved_finding_or_a_dismissal(self, demo):
        for lesson in Lesson.objects.all():
            assert unresolved_findings(lesson) == [], lesson.title
            assert lesson.dismissed_findings == []

    def test_the_screening_knows_the_demo_names(self, demo):
        # Guards the test above: the screening did have the demo's people and places to look for.
        person = User.objects.get(email="nurse@mercy.example").full_name
        hospital = Hospital.objects.get(name__startswith="Valley")
        findings = screen_texts([("Text", f"{person} at {hospital.name} in {hospital.city}")])

        assert {finding.text for _, finding in findings} >= {person, hospital.name, hospital.city}

    def test_the_lessons_cover_several_categories_factors_and_every_action_strength(self, demo):
        categories = set(LessonCategory.objects.values_list("category", flat=True))
        factors = set(Lesson.contributing_factors.through.objects.values_list(
            "contributingfactor_id", flat=True))
        strengths = set(RecommendedAction.objects.filter(lesson__in=published())
                        .values_list("strength", flat=True))

        assert {"medication", "fall", "surgery", "device"} <= categories
        assert len(factors) >= 5
        assert strengths == set(ActionStrength.values)
        for lesson in Lesson.objects.all():
            assert lesson.categories.exists() and lesson.contributing_factors.exists()
            assert lesson.actions.exists()

    def test_a_coordinator_published_what_the_facilitator_drafted(self, demo):
        for lesson in published().select_related("created_by", "published_by"):
            assert lesson.published_by != lesson.created_by
            assert lesson.created_by.email == "facilitator@pso.example"
            assert lesson.published_by.email == "coordinator@pso.example"
            assert list(lesson.reviews.values_list("decision", flat=True)) == [
                "submitted", "published"]

    def test_hospitals_act_on_lessons_they_did_not_report_and_one_comments(self, demo):
        adoptions = list(LessonAdoption.objects.select_related("lesson__origin"))

        assert len(adoptions) >= 2
        assert len({a.hospital_id for a in adoptions}) >= 2
        for adoption in adoptions:
            assert adoption.lesson.status == LessonStatus.PUBLISHED
            assert adoption.hospital_id != adoption.lesson.origin.hospital_id
        comment = LessonComment.objects.get()
        assert comment.lesson.status == LessonStatus.PUBLISHED
        assert comment.author.memberships.filter(hospital=comment.hospital).exists()

    def test_running_the_command_twice_creates_nothing_new(self, demo):
        before = counts()

        call_command("demo_data", stdout=StringIO())

        assert counts() == before
        assert load_demo_lessons() == 0


def test_without_the_case_demo_reports_the_lessons_come_from_the_sessions_own_cases(
        db, settings, tmp_path, monkeypatch):
    settings.DEBUG = True
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private")}}}
    monkeypatch.setattr("cases.demo.load_demo_reports", lambda **kwargs: 0)

    call_command("demo_data", stdout=StringIO())

    assert published().count() == 5
    sources = set(LessonOrigin.objects.exclude(sent_report=None)
                  .values_list("sent_report__report__source_system", flat=True))
    assert sources == {"demo-sessions"}
