import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from members.models import private_storage

from .taxonomy import (
    CONTRIBUTING_FACTORS,
    EventCategory,
    EventType,
    HarmDuration,
    HarmLevel,
    LocationType,
    MedicationErrorCategory,
    Preventability,
    SeipsGroup,
)


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    SENT = "sent", "Sent to the PSO"
    WITHDRAWN = "withdrawn", "Withdrawn"


# What the hospital's lead still has to act on: the review queue's default view.
NEEDS_ACTION = [ReportStatus.SUBMITTED.value, ReportStatus.IN_REVIEW.value]

# Harm from the most to the least, then unknown, then not given (near misses, unsafe
# conditions): the review queue's harm order, and the expression its index is built on.
HARM_RANK = Case(
    *[When(harm_level=level, then=Value(rank)) for rank, level in enumerate(
        [level.value for level in (HarmLevel.DEATH, HarmLevel.SEVERE, HarmLevel.MODERATE,
                                 HarmLevel.MILD, HarmLevel.NONE, HarmLevel.UNKNOWN)])],
    default=Value(9), output_field=models.IntegerField(),
)


class ContributingFactor(models.Model):
    """A Common Formats contributing factor, grouped under a SEIPS component (seeded)."""

    code = models.CharField(max_length=40, primary_key=True)
    label = models.CharField(max_length=120)
    seips_group = models.CharField(max_length=20, choices=SeipsGroup.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.label


class ReportSequence(models.Model):
    """The last reference number used per hospital and year, e.g. MGH-2026-0042."""

    hospital = models.ForeignKey("members.Hospital", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hospital", "year"], name="one_sequence_per_year")
        ]

    def __str__(self):
        return f"{self.year}: {self.last}"


class IncidentReport(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hospital = models.ForeignKey(
        "members.Hospital", on_delete=models.PROTECT, related_name="reports"
    )
    reference = models.CharField(max_length=24, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="reports",
    )
    reporter_hidden = models.BooleanField(
        "hide my name from reviewers", default=False,
        help_text="Your name is kept only in the audit log and shown to no one in the portal.",
    )
    status = models.CharField(max_length=12, choices=ReportStatus.choices,
                              default=ReportStatus.DRAFT)

    # What the reporter says.
    event_type = models.CharField("what are you reporting?", max_length=20,
                                  choices=EventType.choices)
    category = models.CharField("event category", max_length=20, choices=EventCategory.choices)
    event_date = models.DateField("date it happened", null=True, blank=True,
                                  help_text="Leave empty if unknown.")
    event_time = models.TimeField("time", null=True, blank=True)
    discovered_date = models.DateField("date it was discovered", null=True, blank=True)
    location_type = models.CharField("where", max_length=20, choices=LocationType.choices)
    location_detail = models.CharField("where, in your words", max_length=200, blank=True)
    # One of the hospital's own units, when the reporter chose one. It stays in the hospital:
    # what is sent to the PSO carries the location type only.
    unit = models.ForeignKey("cases.HospitalUnit", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="reports")
    narrative = models.TextField("what happened")
    harm_level = models.CharField("harm", max_length=10, choices=HarmLevel.choices, blank=True)
    harm_duration = models.CharField("how long the harm lasts", max_length=10,
                                     choices=HarmDuration.choices, blank=True)
    medication_category = models.CharField("NCC MERP category", max_length=1,
                                           choices=MedicationErrorCategory.choices, blank=True)
    near_miss_recovery = models.TextField("what stopped it reaching the patient?", blank=True)

    # What the safety lead adds in review.
    contributing_factors = models.ManyToManyField(ContributingFactor, blank=True,
                                                  related_name="reports")
    systems_issue = models.BooleanField("systems issue", null=True, blank=True)
    preventability = models.CharField(max_length=12, choices=Preventability.choices, blank=True)
    handover_involved = models.BooleanField("handover involved", null=True, blank=True)
    pso_summary = models.TextField("summary for the PSO", blank=True)
    feedback = models.TextField("feedback to the reporter", blank=True)
    committed_send_by = models.DateField("committed to send to the PSO by", null=True,
                                         blank=True)
    dismissed_findings = models.JSONField(
        default=list, blank=True,
        help_text="De-identification findings in the text sent to the PSO that the reviewer "
                  "dismissed: kind, text, reason, who, when.",
    )

    # Lifecycle.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The safety lead's first review (the report moved to "in review"): the dashboard's
    # "days from report to review".
    reviewed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)

    # Imported reports keep the identifier of the system they came from.
    source_system = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "reference"], condition=~Q(reference=""),
                name="report_reference_unique_in_hospital",
            ),
            models.UniqueConstraint(
                fields=["hospital", "source_system", "source_id"], condition=~Q(source_id=""),
                name="report_source_unique_in_hospital",
            ),
        ]
        indexes = [
            # The review queue: one hospital, by status, newest first.
            models.Index(fields=["hospital", "status", "-submitted_at", "-id"],
                         name="report_queue_idx"),
            # The review queue without a status filter skips drafts: they are left out of the
            # index, so a page reads its 25 rows however many drafts the hospital holds.
            models.Index(fields=["hospital", "-submitted_at", "-id"], name="report_filed_idx",
                         condition=~Q(status=ReportStatus.DRAFT)),
            models.Index(fields=["hospital", "category", "-submitted_at", "-id"],
                         name="report_filed_cat_idx", condition=~Q(status=ReportStatus.DRAFT)),
            models.Index(fields=["hospital", "-event_date", "-id"], name="report_filed_event_idx",
                         condition=~Q(status=ReportStatus.DRAFT)),
            models.Index(F("hospital"), HARM_RANK, F("submitted_at").desc(), F("id").desc(),
                         name="report_filed_harm_idx", condition=~Q(status=ReportStatus.DRAFT)),
            # "Needs action", the queue's default: submitted and in review only, however many
            # reports were sent or withdrawn before them.
            models.Index(fields=["hospital", "-submitted_at", "-id"], name="report_action_idx",
                         condition=Q(status__in=NEEDS_ACTION)),
            models.Index(fields=["hospital", "-event_date", "-id"],
                         name="report_action_event_idx", condition=Q(status__in=NEEDS_ACTION)),
            # "My reports": one reporter in the hospital they act for.
            models.Index(fields=["reporter", "hospital", "-created_at", "-id"],
                         name="report_mine_idx"),
            # The PSO's list: sent reports, newest first.
            models.Index(fields=["status", "-sent_at", "-id"], name="report_pso_idx"),
            models.Index(fields=["status", "committed_send_by"], name="report_commit_idx"),
        ]

    def __str__(self):
        return self.reference or f"Draft {self.public_id}"

    # Plain dictionary lookups: list pages show these for every row, and get_FOO_display()
    # rebuilds its choices mapping on each call.
    @property
    def status_label(self) -> str:
        return _LABELS["status"].get(self.status, "")

    @property
    def event_type_label(self) -> str:
        return _LABELS["event_type"].get(self.event_type, "")

    @property
    def category_label(self) -> str:
        return _LABELS["category"].get(self.category, "")

    @property
    def harm_label(self) -> str:
        return _LABELS["harm_level"].get(self.harm_level, "")

    @property
    def location_label(self) -> str:
        return _LABELS["location_type"].get(self.location_type, "")

    @property
    def is_frozen(self) -> bool:
        return self.status in (ReportStatus.SENT, ReportStatus.WITHDRAWN)


class FrozenQuerySet(models.QuerySet):
    """What was sent to the PSO is kept as it was: no bulk change, no deletion."""

    def update(self, **kwargs):
        raise ValueError("What was sent to the PSO cannot change; add an addendum.")

    def delete(self):
        raise ValueError("What was sent to the PSO cannot be deleted.")


_LABELS = {
    "status": dict(ReportStatus.choices),
    "event_type": dict(EventType.choices),
    "category": dict(EventCategory.choices),
    "harm_level": dict(HarmLevel.choices),
    "location_type": dict(LocationType.choices),
}


class SentReport(models.Model):
    """Exactly what was sent to the PSO, kept as it was. Later changes are addenda."""

    report = models.OneToOneField(IncidentReport, on_delete=models.PROTECT,
                                  related_name="sent_copy")
    hospital = models.ForeignKey("members.Hospital", on_delete=models.PROTECT, related_name="+")
    data = models.JSONField()
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")

    objects = FrozenQuerySet.as_manager()

    def __str__(self):
        return f"Sent copy of {self.data.get('reference', '')}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("What was sent to the PSO cannot change; add an addendum.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("What was sent to the PSO cannot be deleted.")


class Addendum(models.Model):
    """A later change to a report already sent: added, never edited or removed."""

    report = models.ForeignKey(IncidentReport, on_delete=models.PROTECT,
                               related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    dismissed_findings = models.JSONField(
        default=list, blank=True,
        help_text="De-identification findings in the addendum that its author kept with a "
                  "reason before it went to the PSO: kind, text, reason, who, when.")

    objects = FrozenQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Addendum to {self.report_id} ({self.created_at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("An addendum cannot be edited; add another one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("An addendum cannot be deleted.")


class MessageSide(models.TextChoices):
    REPORTER = "reporter", "Reporter"
    REVIEWER = "reviewer", "Reviewer"


class ReportMessageQuerySet(models.QuerySet):
    """A conversation is kept as it was written: no bulk change, no deletion."""

    def update(self, **kwargs):
        raise ValueError("A message cannot be changed; write another one.")

    def delete(self):
        raise ValueError("A message cannot be deleted.")


class ReportMessage(models.Model):
    """One message between a report's reporter and the hospital's reviewers. It stays in the
    hospital: never part of what is sent to the PSO.

    `side` is stored so that the thread names a reporter who hid their name by their role,
    without reading who wrote it."""

    report = models.ForeignKey(IncidentReport, on_delete=models.PROTECT,
                               related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    side = models.CharField(max_length=10, choices=MessageSide.choices)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReportMessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["report", "created_at", "id"],
                                name="report_message_thread_idx")]

    def __str__(self):
        return f"Message on {self.report_id} ({self.created_at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A message cannot be changed; write another one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A message cannot be deleted.")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Checking and importing"
    FAILED = "failed", "Not imported: fix the errors"
    DONE = "done", "Imported"


class ReportImport(models.Model):
    """One uploaded CSV file and the progress of its import."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hospital = models.ForeignKey("members.Hospital", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    source_system = models.CharField(max_length=40)
    file = models.FileField(storage=private_storage, upload_to="imports/")
    status = models.CharField(max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    # What the de-identification screening found in the imported rows' text: row, column,
    # reference and words, for the first rows; flagged_rows counts them all.
    findings = models.JSONField(default=list, blank=True)
    flagged_rows = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import from {self.source_system} ({self.get_status_display()})"


class PatientDays(models.Model):
    """A hospital's patient days in one month, entered by its safety lead: the denominator of
    its reports per 1,000 patient days on the PSO's dashboard."""

    hospital = models.ForeignKey("members.Hospital", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="The first day of the month.")
    patient_days = models.PositiveIntegerField()
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "month"], name="patient_days_once"),
            models.CheckConstraint(condition=Q(patient_days__gt=0),
                                   name="patient_days_positive"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m}: {self.patient_days} patient days"


class HospitalUnit(models.Model):
    """A unit or location of one hospital ("4 West", "Cath lab"), kept by its safety lead and
    offered on the report form and in the import. Retired, never deleted once reports use it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hospital = models.ForeignKey("members.Hospital", on_delete=models.PROTECT,
                                 related_name="units")
    name = models.CharField(max_length=80)
    location_type = models.CharField("kind of location", max_length=20,
                                     choices=LocationType.choices)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(F("hospital"), Lower("name"),
                                    name="unit_name_unique_in_hospital"),
        ]

    def __str__(self):
        return self.name


class SavedQueueView(models.Model):
    """A safety lead's named filter and order of the review queue, for one hospital."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    hospital = models.ForeignKey("members.Hospital", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)
    # The queue's query string, rebuilt from the validated filter form: only known parameters.
    query = models.CharField(max_length=600, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(F("user"), F("hospital"), Lower("name"),
                                    name="saved_queue_view_name_unique"),
        ]

    def __str__(self):
        return self.name


FACTOR_SEED = [
    {"code": code, "label": label, "seips_group": group, "position": i}
    for i, (code, label, group) in enumerate(CONTRIBUTING_FACTORS)
]


ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_PER_REPORT = 10
ATTACHMENT_TYPES = ("jpg", "png", "pdf", "txt", "docx", "xlsx")


def attachment_path(instance, filename):
    # A random name with the extension of the type read from the content: the stored file
    # never carries the name it was uploaded under, which may name a patient.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"reports/attachments/{uuid.uuid4().hex}.{extension}"


class ReportAttachment(models.Model):
    """A photo or document on a report, kept in the private storage of the hospital's
    reports. It leaves the hospital only when the safety lead ticks it on sending the report;
    the file name's screening findings are fixed (renamed) or kept with a reason first."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(IncidentReport, on_delete=models.PROTECT,
                               related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    file = models.FileField(storage=private_storage, upload_to=attachment_path)
    display_name = models.CharField("file name", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Written again without the details of who made it: a JPEG or PNG from its pixels (no
    # location, device or owner); a PDF, Word or Excel file without its author, company,
    # document properties and comments' authors. Plain text has none to remove.
    metadata_removed = models.BooleanField(default=False)
    # What the screening found in the file name as it now reads ({kind, text}), and the
    # findings kept as they are with a reason ({kind, text, reason, by, at}).
    name_findings = models.JSONField(default=list, blank=True)
    name_dismissed = models.JSONField(default=list, blank=True)
    share_with_pso = models.BooleanField("sent to the PSO", default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__lte=ATTACHMENT_MAX_BYTES + 1024 * 1024),
                                   name="attachment_size_limit"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def extension(self) -> str:
        return self.file.name.rsplit(".", 1)[-1] if "." in self.file.name else ""

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/jpeg", "image/png")

    def delete(self, *args, **kwargs):
        if self.share_with_pso:
            raise ValueError("A file sent to the PSO with its report cannot be deleted.")
        return super().delete(*args, **kwargs)
