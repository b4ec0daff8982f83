import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

TIME_ZONES = [
    ("America/Los_Angeles", "Pacific"),
    ("America/Denver", "Mountain"),
    ("America/Phoenix", "Arizona"),
    ("America/Chicago", "Central"),
    ("America/New_York", "Eastern"),
    ("America/Anchorage", "Alaska"),
    ("Pacific/Honolulu", "Hawaii"),
]
GUEST_ACCESS_DAYS = 30


class SessionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    INVITATIONS_SENT = "invitations_sent", "Invitations sent"
    NOMINATIONS_CLOSED = "nominations_closed", "Nominations closed"
    HELD = "held", "Held"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class CollaborativeSession(models.Model):
    """A microcollaborative: a small meeting of people from two or more hospitals."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    focus_categories = models.JSONField(
        default=list, blank=True, help_text="Common Formats event categories in focus."
    )
    theme = models.CharField(max_length=200, blank=True)
    date = models.DateField()
    start_time = models.TimeField()
    time_zone = models.CharField(max_length=40, choices=TIME_ZONES,
                                 default="America/Los_Angeles")
    duration_minutes = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(15), MaxValueValidator(8 * 60)]
    )
    location = models.CharField("place or video-call link", max_length=300)
    meeting_url = models.URLField("meeting link", max_length=500, blank=True)
    nomination_deadline = models.DateField()
    max_cases_per_hospital = models.PositiveSmallIntegerField(
        "most cases each hospital may bring", default=3,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
    )
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=SessionStatus.choices,
                              default=SessionStatus.DRAFT)
    cancellation_reason = models.CharField(max_length=300, blank=True)
    facilitators = models.ManyToManyField(settings.AUTH_USER_MODEL,
                                          related_name="facilitated_sessions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-start_time"]
        permissions = [("view_materials", "Open the session's case materials")]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_cases_per_hospital__gte=1, max_cases_per_hospital__lte=3),
                name="session_one_to_three_cases",
            ),
        ]
        indexes = [models.Index(fields=["status", "date"])]

    def __str__(self):
        return f"{self.title} ({self.date:%Y-%m-%d})"

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.date, self.start_time, tzinfo=ZoneInfo(self.time_zone))

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_open(self) -> bool:
        return self.status not in (SessionStatus.CANCELLED, SessionStatus.CLOSED)


class ParticipationStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class SessionHospital(models.Model):
    """A hospital invited to a session, and its answer."""

    session = models.ForeignKey(CollaborativeSession, on_delete=models.CASCADE,
                                related_name="hospitals")
    hospital = models.ForeignKey("members.Hospital", on_delete=models.PROTECT,
                                 related_name="session_invitations")
    status = models.CharField(max_length=10, choices=ParticipationStatus.choices,
                              default=ParticipationStatus.INVITED)
    invited_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "hospital"], name="invite_hospital_once")
        ]

    def __str__(self):
        return f"{self.hospital} invited to session {self.session_id}"


class Attendee(models.Model):
    """A member whom the hospital's lead named to attend."""

    session_hospital = models.ForeignKey(SessionHospital, on_delete=models.CASCADE,
                                         related_name="attendees")
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session_hospital", "membership"],
                                    name="attend_once")
        ]

    def __str__(self):
        return f"Attendee {self.membership_id}"


class Guest(models.Model):
    """An outside expert invited to one session; access ends 30 days after it."""

    session = models.ForeignKey(CollaborativeSession, on_delete=models.CASCADE,
                                related_name="guests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="guest_sessions")
    expertise = models.CharField(max_length=150, blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    access_until = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="guest_once")
        ]

    def __str__(self):
        return f"Guest {self.user_id} of session {self.session_id}"


class NominationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Returned with a comment"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Nomination(models.Model):
    """A case a hospital brings to a session: one of its reports and a summary for the meeting."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(CollaborativeSession, on_delete=models.CASCADE,
                                related_name="nominations")
    session_hospital = models.ForeignKey(SessionHospital, on_delete=models.CASCADE,
                                         related_name="nominations")
    report = models.ForeignKey("cases.IncidentReport", on_delete=models.PROTECT,
                               related_name="nominations")
    summary = models.TextField("case summary for the meeting")
    dismissed_findings = models.JSONField(
        default=list, blank=True,
        help_text="De-identification findings the lead dismissed: kind, text, reason, who, when.",
    )
    status = models.CharField(max_length=10, choices=NominationStatus.choices,
                              default=NominationStatus.SUBMITTED)
    case_number = models.PositiveSmallIntegerField(null=True, blank=True)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["case_number", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "report"],
                condition=~Q(status__in=["withdrawn", "returned"]),
                name="nominate_report_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["session", "case_number"], condition=Q(case_number__isnull=False),
                name="case_numbers_unique_in_session",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"Case {self.case_number}" if self.case_number else "Case (not yet accepted)"


class NominationComment(models.Model):
    """The PSO helping a hospital choose and prepare its cases."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE,
                                   related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Comment on nomination {self.nomination_id}"


class Attestation(models.Model):
    """A participant accepted the ground rules and confidentiality terms for one session."""

    session = models.ForeignKey(CollaborativeSession, on_delete=models.CASCADE,
                                related_name="attestations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="attestations")
    accepted_at = models.DateTimeField(default=timezone.now)
    text_version = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="attest_once")
        ]

    def __str__(self):
        return f"Attestation by {self.user_id} for session {self.session_id}"


class DiscussionNote(models.Model):
    """Optional notes (ground rules 6 and 7), structured by systems factors."""

    session = models.ForeignKey(CollaborativeSession, on_delete=models.CASCADE,
                                related_name="notes")
    nomination = models.ForeignKey(Nomination, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    systems_factors = models.JSONField(default=list, blank=True)
    observations = models.TextField("what the group saw in the system")
    improvement_ideas = models.TextField("ideas for improvement", blank=True)
    dismissed_findings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Notes for session {self.session_id}"


# Object permissions on sessions live in their own tables with a real foreign key (django-guardian
# "direct" permissions): joins stay indexed and a deleted session takes its grants with it.
class SessionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(CollaborativeSession, on_delete=models.CASCADE)


class SessionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(CollaborativeSession, on_delete=models.CASCADE)


# --- Shared lessons ----------------------------------------------------------------------
#
# A lesson is what the PSO shares with every member hospital. Where it came from lives in its own
# table (LessonOrigin), which member-facing code never reads: a page, export, feed or email built
# from Lesson and its children cannot show the origin, because the origin is not there.


class LessonStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    RETURNED = "returned", "Returned to the author"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class HarmBand(models.TextChoices):
    """Coarse on purpose: an exact harm level on a rare event can point to the case."""

    NO_HARM = "no_harm", "No harm (including near misses)"
    MILD_MODERATE = "mild_moderate", "Mild or moderate harm"
    SEVERE_DEATH = "severe_death", "Severe harm or death"
    VARIED = "varied", "Varied across the cases"


class ActionStrength(models.TextChoices):
    """The action hierarchy (VA / RCA-squared), strongest first."""

    STRONGER = "stronger", "Stronger"
    INTERMEDIATE = "intermediate", "Intermediate"
    WEAKER = "weaker", "Weaker"


# A session can be the origin of a lesson once its cases are settled.
# A lesson is drafted from what a session discussed: only once it has been held.
LESSON_SOURCE_STATUSES = (SessionStatus.HELD, SessionStatus.CLOSED)


class LessonQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=LessonStatus.PUBLISHED)


class Lesson(models.Model):
    """A de-identified lesson: what happened, why (systems), what helped, what to do."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    what_happened = models.TextField("what happened (generalised)")
    systems_issues = models.TextField("the systems issues")
    contributing_factors = models.ManyToManyField("cases.ContributingFactor",
                                                  related_name="lessons")
    what_helped = models.TextField("what helped", blank=True)
    harm_band = models.CharField(max_length=20, choices=HarmBand.choices)
    status = models.CharField(max_length=12, choices=LessonStatus.choices,
                              default=LessonStatus.DRAFT)
    dismissed_findings = models.JSONField(
        default=list, blank=True,
        help_text="De-identification findings dismissed by the author: kind, text, reason, "
                  "who, when.",
    )
    # Lower-cased title and texts, rebuilt on every save by the service: what the search reads.
    search_text = models.TextField(editable=False, default="")
    # Copies of the child rows for display, written with them by the service, so a library row
    # needs no further query. Filters read the indexed child tables (LessonCategory,
    # RecommendedAction), never these.
    category_codes = models.JSONField(default=list, editable=False)
    action_strengths = models.JSONField(default=list, editable=False)
    # Goes up with every edit; a review names the revision the reviewer read.
    revision = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        constraints = [
            # The two-person rule, in the database too: nobody publishes their own lesson.
            models.CheckConstraint(
                condition=Q(published_by__isnull=True) | ~Q(published_by=models.F("created_by")),
                name="lesson_published_by_another_person",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False,
                                                     published_by__isnull=False),
                name="lesson_published_has_publisher",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="lesson_library"),
            models.Index(fields=["created_by", "status"], name="lesson_author"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status in (LessonStatus.DRAFT, LessonStatus.RETURNED)


class LessonCategory(models.Model):
    """A Common Formats event category a lesson is about (a row each, so filters use an index)."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lesson", "category"], name="lesson_category_once")
        ]
        indexes = [models.Index(fields=["category", "lesson"], name="lesson_category_filter")]

    def __str__(self):
        return self.category


class RecommendedAction(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    strength = models.CharField(max_length=12, choices=ActionStrength.choices)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["strength", "lesson"], name="lesson_action_strength")]

    def __str__(self):
        return f"{self.get_strength_display()}: {self.text[:40]}"


class LessonOrigin(models.Model):
    """Where a lesson came from, for the PSO's own records. Shown to PSO staff only."""

    lesson = models.OneToOneField(Lesson, on_delete=models.CASCADE, primary_key=True,
                                  related_name="origin")
    session = models.ForeignKey(CollaborativeSession, null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    sent_report = models.ForeignKey("cases.SentReport", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    hospital = models.ForeignKey("members.Hospital", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=False) | Q(sent_report__isnull=False),
                name="lesson_origin_named",
            ),
        ]

    def __str__(self):
        return f"Origin of lesson {self.lesson_id}"


class ReviewDecision(models.TextChoices):
    SUBMITTED = "submitted", "Submitted for review"
    RETURNED = "returned", "Returned with comments"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class LessonReview(models.Model):
    """The lesson's history between author and reviewer: who did what, and why."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="reviews")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    decision = models.CharField(max_length=12, choices=ReviewDecision.choices)
    comments = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_decision_display()} ({self.lesson_id})"


class LessonAdoption(models.Model):
    """A hospital says it is acting on a lesson. Others see only a coarse count of hospitals."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="adoptions")
    hospital = models.ForeignKey("members.Hospital", on_delete=models.PROTECT,
                                 related_name="+")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lesson", "hospital"], name="adopt_lesson_once")
        ]

    def __str__(self):
        return f"Hospital {self.hospital_id} acting on lesson {self.lesson_id}"


class LessonComment(models.Model):
    """A member's private comment to the PSO about a lesson."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="member_comments")
    hospital = models.ForeignKey("members.Hospital", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField()
    dismissed_findings = models.JSONField(
        default=list, blank=True,
        help_text="De-identification findings the author dismissed: kind, text, reason, who, "
                  "when.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Comment on lesson {self.lesson_id}"


# --- Learning collaboratives ----------------------------------------------------------------
#
# Defined in the subpackages that read like the product; imported here so that they belong to
# this app (one migrations folder) and `collaboratives.models` names every model.
from .discussion.models import Post, Subscription, Thread  # noqa: E402,F401
from .measures.models import Measure, MeasureValue, MonthlyReport, ReportReminder  # noqa: E402,F401
from .office.models import Announcement, Resource  # noqa: E402,F401
from .pdsa.models import CoachingNote, FacultyComment, PdsaCycle  # noqa: E402,F401
from .programmes.models import (  # noqa: E402,F401
    Attendance,
    CalendarEvent,
    ChangeIdea,
    CharterVersion,
    LearningCollaborative,
    SkillsAssessment,
    SpreadRecord,
    Team,
    TeamMember,
    TeamPeerCode,
)
