"""Lessons: the library members read, and the PSO's drafting and two-person review.

Member pages are built only from what `selectors` gives them, which never includes where a
lesson came from. The PSO's pages show the origin in one labelled box, to PSO staff only.
"""

import functools
import re
import threading
import uuid
from html import escape

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from cases.screening import finding_rows as screened_rows
from cases.screening import screen_form_fields
from cases.selectors import paginate
from cases.taxonomy import FACTOR_LABELS, EventCategory
from chpso_portal import access
from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.forms import add_service_errors
from members.roles import Scope

from ..models import ActionStrength, HarmBand, LessonStatus
from . import selectors, services
from .access import lesson_for_author, lesson_for_member, lesson_for_pso
from .forms import (
    STRENGTH_HELP,
    LessonCommentForm,
    LessonForm,
    LibraryFilterForm,
    OriginForm,
    ReviewForm,
    WithdrawForm,
    is_uuid,
)
from .screening import (
    finding_rows,
    in_context,
    lesson_origin_identifiers,
    lesson_texts,
    origin_identifiers,
    texts_of,
    unresolved_findings,
)
from .services import MAX_ACTIONS

CATEGORY_LABELS = dict(EventCategory.choices)
HARM_BAND_LABELS = dict(HarmBand.choices)
STRENGTHS = {value: ActionStrength(value) for value in ActionStrength.values}
# A library row shows the start of what happened: this many words, as |truncatewords did.
ROW_WORDS = 30


@functools.cache
def _detail_url_pattern() -> str:
    """The lesson page's URL with a placeholder id, resolved once: a library row fills it in
    instead of resolving the URL configuration again (a measured share of the page's time)."""
    return reverse("lesson-detail", args=[_PLACEHOLDER_ID])


_PLACEHOLDER_ID = uuid.UUID(int=0)


def present(lesson, *, detail: bool = True, zone=None):
    """Labels for a lesson's page (detail) or list row. `zone`: the current time zone, when
    the caller found it once for a whole list."""
    lesson.category_labels = [CATEGORY_LABELS.get(code, code) for code in lesson.category_codes]
    # "November 2026" without the date filter's localisation machinery: only month and year.
    lesson.published_label = f"{timezone.localtime(lesson.published_at, zone):%B %Y}" \
        if lesson.published_at else ""
    if not detail:
        lesson.url = _detail_url_pattern().replace(str(_PLACEHOLDER_ID), str(lesson.public_id))
    lesson.category_text = ", ".join(lesson.category_labels)
    lesson.strengths = [STRENGTHS[s] for s in lesson.action_strengths if s in STRENGTHS]
    if detail:
        lesson.factor_labels = [FACTOR_LABELS.get(f.pk, f.label)
                                for f in lesson.contributing_factors.all()]
    if hasattr(lesson, "acting_here"):  # a member's view
        lesson.acting_text = selectors.acting_label(selectors.others_acting(lesson))
    return lesson


def _first_words(text: str, count: int = ROW_WORDS) -> str:
    words = (text or "").split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


# Labels from small sets (months, categories, harm bands, strengths, counts), escaped once.
_label = functools.lru_cache(maxsize=1024)(escape)


@functools.lru_cache(maxsize=64)
def _strength_badges(strengths: tuple) -> str:
    return "".join(f'<span class="badge strength-{escape(str(s))}">{escape(s.label)} '
                   f'action</span> ' for s in strengths)


def library_row(lesson) -> str:
    """One lesson of the library as HTML, from what `present` prepared. The rows are written
    here rather than in the template: 25 rows through the template engine were the largest
    share of the page's time. Every value is escaped."""
    acting_here = (' · <strong class="text-success">your hospital is acting on this</strong>'
                   if lesson.acting_here else "")
    return (
        f'<a class="list-group-item list-group-item-action" href="{escape(lesson.url)}">'
        f'<div class="d-flex justify-content-between gap-2 flex-wrap">'
        f'<strong>{escape(lesson.title)}</strong>'
        f'<span class="small text-muted">{_label(lesson.published_label)}</span></div>'
        f'<div class="small">{_label(lesson.category_text)} · '
        f'{_label(HARM_BAND_LABELS.get(lesson.harm_band, lesson.harm_band))}</div>'
        f'<div class="small text-muted">{escape(_first_words(lesson.what_happened))}</div>'
        f'<div class="small mt-1">{_strength_badges(tuple(lesson.strengths))}'
        f'<span class="text-muted">Other hospitals acting '
        f'on it: {_label(lesson.acting_text)}</span>{acting_here}</div></a>')


# --- Members -----------------------------------------------------------------------------


@access.hospital(Scope.LESSONS_READ)
def lesson_library(request):
    form = LibraryFilterForm(request.GET or None, years=selectors.published_years())
    filters = form.filters() if request.GET else {}
    page = selectors.library_page(hospital=request.hospital, filters=filters,
                                  page_number=request.GET.get("page"))
    zone = timezone.get_current_timezone()
    rows = mark_safe("".join(library_row(present(lesson, detail=False, zone=zone))
                             for lesson in page))  # each value escaped
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "collaboratives/lessons/library.html", {
        "form": form, "page": page, "rows": rows, "query": query.urlencode(),
        "filtered": bool(filters),
    })


# A lesson's body (its labels, texts, factors, recommended actions and what the strengths
# mean) as HTML, by (public id, revision): the same for every viewer, and a revision's content
# never changes (an edit moves the revision on; a published lesson cannot be edited). Kept in
# the process, the oldest forgotten first; a miss renders it again.
BODY_CACHE_SIZE = 256
_bodies: dict[tuple, str] = {}
_bodies_lock = threading.Lock()


def _lesson_body(lesson) -> str:
    """The body of the lesson's page, rendered once per revision (a measured share of the
    page's time). Nothing in it depends on the viewer or their hospital."""
    key = (lesson.public_id, lesson.revision)
    body = _bodies.get(key)
    if body is None:
        body = render_to_string("collaboratives/lessons/_body.html", {
            "lesson": lesson, "strength_help": STRENGTH_HELP})
        with _bodies_lock:
            while len(_bodies) >= BODY_CACHE_SIZE:
                del _bodies[next(iter(_bodies))]
            _bodies[key] = body
    return body


def _member_page(request, lesson, comment_form=None, screened=(), findings=()):
    present(lesson)
    # Any member may say the hospital acts on a lesson (often the nurse leading the change on
    # a unit); the hospital's own members see who said so, and when: read with the lesson
    # itself (selectors.lesson_for_member), whether or not the hospital acts on it.
    return render(request, "collaboratives/lessons/lesson.html", {
        "lesson": lesson, "body": _lesson_body(lesson),
        "comment_form": comment_form or LessonCommentForm(),
        "comment_screened": screened, "comment_findings": findings,
        "my_comments": selectors.own_comments(lesson=lesson, hospital=request.hospital,
                                              author=request.user),
        "comment_field": _blank_comment_field() if comment_form is None else "",
    })


@functools.cache
def _blank_comment_field() -> str:
    """The comment box as the page first shows it, rendered once per process: it is the same
    on every view of every lesson (a form sent back with errors is rendered afresh)."""
    return render_to_string("members/_field.html", {"field": LessonCommentForm()["text"]})


@access.hospital(Scope.LESSONS_READ)
def lesson_detail(request, public_id):
    lesson = lesson_for_member(request, public_id)
    audit_record(actor=request.user, action=AuditAction.VIEW, obj=lesson,
                 hospital=request.hospital, summary="Read a lesson")
    return _member_page(request, lesson)


@access.hospital(Scope.LESSONS_READ, methods=("POST",))
def lesson_acting(request, public_id):
    lesson = lesson_for_member(request, public_id)
    answer = request.POST.get("acting")
    if answer not in ("yes", "no"):
        messages.error(request, "Choose whether your hospital is acting on this lesson.")
        return redirect("lesson-detail", public_id=lesson.public_id)
    acting = answer == "yes"
    try:
        services.lesson_set_acting(lesson=lesson, membership=request.membership, acting=acting)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Marked: your hospital is acting on this lesson." if acting
                         else "Your hospital is no longer marked as acting on this lesson.")
    return redirect("lesson-detail", public_id=lesson.public_id)


@access.hospital(Scope.LESSONS_READ, methods=("POST",))
def lesson_comment(request, public_id):
    lesson = lesson_for_member(request, public_id)
    form = LessonCommentForm(request.POST)
    screened, findings = [], []
    if form.is_valid():
        screened = screen_form_fields(form.cleaned_data, form, ["text"])
        findings, dismissed = screened_rows(screened, posted=request.POST)
        try:
            services.lesson_comment(lesson=lesson, membership=request.membership,
                                    text=form.cleaned_data["text"],
                                    dismissed_findings=dismissed)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Thank you: your comment went to the PSO.")
            return redirect("lesson-detail", public_id=lesson.public_id)
    return _member_page(request, lesson, comment_form=form, screened=screened,
                        findings=findings)


# --- PSO: drafting -----------------------------------------------------------------------


@access.pso(Scope.LESSONS_DRAFT)
def lesson_pso_list(request):
    status = request.GET.get("status", "")
    page = paginate(selectors.lessons_for_pso(user=request.user, status=status),
                    request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "collaboratives/lessons/pso_list.html", {
        "page": page, "query": query.urlencode(), "status": status,
        "statuses": LessonStatus.choices,
        "waiting": list(selectors.waiting_for_review(user=request.user)
                        .select_related("created_by")[:20]),
    })


ACTION_FIELD = re.compile(r"^action_(\d{1,2})_(?:text|strength)$")


def _action_rows(request, lesson=None) -> int:
    """Rows for recommended actions: five, or the lesson's actions and two empty ones, and on
    a POST as many as the page that was posted had (another tab may have changed the lesson)."""
    existing = lesson.actions.count() if lesson is not None else 0
    posted = [int(m.group(1)) for key in request.POST if (m := ACTION_FIELD.match(key))]
    return min(max(5, existing + 2, *posted), MAX_ACTIONS)


def _posted_texts(form) -> list[tuple[str, str]]:
    """The texts as posted, for showing findings again on a form that did not validate."""
    data = form.data
    actions = [(data.get(f"action_{n}_text", ""), "") for n in range(1, form.action_rows + 1)]
    return lesson_texts(title=data.get("title", ""), what_happened=data.get("what_happened", ""),
                        systems_issues=data.get("systems_issues", ""),
                        what_helped=data.get("what_helped", ""),
                        actions=[(text.strip(), "") for text, _ in actions if text.strip()])


def _content_texts(content: dict) -> list[tuple[str, str]]:
    """The texts of a lesson form's content, as screening reads them."""
    return lesson_texts(title=content["title"], what_happened=content["what_happened"],
                        systems_issues=content["systems_issues"],
                        what_helped=content["what_helped"], actions=content["actions"])


def _lesson_form_page(request, *, form, findings, lesson=None, origin_form=None, screened=()):
    return render(request, "collaboratives/lessons/form.html", {
        "form": form, "origin_form": origin_form, "findings": findings, "lesson": lesson,
        "screened": screened,
        "strength_help": STRENGTH_HELP,
    })


def _origin_initial(request) -> dict:
    """The origin when the draft is started from a session's or a report's page."""
    initial = {}
    if session := request.GET.get("session"):
        initial["session"] = session
    if (report := request.GET.get("report")) and is_uuid(report):
        found = selectors.reports_to_draft_from(user=request.user).filter(
            public_id=report).only("public_id", "reference").first()
        if found is not None:
            initial["report"] = str(found.public_id)
            initial["report_reference"] = found.reference
    return initial


@access.pso(Scope.LESSONS_DRAFT, methods=("GET", "POST"))
def lesson_create(request):
    form = LessonForm(request.POST or None, action_rows=_action_rows(request))
    origin_form = OriginForm(request.POST or None, user=request.user,
                             initial=_origin_initial(request))
    findings, screened = [], []
    if request.method == "POST" and form.is_valid() and origin_form.is_valid():
        content = form.content()
        origin = origin_identifiers(session=origin_form.cleaned_data["session"],
                                    sent_report=origin_form.cleaned_data["report_reference"])
        findings, dismissed = finding_rows(_content_texts(content), posted=request.POST,
                                           extra=origin)
        screened = in_context(_content_texts(content), origin)
        try:
            lesson = services.lesson_create(
                actor=request.user, session=origin_form.cleaned_data["session"],
                sent_report=origin_form.cleaned_data["report_reference"],
                dismissed_findings=dismissed, **content)
        except ValidationError as exc:
            if _names_origin(exc):
                # The service names the report; the form's visible field is its reference.
                exc = ValidationError({"report_reference" if key == "report" else key: errors
                                       for key, errors in exc.error_dict.items()})
                add_service_errors(origin_form, exc)
            else:
                add_service_errors(form, exc)
        else:
            messages.success(request, _saved_message(lesson))
            return redirect("lesson-pso-detail", public_id=lesson.public_id)
    return _lesson_form_page(request, form=form, findings=findings, origin_form=origin_form,
                             screened=screened)


def _names_origin(exc: ValidationError) -> bool:
    return hasattr(exc, "error_dict") and bool({"session", "report"} & set(exc.error_dict))


def _saved_message(lesson) -> str:
    if unresolved_findings(lesson):
        return ("Draft saved. Some words may still identify someone: fix or dismiss each "
                "finding before you submit it for review.")
    return "Draft saved. Submit it for review when it is ready."


@access.pso(Scope.LESSONS_DRAFT, methods=("GET", "POST"))
def lesson_edit(request, public_id):
    lesson = lesson_for_author(request, public_id)
    if not lesson.is_editable:
        messages.info(request, "Only a draft or a returned lesson can be changed.")
        return redirect("lesson-pso-detail", public_id=lesson.public_id)
    rows = _action_rows(request, lesson)
    origin = lesson_origin_identifiers(lesson)
    if request.method == "POST":
        form = LessonForm(request.POST, action_rows=rows)
        if not form.is_valid():
            # Shown again with the saved reasons, so nothing the author dismissed is lost.
            findings, _ = finding_rows(_posted_texts(form), posted=request.POST,
                                       saved=lesson.dismissed_findings, extra=origin)
            texts = _posted_texts(form)
        else:
            content = form.content()
            findings, dismissed = finding_rows(_content_texts(content), posted=request.POST,
                                               saved=lesson.dismissed_findings, extra=origin)
            texts = _content_texts(content)
            try:
                lesson = services.lesson_update(lesson=lesson, actor=request.user,
                                                dismissed_findings=dismissed, **content)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _saved_message(lesson))
                return redirect("lesson-pso-detail", public_id=lesson.public_id)
    else:
        form = LessonForm(initial=LessonForm.initial_for(lesson), action_rows=rows)
        texts = texts_of(lesson)
        findings, _ = finding_rows(texts, saved=lesson.dismissed_findings, extra=origin)
    return _lesson_form_page(request, form=form, findings=findings, lesson=lesson,
                             screened=in_context(texts, origin) if findings else [])


@access.pso(Scope.LESSONS_DRAFT, methods=("POST",))
def lesson_submit(request, public_id):
    lesson = lesson_for_author(request, public_id)
    try:
        services.lesson_submit(lesson=lesson, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        # A facilitator's lesson goes to a coordinator; a coordinator's to another one.
        who = ("Another coordinator" if Scope.LESSONS_REVIEW in request.user.pso_scopes
               else "A PSO coordinator")
        messages.success(request, f"Submitted. {who} will review it.")
    return redirect("lesson-pso-detail", public_id=lesson.public_id)


@access.pso(Scope.LESSONS_DRAFT)
def lesson_pso_detail(request, public_id):
    lesson = present(lesson_for_pso(request, public_id, detail=True))
    origin = getattr(lesson, "origin", None)
    texts, origin_names = texts_of(lesson), lesson_origin_identifiers(lesson)
    findings, _ = finding_rows(texts, saved=lesson.dismissed_findings, extra=origin_names)
    unresolved = {(row["kind"], row["text"]) for row in findings if not row["reason"]}
    may_review = (Scope.LESSONS_REVIEW in request.user.pso_scopes
                  and lesson.created_by_id != request.user.pk
                  and lesson.status == LessonStatus.IN_REVIEW)
    audit_record(actor=request.user, action=AuditAction.VIEW, obj=lesson,
                 summary="Opened a lesson (PSO)")
    return render(request, "collaboratives/lessons/pso_detail.html", {
        "lesson": lesson, "origin": origin, "findings": findings,
        "screened": in_context(texts, origin_names) if findings else [],
        "unresolved_count": len(unresolved), "strength_help": STRENGTH_HELP,
        "is_author": lesson.created_by_id == request.user.pk,
        "may_review": may_review,
        "may_withdraw": (Scope.LESSONS_REVIEW in request.user.pso_scopes
                         and lesson.status == LessonStatus.PUBLISHED),
        "review_form": ReviewForm(initial={"revision": lesson.revision}),
        "withdraw_form": WithdrawForm(),
        "reviews": lesson.reviews.select_related("actor"),
        "member_comments": (lesson.member_comments.select_related("hospital", "author")
                            if Scope.LESSONS_REVIEW in request.user.pso_scopes else []),
    })


# --- PSO: the second person --------------------------------------------------------------


def _form_errors(form) -> str:
    """A posted form's errors as one message, each with its field's label."""
    return " ".join(f"{form.fields[name].label}: {' '.join(errors)}"
                    if name in form.fields else " ".join(errors)
                    for name, errors in form.errors.items())


@access.pso(Scope.LESSONS_REVIEW, methods=("POST",))
def lesson_review(request, public_id):
    lesson = lesson_for_pso(request, public_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("lesson-pso-detail", public_id=lesson.public_id)
    data = form.cleaned_data
    decision = data["decision"]
    decide = services.lesson_publish if decision == "publish" else services.lesson_return
    try:
        decide(lesson=lesson, actor=request.user, comments=data["comments"],
               revision=data["revision"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Published: every member hospital can read it now."
                         if decision == "publish" else "Returned to the author.")
    return redirect("lesson-pso-detail", public_id=lesson.public_id)


@access.pso(Scope.LESSONS_REVIEW, methods=("POST",))
def lesson_withdraw(request, public_id):
    lesson = lesson_for_pso(request, public_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("lesson-pso-detail", public_id=lesson.public_id)
    try:
        services.lesson_withdraw(lesson=lesson, actor=request.user,
                                 reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Withdrawn: members no longer see this lesson.")
    return redirect("lesson-pso-detail", public_id=lesson.public_id)
