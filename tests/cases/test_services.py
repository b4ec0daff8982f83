"""Services of incident reports: the lifecycle, its rules, its audit rows and notices."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.models import Addendum, IncidentReport, ReportSequence, ReportStatus, SentReport
from chpso_portal.audit.models import AuditEvent
from chpso_portal.notifications.models import Notification
from tests.factories import ReportFactory


def valid_data(**overrides):
    today = timezone.localdate()
    data = {
        "event_type": "incident",
        "category": "medication",
        "event_date": today - timedelta(days=2),
        "event_time": None,
        "discovered_date": today - timedelta(days=1),
        "location_type": "med_surg",
        "location_detail": "medication room",
        "narrative": "A dose was given two hours late after the pump alarm was silenced.",
        "harm_level": "mild",
        "harm_duration": "temporary",
        "medication_category": "D",
        "near_miss_recovery": "",
        "reporter_hidden": False,
    }
    data.update(overrides)
    return data


def submitted(world, reporter=None, **overrides):
    reporter = reporter or world.staff
    draft = services.report_save_draft(hospital=world.hospital, reporter=reporter,
                                       data=valid_data(**overrides))
    return services.report_submit(report=draft, actor=reporter)


def reviewed(world, report, **fields):
    values = {"systems_issue": True, "preventability": "likely", "handover_involved": False,
              "pso_summary": "A late dose after a silenced pump alarm.",
              "feedback": "Thank you; the pump alarms are being reviewed."}
    values.update(fields)
    return services.report_review_save(report=report, actor=world.lead,
                                       factors=["communication", "health_it"], **values)


def titles(user):
    return list(Notification.objects.filter(recipient=user).order_by("created_at", "id")
                .values_list("title", flat=True))


# Drafts and submission ------------------------------------------------------------------------

def test_a_draft_has_no_reference_and_is_audited(world):
    draft = services.report_save_draft(hospital=world.hospital, reporter=world.staff,
                                       data=valid_data())
    assert draft.status == ReportStatus.DRAFT
    assert draft.reference == ""
    assert draft.hospital == world.hospital and draft.reporter == world.staff
    assert AuditEvent.objects.filter(action="create", object_id=str(draft.public_id),
                                     actor=world.staff).exists()
    services.report_save_draft(hospital=world.hospital, reporter=world.staff,
                               data={"narrative": "Changed words."}, report=draft)
    draft.refresh_from_db()
    assert draft.narrative == "Changed words."
    assert AuditEvent.objects.filter(action="update", object_id=str(draft.public_id)).exists()


def test_submit_gives_a_reference_and_thanks_the_reporter(world):
    report = submitted(world)
    year = timezone.localdate().year
    assert report.status == ReportStatus.SUBMITTED
    assert report.reference == f"MTH-{year}-0001"
    assert report.submitted_at is not None
    assert titles(world.staff) == [f"Report {report.reference} received: thank you"]
    assert AuditEvent.objects.filter(action="send", object_id=str(report.public_id)).exists()


def test_references_are_sequential_per_hospital_and_year(world):
    year = timezone.localdate().year
    first = submitted(world)
    second = submitted(world, reporter=world.lead)
    third = submitted(world)
    assert [first.reference, second.reference, third.reference] == [
        f"MTH-{year}-0001", f"MTH-{year}-0002", f"MTH-{year}-0003"]
    # Another hospital counts on its own.
    other = services.report_save_draft(hospital=world.other_hospital, reporter=world.other_staff,
                                       data=valid_data())
    other = services.report_submit(report=other, actor=world.other_staff)
    assert other.reference == f"VTH-{year}-0001"
    # Drafts use no number.
    services.report_save_draft(hospital=world.hospital, reporter=world.staff, data=valid_data())
    assert submitted(world).reference == f"MTH-{year}-0004"


def test_a_new_year_starts_at_one(world, time_machine):
    year = timezone.localdate().year
    assert submitted(world).reference == f"MTH-{year}-0001"
    time_machine.move_to(timezone.make_aware(timezone.datetime(year + 1, 1, 2, 12, 0)))
    assert submitted(world).reference == f"MTH-{year + 1}-0001"
    assert submitted(world).reference == f"MTH-{year + 1}-0002"
    assert set(ReportSequence.objects.filter(hospital=world.hospital)
               .values_list("year", "last")) == {(year, 1), (year + 1, 2)}


def test_allocating_several_references_reserves_a_block(world):
    refs = services.allocate_references(hospital=world.hospital, year=2026, count=3)
    assert refs == ["MTH-2026-0001", "MTH-2026-0002", "MTH-2026-0003"]
    assert services.allocate_references(hospital=world.hospital, year=2026) == ["MTH-2026-0004"]


def test_hospital_prefix_uses_initials_without_small_words(hospital_factory):
    assert services.hospital_prefix(hospital_factory.build(name="Mercy General Hospital")) == "MGH"
    assert services.hospital_prefix(
        hospital_factory.build(name="Hospital of the Good Shepherd")) == "HGS"


def test_a_report_is_submitted_once(world):
    report = submitted(world)
    with pytest.raises(ValidationError):
        services.report_submit(report=report, actor=world.staff)
    with pytest.raises(ValidationError):
        services.report_save_draft(hospital=world.hospital, reporter=world.staff,
                                   data={"narrative": "Edited after submitting"}, report=report)
    report.refresh_from_db()
    assert report.narrative.startswith("A dose was given")


def test_submit_checks_the_rules(world):
    draft = services.report_save_draft(
        hospital=world.hospital, reporter=world.staff,
        data=valid_data(event_date=timezone.localdate() + timedelta(days=1)),
    )
    with pytest.raises(ValidationError) as exc:
        services.report_submit(report=draft, actor=world.staff)
    assert "event_date" in exc.value.message_dict
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and draft.reference == ""
    assert not ReportSequence.objects.filter(hospital=world.hospital, last__gt=0).exists()


# The rules of a filed report -------------------------------------------------------------------

def errors_of(**overrides):
    try:
        services.validate_report(valid_data(**overrides))
    except ValidationError as exc:
        return exc.message_dict
    return {}


def test_a_valid_report_passes():
    assert errors_of() == {}


def test_an_unknown_date_is_allowed():
    assert errors_of(event_date=None, discovered_date=None) == {}
    assert errors_of(event_date=None) == {}


def test_dates_cannot_be_in_the_future():
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert "event_date" in errors_of(event_date=tomorrow, discovered_date=None)
    assert "discovered_date" in errors_of(discovered_date=tomorrow)


def test_discovered_on_or_after_it_happened():
    today = timezone.localdate()
    assert "discovered_date" in errors_of(event_date=today - timedelta(days=1),
                                          discovered_date=today - timedelta(days=2))
    assert errors_of(event_date=today, discovered_date=today) == {}


def test_harm_is_for_incidents_only():
    assert "harm_level" in errors_of(harm_level="")
    assert errors_of(harm_level="unknown", harm_duration="") == {}
    near_miss = {"event_type": "near_miss", "near_miss_recovery": "Barcode scan at the bedside",
                 "medication_category": "B"}
    assert "harm_level" in errors_of(**near_miss, harm_duration="")
    assert "harm_duration" in errors_of(**near_miss, harm_level="")
    assert errors_of(**near_miss, harm_level="", harm_duration="") == {}
    assert "harm_level" in errors_of(event_type="unsafe_condition", harm_duration="",
                                     medication_category="A")


def test_duration_only_for_mild_to_severe_harm():
    assert "harm_duration" in errors_of(harm_level="none", harm_duration="temporary")
    assert "harm_duration" in errors_of(harm_level="death", harm_duration="permanent")
    assert errors_of(harm_level="severe", harm_duration="permanent") == {}


def test_a_near_miss_says_what_stopped_it():
    assert "near_miss_recovery" in errors_of(event_type="near_miss", harm_level="",
                                             harm_duration="", near_miss_recovery="  ")


def test_ncc_merp_category_is_for_medication_events_only():
    assert "medication_category" in errors_of(category="fall", medication_category="D")
    assert errors_of(category="fall", medication_category="") == {}


def test_the_narrative_is_required():
    assert "narrative" in errors_of(narrative="   ")


# Review ---------------------------------------------------------------------------------------

def test_review_moves_to_in_review_and_tells_the_reporter(world):
    report = submitted(world)
    report = reviewed(world, report)
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW
    assert report.systems_issue is True and report.preventability == "likely"
    assert report.handover_involved is False
    assert sorted(report.contributing_factors.values_list("code", flat=True)) == [
        "communication", "health_it"]
    assert titles(world.staff)[1:] == [
        f"Report {report.reference} is being reviewed",
        f"New feedback on report {report.reference}",
    ]
    assert AuditEvent.objects.filter(action="update", object_id=str(report.public_id),
                                     actor=world.lead).exists()


def test_new_feedback_notifies_each_time_it_changes(world):
    report = reviewed(world, submitted(world), feedback="")
    before = Notification.objects.filter(recipient=world.staff).count()
    reviewed(world, report, feedback="First answer")
    reviewed(world, report, feedback="First answer")  # unchanged: no new notice
    reviewed(world, report, feedback="Second answer")
    assert Notification.objects.filter(recipient=world.staff).count() == before + 2


def test_review_refuses_other_fields(world):
    report = submitted(world)
    with pytest.raises(ValueError):
        services.report_review_save(report=report, actor=world.lead, factors=[],
                                    narrative="Rewritten by the lead")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_draft_cannot_be_reviewed_sent_or_withdrawn(world):
    draft = services.report_save_draft(hospital=world.hospital, reporter=world.staff,
                                       data=valid_data())
    with pytest.raises(ValidationError):
        reviewed(world, draft)
    with pytest.raises(ValidationError):
        services.report_send(report=draft, actor=world.lead)
    with pytest.raises(ValidationError):
        services.report_withdraw(report=draft, actor=world.lead, reason="Duplicate")
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT


# Sending and freezing -------------------------------------------------------------------------

def test_sending_keeps_exactly_what_was_sent(world):
    report = reviewed(world, submitted(world, reporter_hidden=True))
    copy = services.report_send(report=report, actor=world.lead)
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT and report.sent_at is not None
    assert copy.report == report and copy.hospital == world.hospital and copy.sent_by == world.lead
    data = copy.data
    assert data["reference"] == report.reference
    assert data["narrative"] == report.narrative
    assert data["event_date"] == report.event_date.isoformat()
    assert data["pso_summary"] == "A late dose after a silenced pump alarm."
    assert data["systems_issue"] is True
    assert data["contributing_factors"] == ["communication", "health_it"]
    # Never the reporter, the choice to hide them, or the feedback to them.
    assert "feedback" not in data and "reporter" not in data and "reporter_hidden" not in data
    assert world.staff.email not in str(data) and world.staff.full_name not in str(data)
    assert titles(world.staff)[-1] == f"Report {report.reference} was sent to the PSO"
    assert AuditEvent.objects.filter(action="send", summary__contains="to the PSO").exists()


def test_sending_needs_a_summary_for_the_pso(world):
    report = reviewed(world, submitted(world), pso_summary=" ")
    with pytest.raises(ValidationError):
        services.report_send(report=report, actor=world.lead)
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW
    assert not SentReport.objects.exists()


def test_a_sent_report_cannot_change_silently(world):
    report = reviewed(world, submitted(world))
    copy = services.report_send(report=report, actor=world.lead)
    with pytest.raises(ValidationError):
        reviewed(world, report, pso_summary="Changed after sending", systems_issue=False)
    with pytest.raises(ValidationError):
        services.report_send(report=report, actor=world.lead)
    with pytest.raises(ValidationError):
        services.report_withdraw(report=report, actor=world.lead, reason="Second thoughts")
    with pytest.raises(ValidationError):
        services.report_commit_to_send(report=report, actor=world.lead,
                                       send_by=timezone.localdate() + timedelta(days=3))
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT
    assert report.pso_summary == "A late dose after a silenced pump alarm."
    assert report.systems_issue is True
    assert SentReport.objects.count() == 1
    assert SentReport.objects.get().data == copy.data


def test_the_sent_copy_cannot_be_saved_again(world):
    report = reviewed(world, submitted(world))
    copy = services.report_send(report=report, actor=world.lead)
    original = dict(copy.data)
    copy.data["pso_summary"] = "Rewritten"
    with pytest.raises(ValueError):
        copy.save()
    assert SentReport.objects.get(pk=copy.pk).data == original


def test_later_changes_are_addenda(world):
    report = reviewed(world, submitted(world))
    with pytest.raises(ValidationError):
        services.report_add_addendum(report=report, actor=world.lead, text="Too early")
    services.report_send(report=report, actor=world.lead)
    with pytest.raises(ValidationError):
        services.report_add_addendum(report=report, actor=world.lead, text="  ")
    addendum = services.report_add_addendum(report=report, actor=world.lead,
                                             text="The pump model was recalled.")
    assert list(report.addenda.all()) == [addendum]
    assert Addendum.objects.get().text == "The pump model was recalled."
    assert AuditEvent.objects.filter(summary__startswith="Added an addendum").exists()


# Withdrawal and commitment --------------------------------------------------------------------

def test_withdrawal_needs_a_reason(world):
    report = submitted(world)
    with pytest.raises(ValidationError):
        services.report_withdraw(report=report, actor=world.lead, reason="  ")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_withdrawal_before_sending(world):
    report = submitted(world)
    services.report_commit_to_send(report=report, actor=world.lead,
                                   send_by=timezone.localdate() + timedelta(days=10))
    services.report_withdraw(report=report, actor=world.lead, reason="Duplicate of another")
    report.refresh_from_db()
    assert report.status == ReportStatus.WITHDRAWN
    assert report.withdrawal_reason == "Duplicate of another"
    assert report.withdrawn_at is not None and report.committed_send_by is None
    assert titles(world.staff)[-1] == f"Report {report.reference} was withdrawn"
    with pytest.raises(ValidationError):
        services.report_send(report=report, actor=world.lead)
    with pytest.raises(ValidationError):
        reviewed(world, report)
    assert not SentReport.objects.exists()


def test_commitment_to_send_by_a_date(world):
    report = submitted(world)
    send_by = timezone.localdate() + timedelta(days=14)
    services.report_commit_to_send(report=report, actor=world.lead, send_by=send_by)
    report.refresh_from_db()
    assert report.committed_send_by == send_by
    with pytest.raises(ValidationError):
        services.report_commit_to_send(report=report, actor=world.lead,
                                       send_by=timezone.localdate() - timedelta(days=1))
    report.refresh_from_db()
    assert report.committed_send_by == send_by


def test_every_change_of_status_notifies_the_reporter(world):
    report = submitted(world)
    reviewed(world, report, feedback="")
    services.report_send(report=report, actor=world.lead)
    ref = report.reference
    assert titles(world.staff) == [
        f"Report {ref} received: thank you",
        f"Report {ref} is being reviewed",
        f"Report {ref} was sent to the PSO",
    ]
    # Nobody else is told about the staff member's report.
    assert not Notification.objects.exclude(recipient=world.staff).exists()


def test_an_imported_report_has_no_reporter_to_notify(world):
    report = ReportFactory(hospital=world.hospital, reporter=None)
    reviewed(world, report)
    services.report_send(report=report, actor=world.lead)
    assert not Notification.objects.exists()


def test_reading_a_report_is_audited(world):
    report = submitted(world)
    services.report_record_view(report=report, viewer=world.lead)
    event = AuditEvent.objects.get(action="view")
    assert event.actor == world.lead and event.hospital == world.hospital
    assert event.object_id == str(report.public_id)


def test_report_str_and_frozen(world):
    draft = services.report_save_draft(hospital=world.hospital, reporter=world.staff,
                                       data=valid_data())
    assert str(draft).startswith("Draft ") and not draft.is_frozen
    report = services.report_submit(report=draft, actor=world.staff)
    assert str(report) == report.reference
    assert IncidentReport.objects.get(pk=report.pk).is_frozen is False
