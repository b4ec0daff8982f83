"""Learning collaboratives (IHI Breakthrough Series): charter, timeline, teams.

A learning collaborative is the PSO's long programme: teams from several member hospitals work on
one topic for 12 to 18 months. Its charter (aim, scope, change package, measures) is versioned;
its calendar holds learning sessions, action periods, monthly calls; each enrolled hospital has
one team of named people.

Peer codes (what other hospitals see in comparisons) live in their own table, TeamPeerCode, which
member-facing code reads only through the collaborative's selectors: the code is random, assigned
at enrolment, never derived from ids, names or order.
"""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ..models import TIME_ZONES


class CollaborativeStatus(models.TextChoices):
    DRAFT = "draft", "Draft charter"
    ENROLLING = "enrolling", "Enrolling teams"
    RUNNING = "running", "Running"
    CLOSED = "closed", "Closed"


class LearningCollaborative(models.Model):
    """The charter and the settings of one learning collaborative."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    topic = models.CharField(max_length=200)
    aim_statement = models.TextField(
        "aim statement", help_text="What will improve, by how much, by when.")
    aim_by = models.DateField("aim to be reached by", null=True, blank=True)
    scope = models.TextField("scope", blank=True,
                             help_text="Which patients, units and processes are in and out.")
    # The one switch that decides whether teams see each other's hospital names. Read it only
    # through programmes.selectors.teams_named.
    teams_named = models.BooleanField(
        "teams are named to each other", default=False,
        help_text="When off, other teams appear only under their random peer codes.",
    )
    status = models.CharField(max_length=12, choices=CollaborativeStatus.choices,
                              default=CollaborativeStatus.DRAFT)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    report_due_day = models.PositiveSmallIntegerField(
        "monthly report due on day", default=15,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="A month's report is due on this day of the following month.",
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        "remind teams this many days before the due day", default=3,
        validators=[MinValueValidator(1), MaxValueValidator(14)],
    )
    time_zone = models.CharField(max_length=40, choices=TIME_ZONES,
                                 default="America/Los_Angeles")
    faculty = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                     related_name="faculty_collaboratives")
    charter_version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(report_due_day__gte=1, report_due_day__lte=28),
                                   name="lc_due_day_in_every_month"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="lc_ends_after_start"),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="lc_status")]

    def __str__(self):
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status != CollaborativeStatus.CLOSED


class CharterVersion(models.Model):
    """A kept copy of the charter as it stood after each change."""

    collaborative = models.ForeignKey(LearningCollaborative, on_delete=models.CASCADE,
                                      related_name="charter_versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField(help_text="The charter's fields, change ideas and measures.")
    change_summary = models.CharField("what changed", max_length=500, blank=True)
    announced = models.BooleanField(default=False,
                                    help_text="The enrolled teams were told of this change.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "number"],
                                    name="charter_version_once"),
        ]

    def __str__(self):
        return f"Charter v{self.number} of {self.collaborative_id}"


class ChangeIdea(models.Model):
    """One evidence-based change in the change package."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    collaborative = models.ForeignKey(LearningCollaborative, on_delete=models.CASCADE,
                                      related_name="change_ideas")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField("evidence source", max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["collaborative", "is_active", "position"],
                                name="lc_change_idea")]

    def __str__(self):
        return self.title


# --- Calendar ----------------------------------------------------------------------------


class EventKind(models.TextChoices):
    PRE_WORK = "pre_work", "Pre-work (baseline data)"
    LEARNING_SESSION = "learning_session", "Learning session"
    ACTION_PERIOD = "action_period", "Action period"
    CLOSING_SESSION = "closing_session", "Closing session"
    MONTHLY_CALL = "monthly_call", "All-team call"


# Kinds that are meetings people attend (an action period or pre-work is a stretch of time).
MEETING_KINDS = (EventKind.LEARNING_SESSION, EventKind.CLOSING_SESSION, EventKind.MONTHLY_CALL)


class CalendarEvent(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    collaborative = models.ForeignKey(LearningCollaborative, on_delete=models.CASCADE,
                                      related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField("place or meeting link", max_length=300, blank=True)
    agenda = models.TextField(blank=True)
    is_cancelled = models.BooleanField(default=False)
    # Set when the reminder went out; the beat task sends each reminder once.
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")),
                                   name="lc_event_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["collaborative", "starts_at"], name="lc_event_calendar"),
            models.Index(fields=["reminder_sent_at", "starts_at"], name="lc_event_reminder"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_meeting(self) -> bool:
        return self.kind in MEETING_KINDS


class Attendance(models.Model):
    """Who took part in a meeting: a team member or a faculty member."""

    event = models.ForeignKey(CalendarEvent, on_delete=models.CASCADE,
                              related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    team = models.ForeignKey("collaboratives.Team", null=True, blank=True,
                             on_delete=models.CASCADE, related_name="attendance")
    attended = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="lc_attend_once"),
        ]
        indexes = [models.Index(fields=["team", "event"], name="lc_attendance_team")]

    def __str__(self):
        return f"Attendance of {self.user_id} at {self.event_id}"


# --- Teams -------------------------------------------------------------------------------


class TeamStatus(models.TextChoices):
    INVITED = "invited", "Invited by the PSO"
    APPLIED = "applied", "Applied"
    ENROLLED = "enrolled", "Enrolled"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class TeamQuerySet(models.QuerySet):
    def enrolled(self):
        return self.filter(status=TeamStatus.ENROLLED)


class Team(models.Model):
    """A hospital's team in one collaborative: from application or invitation to enrolment."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    collaborative = models.ForeignKey(LearningCollaborative, on_delete=models.CASCADE,
                                      related_name="teams")
    hospital = models.ForeignKey("members.Hospital", on_delete=models.PROTECT,
                                 related_name="collaborative_teams")
    status = models.CharField(max_length=10, choices=TeamStatus.choices)
    sponsor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+",
                                verbose_name="senior sponsor")
    team_lead = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    focus_units = models.CharField("units taking part", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["collaborative_id", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "hospital"],
                                    name="lc_one_team_per_hospital"),
            models.CheckConstraint(
                condition=~Q(status="enrolled") | Q(enrolled_at__isnull=False,
                                                    sponsor__isnull=False,
                                                    team_lead__isnull=False),
                name="lc_enrolled_team_has_sponsor_and_lead"),
        ]
        indexes = [
            models.Index(fields=["collaborative", "status"], name="lc_team_status"),
            models.Index(fields=["hospital", "status"], name="lc_team_hospital"),
        ]

    def __str__(self):
        return f"Team {self.public_id}"


# No 0, O, 1, I, L: codes are read aloud on calls.
PEER_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PEER_CODE_LENGTH = 4


def random_peer_code() -> str:
    return "".join(secrets.choice(PEER_CODE_ALPHABET) for _ in range(PEER_CODE_LENGTH))


class TeamPeerCode(models.Model):
    """The code under which a team appears to other teams. The mapping is PSO-only data."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, primary_key=True,
                                related_name="peer_code")
    collaborative = models.ForeignKey(LearningCollaborative, on_delete=models.CASCADE,
                                      related_name="+")
    code = models.CharField(max_length=12)
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "code"],
                                    name="lc_peer_code_unique"),
        ]

    def __str__(self):
        return self.code


class TeamRole(models.TextChoices):
    SPONSOR = "sponsor", "Senior sponsor"
    TEAM_LEAD = "team_lead", "Team lead"
    DAY_TO_DAY_LEAD = "day_to_day_lead", "Day-to-day lead"
    PHYSICIAN_CHAMPION = "physician_champion", "Physician champion"
    NURSE = "nurse", "Nurse"
    PHARMACIST = "pharmacist", "Pharmacist"
    DATA_LEAD = "data_lead", "Data lead"
    PATIENT_PARTNER = "patient_partner", "Patient or family partner"
    OTHER = "other", "Other team member"


# Who may change the team's members and submit its monthly report.
TEAM_MANAGING_ROLES = frozenset({TeamRole.TEAM_LEAD, TeamRole.DAY_TO_DAY_LEAD})
# Who reaches the team's own working pages (data, PDSA log). A patient or family partner sees only
# the collaborative's shared pages.
TEAM_WORKING_ROLES = frozenset(set(TeamRole.values) - {TeamRole.PATIENT_PARTNER})


class TeamMemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(removed_at__isnull=True, user__is_active=True)


class TeamMember(models.Model):
    """A person on a team. Staff come through their hospital membership; a patient or family
    partner has a guest account with no membership and reaches only the shared pages."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="team_memberships")
    membership = models.ForeignKey("members.Membership", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=TeamRole.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = TeamMemberQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"],
                                    condition=Q(removed_at__isnull=True),
                                    name="lc_team_member_once"),
            # Hospital staff need their membership; only a patient partner comes without one.
            models.CheckConstraint(
                condition=Q(role="patient_partner", membership__isnull=True)
                | (~Q(role="patient_partner") & Q(membership__isnull=False)),
                name="lc_team_member_membership_unless_partner"),
        ]
        indexes = [models.Index(fields=["user", "removed_at"], name="lc_member_user")]

    def __str__(self):
        return f"{self.get_role_display()} on team {self.team_id}"

    @property
    def is_patient_partner(self) -> bool:
        return self.role == TeamRole.PATIENT_PARTNER

    @property
    def manages_team(self) -> bool:
        return self.role in TEAM_MANAGING_ROLES


class SkillLevel(models.IntegerChoices):
    NEW = 1, "New to me"
    HEARD = 2, "Heard of it"
    SOME = 3, "Used it with help"
    CONFIDENT = 4, "Use it on my own"
    TEACH = 5, "Could teach it"


SKILL_AREAS = (
    ("model_for_improvement", "The Model for Improvement (aim, measures, changes)"),
    ("measurement", "Measurement and run charts"),
    ("pdsa_testing", "Testing changes with PDSA cycles"),
    ("teamwork", "Teamwork and running improvement meetings"),
)


class SkillsAssessment(models.Model):
    """A team member's self-assessment of quality improvement skills, taken at enrolment."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="skills_assessments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    model_for_improvement = models.PositiveSmallIntegerField(choices=SkillLevel.choices)
    measurement = models.PositiveSmallIntegerField(choices=SkillLevel.choices)
    pdsa_testing = models.PositiveSmallIntegerField(choices=SkillLevel.choices)
    teamwork = models.PositiveSmallIntegerField(choices=SkillLevel.choices)
    wants_help_with = models.TextField("what I would like help with", blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="lc_skills_once"),
            models.CheckConstraint(
                condition=Q(model_for_improvement__gte=1, model_for_improvement__lte=5,
                            measurement__gte=1, measurement__lte=5,
                            pdsa_testing__gte=1, pdsa_testing__lte=5,
                            teamwork__gte=1, teamwork__lte=5),
                name="lc_skills_one_to_five"),
        ]

    def __str__(self):
        return f"Skills of {self.user_id} on team {self.team_id}"

    def scores(self) -> dict[str, int]:
        return {field: getattr(self, field) for field, _ in SKILL_AREAS}


# --- Spread -------------------------------------------------------------------------------


class SpreadRecord(models.Model):
    """Where else in the hospital an adopted change has been spread."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="spread")
    change_idea = models.ForeignKey(ChangeIdea, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    cycle = models.ForeignKey("collaboratives.PdsaCycle", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="spread",
                              help_text="The adopted cycle the change came from.")
    change = models.CharField("the change", max_length=300)
    spread_to = models.CharField("where it has been spread (unit, service, site)",
                                 max_length=300)
    spread_on = models.DateField()
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-spread_on", "-id"]
        indexes = [models.Index(fields=["team", "-spread_on"], name="lc_spread_team")]

    def __str__(self):
        return f"{self.change} spread to {self.spread_to}"

