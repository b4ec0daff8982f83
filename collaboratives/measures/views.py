"""A team's monthly reports: the month's form, submission, corrections, CSV upload."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from chpso_portal import access
from chpso_portal.csv import csv_attachment
from chpso_portal.forms import add_service_errors

from ..pdsa.forms import CommentForm
from ..programmes.access import object_of_team, team_for_viewer
from . import services, upload
from .forms import MonthlyReportForm, UploadForm
from .models import Measure, MeasureValue, MonthlyReport

T = "collaboratives/learning/"


def _measures(collaborative):
    return list(Measure.objects.filter(collaborative=collaborative, is_active=True))


def _current(team, month):
    return {v.measure_id: v for v in MeasureValue.objects.current().filter(team=team,
                                                                           month=month)}


@access.learning(access.LC_TEAM)
def lc_reports(request, public_id):
    team, place = team_for_viewer(request, public_id)
    reports = list(team.monthly_reports.order_by("-month"))
    month = services.month_now_due(team.collaborative)
    return render(request, T + "reports.html", {
        "team": team, "collaborative": team.collaborative, "place": place, "reports": reports,
        "month": month, "due": services.due_date(team.collaborative, month),
        "has_month": any(r.month == month for r in reports)})


def _month_or_404(year, month) -> date:
    try:
        return date(int(year), int(month), 1)
    except ValueError:
        raise Http404 from None


@access.learning(access.LC_TEAM_WORK, methods=("GET", "POST"))
def lc_report_month(request, public_id, year, month):
    """The form for one month. GET reads only; the first save starts the month's report."""
    team, place = team_for_viewer(request, public_id, need="work")
    month = _month_or_404(year, month)
    report = MonthlyReport.objects.filter(team=team, month=month).first()
    measures = _measures(team.collaborative)
    form = MonthlyReportForm(request.POST or None, measures=measures,
                             current=_current(team, month), report=report)
    if request.method == "POST":
        if form.is_valid():
            try:
                if report is None:
                    report = services.report_start(team=team, actor=request.user, month=month)
                services.report_save(
                    report=report, actor=request.user, values=form.values(),
                    narrative={f: form.cleaned_data[f] for f in services.NARRATIVE_FIELDS},
                    progress_score=form.cleaned_data["progress_score"],
                    correction_reason=form.cleaned_data.get("correction_reason", ""))
                if "submit" in request.POST and not report.is_submitted:
                    services.report_submit(report=report, actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                report.refresh_from_db()
                messages.success(request, "Month submitted." if report.is_submitted
                                 and "submit" in request.POST else "Saved.")
                return redirect("lc-report", public_id=report.public_id)
    return render(request, T + "report_form.html", {
        "team": team, "collaborative": team.collaborative, "form": form, "report": report,
        "month": month, "due": services.due_date(team.collaborative, month), "place": place})


@access.learning(access.LC_TEAM)
def lc_report(request, public_id):
    report, place = object_of_team(request, MonthlyReport, public_id)
    return report_page(request, report, place)


def report_page(request, report, place, *, comment_form=None):
    """One month's report; `comment_form` is faculty's comment shown again with what to fix."""
    team = report.team
    values = list(MeasureValue.objects.filter(team=team, month=report.month)
                  .select_related("measure", "entered_by").order_by("measure__position",
                                                                    "version"))
    current = [v for v in values if v.is_current]
    history = [v for v in values if not v.is_current]
    return render(request, T + "report.html", {
        "report": report, "team": team, "collaborative": team.collaborative, "place": place,
        "current": current, "history": history,
        "comments": list(report.comments.select_related("author")),
        "comment_form": (comment_form or CommentForm()) if place.coaches else None,
    })


@access.learning(access.LC_TEAM_WORK, methods=("POST",))
def lc_report_submit(request, public_id):
    report, _ = object_of_team(request, MonthlyReport, public_id, need="work")
    try:
        services.report_submit(report=report, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Month submitted.")
    return redirect("lc-report", public_id=report.public_id)


@access.learning(access.LC_TEAM_WORK, methods=("GET", "POST"))
def lc_upload(request, public_id):
    team, _ = team_for_viewer(request, public_id, need="work")
    form = UploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST":
        if form.is_valid():
            try:
                result = upload.upload_save(team=team, actor=request.user,
                                            content=form.cleaned_data["file"].read())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                errors = result.get("errors", [])
                if not errors:
                    messages.success(request, f"Uploaded {result['saved']} value(s) in "
                                              f"{len(result['months'])} month(s).")
                    return redirect("lc-reports", public_id=team.public_id)
    return render(request, T + "upload.html", {
        "team": team, "collaborative": team.collaborative, "form": form, "errors": errors,
        "columns": upload.COLUMNS, "measures": _measures(team.collaborative)})


@access.learning(access.LC_TEAM)
def lc_upload_template(request, public_id):
    team, _ = team_for_viewer(request, public_id)
    return csv_attachment(upload.template_rows(_measures(team.collaborative)),
                          "monthly-data-template.csv")
