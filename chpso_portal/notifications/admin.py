from django.contrib import admin

from .models import OutboxEmail


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """Read-only view of the outbox, for checking that mail goes out."""

    list_display = ["created_at", "kind", "to_address", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_address"]
    fields = ["created_at", "kind", "to_address", "subject", "status", "attempts",
              "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
