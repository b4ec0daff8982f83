"""Fetch one report for the viewer, or answer 404.

Reports are looked up through the acting member's hospital; staff reach only their own, a
safety lead every report of the hospital except colleagues' drafts. The PSO reaches only what
was sent to it. A miss on a report that exists is written to the audit log as a denial.
"""

from django.db.models import Q
from django.http import Http404

from chpso_portal.audit.services import audit_denied
from members.roles import Scope

from .models import IncidentReport, ReportStatus


def _deny(request, public_id, hospital=None, model=IncidentReport, what="Report"):
    """404, with a denial in the audit log when the object exists (the not-yours case)."""
    if model.objects.filter(public_id=public_id).exists():
        audit_denied(actor=request.user, hospital=hospital,
                     summary=f"{what} not visible to this user: {request.path}")
    raise Http404


def reports_visible_to_member(membership):
    reports = IncidentReport.objects.filter(hospital=membership.hospital)
    if Scope.REPORTS_REVIEW in membership.scopes:
        return reports.filter(~Q(status=ReportStatus.DRAFT) | Q(reporter=membership.user))
    return reports.filter(reporter=membership.user)


def report_for_member(request, public_id) -> IncidentReport:
    report = (
        reports_visible_to_member(request.membership)
        .select_related("reporter", "hospital")
        .filter(public_id=public_id)
        .first()
    )
    if report is None:
        _deny(request, public_id, request.membership.hospital)
    return report


def report_for_reviewer(request, public_id) -> IncidentReport:
    report = report_for_member(request, public_id)
    if report.status == ReportStatus.DRAFT:
        raise Http404  # a lead's own draft is edited as a reporter, not reviewed
    return report


def sent_report_for_pso(request, public_id) -> IncidentReport:
    report = (
        IncidentReport.objects.filter(public_id=public_id, status=ReportStatus.SENT)
        .select_related("hospital", "sent_copy")
        .first()
    )
    if report is None:
        _deny(request, public_id)
    return report
