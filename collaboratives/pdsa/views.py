"""A team's PDSA log, its ramps, faculty comments and private coaching notes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from chpso_portal import access
from chpso_portal.forms import add_service_errors

from ..measures.models import MonthlyReport
from ..measures.views import report_page
from ..programmes.access import object_of_team, team_for_viewer
from . import services
from .forms import CommentForm, CycleForm, NoteForm
from .models import PdsaCycle

T = "collaboratives/learning/"


def _ramps(cycles):
    """Cycles grouped by ramp, each ramp first to last, the most recently active ramp first."""
    ramps = {}
    for cycle in sorted(cycles, key=lambda c: c.number):
        ramps.setdefault(cycle.ramp_id, []).append(cycle)
    return sorted(ramps.values(), key=lambda ramp: -max(c.number for c in ramp))


@access.learning(access.LC_TEAM)
def lc_pdsa(request, public_id):
    team, place = team_for_viewer(request, public_id)
    cycles = list(team.pdsa_cycles.select_related("change_idea")
                  .prefetch_related("measures"))
    return render(request, T + "pdsa_log.html", {
        "team": team, "collaborative": team.collaborative, "place": place,
        "ramps": _ramps(cycles)})


@access.learning(access.LC_TEAM_WORK, methods=("GET", "POST"))
def lc_pdsa_new(request, public_id):
    team, _ = team_for_viewer(request, public_id, need="work")
    initial = {}
    follows = request.GET.get("follows")
    if follows:
        previous = team.pdsa_cycles.filter(public_id=follows).first() if _is_uuid(follows) \
            else None
        if previous is not None:
            initial = {"follows": previous.pk, "change_idea": previous.change_idea_id,
                       "own_idea": previous.own_idea, "title": previous.title,
                       "measures": list(previous.measures.values_list("pk", flat=True))}
    form = CycleForm(request.POST or None, team=team, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(team=team, actor=request.user, **form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"PDSA cycle {cycle.number} logged.")
            return redirect("lc-pdsa-detail", public_id=cycle.public_id)
    return render(request, T + "form.html", {
        "form": form, "team": team, "collaborative": team.collaborative,
        "heading": "Log a PDSA cycle", "button": "Save",
        "intro": "Plan first; come back to add what happened, what you learned and your "
                 "decision."})


def _is_uuid(text):
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@access.learning(access.LC_TEAM)
def lc_pdsa_detail(request, public_id):
    cycle, place = object_of_team(request, PdsaCycle, public_id, related=("change_idea",))
    return _cycle_page(request, cycle, place)


def _cycle_page(request, cycle, place, *, comment_form=None):
    return render(request, T + "pdsa_detail.html", {
        "cycle": cycle, "team": cycle.team, "collaborative": cycle.team.collaborative,
        "place": place, "ramp": services.ramp_of(cycle),
        "measures": list(cycle.measures.all()),
        "comments": list(cycle.comments.select_related("author")),
        "comment_form": (comment_form or CommentForm()) if place.coaches else None,
    })


@access.learning(access.LC_TEAM_WORK, methods=("GET", "POST"))
def lc_pdsa_edit(request, public_id):
    cycle, _ = object_of_team(request, PdsaCycle, public_id, need="work")
    form = CycleForm(request.POST or None, instance=cycle, team=cycle.team)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            services.cycle_update(cycle=PdsaCycle.objects.get(pk=cycle.pk), actor=request.user,
                                  **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Cycle saved.")
            return redirect("lc-pdsa-detail", public_id=cycle.public_id)
    return render(request, T + "form.html", {
        "form": form, "team": cycle.team, "collaborative": cycle.team.collaborative,
        "heading": f"PDSA cycle {cycle.number}", "button": "Save"})


def _comment(request, team, form, **target) -> bool:
    """Faculty's comment on a cycle or a month (`target`: cycle= or report=); the team is told.

    False when it was not saved: `form` then carries what to fix, and the page is shown again
    with the comment as typed, never redirected (which would lose it)."""
    if not form.is_valid():
        return False
    try:
        services.comment_add(team=team, actor=request.user, text=form.cleaned_data["text"],
                             **target)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    messages.success(request, "Comment sent to the team.")
    return True


@access.learning(access.LC_FACULTY, methods=("POST",))
def lc_pdsa_comment(request, public_id):
    cycle, place = object_of_team(request, PdsaCycle, public_id, need="coach",
                                  related=("change_idea",))
    form = CommentForm(request.POST)
    if _comment(request, cycle.team, form, cycle=cycle):
        return redirect(reverse("lc-pdsa-detail", args=[cycle.public_id]) + "#comments")
    return _cycle_page(request, cycle, place, comment_form=form)


@access.learning(access.LC_FACULTY, methods=("POST",))
def lc_report_comment(request, public_id):
    report, place = object_of_team(request, MonthlyReport, public_id, need="coach")
    form = CommentForm(request.POST)
    if _comment(request, report.team, form, report=report):
        return redirect(reverse("lc-report", args=[report.public_id]) + "#comments")
    return report_page(request, report, place, comment_form=form)


@access.learning(access.LC_FACULTY, methods=("GET", "POST"))
def lc_coaching_notes(request, public_id):
    team, _ = team_for_viewer(request, public_id, need="coach")
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.coaching_note_add(team=team, actor=request.user,
                                       text=form.cleaned_data["text"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Note kept (faculty only).")
            return redirect("lc-coaching-notes", public_id=team.public_id)
    return render(request, T + "notes.html", {
        "team": team, "collaborative": team.collaborative, "form": form,
        "notes": list(team.coaching_notes.select_related("author"))})
