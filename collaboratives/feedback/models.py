"""Marked changes on a team's charts, and the positive-deviance flags of a collaborative."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ChartPhase(models.Model):
    """A change the team marks on one measure's chart: from `month` on, the centre line and
    limits are computed again (the phase before keeps its own, frozen)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey("collaboratives.Team", on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey("collaboratives.Measure", on_delete=models.CASCADE,
                                related_name="+")
    month = models.DateField(help_text="The first month after the change.")
    label = models.CharField(max_length=80, help_text="What changed, e.g. 'Bundle adopted'.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["month"]
        constraints = [models.UniqueConstraint(fields=["team", "measure", "month"],
                                               name="chart_phase_once")]

    def __str__(self):
        return f"{self.label} from {self.month:%Y-%m}"


class DevianceStatus(models.TextChoices):
    FLAGGED = "flagged", "Flagged to the coordinators"
    ASKED = "asked", "Asked to share"
    NAMED = "named", "Agreed to share, named"
    CODED = "coded", "Agreed to share, under its code"
    DECLINED = "declined", "Declined to share"


class DevianceFlag(models.Model):
    """A team beyond the better-side 99.8% limit of a measure's funnel for three months or more:
    flagged to the coordinators, who may ask it to share what it does. The team chooses whether
    to be named; until it agrees it stays a code."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    collaborative = models.ForeignKey("collaboratives.LearningCollaborative",
                                      on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey("collaboratives.Measure", on_delete=models.CASCADE,
                                related_name="+")
    team = models.ForeignKey("collaboratives.Team", on_delete=models.CASCADE, related_name="+")
    first_month = models.DateField()
    last_month = models.DateField()
    months = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=DevianceStatus.choices,
                              default=DevianceStatus.FLAGGED)
    detected_at = models.DateTimeField(default=timezone.now)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(null=True, blank=True)
    how_to_share = models.CharField(
        max_length=300, blank=True,
        help_text="Where the team would share: a learning session, a call, a post.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at"]
        constraints = [models.UniqueConstraint(fields=["measure", "team"],
                                               name="deviance_flag_once")]
        indexes = [models.Index(fields=["collaborative", "status"], name="deviance_status")]

    def __str__(self):
        return f"Positive deviance of team {self.team_id} on measure {self.measure_id}"

    @property
    def named(self) -> bool:
        return self.status == DevianceStatus.NAMED


NAMED_Q = Q(status=DevianceStatus.NAMED)
