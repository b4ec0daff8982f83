"""A team's PDSA log, faculty comments on it and on monthly reports, faculty's private notes.

Cycles that build on each other form a ramp: each cycle names the one it follows, and every cycle
of a ramp names the ramp's first cycle (`ramp_start`, empty on the first itself), so a whole ramp
is read in one query and reads as one story.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..measures.models import Measure, MonthlyReport
from ..programmes.models import ChangeIdea, Team


class PdsaStage(models.TextChoices):
    PLAN = "plan", "Plan"
    DO = "do", "Do"
    STUDY = "study", "Study"
    ACT = "act", "Act (decided)"


class PdsaDecision(models.TextChoices):
    ADOPT = "adopt", "Adopt"
    ADAPT = "adapt", "Adapt"
    ABANDON = "abandon", "Abandon"


class PdsaCycle(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="pdsa_cycles")
    number = models.PositiveIntegerField(help_text="The team's own running number.")
    title = models.CharField(max_length=200)
    change_idea = models.ForeignKey(ChangeIdea, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="pdsa_cycles")
    own_idea = models.CharField("the team's own idea", max_length=300, blank=True)
    # Plan
    objective = models.TextField()
    question = models.TextField("question to answer", blank=True)
    prediction = models.TextField(blank=True)
    plan_who = models.CharField("who", max_length=300, blank=True)
    plan_where = models.CharField("where", max_length=300, blank=True)
    plan_when = models.CharField("when", max_length=300, blank=True)
    data_to_collect = models.TextField(blank=True)
    # Do, Study, Act
    do_notes = models.TextField("what happened", blank=True)
    study_notes = models.TextField("result against the prediction", blank=True)
    decision = models.CharField(max_length=8, choices=PdsaDecision.choices, blank=True)
    act_notes = models.TextField("what we will do next", blank=True)
    stage = models.CharField(max_length=6, choices=PdsaStage.choices, default=PdsaStage.PLAN)
    measures = models.ManyToManyField(Measure, blank=True, related_name="pdsa_cycles",
                                      help_text="The measures this change should move.")
    follows = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="next_cycles",
                                help_text="The cycle this one builds on.")
    ramp_start = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="ramp_cycles", editable=False)
    started_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    dismissed_findings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["team", "number"], name="pdsa_number_once"),
            models.CheckConstraint(condition=Q(change_idea__isnull=False) | ~Q(own_idea=""),
                                   name="pdsa_has_idea"),
            models.CheckConstraint(condition=~Q(stage="act") | ~Q(decision=""),
                                   name="pdsa_act_has_decision"),
            models.CheckConstraint(condition=~Q(follows=models.F("id")),
                                   name="pdsa_not_following_itself"),
        ]
        indexes = [
            models.Index(fields=["team", "-number"], name="pdsa_team_log"),
            models.Index(fields=["team", "decision"], name="pdsa_team_decision"),
        ]

    def __str__(self):
        return f"PDSA {self.number}: {self.title}"

    @property
    def idea_label(self) -> str:
        return self.change_idea.title if self.change_idea_id else self.own_idea

    @property
    def ramp_id(self) -> int:
        return self.ramp_start_id or self.pk


class FacultyComment(models.Model):
    """Faculty's comment to a team on one PDSA cycle or one monthly report; the team reads it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="faculty_comments")
    cycle = models.ForeignKey(PdsaCycle, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="comments")
    report = models.ForeignKey(MonthlyReport, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cycle__isnull=False, report__isnull=True)
                | Q(cycle__isnull=True, report__isnull=False),
                name="faculty_comment_one_target"),
        ]
        indexes = [models.Index(fields=["team", "-created_at"], name="faculty_comment_team")]

    def __str__(self):
        return f"Faculty comment on team {self.team_id}"


class CoachingNote(models.Model):
    """Faculty's private notes about a team. No team member ever reads them."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="coaching_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-created_at"], name="coaching_note_team")]

    def __str__(self):
        return f"Coaching note on team {self.team_id}"
