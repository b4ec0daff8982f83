"""A team's charts, a measure's comparison across teams, and positive deviance."""

from datetime import date
from html import escape

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from chpso_portal import access, disclosure
from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.chart_pages import download_response, month_label, page_query
from chpso_portal.forms import BootstrapMixin
from collaboratives.fragments import versioned
from collaboratives.measures.models import Measure
from collaboratives.programmes.models import TeamMember
from members.roles import Scope

from . import selectors, services
from .access import collaborative_for_pso, measure_for_viewer, own_team, team_for_viewer
from .models import DevianceFlag, DevianceStatus


class PhaseForm(BootstrapMixin, forms.Form):
    measure = forms.UUIDField(widget=forms.HiddenInput)
    month = forms.DateField(widget=forms.DateInput(attrs={"type": "month"}),
                            input_formats=["%Y-%m", "%Y-%m-%d"],
                            help_text="The first month after the change.")
    label = forms.CharField(max_length=80, label="What changed")


def _team_context(request, team, viewer):
    query = page_query(request)
    key = selectors.team_charts_key(team)
    # Read only when a download is asked for or the PDF is printed.
    charts = SimpleLazyObject(
        lambda: selectors.team_charts_cached(team=team, query=query, key=key))
    return {"team": team, "collaborative": team.collaborative, "charts": charts,
            "viewer": viewer, "label": team.hospital.name,
            "blocks": SimpleLazyObject(lambda: [c.block for c in charts]),
            "query": query, "key": key}


@access.participant()
def team_dashboard(request, public_id):
    team, viewer = team_for_viewer(request, public_id)
    context = _team_context(request, team, viewer)
    download = download_response(request, context["blocks"], hospital=team.hospital,
                                 what="a team's charts")
    if download is not None:
        return download
    # Every chart drawn, in one cache read: the charts themselves are read only to draw them
    # after a change. The forms that mark a change stay outside, each with a fresh token.
    charts = selectors.team_chart_fragments(team=team, query=context["query"],
                                            key=context["key"])
    context["sections"] = _chart_sections(request, team, viewer, charts)
    return render(request, "feedback/team_dashboard.html", context)


# The form under each chart of a team's own page. Written here rather than by a template loop,
# which cost more than the rest of the page: every value is escaped.
_PHASE_FORM = (
    '  <details class="d-print-none small">\n'
    '    <summary>Mark a change on this chart</summary>\n'
    '    <form method="post" action="{action}" class="row g-2 align-items-end mt-1">\n'
    '      {csrf}\n'
    '      <input type="hidden" name="measure" value="{measure}">\n'
    '      <div class="col-sm-4"><label class="form-label" for="month-{n}">First month after the '
    'change</label><input class="form-control form-control-sm" type="month" id="month-{n}" '
    'name="month" required></div>\n'
    '      <div class="col-sm-5"><label class="form-label" for="label-{n}">What changed</label>'
    '<input class="form-control form-control-sm" id="label-{n}" name="label" maxlength="80" '
    'required></div>\n'
    '      <div class="col-sm-3"><button class="btn btn-sm btn-outline-primary">Mark the change'
    '</button></div>\n'
    '    </form>\n'
    '  </details>\n'
)


def _chart_sections(request, team, viewer, charts) -> str:
    """Each chart drawn (cached, the same for everyone who may see it) in its section, with
    the form that marks a change under it for the team's own members, this request's CSRF
    token in each."""
    if viewer.pso:
        forms = [""] * len(charts)
    else:
        action = escape(reverse("feedback-phase", args=[team.public_id]))
        csrf = csrf_input(request)
        forms = [_PHASE_FORM.format(action=action, csrf=csrf, n=number,
                                    measure=escape(item.measure_public_id))
                 for number, item in enumerate(charts, 1)]
    # A chart's HTML is drawn by a template, so marked safe: escaped here only if it were not.
    return mark_safe("".join(
        f'<section class="mb-4" aria-labelledby="h-{escape(item.slug)}">\n'
        f"  {conditional_escape(item.html)}\n{form}</section>\n"
        for item, form in zip(charts, forms, strict=True)))


@access.participant()
def team_dashboard_pdf(request, public_id):
    from chpso_portal.pdf import pdf_response

    team, viewer = team_for_viewer(request, public_id)
    context = _team_context(request, team, viewer)
    audit_record(actor=request.user, action=AuditAction.EXPORT, hospital=team.hospital,
                 obj=team, summary="Downloaded a team's charts as a PDF")
    context["printed"] = timezone.localdate()
    return pdf_response("feedback/team_pdf.html", context,
                        f"team-charts-{context['printed'].isoformat()}.pdf", request)


@access.participant(methods=("POST",))
def phase_mark(request, public_id):
    team, viewer = team_for_viewer(request, public_id)
    if viewer.pso:
        raise PermissionDenied("The team marks its own changes.")
    form = PhaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the month and say what changed.")
        return redirect("feedback-team", public_id=team.public_id)
    measure = Measure.objects.filter(public_id=form.cleaned_data["measure"],
                                     collaborative=team.collaborative).first()
    if measure is None:
        raise Http404
    try:
        services.phase_mark(team=team, measure=measure, month=form.cleaned_data["month"],
                            label=form.cleaned_data["label"], actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Change marked: the chart computes new limits from that "
                                  "month on.")
    return redirect("feedback-team", public_id=team.public_id)


def _month(text: str | None) -> date | None:
    try:
        year, month = (int(part) for part in (text or "").split("-")[:2])
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


@disclosure.comparative
@access.participant()
def measure_compare(request, collaborative_id, measure_id):
    measure, viewer = measure_for_viewer(request, collaborative_id, measure_id)
    today = timezone.localdate()
    end = _month(request.GET.get("month")) or date(today.year, today.month, 1)
    try:
        span = int(request.GET.get("span", 3))
    except ValueError:
        span = 3
    span = span if span in selectors.SPANS else 3
    query = page_query(request)
    key = selectors.measure_comparison_key(measure=measure, viewer=viewer, end=end, span=span)
    # Read only when drawn: a repeated view of a funnel finds its fragment cached.
    comparison = SimpleLazyObject(lambda: selectors.measure_comparison_cached(
        measure=measure, viewer=viewer, end=end, span=span, query=query, key=key))
    if measure.is_ratio:  # a funnel; counts and continuous values have a table only
        download = download_response(request, SimpleLazyObject(lambda: [comparison.block]),
                                     hospital=viewer.team.hospital if viewer.team else None,
                                     what="a comparison across teams")
        if download is not None:
            return download
    funnel_html = None
    if measure.is_ratio:
        # The funnel as drawn, under the comparison's key (the viewer: the PSO or one team,
        # whose own row is highlighted and named; the data version) and the query string.
        funnel_html = versioned(
            selectors.comparison_fragment_key(key, query),
            lambda: render_to_string("charts/_funnel.html", {"block": comparison.block}),
            selectors.CACHE_SECONDS)
    return render(request, "feedback/compare.html", {
        "measure": measure, "collaborative": measure.collaborative, "viewer": viewer,
        "comparison": comparison, "funnel": measure.is_ratio, "end": end, "span": span,
        "spans": selectors.SPANS,
        "period": month_label(selectors.first_month(end, span)) + (
            f" to {month_label(end)}" if span > 1 else ""),
        "month_value": f"{end:%Y-%m}", "funnel_html": funnel_html,
    })


@access.pso(Scope.PSO_DASHBOARD)
def deviance_list(request, collaborative_id):
    collaborative = collaborative_for_pso(request, collaborative_id)
    flags = (DevianceFlag.objects.filter(collaborative=collaborative)
             .select_related("measure", "team__hospital", "team__peer_code", "asked_by")
             .order_by("status", "-detected_at"))
    return render(request, "feedback/deviance_list.html", {
        "collaborative": collaborative, "flags": flags,
        "can_ask": Scope.HOSPITALS_MANAGE in request.user.pso_scopes,
    })


@access.pso(Scope.HOSPITALS_MANAGE, methods=("POST",))
def deviance_scan(request, collaborative_id):
    collaborative = collaborative_for_pso(request, collaborative_id)
    new = services.deviance_scan(collaborative=collaborative, actor=request.user)
    messages.success(request, f"{len(new)} new team(s) flagged." if new else
                     "No new team beyond the better-side 99.8% limit for three months.")
    return redirect("feedback-deviance", collaborative_id=collaborative.public_id)


@access.pso(Scope.HOSPITALS_MANAGE, methods=("POST",))
def deviance_ask(request, public_id):
    flag = DevianceFlag.objects.filter(public_id=public_id).select_related(
        "collaborative").first()
    if flag is None:
        raise Http404
    collaborative_for_pso(request, flag.collaborative.public_id)
    try:
        services.deviance_ask(flag=flag, actor=request.user,
                              how_to_share=request.POST.get("how_to_share", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The team lead has been asked. The team chooses whether "
                                  "to be named.")
    return redirect("feedback-deviance", collaborative_id=flag.collaborative.public_id)


@access.participant(methods=("GET", "POST"))
def deviance_decide(request, public_id):
    flag = (DevianceFlag.objects.filter(public_id=public_id)
            .select_related("collaborative", "measure", "team__hospital", "team__peer_code")
            .first())
    if flag is None:
        raise Http404
    mine = own_team(request, flag.collaborative)
    if mine is None or mine.pk != flag.team_id:
        raise Http404
    manages = TeamMember.objects.active().filter(team=mine, user=request.user).first()
    if manages is None or not manages.manages_team:
        raise PermissionDenied("The team lead or sponsor answers for the team.")
    if request.method == "POST":
        try:
            services.deviance_decide(flag=flag, actor=request.user,
                                     choice=request.POST.get("choice", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Your choice is recorded.")
            return redirect("feedback-deviance-decide", public_id=flag.public_id)
    return render(request, "feedback/deviance_decide.html", {
        "flag": flag, "choices": [(c.value, c.label) for c in services.CHOICES],
        "asked": flag.status != DevianceStatus.FLAGGED,
    })
