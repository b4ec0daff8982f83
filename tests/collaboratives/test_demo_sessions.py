"""Demo sessions loaded by `manage.py demo_data`."""

from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from chpso_portal.audit.models import AuditEvent
from chpso_portal.notifications.models import Notification, OutboxEmail
from collaboratives import grants
from collaboratives.demo import PAST, UPCOMING, load_demo_sessions
from collaboratives.models import (
    Attendee,
    Attestation,
    CollaborativeSession,
    DiscussionNote,
    Guest,
    Nomination,
    NominationStatus,
    ParticipationStatus,
    SessionHospital,
    SessionStatus,
)
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
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db):
    """The class's demo load; each test runs in a savepoint of its own (`db`), rolled back."""


def counts():
    return {model.__name__: model.objects.count() for model in (
        CollaborativeSession, SessionHospital, Attendee, Guest, Nomination, Attestation,
        DiscussionNote, Notification, OutboxEmail, AuditEvent)}


def upcoming():
    return CollaborativeSession.objects.get(title=UPCOMING["title"])


def past():
    return CollaborativeSession.objects.get(title=PAST["title"])


def answers(session):
    return dict(session.hospitals.values_list("hospital__name", "status"))


class TestDemoSessions:
    """The tests share one demo load (`demo_loaded`)."""

    def test_running_the_command_twice_creates_nothing_new(self, demo):
        before = counts()

        call_command("demo_data", stdout=StringIO())

        assert counts() == before
        assert before["CollaborativeSession"] == 2
        assert load_demo_sessions() == 0

    def test_the_upcoming_session_is_three_weeks_away_with_the_deadline_in_two(self, demo):
        session = upcoming()
        today = timezone.localdate()

        assert (session.date - today).days == 21
        assert (session.nomination_deadline - today).days == 14
        assert session.status == SessionStatus.INVITATIONS_SENT
        assert list(session.facilitators.values_list("email", flat=True)) == [
            "facilitator@pso.example"]

    def test_mercy_and_valley_accepted_and_sierra_is_still_invited(self, demo):
        assert answers(upcoming()) == {
            "Mercy General Hospital": ParticipationStatus.ACCEPTED,
            "Valley Regional Medical Center": ParticipationStatus.ACCEPTED,
            "Sierra Community Hospital": ParticipationStatus.INVITED,
        }

    def test_the_leads_attend(self, demo):
        attendees = set(Attendee.objects.filter(session_hospital__session=upcoming())
                        .values_list("membership__user__email", flat=True))

        assert attendees == {"lead@mercy.example", "lead@valley.example"}

    def test_mercy_brings_two_accepted_cases_and_valley_one(self, demo):
        nominations = upcoming().nominations.select_related("session_hospital__hospital", "report")

        by_hospital = {}
        for nomination in nominations:
            assert nomination.status == NominationStatus.ACCEPTED
            assert nomination.report.hospital == nomination.session_hospital.hospital
            by_hospital.setdefault(nomination.session_hospital.hospital.name, 0)
            by_hospital[nomination.session_hospital.hospital.name] += 1
        assert by_hospital == {"Mercy General Hospital": 2, "Valley Regional Medical Center": 1}
        assert sorted(n.case_number for n in nominations) == [1, 2, 3]

    def test_the_demo_cases_are_the_demo_reports_and_meet_the_ground_rules(self, demo):
        session = upcoming()
        for nomination in Nomination.objects.select_related("report", "session"):
            report = nomination.report
            assert report.source_system == "demo"  # the reports of cases.demo were reused
            assert report.systems_issue
            assert report.contributing_factors.exists()
            assert report.status == "sent" or report.committed_send_by < nomination.session.date
        reports = list(Nomination.objects.values_list("report_id", flat=True))
        assert len(reports) == len(set(reports))
        assert session.nominations.count() == 3

    def test_the_human_factors_expert_is_a_guest_of_the_upcoming_session(self, demo):
        guest = Guest.objects.get()

        assert guest.user.email == "expert@humanfactors.example"
        assert guest.session == upcoming()
        assert OutboxEmail.objects.get(to_address="expert@humanfactors.example").attachments

    def test_the_past_session_was_held_with_notes(self, demo):
        session = past()

        assert session.date < timezone.localdate()
        assert session.status == SessionStatus.HELD
        assert session.nominations.filter(status=NominationStatus.ACCEPTED).count() == 2
        assert set(answers(session)) == {"Mercy General Hospital", "Sierra Community Hospital"}
        notes = list(session.notes.all())
        assert len(notes) == 2
        assert all(note.systems_factors and note.nomination for note in notes)

    def test_the_past_sessions_participants_attested_and_hold_the_grant(self, demo):
        session = past()
        holders = set(grants.materials_group(session).user_set.values_list("email", flat=True))

        assert holders == {"facilitator@pso.example", "lead@mercy.example", "lead@sierra.example"}
        assert grants.user_may_open_materials(User.objects.get(email="lead@mercy.example"), session)
        assert not grants.user_may_open_materials(User.objects.get(email="lead@valley.example"),
                                                  session)

    def test_the_leads_were_told_about_the_invitations(self, demo):
        invited = set(Notification.objects.filter(kind="session_invitation")
                      .values_list("recipient__email", flat=True))

        assert {"lead@mercy.example", "lead@valley.example", "lead@sierra.example"} <= invited


def test_without_the_case_demo_reports_the_sessions_file_their_own(db, settings, tmp_path,
                                                                    monkeypatch):
    settings.DEBUG = True
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private")}}}
    monkeypatch.setattr("cases.demo.load_demo_reports", lambda **kwargs: 0)

    call_command("demo_data", stdout=StringIO())
    call_command("demo_data", stdout=StringIO())

    own = Nomination.objects.values_list("report__source_system", flat=True)
    assert set(own) == {"demo-sessions"}
    assert Nomination.objects.count() == 5
    assert CollaborativeSession.objects.count() == 2
