from django.contrib import admin
from django.utils import timezone

from chpso_portal.csv import csv_attachment

from .models import AuditAction, AuditEvent
from .services import audit_record


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Coordinators browse and export the log here; nobody can add, change or delete a row."""

    list_display = ["at", "actor_email", "hospital", "action", "outcome", "summary", "ip"]
    list_filter = [
        "action",
        "outcome",
        ("hospital", admin.RelatedOnlyFieldListFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
        "at",
    ]
    date_hierarchy = "at"
    search_fields = ["actor_email", "summary", "object_id", "request_id"]
    list_select_related = ["hospital"]
    actions = ["export_csv"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Export the selected events as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        rows = [["# Patient Safety Work Product: confidential and privileged"],
                ["at_utc", "actor", "hospital", "action", "outcome", "object_type",
                 "object_id", "summary", "ip", "request_id"]]
        for event in queryset.select_related("hospital").iterator():
            rows.append([
                event.at.isoformat(), event.actor_email,
                event.hospital.name if event.hospital else "", event.action, event.outcome,
                event.object_type, event.object_id, event.summary, event.ip or "",
                event.request_id,
            ])
        audit_record(actor=request.user, action=AuditAction.EXPORT,
                     summary=f"Exported {len(rows) - 2} audit events",
                     object_type="audit.auditevent")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        return csv_attachment(rows, f"audit-log-{stamp}.csv")


def _admin_audit(action, verb):
    def record(request, obj, message):
        from members.models import Hospital

        if isinstance(obj, Hospital):
            hospital = obj
        else:
            hospital = getattr(obj, "hospital", None) if hasattr(obj, "hospital_id") else None
        audit_record(
            actor=request.user, action=action, obj=obj, hospital=hospital,
            summary=f"Admin {verb} {obj._meta.verbose_name} {obj}"[:300],
            detail={"admin": True, "changes": message if isinstance(message, list | str)
                    else str(message)},
        )
    return record


def audit_admin_changes(site) -> None:
    """Every add, change and delete made in the admin goes to the audit log, for every model
    (the libraries' included: email addresses, authenticators, sessions). Admins whose save
    goes through a service that audits (contracts, hospitals, users) set
    `audited_by_service` and are heard there instead, with the values before and after."""
    for model_admin in site._registry.values():
        if getattr(model_admin, "_audited", False):
            continue
        if not getattr(model_admin, "audited_by_service", False):
            add, change = model_admin.log_addition, model_admin.log_change

            def log_addition(request, obj, message, _original=add):
                _admin_audit(AuditAction.CREATE, "added")(request, obj, message)
                return _original(request, obj, message)

            def log_change(request, obj, message, _original=change):
                _admin_audit(AuditAction.UPDATE, "changed")(request, obj, message)
                return _original(request, obj, message)

            model_admin.log_addition = log_addition
            model_admin.log_change = log_change
        deletions = model_admin.log_deletions

        def log_deletions(request, queryset, _original=deletions):
            for obj in queryset:
                _admin_audit(AuditAction.REVOKE, "deleted")(request, obj, "deleted")
            return _original(request, queryset)

        model_admin.log_deletions = log_deletions
        model_admin._audited = True
