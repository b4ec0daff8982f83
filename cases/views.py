import copy
import functools
import uuid
from datetime import datetime
from html import escape as _escape

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from chpso_portal import access
from chpso_portal.forms import add_service_errors
from members.roles import Scope

from . import attachment_views, attachments, conversation, queue, selectors, services
from .access import report_for_member, report_for_reviewer, sent_report_for_pso
from .conversation_views import conversation_context
from .forms import (
    AddendumForm,
    CommitForm,
    PsoFilterForm,
    ReportFilterForm,
    ReportForm,
    RevealReporterForm,
    ReviewForm,
    SavedViewForm,
    WithdrawForm,
)
from .models import IncidentReport, ReportStatus
from .screening import finding_rows, listed, screen_form_fields, screen_texts
from .taxonomy import FACTOR_LABELS, factors_by_group

SCREENED_FIELDS = ["narrative", "location_detail", "near_miss_recovery"]
_UNRESOLVED = ("Before the report is sent to the PSO, fix or dismiss with a reason each word "
               "that may identify someone:")



_PLACEHOLDER_ID = uuid.UUID(int=0)
# What a list row shows: a report has some forty columns, narratives among them, and building
# 25 full rows was a measured share of a list page's time.
ROW_FIELDS = ("public_id", "reference", "status", "event_type", "category", "harm_level",
              "location_type", "event_date", "created_at", "sent_at")


@functools.cache
def _url_pattern(name: str, prefix: str) -> str:
    return reverse(name, args=[_PLACEHOLDER_ID])


def _present_rows(page, url_name: str, *, date_field: str):
    """Each row's link and date, made once here: resolving the URL configuration and the date
    filter's localisation for each of 25 rows was a measured share of a list page's time."""
    pattern = _url_pattern(url_name, get_script_prefix())
    placeholder = str(_PLACEHOLDER_ID)
    for report in page:
        report.url = pattern.replace(placeholder, str(report.public_id))
        value = getattr(report, date_field)
        if isinstance(value, datetime):
            value = timezone.localtime(value)
        # As the |date:"M j, Y" filter writes it: "Nov 30, 2026".
        report.date_label = f"{value:%b} {value.day}, {value.year}" if value else ""
    return page


def escape(value) -> str:
    """HTML-escaped text, as the template's autoescape writes it (None as nothing)."""
    return _escape("" if value is None else str(value))


# Labels and codes come from small fixed sets (statuses, categories...): each is escaped once.
_label = functools.lru_cache(maxsize=512)(escape)


def _new_messages_badge(report) -> str:
    count = getattr(report, "new_messages", 0) or 0
    if not count:
        return ""
    return (f' <span class="badge bg-warning text-dark" data-testid="new-messages">{count} new'
            f'<span class="visually-hidden"> message{"s" if count != 1 else ""}</span></span>')


def _queue_row(report) -> str:
    """One row of the review queue as HTML. The rows are written here rather than in the
    template: 25 rows of 9 cells through the template engine were the largest share of the
    page's time. Every value is escaped."""
    if report.reporter_hidden:
        reporter = '<span class="text-muted">Name hidden</span>'
    elif report.reporter_name or report.reporter_email:
        reporter = escape(report.reporter_name or report.reporter_email)
    else:
        reporter = '<span class="text-muted">Imported</span>'
    return (
        f'<tr><td class="text-nowrap"><a href="{escape(report.url)}">{escape(report.reference)}'
        f'</a>{_new_messages_badge(report)}</td>'
        f'<td><span class="badge status-{_label(report.status)}">'
        f'{_label(report.status_label)}</span></td>'
        f'<td class="text-nowrap" data-testid="age">{escape(report.age)}</td>'
        f'<td class="col-snippet small" data-testid="snippet">{escape(report.snippet)}</td>'
        f'<td data-testid="reporter">{reporter}</td><td>{_label(report.category_label)}</td>'
        f'<td>{_label(report.harm_label or "-")}</td><td>{_label(report.location_label)}</td>'
        f'<td class="text-nowrap">{escape(report.date_label or "Unknown")}</td></tr>')


def _my_row(report) -> str:
    """One report of My reports as HTML (see _queue_row). The start of the narrative is cut
    as the |truncatechars:90 filter cuts it."""
    count = getattr(report, "new_messages", 0) or 0
    badge = (f' <span class="badge bg-warning text-dark" data-testid="new-messages">{count} new '
             f'message{"s" if count != 1 else ""}</span>') if count else ""
    feedback = (' · <strong class="text-success">Feedback from your safety lead</strong>'
                if report.feedback else "")
    return (
        f'<a class="list-group-item list-group-item-action" href="{escape(report.url)}">'
        f'<div class="d-flex justify-content-between align-items-start gap-2">'
        f'<span><strong>{escape(report.reference or "Draft")}</strong> · '
        f'{_label(report.category_label)}{badge}</span>'
        f'<span class="badge status-{_label(report.status)} flex-shrink-0">'
        f'{_label(report.status_label)}</span></div>'
        f'<div class="small text-truncate" data-testid="snippet">'
        f'{escape(Truncator(report.narrative or "").chars(90))}</div>'
        f'<div class="small text-muted">{_label(report.event_type_label)} · '
        f'{escape(report.date_label)}{feedback}</div></a>')


def _pso_row(report) -> str:
    """One row of the PSO's list as HTML (see _queue_row)."""
    return (
        f'<tr><td><a href="{escape(report.url)}">{escape(report.reference)}</a></td>'
        f'<td>{escape(report.hospital.name)}</td><td>{_label(report.event_type_label)}</td>'
        f'<td>{_label(report.category_label)}</td><td>{_label(report.harm_label or "-")}</td>'
        f'<td>{escape(report.date_label)}</td></tr>')


def _report_form_view(request, report=None):
    """The report form. On submit the text is screened first: findings are shown highlighted
    in their context at the top of the form shown again with everything typed, and the reporter
    changes the words or sends it as it is. Screening never blocks a report, and a draft (seen
    by its reporter only) is saved without it."""
    form = ReportForm(request.POST or None, instance=report, hospital=request.hospital)
    # Files chosen on the form are checked before anything is saved; the browser cannot keep
    # them when the form is shown again, and the page says so.
    files_form = attachment_views.AttachmentFilesForm(request.POST or None,
                                                      request.FILES or None)
    uploads = files_form.cleaned_data["files"] if files_form.is_valid() else []
    files_valid = True
    if request.method == "POST":
        try:
            attachments.check_uploads(report=report, uploads=uploads)
        except ValidationError as exc:
            add_service_errors(files_form, exc)
            files_valid = False
    screened = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        confirmed = bool(data.get("confirm_screening"))
        submit = "submit" in request.POST
        valid = True
        if submit:
            try:
                services.validate_report(data)
            except ValidationError as exc:
                add_service_errors(form, exc)
                valid = False
            screened = screen_form_fields(data, form, SCREENED_FIELDS)
        if valid and files_valid and not (screened and not confirmed):
            try:
                with transaction.atomic():
                    saved = services.report_save_draft(
                        hospital=request.hospital, reporter=request.user, data=data,
                        report=report
                    )
                    if submit:
                        saved = services.report_submit(
                            report=saved, actor=request.user,
                            confirmed_findings=[f for item in screened for f in item.findings])
                    added = attachments.attachments_add(
                        report=saved, actor=request.user, membership=request.membership,
                        uploads=uploads) if uploads else []
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if submit:
                    messages.success(request, f"Thank you. Your report {saved.reference} was "
                                              "submitted. You will be told what happens next.")
                else:
                    messages.info(request, "Draft saved. Only you can see it.")
                if flagged := sum(1 for a in added if a.name_findings):
                    messages.warning(request, f"The name of {flagged} file"
                                              f"{'s'[:flagged != 1]} may identify someone: "
                                              "rename it under Photos and documents.")
                return redirect("report-detail", public_id=saved.public_id)
    return render(request, "cases/report_form.html",
                  {"form": form, "report": report, "screened": screened,
                   "files_form": files_form, "files_lost": bool(request.FILES),
                   "attached": report.attachments.count() if report is not None else 0})


@access.hospital(Scope.REPORTS_CREATE, methods=("GET", "POST"))
def report_new(request):
    return _report_form_view(request)


@access.hospital(Scope.REPORTS_CREATE, methods=("GET", "POST"), object_scoped=True)
def report_edit(request, public_id):
    report = report_for_member(request, public_id)
    if report.reporter_id != request.user.pk or report.status != ReportStatus.DRAFT:
        messages.error(request, "Only your own drafts can be edited.")
        return redirect("report-detail", public_id=report.public_id)
    return _report_form_view(request, report)


@access.hospital(Scope.REPORTS_CREATE)
def my_reports(request):
    page = selectors.my_reports_page(membership=request.membership,
                                     fields=(*ROW_FIELDS, "feedback", "narrative"),
                                     page_number=request.GET.get("page"))
    _present_rows(page, "report-detail", date_field="created_at")
    conversation.count_new(page, viewer=request.user)
    rows = mark_safe("".join(_my_row(report) for report in page))  # each value escaped
    return render(request, "cases/my_reports.html", {"page": page, "rows": rows})


@access.hospital(Scope.REPORTS_CREATE, object_scoped=True)
def report_detail(request, public_id):
    report = report_for_member(request, public_id)
    services.report_record_view(report=report, viewer=request.user)
    reviewer = Scope.REPORTS_REVIEW in request.membership.scopes and \
        report.status != ReportStatus.DRAFT
    return render(request, "cases/report_detail.html", {
        "report": report,
        "is_reporter": report.reporter_id == request.user.pk,
        "reviewer": reviewer,
        "factors": [FACTOR_LABELS[c] for c in
                    report.contributing_factors.values_list("code", flat=True)],
        "addenda": report.addenda.select_related("author") if reviewer else [],
        # Reviewers hold the conversation on the review page; here it is the reporter's.
        **(conversation_context(request, report) if report.reporter_id == request.user.pk
           else {}),
        **attachment_views.panel(request, report, back="detail"),
    })


# The queue's columns: (key, heading, the order a first click asks for, the order it toggles
# to, and which of the two reads as "ascending" to a screen reader).
QUEUE_COLUMNS = [
    ("reference", "Reference", None),
    ("status", "Status", ("status", "status_desc", "status")),
    ("age", "Age", ("newest", "oldest", "newest")),
    ("snippet", "What happened", None),
    ("reporter", "Reporter", None),
    ("category", "Category", ("category", "category_desc", "category")),
    ("harm", "Harm", ("harm", "harm_desc", "harm_desc")),
    ("unit", "Where", None),
    ("event", "Event date", ("event", "event_oldest", "event_oldest")),
]
QUEUE_FIELDS = (*ROW_FIELDS, "submitted_at", "reporter_hidden", "location_detail")


def age_label(moment, today, zone=None) -> str:
    """How long a report has waited, as people say it: "today", "1 day", "12 days". `zone`:
    the current time zone, when the caller found it once for a whole page."""
    if moment is None:
        return ""
    days = (today - timezone.localdate(moment, zone)).days
    if days <= 0:
        return "today"
    return "1 day" if days == 1 else f"{days} days"


def _queue_headers(current_sort: str, base_query: str):
    headers = []
    prefix = f"?{base_query}&sort=" if base_query else "?sort="
    for key, label, order in QUEUE_COLUMNS:
        header = {"key": key, "label": label, "url": None, "aria_sort": None}
        if order is not None:
            first, second, ascending = order
            if current_sort in (first, second):
                header["aria_sort"] = "ascending" if current_sort == ascending else "descending"
                header["url"] = prefix + (second if current_sort == first else first)
            else:
                header["url"] = prefix + first
        headers.append(header)
    return headers


def _header_cells(headers) -> str:
    """The queue's column headings as HTML (nine cells with their sort links: through the
    template engine they cost more than the rows' own cells). Every value is escaped."""
    cells = []
    for header in headers:
        sort = header["aria_sort"]
        label = escape(header["label"])
        if header["url"]:
            arrow = {"ascending": ' <span aria-hidden="true">&#9650;</span>',
                     "descending": ' <span aria-hidden="true">&#9660;</span>'}.get(sort, "")
            label = (f'<a href="{escape(header["url"])}" class="text-nowrap">{label}'
                     f'<span class="visually-hidden">, sort</span>{arrow}</a>')
        aria = f' aria-sort="{escape(sort)}"' if sort else ""
        cells.append(f'<th scope="col"{aria} class="col-{escape(header["key"])}">{label}</th>')
    return mark_safe("".join(cells))


def _queue_context(request, save_form=None):
    data = request.GET.copy()
    data.pop("page", None)
    if not data.get("status"):
        data["status"] = selectors.ACTION  # what the lead has to act on, unless asked for more
    form = ReportFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {"status": selectors.ACTION}
    page = selectors.review_queue_page(hospital=request.hospital, viewer=request.user,
                                       filters=filters, fields=QUEUE_FIELDS,
                                       page_number=request.GET.get("page"))
    _present_rows(page, "report-review", date_field="event_date")
    views_key = queue.saved_views_key(user=request.user, hospital=request.hospital)
    cached = conversation.count_new(page, viewer=request.user, also=[views_key])
    zone = timezone.get_current_timezone()
    today = timezone.localdate(timezone=zone)
    for report in page:
        report.age = age_label(report.submitted_at, today, zone)
        snippet = (report.snippet or "").replace("\n", " ").replace("\r", " ")
        report.snippet = snippet[:selectors.SNIPPET_LENGTH].rstrip() + (
            "..." if len(snippet) > selectors.SNIPPET_LENGTH else "")
    rows = mark_safe("".join(_queue_row(report) for report in page))  # each value escaped
    query = form.canonical_query()
    without_sort = data.copy()
    without_sort.pop("sort", None)
    views = queue.saved_views(user=request.user, hospital=request.hospital, cached=cached)
    return {
        "form": form, "page": page, "rows": rows, "query": query,
        "header_cells": _header_cells(
            _queue_headers(filters.get("sort") or "newest", without_sort.urlencode())),
        "needs_action": filters.get("status") == selectors.ACTION,
        "all_query": _replace(data, status=selectors.ALL),
        "saved_views": views,
        "current_view": next((v for v in views if v.query == query), None),
        "save_form": save_form or SavedViewForm(),
        "save_field": _blank_save_field() if save_form is None else "",
        "max_saved_views": queue.MAX_SAVED_VIEWS,
    }


@functools.cache
def _blank_save_field() -> str:
    """The name box of "Save this view" as the queue first shows it, rendered once per
    process: it is the same on every view of the queue (a form sent back with errors is
    rendered afresh)."""
    return render_to_string("members/_field.html", {"field": SavedViewForm()["name"]})


def _replace(data, **values) -> str:
    data = data.copy()
    for key, value in values.items():
        data[key] = value
    return data.urlencode()


@access.hospital(Scope.REPORTS_REVIEW, methods=("GET", "POST"))
def review_queue(request):
    """The hospital's filed reports, what needs action first. POST saves the filter and order
    in the address as a named view of the person's own."""
    if request.method == "POST":
        save_form = SavedViewForm(request.POST)
        context = _queue_context(request, save_form)
        if save_form.is_valid():
            try:
                view = queue.saved_view_create(
                    user=request.user, hospital=request.hospital,
                    name=save_form.cleaned_data["name"], query=context["query"])
            except ValidationError as exc:
                add_service_errors(save_form, exc)
            else:
                messages.success(request, f"Saved the view \"{view.name}\".")
                url = reverse("review-queue")
                return redirect(f"{url}?{view.query}" if view.query else url)
        return render(request, "cases/review_queue.html", context)
    return render(request, "cases/review_queue.html", _queue_context(request))


@access.hospital(Scope.REPORTS_REVIEW, methods=("GET", "POST"), object_scoped=True)
def queue_view_delete(request, public_id):
    view = queue.saved_view_for_user(user=request.user, hospital=request.hospital,
                                     public_id=public_id)
    if view is None:
        raise Http404
    if request.method == "POST":
        queue.saved_view_delete(view=view, actor=request.user)
        messages.success(request, f"Deleted the saved view \"{view.name}\". No report changed.")
        return redirect("review-queue")
    return render(request, "cases/queue_view_delete.html", {"view": view})


def _review_context(report, **forms):
    return {
        "report": report,
        "factor_groups": factors_by_group(),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "commit_form": forms.get("commit_form") or CommitForm(
            initial={"send_by": report.committed_send_by}),
        "addendum_form": forms.get("addendum_form") or AddendumForm(),
        "addenda": report.addenda.select_related("author"),
        "factors": [f.label for f in report.contributing_factors.all()],
        **{k: v for k, v in forms.items() if k == "form"},
    }


@access.hospital(Scope.REPORTS_REVIEW, methods=("GET", "POST"), object_scoped=True)
def report_review(request, public_id):
    report = report_for_reviewer(request, public_id)
    initial = {
        "factors": list(report.contributing_factors.values_list("code", flat=True)),
        "systems_issue": report.systems_issue, "preventability": report.preventability,
        "handover_involved": report.handover_involved, "pso_summary": report.pso_summary,
        "feedback": report.feedback,
    }
    form = ReviewForm(request.POST or None, initial=initial)
    posted = request.POST if request.method == "POST" and not report.is_frozen else None
    if posted is not None and form.is_valid():
        data = dict(form.cleaned_data)
        factors = data.pop("factors")
        # "Send to the PSO" posts the review form too: what is on the form is saved first, so
        # nothing typed is lost, and the send itself waits for a confirmation page.
        sending = "send" in request.POST
        screened = screen_texts(services.sent_texts(report, pso_summary=data["pso_summary"]))
        _, dismissed = finding_rows(screened, posted=posted, saved=report.dismissed_findings,
                                    replaceable=True)
        try:
            saved = services.report_review_save(report=report, actor=request.user,
                                                factors=factors, dismissed_findings=dismissed,
                                                **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            unresolved = services.unresolved_sent_findings(saved)
            if sending and not data["pso_summary"].strip():
                form.add_error("pso_summary", "Write the summary for the PSO before sending. "
                                              "The rest of the review was saved.")
            elif sending and not unresolved:
                messages.success(request, "Review saved. Check what will be sent.")
                return redirect("report-send", public_id=report.public_id)
            else:
                messages.success(request, "Review saved.")
                if unresolved:
                    level = messages.error if sending else messages.warning
                    level(request, _UNRESOLVED + f" {listed(unresolved)}.")
                return redirect("report-review", public_id=report.public_id)
    if report.status != ReportStatus.DRAFT:
        services.report_record_view(report=report, viewer=request.user)
    # The summary as typed when the form is shown again, so no reason or word is lost.
    summary = form.data.get("pso_summary", report.pso_summary) if posted is not None \
        else report.pso_summary
    screened = screen_texts(services.sent_texts(report, pso_summary=summary))
    rows, _ = finding_rows(screened, posted=posted, saved=report.dismissed_findings,
                           replaceable=True)
    return render(request, "cases/report_review.html",
                  {**_review_context(report, form=form), "screened": screened,
                   "finding_rows": rows, **conversation_context(request, report),
                   **attachment_views.panel(request, report, back="review")})


def _review_action(request, public_id, action, *, form_class=None, invalid="", success):
    """Run one lifecycle step posted from the review page and report back as a message.

    `action(report, **fields)` calls the service; `success` is a message or a function of the
    report. Refusals come back from the service as ValidationErrors, shown as they are.
    """
    report = report_for_reviewer(request, public_id)
    fields = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, invalid)
            return redirect("report-review", public_id=report.public_id)
        fields = form.cleaned_data
    try:
        action(report, **fields)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success(report) if callable(success) else success)
    return redirect("report-review", public_id=report.public_id)


@access.hospital(Scope.REPORTS_REVIEW, methods=("GET", "POST"), object_scoped=True)
def report_send(request, public_id):
    """Sending freezes the report for good: GET shows exactly what will go, POST sends it."""
    report = report_for_reviewer(request, public_id)
    if request.method != "POST":  # GET and HEAD only ask
        if report.is_frozen:
            messages.info(request, f"Report {report.reference} was already sent or withdrawn: "
                                   "there is nothing to send.")
            return redirect("report-review", public_id=report.public_id)
        if unresolved := services.unresolved_sent_findings(report):
            messages.error(request, _UNRESOLVED + f" {listed(unresolved)}.")
            return redirect("report-review", public_id=report.public_id)
        screened = screen_texts(services.sent_texts(report))
        rows, _ = finding_rows(screened, saved=report.dismissed_findings, replaceable=True)
        # What the PSO will read: the report with replaced findings as placeholders.
        preview = copy.copy(report)
        for name, text in services.texts_as_sent(report).items():
            setattr(preview, name, text)
        return render(request, "cases/report_send.html", {
            "report": report, "preview": preview,
            "factors": [f.label for f in report.contributing_factors.all()],
            "screened": screened, "finding_rows": rows,
            "send_choices": attachments.sending_choices(report, request.membership),
        })
    return _review_action(
        request, public_id,
        lambda report: services.report_send(report=report, actor=request.user,
                                            attachments=request.POST.getlist("attachments")),
        success=lambda report: f"Report {report.reference} was sent to the PSO. It is now "
                               "frozen: later changes are addenda.",
    )


@access.hospital(Scope.REPORTS_REVIEW, methods=("POST",), object_scoped=True)
def report_withdraw(request, public_id):
    return _review_action(
        request, public_id,
        lambda report, **f: services.report_withdraw(report=report, actor=request.user, **f),
        form_class=WithdrawForm, invalid="Say why the report is withdrawn.",
        success=lambda report: f"Report {report.reference} was withdrawn.",
    )


@access.hospital(Scope.REPORTS_REVIEW, methods=("POST",), object_scoped=True)
def report_commit(request, public_id):
    return _review_action(
        request, public_id,
        lambda report, **f: services.report_commit_to_send(report=report, actor=request.user,
                                                           **f),
        form_class=CommitForm, invalid="Give the date by which the report will be sent.",
        success="Commitment recorded.",
    )


@access.hospital(Scope.REPORTS_REVIEW, methods=("POST",), object_scoped=True)
def report_addendum(request, public_id):
    """An addendum reaches the PSO as written, so it is screened like the summary for the PSO:
    while a finding is neither changed nor kept with a reason, the review page comes back
    with the addendum as typed, each finding highlighted in it and a reason field for each."""
    report = report_for_reviewer(request, public_id)
    form = AddendumForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the addendum.")
        return redirect("report-review", public_id=report.public_id)
    text = form.cleaned_data["text"]
    screened = services.screen_addendum(text)
    rows, dismissed = finding_rows(screened, posted=request.POST)
    try:
        services.report_add_addendum(report=report, actor=request.user, text=text,
                                     dismissed_findings=dismissed)
    except ValidationError as exc:
        if not screened:
            messages.error(request, " ".join(exc.messages))
            return redirect("report-review", public_id=report.public_id)
        add_service_errors(form, exc)
    else:
        messages.success(request, "Addendum added. The PSO sees it with the report.")
        return redirect("report-review", public_id=report.public_id)
    sent_screened = screen_texts(services.sent_texts(report))
    sent_rows, _ = finding_rows(sent_screened, saved=report.dismissed_findings,
                                replaceable=True)
    return render(request, "cases/report_review.html", {
        **_review_context(report, addendum_form=form), "screened": sent_screened,
        "finding_rows": sent_rows, "addendum_screened": screened, "addendum_rows": rows,
    })


@access.pso(Scope.PSO_REPORTS)
def pso_report_list(request):
    form = PsoFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = selectors.pso_reports_page(filters=filters, fields=(*ROW_FIELDS, "hospital__name"),
                                      page_number=request.GET.get("page"))
    _present_rows(page, "pso-report-detail", date_field="sent_at")
    rows = mark_safe("".join(_pso_row(report) for report in page))  # each value escaped
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cases/pso_report_list.html",
                  {"form": form, "page": page, "rows": rows, "query": query.urlencode()})


@access.pso(Scope.PSO_REPORTS)
def pso_report_detail(request, public_id):
    report = sent_report_for_pso(request, public_id)
    services.report_record_view(report=report, viewer=request.user)
    data = report.sent_copy.data
    # An unsaved copy built from what was sent, so choices display with their labels.
    sent = IncidentReport(**{name: data.get(name) for name in services.SENT_FIELDS})
    return render(request, "cases/pso_report_detail.html", {
        "report": report,
        "sent": sent,
        "sent_reference": data.get("reference"),
        "factors": [FACTOR_LABELS.get(c, c) for c in data.get("contributing_factors", [])],
        "addenda": report.addenda.all(),
        "received": attachments.attachments_received(report),
    })


@access.hospital(Scope.REPORTS_REVIEW, methods=("GET", "POST"), object_scoped=True)
def report_reporter(request, public_id):
    """The hospital's lead looks up a hidden reporter when the law requires it (recorded)."""
    report = report_for_reviewer(request, public_id)
    form = RevealReporterForm(request.POST or None)
    context = {"report": report, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            context["reporter"] = services.report_reveal_reporter(
                report=report, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(request, "cases/report_reporter.html", context)

