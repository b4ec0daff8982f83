"""Learning collaborative services: charter versions, enrolment, the monthly cycle, CSV upload,
PDSA ramps, faculty comments and coaching notes."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from chpso_portal.audit.models import AuditEvent
from chpso_portal.notifications.models import Notification
from collaboratives.measures import services as monthly
from collaboratives.measures import upload
from collaboratives.measures.models import (
    MeasureValue,
    MonthlyReport,
    ReportReminder,
    ReportStatus,
)
from collaboratives.pdsa import services as pdsa
from collaboratives.programmes import services
from collaboratives.programmes.models import (
    CollaborativeStatus,
    Team,
    TeamMember,
    TeamRole,
    TeamStatus,
)

from .learning import enrol, make_collaborative

pytestmark = pytest.mark.django_db


@pytest.fixture
def lc(world):
    return make_collaborative(world)


@pytest.fixture
def team(world, lc):
    return enrol(lc, world.hospital, world.lead, members=[(world.staff, TeamRole.NURSE)])


def measures(lc):
    return {m.short_name: m for m in lc.measures.all()}


def full_month(world, team, month, *, submit=True, falls=2):
    m = measures(team.collaborative)
    report = monthly.report_start(team=team, actor=world.lead, month=month)
    monthly.report_save(report=report, actor=world.lead, values={
        m["falls_injury"]: {"numerator": falls, "denominator": 1000},
        m["bundle"]: {"numerator": 40, "denominator": 50},
        m["restraints"]: {"not_collected": True, "not_collected_reason": "Audit paused"},
    }, narrative={"what_we_tested": "Hourly rounding"}, progress_score=Decimal("2.5"))
    if submit:
        monthly.report_submit(report=report, actor=world.lead)
    report.refresh_from_db()
    return report


# --- Charter -----------------------------------------------------------------------------


def test_charter_versions_are_kept_and_a_change_after_enrolment_is_announced(world):
    lc = services.collaborative_create(
        actor=world.coordinator, faculty=[world.facilitator], name="Sepsis", topic="Sepsis",
        aim_statement="Treat within an hour", teams_named=False, report_due_day=10)
    assert lc.charter_versions.count() == 1
    services.change_idea_add(collaborative=lc, actor=world.facilitator, title="Sepsis screen")
    assert lc.charter_versions.count() == 2
    assert not lc.charter_versions.get(number=2).announced  # nobody enrolled yet
    lc.status = CollaborativeStatus.RUNNING
    lc.save()
    enrol(lc, world.hospital, world.lead, members=[(world.staff, TeamRole.NURSE)])
    version = services.collaborative_update(collaborative=lc, actor=world.coordinator,
                                            change_summary="Aim sharpened",
                                            aim_statement="Treat within 45 minutes")
    assert version.number == 3 and version.announced
    assert version.snapshot["aim_statement"] == "Treat within 45 minutes"
    assert lc.charter_versions.get(number=1).snapshot["aim_statement"] == "Treat within an hour"
    told = set(Notification.objects.filter(kind="lc_charter_changed")
               .values_list("recipient__email", flat=True))
    assert told == {"lead@mercy.test", "nurse@mercy.test"}
    # Saving with nothing changed keeps no new version.
    assert services.collaborative_update(collaborative=lc, actor=world.coordinator) is None


def test_only_coordinators_charter_and_faculty_must_be_pso_staff(world):
    with pytest.raises(ValidationError):
        services.collaborative_create(actor=world.facilitator, name="x", topic="x",
                                      aim_statement="x")
    with pytest.raises(ValidationError):
        services.collaborative_create(actor=world.coordinator, faculty=[world.lead], name="x",
                                      topic="x", aim_statement="x")


# --- Enrolment ---------------------------------------------------------------------------


def test_invited_hospital_enrols_naming_sponsor_and_lead_and_gets_a_peer_code(world, lc):
    team = services.team_invite(collaborative=lc, actor=world.coordinator,
                                hospital=world.other_hospital)
    assert team.status == TeamStatus.INVITED
    assert Notification.objects.filter(recipient=world.other_lead, kind="lc_enrolment").exists()
    team = services.team_enrol(collaborative=lc, actor=world.other_lead,
                               hospital=world.other_hospital, sponsor=world.other_lead,
                               team_lead=world.other_staff)
    assert team.status == TeamStatus.ENROLLED and team.peer_code.code
    roles = dict(team.members.values_list("user__email", "role"))
    assert roles == {"nurse@valley.test": TeamRole.TEAM_LEAD,
                     "lead@valley.test": TeamRole.SPONSOR}


def test_an_application_waits_for_a_coordinator(world, lc):
    team = services.team_enrol(collaborative=lc, actor=world.lead, hospital=world.hospital,
                               sponsor=world.lead, team_lead=world.lead)
    assert team.status == TeamStatus.APPLIED and not hasattr(team, "peer_code_cache")
    with pytest.raises(ValidationError):
        services.team_decide(team=team, actor=world.facilitator, accept=True)
    services.team_decide(team=team, actor=world.coordinator, accept=True)
    team.refresh_from_db()
    assert team.status == TeamStatus.ENROLLED


def test_a_hospital_without_a_contract_in_force_cannot_join(world, lc):
    with pytest.raises(ValidationError):
        services.team_invite(collaborative=lc, actor=world.coordinator,
                             hospital=world.expired_hospital)
    with pytest.raises(ValidationError):
        services.team_enrol(collaborative=lc, actor=world.expired_lead,
                            hospital=world.expired_hospital, sponsor=world.expired_lead,
                            team_lead=world.expired_lead)


def test_sponsor_and_lead_come_from_the_hospital(world, lc):
    with pytest.raises(ValidationError):
        services.team_enrol(collaborative=lc, actor=world.lead, hospital=world.hospital,
                            sponsor=world.other_lead, team_lead=world.lead)


def test_team_lead_adds_members_of_the_hospital_only(world, lc, team):
    staff_membership = world.hospital.memberships.get(user=world.staff)
    with pytest.raises(ValidationError):  # already on the team
        services.team_member_add(team=team, actor=world.lead, membership=staff_membership,
                                 role=TeamRole.DATA_LEAD)
    other = world.other_hospital.memberships.get(user=world.other_staff)
    with pytest.raises(ValidationError):
        services.team_member_add(team=team, actor=world.lead, membership=other,
                                 role=TeamRole.NURSE)
    with pytest.raises(ValidationError):  # a nurse does not manage the team
        services.patient_partner_add(team=team, actor=world.staff, email="p@family.test",
                                     full_name="Pat Partner")
    partner = services.patient_partner_add(team=team, actor=world.lead,
                                           email="p@family.test", full_name="Pat Partner")
    assert partner.membership is None and not partner.user.has_usable_password()
    assert not partner.user.memberships.exists()


def test_skills_are_one_per_member_and_not_for_partners(world, lc, team):
    services.skills_submit(team=team, actor=world.staff, model_for_improvement=1,
                           measurement=2, pdsa_testing=1, teamwork=4)
    services.skills_submit(team=team, actor=world.staff, model_for_improvement=2,
                           measurement=2, pdsa_testing=1, teamwork=4)
    assert team.skills_assessments.get().model_for_improvement == 2
    partner = services.patient_partner_add(team=team, actor=world.lead,
                                           email="p@family.test", full_name="Pat Partner")
    with pytest.raises(ValidationError):
        services.skills_submit(team=team, actor=partner.user, model_for_improvement=1,
                               measurement=1, pdsa_testing=1, teamwork=1)


# --- The monthly cycle -------------------------------------------------------------------


def test_due_day_is_in_the_following_month(lc):
    lc.report_due_day = 15
    assert monthly.due_date(lc, date(2026, 12, 1)) == date(2027, 1, 15)
    assert monthly.month_now_due(lc, date(2027, 1, 3)) == date(2026, 12, 1)
    assert monthly.latest_past_due_month(lc, date(2027, 1, 15)) == date(2026, 11, 1)
    assert monthly.latest_past_due_month(lc, date(2027, 1, 16)) == date(2026, 12, 1)


def test_submission_needs_every_measure_and_a_score(world, lc, team):
    m = measures(lc)
    report = monthly.report_start(team=team, actor=world.staff, month=date(2026, 2, 1))
    monthly.report_save(report=report, actor=world.staff,
                        values={m["falls_injury"]: {"numerator": 1, "denominator": 900}})
    with pytest.raises(ValidationError, match="At-risk"):
        monthly.report_submit(report=report, actor=world.staff)
    full = full_month(world, team, date(2026, 3, 1))
    assert full.status == ReportStatus.SUBMITTED and full.submitted_by == world.lead


def test_a_correction_of_a_submitted_month_keeps_the_old_figures_and_is_audited(world, lc,
                                                                               team):
    report = full_month(world, team, date(2026, 3, 1))
    m = measures(lc)
    with pytest.raises(ValidationError):
        monthly.report_save(report=report, actor=world.lead,
                            values={m["falls_injury"]: {"numerator": 3, "denominator": 1000}})
    monthly.report_save(report=report, actor=world.lead,
                        values={m["falls_injury"]: {"numerator": 3, "denominator": 1000}},
                        correction_reason="A fall found in the chart review")
    rows = list(MeasureValue.objects.filter(team=team, measure=m["falls_injury"],
                                            month=report.month).order_by("version"))
    assert [(r.version, r.numerator, r.is_current) for r in rows] == [
        (1, Decimal("2"), False), (2, Decimal("3"), True)]
    assert rows[0].superseded_by == rows[1]
    report.refresh_from_db()
    assert report.revision == 2 and report.status == ReportStatus.SUBMITTED
    assert AuditEvent.objects.filter(object_id=str(report.public_id),
                                     summary__contains="corrected").exists()


def test_reminders_go_once_before_the_due_day_and_once_when_late(world, lc, team):
    lc.report_due_day, lc.reminder_days_before = 10, 3
    lc.starts_on = date(2026, 2, 1)  # February is the first month reported
    lc.save()
    # February's report is due March 10: reminders from March 7.
    assert monthly.reports_send_reminders(date(2026, 3, 6)) == {"due_soon": 0, "late": 0}
    assert monthly.reports_send_reminders(date(2026, 3, 7)) == {"due_soon": 1, "late": 0}
    assert monthly.reports_send_reminders(date(2026, 3, 8)) == {"due_soon": 0, "late": 0}
    assert monthly.reports_send_reminders(date(2026, 3, 11))["late"] == 1
    assert monthly.reports_send_reminders(date(2026, 3, 12))["late"] == 0
    kinds = set(ReportReminder.objects.values_list("kind", "month"))
    assert kinds == {("due_soon", date(2026, 2, 1)), ("late", date(2026, 2, 1))}
    late = Notification.objects.filter(kind="lc_report_reminder", title__contains="late")
    assert set(late.values_list("recipient__email", flat=True)) == {
        "lead@mercy.test", "nurse@mercy.test", "facilitator@pso.test"}


def test_no_reminder_for_a_submitted_month(world, lc, team, time_machine):
    lc.starts_on = date(2026, 2, 1)
    lc.save()
    time_machine.move_to(date(2026, 3, 5))
    full_month(world, team, date(2026, 2, 1))
    assert monthly.reports_send_reminders(date(2026, 3, 8)) == {"due_soon": 0, "late": 0}
    assert monthly.reports_send_reminders(date(2026, 3, 20)) == {"due_soon": 0, "late": 0}


def test_late_list_names_teams_without_a_submitted_month(world, lc, team, time_machine):
    other = enrol(lc, world.other_hospital, world.other_lead)
    time_machine.move_to(date(2026, 3, 5))
    full_month(world, team, date(2026, 2, 1))
    month, due, late = monthly.late_teams(lc, date(2026, 3, 20))
    assert (month, due) == (date(2026, 2, 1), date(2026, 3, 15))
    assert late == [other]
    # Before March 15, the latest past-due month is January, which nobody submitted.
    assert monthly.late_teams(lc, date(2026, 3, 14))[0] == date(2026, 1, 1)


def test_a_month_cannot_be_reported_before_it_begins(world, lc, team):
    with pytest.raises(ValidationError):
        monthly.report_start(team=team, actor=world.lead, month=date(2099, 1, 1))


def test_a_patient_partner_cannot_enter_data(world, lc, team):
    partner = services.patient_partner_add(team=team, actor=world.lead,
                                           email="p@family.test", full_name="Pat Partner")
    with pytest.raises(ValidationError):
        monthly.report_start(team=team, actor=partner.user, month=date(2026, 1, 1))


# --- CSV upload --------------------------------------------------------------------------

GOOD = (
    "# Patient Safety Work Product\n"
    "month,measure,numerator,denominator,value,not_collected_reason,correction_reason\n"
    "2025-01,falls_injury,3,1210,,,\n"
    "2025-01,bundle,30,48,,,\n"
    "2025-01,restraints,,,,Audit paused,\n"
    "2025-02,falls_injury,2,1105,,,\n"
)


def test_upload_saves_every_row(world, lc, team):
    result = upload.upload_save(team=team, actor=world.staff, content=GOOD.encode())
    assert result == {"saved": 4, "months": [date(2025, 1, 1), date(2025, 2, 1)]}
    assert MonthlyReport.objects.filter(team=team).count() == 2
    value = MeasureValue.objects.get(team=team, month=date(2025, 1, 1),
                                     measure__short_name="falls_injury")
    assert (value.numerator, value.denominator, value.source) == (3, 1210, "csv")


def test_upload_names_bad_rows_and_saves_nothing(world, lc, team):
    bad = GOOD + (
        "2025-13,falls_injury,1,100,,,\n"        # line 7: not a month
        "2025-03,unknown,1,100,,,\n"             # line 8: no such measure
        "2025-03,bundle,60,50,,,\n"              # line 9: numerator above denominator
        "2025-01,falls_injury,4,1210,,,\n"       # line 10: twice in the file
        "2025-04,falls_injury,x,100,,,\n"        # line 11: not a number
        "2025-04,restraints,2,,,Audit paused,\n"  # line 12: figures and not collected
    )
    result = upload.upload_save(team=team, actor=world.staff, content=bad.encode())
    named = {(e["row"], e["column"]) for e in result["errors"]}
    assert named == {(7, "month"), (8, "measure"), (9, "numerator"), (10, "measure"),
                     (11, "numerator"), (12, "not_collected_reason")}
    assert not MonthlyReport.objects.filter(team=team).exists()
    assert not MeasureValue.objects.filter(team=team).exists()


def test_upload_over_a_submitted_month_needs_a_reason_and_keeps_the_old(world, lc, team,
                                                                       time_machine):
    time_machine.move_to(date(2025, 2, 5))
    full_month(world, team, date(2025, 1, 1))
    result = upload.upload_save(team=team, actor=world.lead, content=GOOD.encode())
    assert {e["column"] for e in result["errors"]} == {"correction_reason"}
    fixed = GOOD.replace("2025-01,falls_injury,3,1210,,,",
                         "2025-01,falls_injury,3,1210,,,Chart review")
    fixed = fixed.replace("2025-01,bundle,30,48,,,", "2025-01,bundle,30,48,,,Chart review")
    fixed = fixed.replace("Audit paused,", "Audit paused,Chart review")
    time_machine.move_to(date(2025, 3, 5))
    assert "saved" in upload.upload_save(team=team, actor=world.lead, content=fixed.encode())
    versions = MeasureValue.objects.filter(team=team, month=date(2025, 1, 1),
                                           measure__short_name="falls_injury")
    assert sorted(versions.values_list("version", "is_current")) == [(1, False), (2, True)]


def test_upload_refuses_a_file_that_is_not_text(world, lc, team):
    result = upload.upload_save(team=team, actor=world.lead, content=b"\xff\xfe\x00bad")
    assert result["errors"][0]["message"] == "The file is not UTF-8 text."


# --- PDSA, comments, notes, spread --------------------------------------------------------


def test_a_ramp_of_cycles_reads_as_one_story(world, lc, team):
    idea = lc.change_ideas.get()
    first = pdsa.cycle_create(team=team, actor=world.staff, change_idea=idea,
                              title="Round on one bay", objective="Try hourly rounding",
                              measures=[measures(lc)["falls_injury"]])
    second = pdsa.cycle_create(team=team, actor=world.staff, change_idea=idea, follows=first,
                               title="Round on the whole unit", objective="Scale up")
    pdsa.cycle_create(team=team, actor=world.staff, own_idea="Bed alarms",
                      title="Bed alarms", objective="Another idea")
    third = pdsa.cycle_create(team=team, actor=world.staff, change_idea=idea, follows=second,
                              title="Nights too", objective="Night shift")
    assert [c.title for c in pdsa.ramp_of(third)] == [
        "Round on one bay", "Round on the whole unit", "Nights too"]
    assert [c.number for c in pdsa.ramp_of(first)] == [1, 2, 4]
    updated = pdsa.cycle_update(cycle=third, actor=world.staff, change_idea=idea,
                                follows=second, do_notes="Done for two weeks",
                                study_notes="Falls down as predicted", decision="adopt")
    assert updated.stage == "act" and updated.completed_on is not None


def test_pdsa_log_is_kept_by_the_team_only(world, lc, team):
    other = enrol(lc, world.other_hospital, world.other_lead)
    with pytest.raises(ValidationError):
        pdsa.cycle_create(team=team, actor=world.other_lead, own_idea="x", title="x",
                          objective="x")
    mine = pdsa.cycle_create(team=other, actor=world.other_lead, own_idea="x", title="x",
                             objective="x")
    with pytest.raises(ValidationError):  # a ramp stays within one team
        pdsa.cycle_create(team=team, actor=world.lead, own_idea="y", title="y",
                          objective="y", follows=mine)


def test_faculty_comment_tells_the_team_and_notes_stay_private(world, lc, team):
    cycle = pdsa.cycle_create(team=team, actor=world.staff, own_idea="x", title="x",
                              objective="x")
    with pytest.raises(ValidationError):
        pdsa.comment_add(team=team, actor=world.lead, cycle=cycle, text="Self praise")
    pdsa.comment_add(team=team, actor=world.facilitator, cycle=cycle, text="Try nights next")
    assert set(Notification.objects.filter(kind="lc_faculty_comment")
               .values_list("recipient__email", flat=True)) == {"lead@mercy.test",
                                                                 "nurse@mercy.test"}
    with pytest.raises(ValidationError):
        pdsa.coaching_note_add(team=team, actor=world.lead, text="x")
    pdsa.coaching_note_add(team=team, actor=world.facilitator, text="Lead is stretched")
    assert not Notification.objects.filter(body__contains="stretched").exists()


def test_spread_is_recorded_for_adopted_cycles(world, lc, team):
    cycle = pdsa.cycle_create(team=team, actor=world.staff, own_idea="x", title="x",
                              objective="x")
    with pytest.raises(ValidationError):
        services.spread_record(team=team, actor=world.staff, change="Rounding",
                               spread_to="5 East", spread_on=date(2026, 5, 1), cycle=cycle)
    pdsa.cycle_update(cycle=cycle, actor=world.staff, decision="adopt", study_notes="Worked")
    record = services.spread_record(team=team, actor=world.staff, change="Rounding",
                                    spread_to="5 East", spread_on=date(2026, 5, 1),
                                    cycle=cycle)
    assert record.cycle == cycle


def test_event_reminders_go_once_with_an_ics(world, lc, team):
    from django.utils import timezone

    from chpso_portal.notifications.models import OutboxEmail
    from collaboratives.programmes.models import CalendarEvent

    now = timezone.now()
    event = services.event_create(collaborative=lc, actor=world.facilitator,
                                  kind="monthly_call", title="February call",
                                  starts_at=now + timedelta(days=1),
                                  ends_at=now + timedelta(days=1, hours=1))
    services.event_create(collaborative=lc, actor=world.facilitator, kind="monthly_call",
                          title="Later call", starts_at=now + timedelta(days=9),
                          ends_at=now + timedelta(days=9, hours=1))
    assert services.events_send_reminders(now) == 1
    assert services.events_send_reminders(now) == 0
    event.refresh_from_db()
    assert event.reminder_sent_at is not None
    told = set(Notification.objects.filter(kind="lc_event_reminder")
               .values_list("recipient__email", flat=True))
    assert told == {"lead@mercy.test", "nurse@mercy.test", "facilitator@pso.test"}
    email = OutboxEmail.objects.filter(kind="lc_event_reminder").first()
    assert email.attachments[0]["content"].startswith("BEGIN:VCALENDAR")
    assert CalendarEvent.objects.filter(reminder_sent_at__isnull=True).count() == 1


def test_attendance_is_for_the_collaboratives_people(world, lc, team):
    from django.utils import timezone

    now = timezone.now()
    event = services.event_create(collaborative=lc, actor=world.facilitator,
                                  kind="learning_session", title="LS1", starts_at=now,
                                  ends_at=now + timedelta(hours=6))
    with pytest.raises(ValidationError):
        services.attendance_record(event=event, actor=world.facilitator,
                                   present_user_ids=[world.other_lead.pk])
    assert services.attendance_record(event=event, actor=world.facilitator,
                                      present_user_ids=[world.lead.pk]) == 1
    assert set(event.attendance.filter(attended=True).values_list("user_id", flat=True)) == {
        world.lead.pk}


def test_removed_member_loses_the_place(world, lc, team):
    member = team.members.get(user=world.staff)
    services.team_member_remove(member=member, actor=world.lead)
    assert not TeamMember.objects.active().filter(team=team, user=world.staff).exists()
    assert Team.objects.get(pk=team.pk).status == TeamStatus.ENROLLED
