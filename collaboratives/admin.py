"""Read-only admin pages for coordinators: sessions, nominations and attestations.

Sessions are written only through the portal's services (they enforce the ground rules), so
nothing here adds, changes or deletes. Case materials stay behind the session's own grant:
these pages never show a case summary, the report or which hospital brought a case (ground
rule 9); they show the state of each session and who attested to the ground rules.
"""

from django.contrib import admin
from django.db.models import Count, Q

from members.roles import Scope

from .models import Attestation, CollaborativeSession, Nomination, NominationStatus


class ReadOnlyForPso(admin.ModelAdmin):
    """Visible to PSO staff who may see every session; never writable from the admin."""

    actions = None

    @staticmethod
    def _may_see(request) -> bool:
        user = request.user
        return (user.is_active and user.is_staff
                and Scope.SESSIONS_ALL in getattr(user, "pso_scopes", frozenset()))

    def has_module_permission(self, request):
        return self._may_see(request)

    def has_view_permission(self, request, obj=None):
        return self._may_see(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CollaborativeSession)
class CollaborativeSessionAdmin(ReadOnlyForPso):
    list_display = ["title", "date", "start_time", "time_zone", "status", "hospitals_accepted",
                    "cases_accepted", "nomination_deadline"]
    list_filter = ["status"]
    search_fields = ["title", "theme"]
    date_hierarchy = "date"
    fields = ["title", "theme", "focus_categories", "date", "start_time", "time_zone",
              "duration_minutes", "location", "nomination_deadline", "max_cases_per_hospital",
              "description", "status", "cancellation_reason", "facilitators", "created_by",
              "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _accepted=Count("hospitals", filter=Q(hospitals__status="accepted"), distinct=True),
            _cases=Count("nominations", filter=Q(nominations__status=NominationStatus.ACCEPTED),
                         distinct=True),
        )

    @admin.display(description="hospitals accepted", ordering="_accepted")
    def hospitals_accepted(self, obj):
        return obj._accepted

    @admin.display(description="cases accepted", ordering="_cases")
    def cases_accepted(self, obj):
        return obj._cases


@admin.register(Nomination)
class NominationAdmin(ReadOnlyForPso):
    # No hospital, report or summary: where a case came from stays inside the session.
    list_display = ["session", "label", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["session__title"]
    fields = ["session", "case_number", "status", "created_at", "decided_at"]
    list_select_related = ["session"]


@admin.register(Attestation)
class AttestationAdmin(ReadOnlyForPso):
    list_display = ["session", "user", "accepted_at", "text_version"]
    search_fields = ["session__title", "user__email"]
    fields = ["session", "user", "accepted_at", "text_version"]
    list_select_related = ["session", "user"]
