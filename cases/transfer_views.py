from django import forms
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from chpso_portal import access
from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_denied, audit_record
from chpso_portal.csv import csv_response
from chpso_portal.forms import BootstrapMixin
from members.roles import Scope

from . import selectors
from .forms import PsoFilterForm, ReportFilterForm
from .models import ReportImport
from .services import hospital_prefix
from .transfer import (
    EXAMPLE_ROW,
    IMPORT_COLUMNS,
    STOPPED_MESSAGE,
    column_docs,
    export_rows,
    fail_stale_imports,
    is_stale,
    pso_export_rows,
    template_rows,
)

MAX_IMPORT_BYTES = 20 * 1024 * 1024


class ImportForm(BootstrapMixin, forms.Form):
    source_system = forms.CharField(
        max_length=40, label="Reporting system it comes from",
        help_text="For example the name of your event reporting software. Together with each "
                  "row's source_id it recognises rows already imported.",
    )
    file = forms.FileField(label="CSV file", widget=forms.FileInput(attrs={"accept": ".csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB: split it.")
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Upload a .csv file.")
        return upload


@access.hospital(Scope.REPORTS_TRANSFER, methods=("GET", "POST"))
def report_import(request):
    from .tasks import start_import

    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        fail_stale_imports()
        with transaction.atomic():
            job = ReportImport.objects.create(
                hospital=request.hospital, uploaded_by=request.user,
                source_system=form.cleaned_data["source_system"].strip(),
                file=form.cleaned_data["file"],
            )
            transaction.on_commit(lambda: start_import(job))
        return redirect("report-import-status", public_id=job.public_id)
    recent = ReportImport.objects.filter(hospital=request.hospital)[:5]
    return render(request, "cases/import.html",
                  {"form": form, "columns": column_docs(request.hospital),
                   "example": dict(zip(IMPORT_COLUMNS, EXAMPLE_ROW, strict=True)),
                   "recent": recent})


@access.hospital(Scope.REPORTS_TRANSFER, object_scoped=True)
def import_status(request, public_id):
    job = ReportImport.objects.filter(hospital=request.hospital, public_id=public_id).first()
    if job is None:
        # Another hospital's job (or none): the same 404, and the attempt is on record.
        audit_denied(actor=request.user, hospital=request.hospital,
                     summary="Opened an import job that is not the hospital's",
                     detail={"import": str(public_id)})
        raise Http404
    # A job whose process died reads as failed at once; the upload page and the periodic task
    # record it.
    listed_rows = {entry.get("row") for entry in job.findings}
    return render(request, "cases/import_status.html",
                  {"job": job, "stale": is_stale(job), "stopped_message": STOPPED_MESSAGE,
                   "findings_truncated": job.flagged_rows > len(listed_rows)})


@access.hospital(Scope.REPORTS_TRANSFER)
def import_template(request):
    return csv_response(template_rows(), "incident-report-import-template.csv")


@access.hospital(Scope.REPORTS_TRANSFER)
def report_export(request):
    form = ReportFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    reports = selectors.review_queue(hospital=request.hospital, filters=filters)
    audit_record(actor=request.user, action=AuditAction.EXPORT, hospital=request.hospital,
                 object_type="cases.incidentreport",
                 summary="Exported the hospital's reports as CSV",
                 detail={"filters": {k: str(v) for k, v in filters.items() if v}})
    stamp = timezone.localdate().isoformat()
    return csv_response(export_rows(reports),
                         f"reports-{hospital_prefix(request.hospital)}-{stamp}.csv")


@access.pso(Scope.PSO_REPORTS)
def pso_report_export(request):
    form = PsoFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    reports = selectors.pso_reports(filters=filters)
    audit_record(actor=request.user, action=AuditAction.EXPORT,
                 object_type="cases.incidentreport",
                 summary="Exported reports sent to the PSO as CSV",
                 detail={"filters": {k: str(v) for k, v in filters.items() if v}})
    stamp = timezone.localdate().isoformat()
    return csv_response(pso_export_rows(reports), f"pso-reports-{stamp}.csv")


