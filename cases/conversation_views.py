"""The conversation on a report: the reporter and the hospital's reviewers write to each other.

The thread is shown on the reporter's report page and on the review page; both post here. A
message that cannot be saved is shown again, as typed, with what to fix."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from chpso_portal import access
from chpso_portal.audit.services import audit_denied
from chpso_portal.forms import add_service_errors
from members.roles import Scope

from . import conversation
from .access import report_for_member
from .forms import ReportMessageForm
from .models import MessageSide, ReportStatus


def conversation_context(request, report, form=None) -> dict:
    """What the conversation include needs: the thread as this viewer reads it, what is new
    in it since they last read it, and a form if they may write. One query for the thread,
    however long."""
    side = conversation.side_of(report, request.membership)
    if side is None:
        return {"conversation": None}
    can_write = side == MessageSide.REPORTER or report.reporter_id is not None
    # Showing the thread marks it read (in the cache, never the database: see conversation.py);
    # a HEAD shows nobody anything.
    thread = conversation.with_new_marked(
        report=report, viewer=request.user,
        thread=conversation.report_thread(report=report, viewer=request.user),
        mark_read=request.method != "HEAD")
    return {"conversation": {
        "side": side,
        "thread": thread,
        "new_count": sum(1 for entry in thread if entry.new),
        "first_new": next((entry for entry in thread if entry.new), None),
        "form": (form or ReportMessageForm(side=side)) if can_write else None,
    }}


def _page_url(side: str, report) -> str:
    """Where each side reads the conversation: the reporter on their report's page, reviewers
    on the review page."""
    name = "report-detail" if side == MessageSide.REPORTER else "report-review"
    return reverse(name, args=[report.public_id])


@access.hospital(Scope.REPORTS_CREATE, methods=("POST",), object_scoped=True)
def report_message(request, public_id):
    report = report_for_member(request, public_id)
    if report.status == ReportStatus.DRAFT:
        messages.error(request, "A draft has no conversation yet: submit the report first.")
        return redirect("report-detail", public_id=report.public_id)
    side = conversation.side_of(report, request.membership)
    if side is None:
        audit_denied(actor=request.user, hospital=request.hospital,
                     summary=f"Not a side of the conversation: {request.path}")
        raise PermissionDenied("Only the reporter and the hospital's reviewers write here.")
    form = ReportMessageForm(request.POST, side=side)
    if form.is_valid():
        try:
            conversation.report_message_post(report=report, author=request.user, side=side,
                                             text=form.cleaned_data["message"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your message was added. The reporter is notified."
                             if side == MessageSide.REVIEWER else
                             "Your message was added. Your safety team is notified.")
            return redirect(f"{_page_url(side, report)}#conversation")
    return render(request, "cases/report_conversation.html", {
        "report": report, "back_url": _page_url(side, report),
        **conversation_context(request, report, form=form)})

