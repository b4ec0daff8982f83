"""Writes of monthly data. A value is never overwritten: each entry is a new version."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.notifications import kinds
from chpso_portal.notifications.services import notify
from chpso_portal.text import day_and_month

from ..programmes.models import CollaborativeStatus, Team, TeamMember, TeamRole, TeamStatus
from .models import (
    MeasureValue,
    MonthlyReport,
    ReminderKind,
    ReportReminder,
    ReportStatus,
    ValueSource,
)

VALUE_FIELDS = ("numerator", "denominator", "value", "not_collected", "not_collected_reason")


def _same(old: MeasureValue, new: dict) -> bool:
    return all(getattr(old, field) == new[field] for field in VALUE_FIELDS)


@transaction.atomic
def value_record(*, actor, report: MonthlyReport, measure, numerator=None, denominator=None,
                 value=None, not_collected: bool = False, not_collected_reason: str = "",
                 source: str = ValueSource.FORM, correction_reason: str = "",
                 audit: bool = True) -> MeasureValue | None:
    """Enter one measure's value for the report's month as a new version.

    The current version (if any) is kept and retired, pointing at its successor. Entering the
    same figures again writes nothing and returns None. A correction of a submitted month needs
    a reason and is audited with the old and new figures.
    """
    if measure.collaborative_id != report.team.collaborative_id:
        raise ValidationError("This measure belongs to another collaborative.")
    figures = {"numerator": numerator, "denominator": denominator, "value": value,
               "not_collected": not_collected,
               "not_collected_reason": not_collected_reason.strip() if not_collected else ""}
    if not_collected:
        figures.update(numerator=None, denominator=None, value=None)
    current = (MeasureValue.objects.select_for_update()
               .filter(team_id=report.team_id, measure=measure, month=report.month,
                       is_current=True).first())
    if current is not None and _same(current, figures):
        return None
    if report.is_submitted and current is not None and not correction_reason.strip():
        raise ValidationError("Say why a submitted month is corrected.")
    new = MeasureValue(
        report=report, team_id=report.team_id, measure=measure, month=report.month,
        version=(current.version + 1) if current else 1, source=source,
        correction_reason=correction_reason.strip()[:300], entered_by=actor, **figures,
    )
    new.full_clean(exclude=["report", "team", "measure", "entered_by", "superseded_by"],
                   validate_unique=False, validate_constraints=False)
    if current is not None:
        # Retire first: the partial unique index allows one current row at a time.
        current.is_current = False
        current.superseded_at = timezone.now()
        current.save(update_fields=["is_current", "superseded_at"])
    new.save()
    if current is not None:
        current.superseded_by = new
        current.save(update_fields=["superseded_by"])
    if audit and current is not None and report.is_submitted:
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=report, hospital=report.team.hospital,
            summary=f"Corrected {measure.short_name} for {report.month:%Y-%m}",
            detail={"measure": str(measure.public_id), "month": f"{report.month:%Y-%m}",
                    "old_version": current.version, "new_version": new.version,
                    "old": {f: str(getattr(current, f)) for f in VALUE_FIELDS},
                    "new": {f: str(figures[f]) for f in VALUE_FIELDS},
                    "reason": new.correction_reason},
        )
    return new


# --- The monthly cycle -------------------------------------------------------------------

NARRATIVE_FIELDS = ("what_we_tested", "what_we_learned", "what_is_next")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def due_date(collaborative, month: date) -> date:
    """A month's report is due on the collaborative's due day of the following month."""
    return next_month(month).replace(day=collaborative.report_due_day)


def month_now_due(collaborative, today: date | None = None) -> date:
    """The month whose report falls due this calendar month: last month."""
    today = today or timezone.localdate()
    return previous_month(month_start(today))


def _check_team_worker(team, actor) -> None:
    if not TeamMember.objects.active().filter(team=team, user=actor).exclude(
            role=TeamRole.PATIENT_PARTNER).exists():
        raise ValidationError("Only the team's members enter its monthly report.")
    if team.status != TeamStatus.ENROLLED:
        raise ValidationError("The team is not enrolled.")


@transaction.atomic
def report_start(*, team, actor, month: date) -> MonthlyReport:
    """The team's report for `month`, started as a draft if there is none yet."""
    _check_team_worker(team, actor)
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise ValidationError("A month is reported once it has begun.")
    report, created = MonthlyReport.objects.get_or_create(
        team=team, month=month, defaults={"created_by": actor})
    if created:
        audit_record(actor=actor, action=AuditAction.CREATE, obj=report, hospital=team.hospital,
                     summary=f"Monthly report {month:%Y-%m} started")
    return report


@transaction.atomic
def report_save(*, report, actor, values: dict, narrative: dict | None = None,
                progress_score=None, correction_reason: str = "") -> int:
    """Save the draft (or correct a submitted month). `values` maps a measure to a dict of
    numerator, denominator, value, not_collected, not_collected_reason. Returns how many values
    got a new version. A correction of a submitted month needs a reason; the narrative and score
    of a submitted month change only with one too, and the report's revision goes up."""
    _check_team_worker(report.team, actor)
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    source = ValueSource.CORRECTION if report.is_submitted else ValueSource.FORM
    changed = 0
    errors = {}
    for measure, figures in values.items():
        try:
            if value_record(actor=actor, report=report, measure=measure, source=source,
                            correction_reason=correction_reason, **figures) is not None:
                changed += 1
        except ValidationError as exc:
            errors[measure.short_name] = exc.messages
    if errors:
        raise ValidationError({name: msgs for name, msgs in errors.items()})
    fields_changed = []
    for field, text in (narrative or {}).items():
        if field in NARRATIVE_FIELDS and getattr(report, field) != text.strip():
            setattr(report, field, text.strip())
            fields_changed.append(field)
    if progress_score is not None and report.progress_score != progress_score:
        report.progress_score = progress_score
        fields_changed.append("progress_score")
    if fields_changed and report.is_submitted and not correction_reason.strip():
        raise ValidationError("Say why a submitted month is corrected.")
    if report.is_submitted and (changed or fields_changed):
        report.revision += 1
        fields_changed.append("revision")
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=report,
                     hospital=report.team.hospital,
                     summary=f"Monthly report {report.month:%Y-%m} corrected",
                     detail={"reason": correction_reason.strip()[:300],
                             "fields": fields_changed, "values": changed})
    if fields_changed:
        report.updated_at = timezone.now()
        report.save(update_fields=[*fields_changed, "updated_at"])
    if report.is_submitted and (changed or fields_changed):
        _charts_changed(report.team_id)
    return changed


def _charts_changed(team_id) -> None:
    from ..feedback.selectors import team_charts_changed

    team_charts_changed(team_id)


def missing_measures(report) -> list:
    from .models import Measure

    have = set(MeasureValue.objects.current().filter(team_id=report.team_id, month=report.month)
               .values_list("measure_id", flat=True))
    return [m for m in Measure.objects.filter(collaborative_id=report.team.collaborative_id,
                                              is_active=True) if m.pk not in have]


@transaction.atomic
def report_submit(*, report, actor) -> MonthlyReport:
    _check_team_worker(report.team, actor)
    report = MonthlyReport.objects.select_for_update().select_related("team__collaborative") \
        .get(pk=report.pk)
    if report.is_submitted:
        raise ValidationError("This month is submitted already; correct it instead.")
    missing = missing_measures(report)
    if missing:
        raise ValidationError("Enter every measure, or mark it not collected with a reason: "
                              + ", ".join(m.name for m in missing) + ".")
    if report.progress_score is None:
        raise ValidationError({"progress_score": "Choose the team's progress score."})
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = actor
    report.save(update_fields=["status", "submitted_at", "submitted_by"])
    audit_record(actor=actor, action=AuditAction.SEND, obj=report, hospital=report.team.hospital,
                 summary=f"Monthly report {report.month:%Y-%m} submitted")
    _charts_changed(report.team_id)
    return report


def _team_workers(team):
    from ..programmes.services import team_people

    return team_people(team)


def latest_past_due_month(collaborative, today: date | None = None) -> date:
    """The latest month whose due date has passed."""
    today = today or timezone.localdate()
    month = month_now_due(collaborative, today)
    return month if today > due_date(collaborative, month) else previous_month(month)


def _in_reporting(collaborative, month: date, team) -> bool:
    start = collaborative.starts_on or team.enrolled_at.date()
    return month >= month_start(start) and (collaborative.ends_on is None
                                            or month <= collaborative.ends_on)


def reports_send_reminders(today: date | None = None) -> dict[str, int]:
    """Daily: in the days before the due day, remind teams whose month is not submitted; once
    the due day has passed, tell them and their faculty it is late. Each reminder is recorded
    (team, month, kind) and sent once, however often the task runs."""
    from ..programmes.services import faculty_people

    today = today or timezone.localdate()
    counts = {ReminderKind.DUE_SOON.value: 0, ReminderKind.LATE.value: 0}
    teams = (Team.objects.enrolled()
             .filter(collaborative__status__in=[CollaborativeStatus.ENROLLING,
                                                CollaborativeStatus.RUNNING])
             .select_related("collaborative", "hospital"))
    for team in teams:
        collaborative = team.collaborative
        wanted = []
        month = month_now_due(collaborative, today)
        due = due_date(collaborative, month)
        if due - timedelta(days=collaborative.reminder_days_before) <= today <= due:
            wanted.append((ReminderKind.DUE_SOON, month,
                           f"{collaborative.name}: the {month:%B %Y} report is due "
                           f"{day_and_month(due)}"))
        late_month = latest_past_due_month(collaborative, today)
        wanted.append((ReminderKind.LATE, late_month,
                       f"{collaborative.name}: a {late_month:%B %Y} report is late"))
        for kind, month, title in wanted:
            if not _in_reporting(collaborative, month, team):
                continue
            if MonthlyReport.objects.filter(team=team, month=month,
                                            status=ReportStatus.SUBMITTED).exists():
                continue
            recipients = list(_team_workers(team))
            if kind == ReminderKind.LATE:
                recipients += list(faculty_people(collaborative))
            with transaction.atomic():
                _, created = ReportReminder.objects.get_or_create(team=team, month=month,
                                                                  kind=kind)
                if not created:
                    continue
                # The same title goes to faculty: it names the collaborative, not the team.
                notify(kind=kinds.LC_REPORT_REMINDER,
                       event_key=f"lc-report-{kind}:{team.pk}:{month:%Y-%m}",
                       recipients=recipients, title=title,
                       link=reverse("lc-team", args=[team.public_id]))
            counts[kind.value] += 1
    return counts


def late_teams(collaborative, today: date | None = None):
    """(month, due date, teams): enrolled teams whose report for the latest past-due month is
    not submitted (one query)."""
    today = today or timezone.localdate()
    month = latest_past_due_month(collaborative, today)
    due = due_date(collaborative, month)
    submitted = MonthlyReport.objects.filter(team=OuterRef("pk"), month=month,
                                             status=ReportStatus.SUBMITTED)
    teams = (collaborative.teams.enrolled().filter(~Exists(submitted))
             .select_related("hospital", "peer_code").order_by("hospital__name"))
    if collaborative.starts_on and month < month_start(collaborative.starts_on):
        teams = teams.none()
    return month, due, list(teams)
