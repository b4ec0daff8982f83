from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from chpso_portal.text import day

from . import services
from .models import (
    Contract,
    ContractStatus,
    Hospital,
    HospitalStatus,
    Invitation,
    Membership,
    User,
)


class ContractForm(forms.ModelForm):
    confirm_termination = forms.BooleanField(
        required=False, label="I confirm: end this contract on the termination date",
        help_text="From that day the hospital's members can no longer file or read reports, "
                  "take part in sessions or read lessons; the hospital's data stays.",
    )

    class Meta:
        model = Contract
        fields = ["hospital", "signed_on", "effective_on", "expires_on", "signed_by_name",
                  "signed_by_title", "document", "terminated_on", "termination_reason"]
        widgets = {"document": forms.FileInput(attrs={"accept": "application/pdf"})}

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document and hasattr(document, "content_type"):  # a new upload
            if document.size > settings.CONTRACT_DOCUMENT_MAX_BYTES:
                limit = settings.CONTRACT_DOCUMENT_MAX_BYTES // (1024 * 1024)
                raise ValidationError(f"The signed contract must be a PDF of at most {limit} MB.")
            head = document.read(5)
            document.seek(0)
            if head != b"%PDF-":
                raise ValidationError("This file is not a PDF. Upload the signed contract as PDF.")
        return document

    def clean(self):
        cleaned = super().clean()
        terminated_on = cleaned.get("terminated_on")
        # Ending a contract cuts a whole hospital off: it is never a side effect of a save.
        if (terminated_on and terminated_on != self.instance.terminated_on
                and not cleaned.get("confirm_termination")):
            self.add_error("confirm_termination",
                           f"Ending the contract on {day(terminated_on)} cuts "
                           f"{cleaned.get('hospital') or 'the hospital'} off from the portal "
                           "from that day. Tick the box to confirm.")
        return cleaned


class ContractStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return ContractStatus.choices

    def queryset(self, request, queryset):
        if self.value() in ContractStatus.values:
            return queryset.with_status(self.value(), timezone.localdate())
        return queryset


class ExpiresWithinFilter(admin.SimpleListFilter):
    title = "expires within"
    parameter_name = "expires_within"

    def lookups(self, request, model_admin):
        return [("30", "30 days"), ("60", "60 days"), ("90", "90 days")]

    def queryset(self, request, queryset):
        if self.value() in ("30", "60", "90"):
            today = timezone.localdate()
            return queryset.active_on(today).filter(
                expires_on__lte=today + timedelta(days=int(self.value()))
            )
        return queryset


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    form = ContractForm
    list_display = ["hospital", "status_label", "signed_on", "effective_on", "expires_on",
                    "signed_by_name"]
    list_filter = [ContractStatusFilter, ExpiresWithinFilter]
    search_fields = ["hospital__name", "hospital__city", "hospital__ccn"]
    list_select_related = ["hospital"]
    readonly_fields = ["status_label", "download", "created_by", "created_at", "updated_at"]
    date_hierarchy = "effective_on"
    audited_by_service = True

    @admin.display(description="status")
    def status_label(self, obj):
        return obj.get_status_display() if obj.pk else "-"

    @admin.display(description="signed document")
    def download(self, obj):
        if not obj.pk or not obj.document:
            return "-"
        return format_html('<a href="{}">Download the signed PDF</a>',
                           reverse("contract-document", args=[obj.public_id]))

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["hospital", "status_label"]}),
            ("Dates", {"fields": ["signed_on", "effective_on", "expires_on"]}),
            ("Signature", {"fields": ["signed_by_name", "signed_by_title", "document",
                                      "download"]}),
            ("Termination", {"fields": ["terminated_on", "termination_reason",
                                        "confirm_termination"],
                             "description": "Fill in only to end the contract early."}),
            ("Record", {"fields": ["created_by", "created_at", "updated_at"]}),
        ]

    def save_model(self, request, obj, form, change):
        services.contract_save(contract=obj, actor=request.user, changed=form.changed_data)

    def has_delete_permission(self, request, obj=None):
        return False


def membership_state(hospital, contracts) -> str:
    """What a hospital is today, from its contracts (the stored status only says whether it
    was ever activated)."""
    if hospital.status == HospitalStatus.DECLINED:
        return "Application declined"
    today = timezone.localdate()
    in_force = [c for c in contracts if c.status_on(today) in (ContractStatus.ACTIVE,
                                                                 ContractStatus.EXPIRING)]
    if in_force:
        contract = in_force[0]
        if contract.status_on(today) == ContractStatus.EXPIRING:
            return f"Member, contract expires {contract.expires_on:%b %-d, %Y}"
        return "Member"
    pending = [c for c in contracts if c.status_on(today) == ContractStatus.PENDING]
    if pending:
        return f"Contract starts {min(c.effective_on for c in pending):%b %-d, %Y}"
    if contracts:
        last = max(contracts, key=lambda c: c.effective_on)
        if last.status_on(today) == ContractStatus.TERMINATED:
            return f"Not a member: contract ended {last.terminated_on:%b %-d, %Y}"
        return f"Not a member: contract expired {last.expires_on:%b %-d, %Y}"
    return "Applicant: no contract yet"


class ContractInline(admin.TabularInline):
    model = Contract
    fields = ["status_label", "effective_on", "expires_on", "terminated_on", "signed_by_name"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="status")
    def status_label(self, obj):
        return obj.get_status_display()


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "state", "state_today", "ccn", "applied_at"]
    list_filter = ["status", "state", "bed_size"]
    search_fields = ["name", "city", "ccn", "contact_email"]
    readonly_fields = ["state_today", "applied_at", "activated_at", "add_contract"]
    inlines = [ContractInline]
    actions = ["decline_applications"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("contracts")

    @admin.display(description="membership")
    def state_today(self, obj):
        return membership_state(obj, list(obj.contracts.all())) if obj.pk else "-"

    @admin.action(description="Decline the selected applications", permissions=["change"])
    def decline_applications(self, request, queryset):
        declined = 0
        for hospital in queryset:
            try:
                services.hospital_decline(hospital=hospital, actor=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                declined += 1
        if declined:
            messages.success(request, f"Declined {declined} application"
                                      f"{'' if declined == 1 else 's'}.")

    audited_by_service = True

    def save_model(self, request, obj, form, change):
        services.hospital_admin_save(hospital=obj, actor=request.user)

    @admin.display(description="contract")
    def add_contract(self, obj):
        if not obj.pk:
            return "-"
        url = reverse("admin:members_contract_add") + f"?hospital={obj.pk}"
        return format_html('<a href="{}">Record a signed PSO contract</a>', url)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "hospital", "role", "job_title", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "user__full_name", "hospital__name"]
    list_select_related = ["user", "hospital"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "hospital", "role", "created_at", "expires_at", "status_label"]
    search_fields = ["email", "hospital__name"]
    list_select_related = ["hospital"]
    exclude = ["token_hash"]

    @admin.display(description="status")
    def status_label(self, obj):
        return obj.get_status_display()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UserForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "pso_role", "is_active"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Coordinators manage PSO staff here: name, PSO role, active or not. The form has no
    superuser, staff or permission fields, and superusers' accounts are not listed to anyone
    else, so nobody gains more than a PSO role through it."""

    form = UserForm
    list_display = ["email", "full_name", "pso_role", "is_active", "last_login"]
    list_filter = ["pso_role", "is_active"]
    search_fields = ["email", "full_name"]
    audited_by_service = True

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if not request.user.is_superuser:
            users = users.filter(is_superuser=False).exclude(pso_role="")
        return users

    def save_model(self, request, obj, form, change):
        role = obj.pso_role
        if change:
            obj.pso_role = User.objects.get(pk=obj.pk).pso_role
        services.user_admin_save(user=obj, actor=request.user)
        if role != obj.pso_role or not change:
            try:
                services.pso_role_set(user=obj, role=role, actor=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
