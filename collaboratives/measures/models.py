"""Measures with their operational definitions, and each team's monthly data.

A MeasureValue row is never overwritten. Entering a value again (a draft edited, a submitted
month corrected) writes a new row with the next version number; the old row is kept, marked not
current and pointing at the row that replaced it. At most one row is current per team, measure
and month (a partial unique constraint), and `MeasureValue.save` refuses to change a saved row
except to retire it.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..programmes.models import LearningCollaborative, Team


class MeasureType(models.TextChoices):
    OUTCOME = "outcome", "Outcome"
    PROCESS = "process", "Process"
    BALANCING = "balancing", "Balancing"


class MeasureKind(models.TextChoices):
    PROPORTION = "proportion", "Proportion (numerator / denominator)"
    RATE = "rate", "Rate per N units"
    COUNT = "count", "Count"
    CONTINUOUS = "continuous", "Continuous value"


# Kinds entered as a numerator and a denominator; the others as one value.
RATIO_KINDS = (MeasureKind.PROPORTION, MeasureKind.RATE)


class Direction(models.TextChoices):
    UP = "up", "Higher is better"
    DOWN = "down", "Lower is better"


class Measure(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    collaborative = models.ForeignKey(LearningCollaborative, on_delete=models.CASCADE,
                                      related_name="measures")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40, help_text="Used in CSV headers and charts.")
    type = models.CharField(max_length=10, choices=MeasureType.choices)
    kind = models.CharField(max_length=10, choices=MeasureKind.choices)
    numerator_definition = models.TextField(
        blank=True, help_text="For a count or continuous value: what is measured.")
    denominator_definition = models.TextField(blank=True)
    rate_multiplier = models.PositiveIntegerField(
        null=True, blank=True, help_text="Rates are shown per this many units (1000 patient "
                                         "days). Proportions are shown as a percentage.")
    unit = models.CharField("unit of a continuous value", max_length=40, blank=True)
    data_source = models.CharField(max_length=300, blank=True)
    sampling = models.CharField(max_length=300, blank=True,
                                help_text="All eligible patients, or how the sample is drawn.")
    frequency = models.CharField(max_length=10, default="monthly", editable=False)
    target_value = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True,
                                       help_text="In the measure's display unit.")
    direction = models.CharField("direction of improvement", max_length=4,
                                 choices=Direction.choices)
    baseline_start = models.DateField("baseline from (month)", null=True, blank=True)
    baseline_end = models.DateField("baseline to (month)", null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="rate") | Q(rate_multiplier__isnull=False,
                                                           rate_multiplier__gte=1),
                                   name="measure_rate_has_multiplier"),
            models.CheckConstraint(
                condition=Q(baseline_start__isnull=True) | Q(baseline_end__isnull=True)
                | Q(baseline_end__gte=models.F("baseline_start")),
                name="measure_baseline_ordered"),
            models.UniqueConstraint(fields=["collaborative", "short_name"],
                                    name="measure_short_name_unique"),
        ]
        indexes = [models.Index(fields=["collaborative", "is_active", "position"],
                                name="measure_list")]

    def __str__(self):
        return self.name

    @property
    def is_ratio(self) -> bool:
        return self.kind in RATIO_KINDS

    def clean(self):
        errors = {}
        if self.kind == MeasureKind.RATE and not self.rate_multiplier:
            errors["rate_multiplier"] = "A rate needs its 'per N units'."
        if self.is_ratio and not (self.numerator_definition and self.denominator_definition):
            errors["denominator_definition"] = "Define both the numerator and the denominator."
        for field in ("baseline_start", "baseline_end"):
            if getattr(self, field) and getattr(self, field).day != 1:
                errors[field] = "Give the first day of a month."
        if errors:
            raise ValidationError(errors)

    def display_value(self, numerator, denominator=None, value=None):
        """The number a person reads: a percentage, a rate per N, a count or the value."""
        if self.kind == MeasureKind.PROPORTION:
            if numerator is None or not denominator:
                return None
            return Decimal(numerator) * 100 / Decimal(denominator)
        if self.kind == MeasureKind.RATE:
            if numerator is None or not denominator:
                return None
            return Decimal(numerator) * self.rate_multiplier / Decimal(denominator)
        if self.kind == MeasureKind.COUNT:
            return numerator if numerator is not None else value
        return value


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


PROGRESS_SCALE = [
    (Decimal("0.5"), "0.5 Intent to participate"),
    (Decimal("1.0"), "1.0 Team formed"),
    (Decimal("1.5"), "1.5 Planning for the project has begun"),
    (Decimal("2.0"), "2.0 Activity, but no changes"),
    (Decimal("2.5"), "2.5 Changes tested, but no improvement"),
    (Decimal("3.0"), "3.0 Modest improvement"),
    (Decimal("3.5"), "3.5 Improvement"),
    (Decimal("4.0"), "4.0 Significant improvement"),
    (Decimal("4.5"), "4.5 Sustainable improvement"),
    (Decimal("5.0"), "5.0 Outstanding sustainable results"),
]


class MonthlyReport(models.Model):
    """A team's report for one month: narrative, progress score, and its values."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="monthly_reports")
    month = models.DateField(help_text="The first day of the month reported on.")
    status = models.CharField(max_length=10, choices=ReportStatus.choices,
                              default=ReportStatus.DRAFT)
    what_we_tested = models.TextField(blank=True)
    what_we_learned = models.TextField(blank=True)
    what_is_next = models.TextField(blank=True)
    progress_score = models.DecimalField("IHI progress score", max_digits=2, decimal_places=1,
                                         null=True, blank=True, choices=PROGRESS_SCALE)
    # Shared text passes de-identification screening before others read it.
    dismissed_findings = models.JSONField(default=list, blank=True)
    # Goes up with every correction after the first submission.
    revision = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["team", "month"], name="monthly_report_once"),
            models.CheckConstraint(
                condition=Q(progress_score__isnull=True)
                | Q(progress_score__in=[score for score, _ in PROGRESS_SCALE]),
                name="monthly_report_progress_scale"),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False,
                                                     submitted_by__isnull=False,
                                                     progress_score__isnull=False),
                name="monthly_report_submitted_complete"),
        ]
        indexes = [
            models.Index(fields=["team", "status", "-month"], name="monthly_report_team"),
            # A team's latest submission, part of its collaborative's comparisons' version.
            models.Index(fields=["team", "submitted_at"], name="monthly_report_submitted"),
            models.Index(fields=["month", "status"], name="monthly_report_month"),
        ]

    def __str__(self):
        return f"Report {self.month:%Y-%m} of team {self.team_id}"

    def clean(self):
        if self.month and self.month.day != 1:
            raise ValidationError({"month": "A report is for a month: give its first day."})

    @property
    def is_submitted(self) -> bool:
        return self.status == ReportStatus.SUBMITTED


class ValueSource(models.TextChoices):
    FORM = "form", "Entered in the monthly report"
    CSV = "csv", "Uploaded from a CSV file"
    CORRECTION = "correction", "Correction of a submitted month"


class MeasureValueQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)


class MeasureValue(models.Model):
    """One version of one team's value of one measure for one month. Never overwritten."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.PROTECT, related_name="values")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="values")
    month = models.DateField()
    numerator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    not_collected = models.BooleanField(default=False)
    not_collected_reason = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    superseded_by = models.OneToOneField("self", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="supersedes")
    superseded_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=ValueSource.choices,
                              default=ValueSource.FORM)
    correction_reason = models.CharField(max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    objects = MeasureValueQuerySet.as_manager()

    # The only fields a saved row may still change: retiring it in favour of its successor.
    RETIRE_FIELDS = frozenset({"is_current", "superseded_by", "superseded_at"})

    class Meta:
        ordering = ["month", "measure_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["team", "measure", "month"],
                                    condition=Q(is_current=True),
                                    name="measure_value_one_current"),
            models.UniqueConstraint(fields=["team", "measure", "month", "version"],
                                    name="measure_value_version_once"),
            models.CheckConstraint(
                condition=Q(not_collected=False)
                | (Q(numerator__isnull=True, denominator__isnull=True, value__isnull=True)
                   & ~Q(not_collected_reason="")),
                name="measure_value_not_collected_has_reason"),
            models.CheckConstraint(
                condition=Q(not_collected=True) | Q(numerator__isnull=False)
                | Q(value__isnull=False),
                name="measure_value_has_data"),
            models.CheckConstraint(
                condition=Q(is_current=False) | Q(superseded_by__isnull=True,
                                                  superseded_at__isnull=True),
                name="measure_value_current_not_superseded"),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gte=0),
                name="measure_value_denominator_not_negative"),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True) | Q(numerator__gte=0),
                name="measure_value_numerator_not_negative"),
        ]
        indexes = [
            # A team's series of one measure; the collaborative's values of one measure by month.
            models.Index(fields=["team", "measure", "month"], condition=Q(is_current=True),
                         name="measure_value_series"),
            models.Index(fields=["measure", "month"], condition=Q(is_current=True),
                         name="measure_value_month"),
            # The team's latest value, part of its charts' version, read on every view of
            # them: without it, PostgreSQL walks the whole table's primary key backwards.
            models.Index(fields=["team", "id"], name="measure_value_team_latest"),
            # The same for a measure, part of its comparison's version.
            models.Index(fields=["measure", "id"], name="measure_value_measure_latest"),
        ]

    def __str__(self):
        return f"{self.measure_id} {self.month:%Y-%m} v{self.version} (team {self.team_id})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= self.RETIRE_FIELDS:
                raise ValidationError("A saved monthly value is never changed: enter a new "
                                      "version instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Monthly values are kept: enter a new version instead.")

    def clean(self):
        errors = {}
        measure = self.measure
        if self.not_collected:
            if not self.not_collected_reason.strip():
                errors["not_collected_reason"] = "Say why this month was not collected."
        elif measure.is_ratio:
            if self.numerator is None or self.denominator is None:
                errors["numerator"] = "Give the numerator and the denominator."
            elif (measure.kind == MeasureKind.PROPORTION and self.denominator is not None
                  and self.numerator is not None and self.numerator > self.denominator):
                errors["numerator"] = "A proportion's numerator cannot exceed its denominator."
        elif measure.kind == MeasureKind.COUNT:
            if self.numerator is None:
                errors["numerator"] = "Give the count."
        elif self.value is None:
            errors["value"] = "Give the value."
        if errors:
            raise ValidationError(errors)

    @property
    def display(self):
        if self.not_collected:
            return None
        return self.measure.display_value(self.numerator, self.denominator, self.value)


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Report due soon"
    LATE = "late", "Report late"


class ReportReminder(models.Model):
    """A reminder about one team's month, recorded so the beat task sends each one once."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "month", "kind"], name="report_reminder_once"),
        ]

    def __str__(self):
        return f"{self.kind} {self.month:%Y-%m} team {self.team_id}"
