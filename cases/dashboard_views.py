"""The incident-report dashboards: the safety lead's (one hospital) and the PSO's (everything
sent to it). Figures come from cases.dashboard; charts from the chart engine; comparisons
across hospitals through chpso_portal.disclosure."""

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from chpso_portal import access, disclosure
from chpso_portal.chart_pages import (
    ChartBlock,
    FunnelBlock,
    download_response,
    month_label,
    page_query,
    short_month,
)
from chpso_portal.charts.engine import RUN, UP, Period, U, build
from chpso_portal.forms import BootstrapMixin, add_service_errors
from members.roles import Scope

from . import services
from .dashboard import (
    OPENS_WITH,
    PERIODS,
    cached,
    hospital_figures,
    month_starts,
    pso_figures,
    version,
)
from .models import PatientDays
from .taxonomy import HarmLevel


class PeriodForm(BootstrapMixin, forms.Form):
    months = forms.TypedChoiceField(
        label="Period", coerce=int, required=False,
        choices=[(n, f"Last {n} months") for n in PERIODS])


def _months(request) -> int:
    form = PeriodForm(request.GET or None)
    if form.is_valid() and form.cleaned_data.get("months"):
        return form.cleaned_data["months"]
    return PERIODS[0]


def _labels(months):
    return {month_label(m): short_month(m) for m in months}


def lead_blocks(figures, query: str = "") -> list[ChartBlock]:
    labels = _labels(figures.months)
    filed = build(RUN, [Period(month_label(m), value=figures.filed.get(m, 0))
                        for m in figures.months], better=UP)
    blocks = [ChartBlock("filed", "Reports filed per month", filed, unit="reports",
                         value_label="Reports", short_labels=labels, query=query)]
    if figures.patient_days:
        rate = build(U, [Period(month_label(m), numerator=figures.filed.get(m, 0),
                                denominator=figures.patient_days.get(m))
                         for m in figures.months], better=UP, multiplier=1000)
        blocks.append(ChartBlock("rate", "Reports per 1,000 patient days", rate,
                                 unit="per 1,000 patient days", value_label="Rate",
                                 numerator_label="Reports", denominator_label="Patient days",
                                 short_labels=labels, query=query))
    return blocks


def _lead_figures_and_blocks(hospital_id: int, months: int, query: str = ""):
    """The figures and their charts, drawn once per version of the hospital's reports: by the
    refresh after a change (`refresh_figures`), or else by the first viewer."""
    scope = f"hospital:{hospital_id}"
    today = timezone.localdate()
    at = version(scope)
    figures = hospital_figures(hospital_id=hospital_id, months=months, today=today, at=at)
    blocks = cached(scope, f"blocks:{months}:{today.isoformat()}",
                    lambda: [b.prepare() for b in lead_blocks(figures)], at=at)
    for block in blocks:
        block.query = query
    return figures, blocks


def _pso_figures_and_blocks(months: int, query: str = ""):
    """The PSO's figures and charts, drawn once per version, as the lead's above. Nobody's own
    hospital is marked in the comparison, so what is drawn is the same for every viewer."""
    today = timezone.localdate()
    at = version("pso")
    figures = pso_figures(months=months, today=today, at=at)

    def draw():
        blocks, funnel = pso_blocks(figures)
        return [b.prepare() for b in blocks], funnel.prepare()

    blocks, funnel = cached("pso", f"blocks:{months}:{today.isoformat()}", draw, at=at)
    for block in [*blocks, funnel]:
        block.query = query
    return figures, blocks, funnel


def refresh_figures(scope: str) -> None:
    """Compute the figures and charts of the views the scope's dashboard opens with, under the
    scope's current version, unless they are there already: what cases.tasks.refresh_dashboard
    runs after a change. Only data are stored (figures, drawn charts), never a page."""
    for months in OPENS_WITH:
        if scope == "pso":
            _pso_figures_and_blocks(months)
        elif scope.startswith("hospital:"):
            _lead_figures_and_blocks(int(scope.removeprefix("hospital:")), months)
        else:
            raise ValueError(f"Unknown dashboard scope {scope!r}.")


def _fragment(scope: str, months: int, query: str) -> str:
    """What a dashboard's cached fragment is keyed on: whose figures (the scope the access
    check resolved: one hospital, or the PSO), their data version, the period, the day and the
    query string (the download links carry it). The template caches the charts and tables
    under it, so a repeated view renders none of them, and reads none of the figures."""
    return f"{scope}|{version(scope)}|{months}|{timezone.localdate().isoformat()}|{query}"


@access.hospital(Scope.REPORTS_REVIEW)
def lead_dashboard(request):
    months = _months(request)
    query = page_query(request)
    scope = f"hospital:{request.hospital.pk}"
    fragment = _fragment(scope, months, query)
    # Read (from the cache, or the database) only if the page's fragment must be drawn.
    drawn = SimpleLazyObject(lambda: _lead_figures_and_blocks(request.hospital.pk, months,
                                                              query))
    if request.GET.get("download"):
        return download_response(request, drawn[1], hospital=request.hospital,
                                 what="the hospital's report dashboard")
    return render(request, "cases/dashboard.html", {
        "figures": SimpleLazyObject(lambda: drawn[0]),
        "blocks": SimpleLazyObject(lambda: drawn[1]),
        "period_form": PeriodForm(initial={"months": months}), "months": months,
        "fragment": fragment,
    })


@access.hospital(Scope.REPORTS_REVIEW)
def lead_dashboard_pdf(request):
    """The dashboard as a printable PDF for the hospital's board, PSWP label on every page."""
    from chpso_portal.audit.models import AuditAction
    from chpso_portal.audit.services import audit_record
    from chpso_portal.pdf import pdf_response

    months = _months(request)
    # The same figures and charts as the page: cached, or refreshed after the last change.
    figures, blocks = _lead_figures_and_blocks(request.hospital.pk, months)
    audit_record(actor=request.user, action=AuditAction.EXPORT, hospital=request.hospital,
                 summary="Downloaded the report dashboard as a PDF")
    today = timezone.localdate()
    return pdf_response("cases/board_pdf.html", {
        "hospital": request.hospital, "figures": figures, "blocks": blocks,
        "months": months, "first_month": figures.months[0], "last_month": figures.months[-1],
        "printed": today,
    }, f"patient-safety-reports-{today.isoformat()}.pdf", request)


class PatientDaysForm(BootstrapMixin, forms.Form):
    month = forms.TypedChoiceField(coerce=date.fromisoformat)
    patient_days = forms.IntegerField(min_value=1, max_value=10_000_000,
                                      help_text="Inpatient days in the month, as your finance "
                                                "or bed-management office counts them.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        months = month_starts(PERIODS[-1], timezone.localdate())[::-1]
        self.fields["month"].choices = [(m.isoformat(), month_label(m)) for m in months]


@access.hospital(Scope.REPORTS_REVIEW, methods=("GET", "POST"))
def patient_days(request):
    form = PatientDaysForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_days_record(hospital=request.hospital, actor=request.user,
                                         **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Patient days for "
                                      f"{month_label(form.cleaned_data['month'])} saved.")
            return redirect("patient-days")
    entered = PatientDays.objects.filter(hospital=request.hospital).order_by("-month")[:36]
    return render(request, "cases/patient_days.html", {"form": form, "entered": entered})


HARM_COLUMNS = [label for _, label in HarmLevel.choices] + ["Not given"]


def rate_comparison(figures):
    rows = [disclosure.Row(key=r.hospital_id, code=r.name, numerator=r.reports,
                           denominator=r.patient_days, name=r.name, named=True)
            for r in figures.rates]
    return disclosure.compare(rows, kind=disclosure.RATE, multiplier=1000)


def pso_blocks(figures, query: str = ""):
    sent = build(RUN, [Period(month_label(m), value=figures.sent.get(m, 0))
                       for m in figures.months], better=UP)
    blocks = [ChartBlock("sent", "Reports sent to the PSO per month", sent, unit="reports",
                         value_label="Reports", short_labels=_labels(figures.months),
                         query=query)]
    comparison = rate_comparison(figures)
    funnel = FunnelBlock.build(
        "rates", "Reports per 1,000 patient days, by hospital", comparison,
        [(r.hospital_id, r.reports, r.patient_days) for r in figures.rates],
        kind="rate", multiplier=1000, unit="per 1,000 patient days", x_label="Patient days",
        numerator_label="Reports", denominator_label="Patient days", query=query)
    return blocks, funnel


@disclosure.comparative
@access.pso(Scope.PSO_REPORTS)
def pso_dashboard(request):
    months = _months(request)
    query = page_query(request)
    fragment = _fragment("pso", months, query)
    # Read only if the page's fragment must be drawn (or a chart is downloaded).
    drawn = SimpleLazyObject(lambda: _pso_figures_and_blocks(months, query))
    if request.GET.get("download"):
        return download_response(request, [*drawn[1], drawn[2]],
                                 what="the PSO's report dashboard")
    return render(request, "cases/pso_dashboard.html", {
        "figures": SimpleLazyObject(lambda: drawn[0]),
        "blocks": SimpleLazyObject(lambda: drawn[1]),
        "funnel": SimpleLazyObject(lambda: drawn[2]),
        "period_form": PeriodForm(initial={"months": months}), "months": months,
        "harm_columns": HARM_COLUMNS, "fragment": fragment,
    })
