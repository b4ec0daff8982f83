import csv

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone

from .models import AuditAction, AuditEvent
from .services import audit_record

# A cell that starts with one of these is run as a formula by spreadsheet programs; some of
# the text comes from the public application form (hospital names), so it is neutralised.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


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
        response = HttpResponse(content_type="text/csv")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(["# Patient Safety Work Product: confidential and privileged"])
        writer.writerow(["at_utc", "actor", "hospital", "action", "outcome", "object_type",
                         "object_id", "summary", "ip", "request_id"])
        count = 0
        for event in queryset.select_related("hospital").iterator():
            count += 1
            writer.writerow([_cell(value) for value in (
                event.at.isoformat(), event.actor_email,
                event.hospital.name if event.hospital else "", event.action, event.outcome,
                event.object_type, event.object_id, event.summary, event.ip or "",
                event.request_id,
            )])
        audit_record(actor=request.user, action=AuditAction.EXPORT,
                     summary=f"Exported {count} audit events", object_type="audit.auditevent")
        return response
