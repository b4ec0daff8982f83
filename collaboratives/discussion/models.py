"""The members' discussion area of a learning collaborative.

Posts are screened for identifiers before anyone else reads them (findings dismissed by the
author are kept with who and why). Faculty can hide a post or a thread with a reason; the hiding
is audited and the text kept. Authors are shown with their hospital only where the charter names
teams to each other (programmes.selectors.teams_named): a post keeps its author's team, and the
page decides, through that selector, whether to show the hospital or the peer code.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..programmes.models import LearningCollaborative, Team


class ThreadCategory(models.TextChoices):
    RESEARCH = "research", "Research and statistics"
    CHANGE_IDEAS = "change_ideas", "Change ideas"
    MEASUREMENT = "measurement", "Measurement questions"
    FREE = "free", "Free topics"


class Thread(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    collaborative = models.ForeignKey(LearningCollaborative, on_delete=models.CASCADE,
                                      related_name="threads")
    category = models.CharField(max_length=14, choices=ThreadCategory.choices)
    title = models.CharField(max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    author_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", help_text="Empty for faculty.")
    created_at = models.DateTimeField(default=timezone.now)
    last_post_at = models.DateTimeField(default=timezone.now)
    post_count = models.PositiveIntegerField(default=0)
    is_locked = models.BooleanField(default=False)
    # Lower-cased title and visible posts, rebuilt by the service: what the search reads.
    search_text = models.TextField(default="", editable=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-last_post_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True)
                | Q(hidden_by__isnull=False) & ~Q(hidden_reason=""),
                name="thread_hidden_with_reason"),
        ]
        indexes = [
            models.Index(fields=["collaborative", "hidden_at", "-last_post_at"],
                         name="thread_list"),
            models.Index(fields=["collaborative", "category", "-last_post_at"],
                         name="thread_category"),
        ]

    def __str__(self):
        return self.title


class Post(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    author_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", help_text="Empty for faculty.")
    body = models.TextField(help_text="Plain text or a safe subset of Markdown.")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Screening: findings the author dismissed (kind, text, reason, who, when).
    dismissed_findings = models.JSONField(default=list, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True)
                | Q(hidden_by__isnull=False) & ~Q(hidden_reason=""),
                name="post_hidden_with_reason"),
        ]
        indexes = [models.Index(fields=["thread", "created_at"], name="post_thread")]

    def __str__(self):
        return f"Post {self.public_id}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Subscription(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="thread_subscriptions")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="subscribe_once"),
        ]

    def __str__(self):
        return f"{self.user_id} follows {self.thread_id}"
