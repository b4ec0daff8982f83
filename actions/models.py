"""A hospital's action plan: what it will change after a report or a published lesson, who owns
each action, by when, and how strong the action is on the hierarchy of action strength.

An action belongs to one hospital (the tenant) and to exactly one of a report of that hospital or
a published lesson. A hospital's actions on a lesson are its own: other hospitals and the PSO's
lesson pages never read this table.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from collaboratives.models import ActionStrength


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


# Still to do: what the lead's list and the reminders look at.
OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionItem(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hospital = models.ForeignKey("members.Hospital", on_delete=models.PROTECT,
                                 related_name="+")
    report = models.ForeignKey("cases.IncidentReport", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="actions")
    lesson = models.ForeignKey("collaboratives.Lesson", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    title = models.CharField("action", max_length=200)
    description = models.TextField("details", blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="actions_owned")
    due_date = models.DateField("due by")
    status = models.CharField(max_length=12, choices=ActionStatus.choices,
                              default=ActionStatus.OPEN)
    strength = models.CharField("action strength", max_length=12,
                                choices=ActionStrength.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completion_note = models.TextField("what was done", blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField("why it was cancelled", blank=True)
    # The due date each reminder was sent for: a reminder goes once per due date, and a new due
    # date (or a new owner, which clears them) arms it again.
    due_soon_sent_for = models.DateField(null=True, blank=True, editable=False)
    overdue_sent_for = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(report__isnull=False, lesson__isnull=True)
                           | Q(report__isnull=True, lesson__isnull=False)),
                name="action_for_report_or_lesson",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_at__isnull=False),
                name="action_done_has_completed_at",
            ),
        ]
        indexes = [
            # The lead's list: one hospital's open actions by due date.
            models.Index(fields=["hospital", "status", "due_date", "id"],
                         name="action_lead_list_idx"),
            # "My actions": one owner in the hospital they act for.
            models.Index(fields=["owner", "hospital", "status", "due_date"],
                         name="action_owner_idx"),
            # The daily reminders: every hospital's open actions due by a date.
            models.Index(fields=["status", "due_date"], name="action_due_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()

    @property
    def status_label(self) -> str:
        return _STATUS_LABELS.get(self.status, "")

    @property
    def strength_label(self) -> str:
        return _STRENGTH_LABELS.get(self.strength, "")


_STATUS_LABELS = dict(ActionStatus.choices)
_STRENGTH_LABELS = dict(ActionStrength.choices)
