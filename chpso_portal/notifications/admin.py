import re

from django.contrib import admin
from django.db.models import BooleanField, Case, CharField, Exists, OuterRef, Q, Value, When
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Cast, Concat, Replace, Substr

from cases.models import IncidentReport

from .models import OutboxEmail

HIDDEN = "Reporter (name hidden)"
# Notices about a report carry "report:<the report's public id>:..." as their event key
# (cases/services.py, cases/conversation.py).
REPORT_EVENT = "report:"


def _to_hidden_reporter():
    """Whether an outbox row is a notice about a report to the reporter who hid their name on
    it: its address would tie them to the report. A row whose recipient's account is gone
    counts too, as nobody can tell whose it was. The report's public id is compared without
    its hyphens, as SQLite stores a UUID and PostgreSQL writes one differently."""
    hidden_report = (
        IncidentReport.objects
        .filter(reporter_hidden=True, reporter_id=OuterRef("recipient_id"))
        .annotate(key=Concat(Value(REPORT_EVENT),
                             Replace(Cast("public_id", CharField()), Value("-"), Value("")),
                             output_field=CharField()))
        .filter(key=Replace(Substr(OuterRef("event_key"), 1, len(REPORT_EVENT) + 36),
                            Value("-"), Value(""))))
    return Case(
        When(Q(event_key__startswith=REPORT_EVENT)
             & (Q(recipient__isnull=True) | Exists(hidden_report)), then=Value(True)),
        default=Value(False), output_field=BooleanField())


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """Read-only view of the outbox, for checking that mail goes out.

    A reporter who hid their name on a report is not identifiable here either: on the notices
    to them about that report the address is shown as "Reporter (name hidden)" (in the list,
    on the row's page and in a delivery error, which may quote it), and neither a search by
    address nor a filter on the address or the recipient in the list's query string
    (?to_address=..., ?recipient=...) finds those rows: the list accepts only its own filters."""

    list_display = ["created_at", "kind", "recipient_address", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_address"]
    fields = ["created_at", "kind", "recipient_address", "subject", "status", "attempts",
              "next_attempt_at", "sent_at", "delivery_error"]
    readonly_fields = fields

    def lookup_allowed(self, lookup, value, request=None):
        # The admin would otherwise filter on any of the model's fields given in the address;
        # a filter on the address or the recipient would list a hidden reporter's notices,
        # whose subjects name the report. Refused lookups answer 400 Bad Request.
        return lookup.split(LOOKUP_SEP, 1)[0] in self.list_filter

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(to_hidden_reporter=_to_hidden_reporter())

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            queryset = queryset.exclude(to_hidden_reporter=True)
        return queryset, duplicates

    @admin.display(description="To")
    def recipient_address(self, obj):
        return HIDDEN if obj.to_hidden_reporter else obj.to_address

    @admin.display(description="Last error")
    def delivery_error(self, obj):
        if obj.to_hidden_reporter and obj.to_address:
            return re.sub(re.escape(obj.to_address), HIDDEN, obj.last_error,
                          flags=re.IGNORECASE)
        return obj.last_error

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
