"""The demo learning collaborative loaded by `manage.py demo_data`."""

from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from collaboratives.measures import selectors
from collaboratives.measures.models import MeasureValue, MonthlyReport
from collaboratives.pdsa.services import ramp_of
from collaboratives.programmes.demo import MONTHS, NAME
from collaboratives.programmes.models import LearningCollaborative, TeamRole


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
    return LearningCollaborative.objects.get(name=NAME)


def rate_by_half(team, measure):
    series = selectors.team_series(team=team, measure=measure)
    rates = [float(p.numerator) * 1000 / float(p.denominator) for p in series]
    return sum(rates[:6]) / 6, sum(rates[-6:]) / 6, len(series)


class TestDemoLearning:
    """The tests share one demo load (`demo_loaded`)."""

    def test_the_demo_shows_improvement_at_mercy_and_none_yet_at_valley(self, demo):
        falls = demo.measures.get(short_name="falls_injury")
        teams = {t.hospital.name.split()[0]: t for t in demo.teams.select_related("hospital")}
        assert set(teams) == {"Mercy", "Valley", "Sierra"}
        mercy_before, mercy_after, mercy_months = rate_by_half(teams["Mercy"], falls)
        valley_before, valley_after, valley_months = rate_by_half(teams["Valley"], falls)
        assert mercy_months == MONTHS and valley_months == MONTHS - 1  # Valley's last is late
        assert mercy_after < 0.6 * mercy_before
        assert valley_after > 0.75 * valley_before
        ramp = ramp_of(teams["Mercy"].pdsa_cycles.order_by("-number").first())
        assert len(ramp) == 4 and ramp[-1].decision == "adopt"
        assert MeasureValue.objects.filter(team=teams["Mercy"], is_current=False).count() == 1
        assert MonthlyReport.objects.filter(team=teams["Sierra"], status="draft").count() == 1
        assert demo.measures.count() == 3 and demo.change_ideas.count() == 5
        assert demo.events.filter(kind="learning_session").count() == 3
        assert teams["Mercy"].members.filter(role=TeamRole.PATIENT_PARTNER).exists()
        assert not demo.teams_named
        assert demo.resources.count() == 3 and demo.announcements.count() == 1
        assert demo.threads.count() == 2 and demo.threads.get(category="change_ideas") \
            .posts.count() == 2

    def test_demo_is_idempotent_and_its_pages_render(self, demo, client_for):
        from members.models import User

        call_command("demo_data", stdout=StringIO())
        assert LearningCollaborative.objects.filter(name=NAME).count() == 1
        nurse = User.objects.get(email="nurse@mercy.example")
        team = demo.teams.get(hospital__name__startswith="Mercy")
        client = client_for(nurse)
        for url in (reverse("lc-home"), reverse("lc-detail", args=[demo.public_id]),
                    reverse("lc-team", args=[team.public_id]),
                    reverse("lc-pdsa", args=[team.public_id]),
                    reverse("lc-calendar", args=[demo.public_id]),
                    reverse("lc-office", args=[demo.public_id]),
                    reverse("lc-threads", args=[demo.public_id]),
                    reverse("lc-thread", args=[demo.threads.get(category="change_ideas")
                                               .public_id])):
            assert client.get(url).status_code == 200, url
        page = client.get(reverse("lc-detail", args=[demo.public_id])).content.decode()
        assert "Valley" not in page and "Sierra" not in page
        from tests.conftest import give_totp

        coach = client_for(give_totp(User.objects.get(email="facilitator@pso.example")))
        page = coach.get(reverse("lc-teams", args=[demo.public_id])).content.decode()
        assert "Valley Regional Medical Center" in page and "late" in page
