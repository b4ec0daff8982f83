"""Action plans: the lead's list of open actions, each owner's own, one action's page, and the
forms that add, change, progress and cancel an action."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from cases.access import report_for_reviewer
from cases.selectors import paginate
from chpso_portal import access
from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.forms import add_service_errors
from chpso_portal.text import shorten
from collaboratives.lessons.access import lesson_for_member
from collaboratives.models import LessonStatus
from members.roles import Scope

from . import selectors, services
from .access import action_for_member, can_manage
from .forms import ActionFilterForm, ActionForm, CancelForm, StatusForm
from .models import ActionStatus


def source_url(action, *, manager: bool) -> str:
    """Where the action came from, if the viewer can open it: a report's review page (for those
    who review), a published lesson's page."""
    if action.report_id is not None:
        return reverse("report-review", args=[action.report.public_id]) if manager else ""
    if action.lesson.status == LessonStatus.PUBLISHED:
        return reverse("lesson-detail", args=[action.lesson.public_id])
    return ""


def source_label(action) -> str:
    if action.report_id is not None:
        return f"Report {action.report.reference}"
    return f"Lesson: {action.lesson.title}"


def _present(actions, *, manager: bool):
    for action in actions:
        action.source_url = source_url(action, manager=manager)
        action.source_label = source_label(action)
    return actions


@access.hospital(Scope.ACTIONS_MANAGE)
def action_list(request):
    members = list(selectors.owner_choices(hospital=request.hospital))
    form = ActionFilterForm(request.GET or None, members=members)
    filters = form.filters() if request.GET else {}
    page = paginate(selectors.hospital_actions(hospital=request.hospital, **filters),
                    request.GET.get("page"))
    _present(page, manager=True)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "actions/action_list.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "filtered": any(v for k, v in filters.items() if k != "sort"),
    })


@access.hospital(Scope.HOSPITAL_VIEW)
def action_mine(request):
    closed = request.GET.get("show") == "closed"
    page = paginate(selectors.owner_actions(hospital=request.hospital, user=request.user,
                                            closed=closed), request.GET.get("page"))
    _present(page, manager=can_manage(request.membership))
    return render(request, "actions/action_mine.html", {
        "page": page, "closed": closed, "query": "show=closed" if closed else "",
        "manager": can_manage(request.membership),
    })


def _detail_page(request, action, *, status_form=None, status=200):
    manager = can_manage(request.membership)
    _present([action], manager=manager)
    return render(request, "actions/action_detail.html", {
        "action": action, "manager": manager,
        "status_form": status_form or StatusForm(initial={"status": action.status}),
    }, status=status)


@access.hospital(Scope.HOSPITAL_VIEW, object_scoped=True)
def action_detail(request, public_id):
    action = action_for_member(request, public_id)
    # Part of the hospital's patient safety evaluation: its reads are in the audit log too.
    audit_record(actor=request.user, action=AuditAction.VIEW, obj=action,
                 hospital=request.hospital, summary="Read an action")
    return _detail_page(request, action)


@access.hospital(Scope.HOSPITAL_VIEW, methods=("POST",), object_scoped=True)
def action_status(request, public_id):
    action = action_for_member(request, public_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.action_set_status(action=action, actor=request.user,
                                       status=form.cleaned_data["status"],
                                       note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = form.cleaned_data["status"] == ActionStatus.DONE
            messages.success(request, "Marked done. Thank you." if done else "Progress saved.")
            return redirect("action-detail", public_id=action.public_id)
    # Shown again with what was typed, the note included.
    return _detail_page(request, action, status_form=form)


def _action_form_page(request, form, *, action=None, report=None, lesson=None,
                      recommended=()):
    return render(request, "actions/action_form.html", {
        "form": form, "action": action, "report": report, "lesson": lesson,
        "recommended": recommended,
        "back_url": (reverse("action-detail", args=[action.public_id]) if action else
                     reverse("report-review", args=[report.public_id]) if report else
                     reverse("lesson-detail", args=[lesson.public_id])),
    })


def _recommended(lesson) -> list:
    """A lesson's recommended actions, each a starting point for the hospital's own."""
    return list(lesson.actions.all()) if lesson is not None else []


def _start_from(recommended, chosen: str) -> dict:
    """The form's first values taken from the recommended action the lead chose, named in the
    address by its place in the lesson's list (1, 2, ...), never by a row id."""
    try:
        index = int(chosen)
    except (TypeError, ValueError):
        return {}
    if not 1 <= index <= len(recommended):
        return {}
    picked = recommended[index - 1]
    title = shorten(picked.text, 200)
    return {"title": title, "strength": picked.strength,
            "description": picked.text if title != " ".join(picked.text.split()) else ""}


def _create(request, *, report=None, lesson=None):
    members = list(selectors.owner_choices(hospital=request.hospital))
    recommended = _recommended(lesson)
    form = ActionForm(request.POST or None, members=members,
                      initial=_start_from(recommended, request.GET.get("recommended", "")))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = services.action_create(
                hospital=request.hospital, actor=request.user, report=report, lesson=lesson,
                title=data["title"], description=data["description"], owner=data["owner"],
                due_date=data["due_date"], strength=data["strength"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Action added for {action.owner.display_name}.")
            if report is not None:
                return redirect(reverse("report-review", args=[report.public_id]) + "#actions")
            return redirect(reverse("lesson-detail", args=[lesson.public_id]) + "#actions")
    return _action_form_page(request, form, report=report, lesson=lesson,
                             recommended=recommended)


@access.hospital(Scope.ACTIONS_MANAGE, methods=("GET", "POST"), object_scoped=True)
def action_new_for_report(request, public_id):
    report = report_for_reviewer(request, public_id)
    return _create(request, report=report)


# A published lesson is every member hospital's to read: each plans its own actions on it.
@access.hospital(Scope.ACTIONS_MANAGE, methods=("GET", "POST"))
def action_new_for_lesson(request, public_id):
    lesson = lesson_for_member(request, public_id)
    return _create(request, lesson=lesson)


@access.hospital(Scope.ACTIONS_MANAGE, methods=("GET", "POST"), object_scoped=True)
def action_edit(request, public_id):
    action = action_for_member(request, public_id)
    # A POST goes on to the service, which refuses a closed action: the form is then shown
    # again with what was typed (closed by someone else meanwhile, the change is not lost).
    if not action.is_open and request.method != "POST":
        messages.error(request, "A done or cancelled action cannot be changed.")
        return redirect("action-detail", public_id=action.public_id)
    members = list(selectors.owner_choices(hospital=request.hospital))
    owner_key = next((key for key, m in ((str(m.public_id), m) for m in members)
                      if m.user_id == action.owner_id), "")
    form = ActionForm(request.POST or None, members=members, initial={
        "title": action.title, "description": action.description, "owner": owner_key,
        "due_date": action.due_date, "strength": action.strength})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.action_update(action=action, actor=request.user, title=data["title"],
                                   description=data["description"], owner=data["owner"],
                                   due_date=data["due_date"], strength=data["strength"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Action saved.")
            return redirect("action-detail", public_id=action.public_id)
    return _action_form_page(request, form, action=action)


@access.hospital(Scope.ACTIONS_MANAGE, methods=("GET", "POST"), object_scoped=True)
def action_cancel(request, public_id):
    action = action_for_member(request, public_id)
    if not action.is_open and request.method != "POST":  # a POST: as in action_edit
        messages.error(request, "This action is already closed.")
        return redirect("action-detail", public_id=action.public_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_cancel(action=action, actor=request.user,
                                   reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Action cancelled.")
            return redirect("action-detail", public_id=action.public_id)
    _present([action], manager=True)
    return render(request, "actions/action_cancel.html", {"action": action, "form": form})
