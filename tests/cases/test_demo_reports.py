"""Demo incident reports loaded by `manage.py demo_data`."""

from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cases.demo import REPORTS, SOURCE_SYSTEM, load_demo_reports
from cases.models import IncidentReport, ReportStatus, SentReport
from cases.services import SENT_FIELDS, validate_report
from cases.taxonomy import EventCategory, EventType
from chpso_portal.audit.models import AuditEvent
from members.models import Hospital

IDENTIFYING_KINDS = {"name", "phone", "email", "ssn", "date"}


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


class TestDemoReports:
    """The tests share one demo load (`demo_loaded`)."""

    def test_at_least_thirty_demo_reports_are_created(self, demo):
        assert IncidentReport.objects.filter(source_system=SOURCE_SYSTEM).count() >= 30
        assert IncidentReport.objects.count() == len(REPORTS)

    def test_running_the_command_twice_creates_no_new_reports(self, demo):
        counts = (IncidentReport.objects.count(), SentReport.objects.count(),
                  AuditEvent.objects.count())

        call_command("demo_data", stdout=StringIO())

        assert (IncidentReport.objects.count(), SentReport.objects.count(),
                AuditEvent.objects.count()) == counts

    def test_loading_again_reports_nothing_created(self, demo):
        assert load_demo_reports() == 0

    def test_every_demo_report_has_its_own_source_id(self, demo):
        keys = list(IncidentReport.objects.values_list("hospital_id", "source_id"))
        assert len(keys) == len(set(keys))
        assert all(source_id for _, source_id in keys)

    def test_every_category_event_type_and_status_is_present(self, demo):
        reports = IncidentReport.objects.all()

        assert set(reports.values_list("category", flat=True)) == set(EventCategory.values)
        assert set(reports.values_list("event_type", flat=True)) == set(EventType.values)
        assert set(reports.values_list("status", flat=True)) == set(ReportStatus.values)

    @pytest.mark.parametrize("name", ["Mercy General Hospital", "Valley Regional Medical Center",
                                      "Sierra Community Hospital", "Coastal Medical Center"])
    def test_each_demo_member_hospital_has_reports(self, demo, name):
        assert Hospital.objects.get(name=name).reports.exists()

    def test_reports_are_filed_by_the_demo_nurses_and_leads(self, demo):
        for report in IncidentReport.objects.select_related("reporter", "hospital"):
            email = report.reporter.email
            assert email.split("@")[0] in ("nurse", "lead")
            assert report.hospital.memberships.filter(user=report.reporter).exists()

    def test_coastal_reports_date_from_before_its_contract_expired(self, demo):
        coastal = Hospital.objects.get(name="Coastal Medical Center")
        expired_on = coastal.contracts.get().expires_on

        for report in coastal.reports.all():
            assert report.submitted_at.date() < expired_on
            last = report.sent_at or report.withdrawn_at or report.submitted_at
            assert timezone.localtime(last).date() < expired_on

    def test_dates_are_in_the_past(self, demo):
        today = timezone.localdate()
        now = timezone.now()
        for report in IncidentReport.objects.all():
            assert report.event_date is None or report.event_date <= today
            for stamp in (report.created_at, report.submitted_at, report.sent_at,
                          report.withdrawn_at):
                assert stamp is None or stamp <= now

    def test_filed_reports_keep_the_form_rules(self, demo):
        for report in IncidentReport.objects.exclude(status=ReportStatus.DRAFT):
            validate_report({name: getattr(report, name) for name in SENT_FIELDS})
            assert report.reference and report.submitted_at

    def test_drafts_have_no_reference(self, demo):
        drafts = IncidentReport.objects.filter(status=ReportStatus.DRAFT)
        assert drafts.exists()
        assert not drafts.exclude(reference="").exists()

    def test_sent_reports_have_their_frozen_copy(self, demo):
        sent = IncidentReport.objects.filter(status=ReportStatus.SENT)

        assert sent.count() >= 5
        for report in sent:
            copy = report.sent_copy
            assert copy.data["reference"] == report.reference
            assert copy.data["narrative"] == report.narrative
            assert copy.data["pso_summary"] and "feedback" not in copy.data
            assert copy.sent_at == report.sent_at
            assert copy.sent_by.email.startswith("lead@")
        assert SentReport.objects.count() == sent.count()

    def test_withdrawn_reports_say_why(self, demo):
        withdrawn = IncidentReport.objects.filter(status=ReportStatus.WITHDRAWN)

        assert withdrawn.count() >= 2
        for report in withdrawn:
            assert report.withdrawal_reason.strip() and report.withdrawn_at
            assert report.committed_send_by is None

    def test_some_reports_are_systems_issues_with_contributing_factors(self, demo):
        systems = IncidentReport.objects.filter(systems_issue=True)

        assert systems.count() >= 5
        assert all(report.contributing_factors.exists() for report in systems)

    def test_some_reports_are_committed_to_be_sent_by_a_future_date(self, demo):
        committed = IncidentReport.objects.filter(committed_send_by__isnull=False)

        assert committed.count() >= 2
        assert all(report.committed_send_by > timezone.localdate() for report in committed)
        assert all(report.status == ReportStatus.IN_REVIEW for report in committed)

    def test_some_reporters_got_feedback(self, demo):
        assert IncidentReport.objects.exclude(feedback="").count() >= 5
        assert IncidentReport.objects.filter(status=ReportStatus.IN_REVIEW).exclude(
            feedback="").exists()

    def test_the_services_left_an_audit_trail(self, demo):
        for report in IncidentReport.objects.filter(status=ReportStatus.SENT):
            summaries = list(AuditEvent.objects.filter(object_id=str(report.public_id))
                             .values_list("summary", flat=True))
            assert "Saved a draft report" in summaries
            assert f"Submitted report {report.reference}" in summaries
            assert f"Sent report {report.reference} to the PSO" in summaries

    def test_the_texts_name_no_one_and_give_no_exact_dates(self, demo):
        from cases.screening import known_identifiers
        from chpso_portal.deidentify import screen

        cache.clear()
        known = known_identifiers()
        assert known.person_names  # the demo accounts are known to the screening
        problems = []
        for report in IncidentReport.objects.all():
            for name in ("narrative", "location_detail", "near_miss_recovery", "pso_summary",
                         "feedback", "withdrawal_reason"):
                for finding in screen(getattr(report, name), known):
                    if str(finding.kind) in IDENTIFYING_KINDS:
                        problems.append((report.source_id, name, finding.kind, finding.text))
        assert problems == []

    def test_a_demo_report_shows_a_conversation_between_lead_and_nurse(self, demo):
        from cases.models import MessageSide, ReportMessage

        messages = list(ReportMessage.objects.filter(report__source_id="mercy-06")
                        .select_related("report", "author"))
        assert [m.side for m in messages] == [MessageSide.REVIEWER, MessageSide.REPORTER,
                                              MessageSide.REPORTER]
        report = messages[0].report
        assert report.status == ReportStatus.IN_REVIEW
        assert {m.author for m in messages} == {report.reporter, messages[0].author}
