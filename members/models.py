import hashlib
import secrets
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from .choices import BedSize, JobTitle, UsState
from .roles import HospitalRole, PsoRole, hospital_scopes, pso_scopes

# --- People ------------------------------------------------------------------------------


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Hospital roles live on Membership; PSO roles on `pso_role`."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    pso_role = models.CharField(max_length=20, choices=PsoRole.choices, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def get_session_auth_hash(self):
        # A user read from the cache (members/cache.py) carries the digest of the password
        # hash, not the hash: the hash stays in the database.
        if "password" not in self.__dict__ and getattr(self, "cached_session_auth_hash", None):
            return self.cached_session_auth_hash
        return super().get_session_auth_hash()

    @property
    def pso_scopes(self) -> frozenset[str]:
        return pso_scopes(self.pso_role)


# --- Hospitals and contracts -------------------------------------------------------------

ccn_validator = RegexValidator(
    r"^[0-9]{2}[0-9A-Z][0-9]{3}$",
    "A CMS certification number has 6 characters: two digits for the state, then a digit or "
    "a capital letter, then three digits (for example 050123).",
)


class HospitalStatus(models.TextChoices):
    APPLICANT = "applicant", "Applicant"
    ACTIVE = "active", "Member"
    DECLINED = "declined", "Application declined"


class HospitalQuerySet(models.QuerySet):
    def with_contract_state(self, day: date | None = None):
        day = day or timezone.localdate()
        return self.annotate(
            has_active_contract=Exists(Contract.objects.active_on(day).filter(hospital=OuterRef("pk")))
        )


class Hospital(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, choices=UsState.choices)
    ccn = models.CharField(
        "CMS certification number", max_length=6, null=True, blank=True, unique=True,
        validators=[ccn_validator],
    )
    bed_size = models.CharField("bed size", max_length=10, choices=BedSize.choices)
    contact_name = models.CharField(max_length=150)
    contact_title = models.CharField("contact's job title", max_length=150)
    contact_email = models.EmailField("contact's work email")
    status = models.CharField(
        max_length=12, choices=HospitalStatus.choices, default=HospitalStatus.APPLICANT
    )
    applied_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)

    objects = HospitalQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "state", name="hospital_name_unique_in_state",
                violation_error_message="A hospital with this name is already registered in "
                "this state.",
            )
        ]
        indexes = [models.Index(fields=["status", "applied_at"])]

    def __str__(self):
        return f"{self.name} ({self.city}, {self.state})"

    def contract_on(self, day: date | None = None) -> "Contract | None":
        """The contract in force on `day`, or the most recent one (for explaining a lapse)."""
        day = day or timezone.localdate()
        # `all()` keeps the default order (newest first) and uses the contracts prefetched with
        # the signed-in user's memberships, so the home page reads nothing again.
        contracts = list(self.contracts.all())
        for contract in contracts:
            if contract.is_active_on(day):
                return contract
        return contracts[0] if contracts else None


def contract_document_path(instance, filename):
    # A random name: the stored file never carries the hospital's name.
    return f"contracts/{uuid.uuid4().hex}.pdf"


class PrivateStorage(Storage):
    """The "private" storage of settings.STORAGES, looked up again on every use.

    A FileField calls its storage callable once, when the model class is built, and keeps the
    result. Going through `storages` on each access keeps the field on whatever STORAGES says
    now (the test suite points it at a temporary folder per test).
    """

    def __getattribute__(self, name):
        from django.core.files.storage import storages

        return getattr(storages["private"], name)


def private_storage():
    return PrivateStorage()


class ContractStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    EXPIRING = "expiring", "Expiring"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


class ContractQuerySet(models.QuerySet):
    def active_on(self, day: date):
        return self.filter(
            Q(effective_on__lte=day),
            Q(expires_on__isnull=True) | Q(expires_on__gte=day),
            Q(terminated_on__isnull=True) | Q(terminated_on__gt=day),
        )

    def with_status(self, status: str, day: date):
        expiring_from = day + timedelta(days=settings.CONTRACT_EXPIRING_DAYS)
        terminated = Q(terminated_on__isnull=False, terminated_on__lte=day)
        if status == ContractStatus.TERMINATED:
            return self.filter(terminated)
        live = self.exclude(terminated)
        if status == ContractStatus.PENDING:
            return live.filter(effective_on__gt=day)
        if status == ContractStatus.EXPIRED:
            return live.filter(expires_on__lt=day)
        active = live.active_on(day)
        if status == ContractStatus.EXPIRING:
            return active.filter(expires_on__lte=expiring_from)
        if status == ContractStatus.ACTIVE:
            return active.filter(Q(expires_on__isnull=True) | Q(expires_on__gt=expiring_from))
        raise ValueError(status)


class Contract(models.Model):
    """A signed PSO contract. Its status is derived from its dates, never typed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="contracts")
    signed_on = models.DateField()
    effective_on = models.DateField()
    expires_on = models.DateField(
        null=True, blank=True, help_text="Last day the contract is in force. Empty: open-ended."
    )
    signed_by_name = models.CharField("signed for the hospital by", max_length=150)
    signed_by_title = models.CharField("signer's title", max_length=150)
    document = models.FileField(
        "signed document (PDF)",
        storage=private_storage,
        upload_to=contract_document_path,
        validators=[FileExtensionValidator(["pdf"])],
    )
    terminated_on = models.DateField(null=True, blank=True)
    termination_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_on", "-id"]
        indexes = [
            models.Index(fields=["hospital", "effective_on"]),
            models.Index(fields=["expires_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("effective_on")),
                name="contract_expires_after_effective",
            ),
        ]

    def __str__(self):
        return f"PSO contract, {self.hospital.name}, from {self.effective_on:%Y-%m-%d}"

    def clean(self):
        errors = {}
        if self.signed_on and self.signed_on > timezone.localdate():
            errors["signed_on"] = "The signed date cannot be in the future."
        if self.effective_on and self.signed_on and self.effective_on < self.signed_on:
            errors["effective_on"] = "A contract cannot take effect before it is signed."
        if self.expires_on and self.effective_on and self.expires_on < self.effective_on:
            errors["expires_on"] = "The expiry date must be on or after the effective date."
        if self.terminated_on and self.signed_on and self.terminated_on < self.signed_on:
            errors["terminated_on"] = "A contract cannot end before it was signed."
        if self.terminated_on and not self.termination_reason:
            errors["termination_reason"] = "Say why the contract was terminated."
        if not errors and self.hospital_id and self.effective_on:
            overlapping = self.overlapping().first()
            if overlapping is not None:
                errors["effective_on"] = (
                    f"{self.hospital.name} already has a contract for these dates "
                    f"({overlapping.period_label()}). Change the dates, or end that contract "
                    "first.")
        if errors:
            raise ValidationError(errors)

    def last_day(self) -> date | None:
        """The last day in force: the day before termination, the expiry, or None (open)."""
        ends = [d for d in (self.expires_on,
                            self.terminated_on and self.terminated_on - timedelta(days=1)) if d]
        return min(ends) if ends else None

    def period_label(self) -> str:
        last = self.last_day()
        return (f"{self.effective_on:%b %-d, %Y} to "
                + (f"{last:%b %-d, %Y}" if last else "open-ended"))

    def overlapping(self):
        """The hospital's other contracts in force on any day this one is."""
        last = self.last_day()
        others = Contract.objects.filter(hospital_id=self.hospital_id).exclude(pk=self.pk)
        if last is not None:
            others = others.filter(effective_on__lte=last)
        return others.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=self.effective_on),
            Q(terminated_on__isnull=True) | Q(terminated_on__gt=self.effective_on),
        )

    def status_on(self, day: date | None = None) -> str:
        day = day or timezone.localdate()
        if self.terminated_on and self.terminated_on <= day:
            return ContractStatus.TERMINATED
        if day < self.effective_on:
            return ContractStatus.PENDING
        if self.expires_on and day > self.expires_on:
            return ContractStatus.EXPIRED
        if self.expires_on and (self.expires_on - day).days <= settings.CONTRACT_EXPIRING_DAYS:
            return ContractStatus.EXPIRING
        return ContractStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_on()

    def get_status_display(self) -> str:
        return ContractStatus(self.status).label

    def is_active_on(self, day: date | None = None) -> bool:
        return self.status_on(day) in (ContractStatus.ACTIVE, ContractStatus.EXPIRING)

    def days_left(self, day: date | None = None) -> int | None:
        if self.expires_on is None:
            return None
        return (self.expires_on - (day or timezone.localdate())).days


# --- Memberships and invitations ---------------------------------------------------------


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)


class Membership(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=HospitalRole.choices)
    job_title = models.CharField(max_length=30, choices=JobTitle.choices)
    is_active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["hospital__name"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "user"], name="one_membership_per_hospital")
        ]
        indexes = [models.Index(fields=["hospital", "is_active", "role"])]

    def __str__(self):
        return f"{self.user} at {self.hospital.name} ({self.get_role_display()})"

    @property
    def scopes(self) -> frozenset[str]:
        return hospital_scopes(self.role) if self.is_active else frozenset()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class InvitationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self, now=None):
        return self.open().filter(expires_at__gt=now or timezone.now())

    def by_token(self, token: str):
        return self.filter(token_hash=_hash_token(token))


class Invitation(models.Model):
    """An invitation to join a hospital. Only a hash of its secret token is stored."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=HospitalRole.choices)
    job_title = models.CharField(max_length=30, choices=JobTitle.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="Empty when the portal invited the hospital's contact.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    send_count = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "hospital", Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            )
        ]
        indexes = [models.Index(fields=["hospital", "expires_at"])]

    def __str__(self):
        return f"Invitation for {self.email} to {self.hospital.name}"

    def new_token(self) -> str:
        """Give the invitation a fresh secret; returns it (it is stored only as a hash)."""
        token = secrets.token_urlsafe(32)
        self.token_hash = _hash_token(token)
        self.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
        return token

    @property
    def status(self) -> str:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def get_status_display(self) -> str:
        return InvitationStatus(self.status).label
