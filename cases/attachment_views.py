"""Pages for a report's photos and documents: add, check the name, remove, download."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render

from chpso_portal import access
from chpso_portal.forms import BootstrapMixin, add_service_errors
from members.roles import Scope

from . import attachments
from .access import report_for_member, sent_report_for_pso
from .screening import finding_rows


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by cases.attachments, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": attachments.ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class AttachmentFilesForm(BootstrapMixin, forms.Form):
    files = MultipleFileField(label="Photos or documents", help_text=attachments.TYPES_HINT)


class AttachmentNameForm(BootstrapMixin, forms.Form):
    display_name = forms.CharField(label="File name", max_length=200)


BACK = {"review": "report-review", "detail": "report-detail"}


def _back(request, report):
    name = BACK.get(request.POST.get("back") or request.GET.get("back"), "report-attachments")
    return redirect(name, public_id=report.public_id)


def panel(request, report, *, back: str) -> dict:
    """The files of a report as the report's own pages show them, with the form to add more."""
    membership = request.membership
    may_upload = attachments.may_upload(membership, report)
    return {"attachments": attachments.present(
                attachments.visible_attachments(report, membership), membership),
            "may_upload_files": may_upload,
            "files_form": AttachmentFilesForm() if may_upload else None,
            "attachments_back": back}


def _page(request, report, *, files_form=None, name_forms=None, status=200):
    membership = request.membership
    rows = attachments.present(attachments.visible_attachments(report, membership), membership)
    name_forms = name_forms or {}
    for row in rows:
        bound = name_forms.get(row.pk)
        row.name_form = bound or AttachmentNameForm(
            initial={"display_name": row.display_name}, prefix=f"a{row.pk}")
        row.finding_rows, _ = finding_rows(
            [row.screened] if row.screened.findings else [],
            posted=bound.data if bound is not None else None, saved=row.name_dismissed)
    may_upload = attachments.may_upload(membership, report)
    return render(request, "cases/report_attachments.html", {
        "report": report, "attachments": rows, "may_upload": may_upload,
        "files_form": files_form or (AttachmentFilesForm() if may_upload else None),
        "reviewer": attachments.is_reviewer(membership, report),
        "room": attachments.ATTACHMENTS_PER_REPORT - report.attachments.count(),
    }, status=status)


@access.hospital(Scope.REPORTS_CREATE, methods=("GET", "POST"), object_scoped=True)
def report_attachments(request, public_id):
    """A report's files: the reporter's own, or every file for a reviewer; adding files."""
    report = report_for_member(request, public_id)
    if request.method != "POST":
        return _page(request, report)
    form = AttachmentFilesForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            saved = attachments.attachments_add(
                report=report, actor=request.user, membership=request.membership,
                uploads=form.cleaned_data["files"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not saved:
                form.add_error("files", "Choose a file to add.")
            else:
                flagged = sum(1 for a in saved if a.name_findings)
                messages.success(request, f"{len(saved)} file{'s'[:len(saved) != 1]} added."
                                 + (" Check the name of each flagged file before it can go to"
                                    " the PSO." if flagged else ""))
                return _back(request, report) if not flagged else \
                    redirect("report-attachments", public_id=report.public_id)
    form.files_lost = True
    return _page(request, report, files_form=form)


@access.hospital(Scope.REPORTS_CREATE, methods=("POST",), object_scoped=True)
def attachment_name(request, public_id):
    """Rename a file, or keep what the screening found in its name with a reason."""
    attachment = attachments.attachment_for_member(request, public_id)
    report = attachment.report
    form = AttachmentNameForm(request.POST, prefix=f"a{attachment.pk}")
    if form.is_valid():
        rows, _ = finding_rows([attachments.screen_name(attachment.display_name)],
                               posted=request.POST, saved=attachment.name_dismissed)
        reasons = {(row["kind"], row["text"]): row["reason"] for row in rows if row["reason"]}
        try:
            attachments.attachment_rename(
                attachment=attachment, actor=request.user, membership=request.membership,
                display_name=form.cleaned_data["display_name"], reasons=reasons)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "File name saved.")
            return redirect("report-attachments", public_id=report.public_id)
    return _page(request, report, name_forms={attachment.pk: form})


@access.hospital(Scope.REPORTS_CREATE, methods=("GET", "POST"), object_scoped=True)
def attachment_remove(request, public_id):
    """Removing a file cannot be undone: GET asks, POST removes."""
    attachment = attachments.attachment_for_member(request, public_id)
    report = attachment.report
    allowed = attachments.may_remove(request.membership, attachment)
    if request.method == "POST" and allowed:
        try:
            attachments.attachment_remove(attachment=attachment, actor=request.user,
                                          membership=request.membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "File removed.")
        return redirect("report-attachments", public_id=report.public_id)
    if request.method == "POST":
        messages.error(request, "This file cannot be removed: it went to the PSO with the "
                                "report, or the report is closed.")
        return redirect("report-attachments", public_id=report.public_id)
    return render(request, "cases/attachment_remove.html", {
        "report": report, "attachment": attachment, "allowed": allowed,
        "size": attachments.size_label(attachment.size)})


def _file_response(attachment):
    """The stored file under its display name, reduced to safe characters. Only a checked
    JPEG or PNG is shown in the browser; anything else is downloaded, and nothing is sniffed
    into another type."""
    response = FileResponse(attachment.file.open("rb"), as_attachment=not attachment.is_image,
                            filename=attachments.download_name(attachment),
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@access.hospital(Scope.REPORTS_CREATE, object_scoped=True)
def attachment_download(request, public_id):
    attachment = attachments.attachment_for_member(request, public_id)
    attachments.attachment_record_download(attachment=attachment, viewer=request.user)
    return _file_response(attachment)


@access.pso(Scope.PSO_REPORTS)
def pso_attachment_download(request, public_id):
    attachment = attachments.attachment_for_pso(request, public_id)
    sent_report_for_pso(request, attachment.report.public_id)
    attachments.attachment_record_download(attachment=attachment, viewer=request.user,
                                           pso=True)
    return _file_response(attachment)
