"""The demo shows every kind of chart, an improvement after a PDSA ramp and a positive deviant."""

from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from chpso_portal.charts.engine import P_PRIME, RUN, C, I, P, U
from collaboratives.feedback.demo import NAME
from collaboratives.feedback.models import DevianceFlag, DevianceStatus
from collaboratives.feedback.selectors import team_charts
from collaboratives.programmes.models import LearningCollaborative, Team
from members.models import User


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
        call_command("demo_data", stdout=StringIO())  # idempotent
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db):
    """The class's demo load; each test runs in a savepoint of its own (`db`), rolled back."""
    return LearningCollaborative.objects.get(name=NAME)


class TestFeedbackDemo:
    """The tests share one demo load (`demo_loaded`)."""

    def test_demo_charts_cover_every_kind_and_show_the_improvement(self, demo, client_for):
        mercy = Team.objects.get(collaborative=demo, hospital__name="Mercy General Hospital")
        charts = {c.measure.short_name: c for c in team_charts(team=mercy)}
        assert {c.block.chart.kind for c in charts.values()} == {P, P_PRIME, U, C, I}
        assert charts["skin_check"].improvement_since is not None
        assert len(charts["turning"].block.chart.phases) == 2
        assert any(p.annotations for p in charts["skin_check"].block.chart.points)
        lead = User.objects.get(email="lead@mercy.example")
        page = client_for(lead).get(reverse("reports-dashboard")).content.decode()
        assert "Reports filed per month" in page and "Reports per 1,000 patient days" in page
        assert RUN == "run"

    def test_demo_has_a_positive_deviant_that_stays_a_code(self, demo, client_for):
        flags = DevianceFlag.objects.filter(collaborative=demo)
        assert {f.team.hospital.name for f in flags} == {"Mercy General Hospital"}
        flag = flags.get(measure__short_name="skin_check")
        assert flag.status == DevianceStatus.ASKED
        valley = User.objects.get(email="lead@valley.example")
        url = reverse("feedback-compare", args=[demo.public_id, flag.measure.public_id])
        html = client_for(valley).get(url).content.decode()
        assert "Valley Regional Medical Center" in html
        assert "Mercy General Hospital" not in html
        assert f"Team {flag.team.peer_code.code}" in html
