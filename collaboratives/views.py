"""Microcollaborative sessions: scheduling, taking part, and meeting under the ground rules.

Every view starts with an access helper from `access.py`; every write is a service call whose
ValidationError message is shown to the user as it is. Which hospital presented a case is shown
on the case materials page only, to the session's attestation holders (ground rule 9).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cases.screening import finding_rows, screen_form_fields
from cases.taxonomy import FACTOR_LABELS, EventCategory
from chpso_portal import access
from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_denied, audit_record
from chpso_portal.forms import add_service_errors
from chpso_portal.text import day
from members.roles import Scope

from . import services
from .access import (
    may_open_materials,
    nomination_for_facilitator,
    session_for_facilitator,
    session_for_hospital,
    session_for_viewer,
    sessions_for_viewer,
)
from .calendar import session_ics
from .forms import (
    AddFacilitatorForm,
    AnswerForm,
    AttendeesForm,
    AttestForm,
    CancelForm,
    CommentForm,
    DecideForm,
    GuestForm,
    InviteHospitalsForm,
    NominationForm,
    NoteForm,
    SessionForm,
)
from .models import (
    LESSON_SOURCE_STATUSES,
    Attestation,
    NominationStatus,
    ParticipationStatus,
    SessionHospital,
    SessionStatus,
)
from .rules import ATTESTATION, GROUND_RULES, PSWP_PROTECTION

ADVANCE_LABELS = {
    SessionStatus.INVITATIONS_SENT: "Close nominations",
    SessionStatus.NOMINATIONS_CLOSED: "Mark as held",
    SessionStatus.HELD: "Close the session",
}
CATEGORY_LABELS = dict(EventCategory.choices)



def _message_errors(request, exc: ValidationError):
    messages.error(request, " ".join(exc.messages))


def _detail(session):
    return redirect("session-detail", public_id=session.public_id)


def _focus(session) -> list[str]:
    return [CATEGORY_LABELS.get(code, code) for code in session.focus_categories]


# --- De-identification findings ----------------------------------------------------------


def _screened(form, data: dict, fields: list[str], post) -> tuple[list, list[dict], list[dict]]:
    """The texts of `fields` with their findings, one row per (kind, words) with the reason
    posted for it (`dismiss-<key>`), and the dismissals; the service checks that every finding
    is fixed or dismissed."""
    screened = screen_form_fields(data, form, fields)
    rows, dismissed = finding_rows(screened, posted=post)
    return screened, rows, dismissed


# --- Seeing sessions ---------------------------------------------------------------------


@access.participant()
def session_list(request):
    accepted = (SessionHospital.objects.filter(session=OuterRef("pk"),
                                               status=ParticipationStatus.ACCEPTED)
                .values("session").annotate(n=Count("hospital", distinct=True)).values("n"))
    sessions = sessions_for_viewer(request).annotate(
        accepted_count=Coalesce(Subquery(accepted, output_field=IntegerField()), Value(0))
    ).order_by("-date", "-start_time")
    page = Paginator(sessions, 25).get_page(request.GET.get("page"))
    return render(request, "collaboratives/session_list.html", {
        "page": page,
        "can_create": Scope.SESSIONS_FACILITATE in request.user.pso_scopes,
    })


@access.participant()
def session_detail(request, public_id):
    session, role = session_for_viewer(request, public_id)
    context = {
        "session": session,
        "lesson_statuses": LESSON_SOURCE_STATUSES,
        "role": role,
        "focus": _focus(session),
        "accepted_count": services.accepted_hospital_count(session),
        "facilitators": list(session.facilitators.order_by("full_name", "email")),
        "attested": Attestation.objects.filter(session=session, user=request.user).exists(),
        "may_open": role.may_attest and may_open_materials(request.user, session),
    }
    if role.manages:
        context.update({
            "invitations": list(session.hospitals.select_related("hospital")
                                .order_by("hospital__name")),
            "guests": list(session.guests.select_related("user").order_by("user__email")),
            "nomination_counts": {row["status"]: row["n"] for row in
                                  session.nominations.values("status").annotate(n=Count("pk"))},
            "advance_label": ADVANCE_LABELS.get(session.status),
            "session_day_passed": session.date < timezone.localdate(),
            "cancel_form": CancelForm(),
        })
    if role.invitation is not None:
        context["attendees"] = list(role.invitation.attendees.select_related("membership__user")
                                    .order_by("membership__user__full_name"))
        if role.is_lead:
            context["own_nominations"] = list(
                role.invitation.nominations.select_related("report")
                .prefetch_related("comments__author").order_by("created_at"))
    return render(request, "collaboratives/session_detail.html", context)


@access.participant()
def session_ics_download(request, public_id):
    session, _ = session_for_viewer(request, public_id)
    response = HttpResponse(session_ics(session), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.public_id}.ics"'
    return response


# --- Scheduling (facilitators) -----------------------------------------------------------


@access.pso(Scope.SESSIONS_FACILITATE, methods=("GET", "POST"))
def session_create(request):
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Session scheduled as a draft. Invite hospitals next.")
            return _detail(session)
    return render(request, "collaboratives/session_form.html", {"form": form})


@access.pso(Scope.SESSIONS_FACILITATE, methods=("GET", "POST"))
def session_edit(request, public_id):
    session = session_for_facilitator(request, public_id)
    form = SessionForm(request.POST or None, initial=SessionForm.initial_for(session))
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Session saved.")
            return _detail(session)
    return render(request, "collaboratives/session_form.html", {"form": form, "session": session})


@access.pso(Scope.SESSIONS_FACILITATE, methods=("GET", "POST"))
def session_invite_hospitals(request, public_id):
    session = session_for_facilitator(request, public_id)
    form = InviteHospitalsForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            invited = services.session_invite_hospitals(
                session=session, hospitals=form.cleaned_data["hospitals"], actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            count = len(invited)
            messages.success(request, f"Invited {count} hospital{'' if count == 1 else 's'}; "
                                      "their safety leads are told.")
            return _detail(session)
    return render(request, "collaboratives/session_invite_hospitals.html",
                  {"form": form, "session": session})


@access.pso(Scope.SESSIONS_FACILITATE, methods=("GET", "POST"))
def session_invite_guest(request, public_id):
    session = session_for_facilitator(request, public_id)
    form = GuestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            guest = services.session_invite_guest(session=session, actor=request.user,
                                                  **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Invited {guest.user.email}. Their access covers this "
                                      f"session only and ends on "
                                      f"{day(guest.access_until)}.")
            return _detail(session)
    return render(request, "collaboratives/session_simple_form.html", {
        "form": form, "session": session, "heading": "Invite an outside expert",
        "button": "Send the invitation",
        "intro": "A guest account sees this session only, and only until 30 days after it. "
                 "Guests accept the ground rules before they open the case materials.",
    })


@access.pso(Scope.SESSIONS_FACILITATE, methods=("GET", "POST"))
def session_add_facilitator(request, public_id):
    session = session_for_facilitator(request, public_id)
    form = AddFacilitatorForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_add_facilitator(session=session, user=form.cleaned_data["user"],
                                             actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['user'].display_name} now "
                                      "co-facilitates this session.")
            return _detail(session)
    return render(request, "collaboratives/session_simple_form.html", {
        "form": form, "session": session, "heading": "Add a co-facilitator",
        "button": "Add", "intro": "PSO facilitators and coordinators can co-facilitate.",
    })


@access.pso(Scope.SESSIONS_FACILITATE, methods=("GET", "POST"))
def session_advance(request, public_id):
    """Each step along is a point of no return (or nearly): GET says what follows, POST moves."""
    session = session_for_facilitator(request, public_id)
    if request.method != "POST":  # GET and HEAD only ask
        label = ADVANCE_LABELS.get(session.status)
        if label is None:
            return _detail(session)
        counts = {row["status"]: row["n"] for row in
                  session.nominations.values("status").annotate(n=Count("pk"))}
        return render(request, "collaboratives/session_advance.html", {
            "session": session, "label": label, "counts": counts,
            "days_to_deadline": (session.nomination_deadline - timezone.localdate()).days,
            "accepted_count": services.accepted_hospital_count(session),
        })
    try:
        services.session_advance(session=session, actor=request.user)
    except ValidationError as exc:
        _message_errors(request, exc)
    else:
        messages.success(request, f"The session is now: {session.get_status_display()}.")
    return _detail(session)


@access.pso(Scope.SESSIONS_FACILITATE, methods=("POST",))
def session_reopen_nominations(request, public_id):
    session = session_for_facilitator(request, public_id)
    try:
        services.session_reopen_nominations(session=session, actor=request.user)
    except ValidationError as exc:
        _message_errors(request, exc)
    else:
        messages.success(request, "Nominations are open again; the safety leads of the "
                                  "hospitals taking part are told.")
    return _detail(session)


@access.pso(Scope.SESSIONS_FACILITATE, methods=("POST",))
def session_cancel(request, public_id):
    session = session_for_facilitator(request, public_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the session is cancelled.")
        return _detail(session)
    try:
        services.session_cancel(session=session, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _message_errors(request, exc)
    else:
        messages.success(request, "The session is cancelled; everyone invited is told.")
    return _detail(session)


# --- Taking part (hospitals) -------------------------------------------------------------


@access.hospital(Scope.SESSIONS_PARTICIPATE, methods=("GET", "POST"), object_scoped=True)
def session_answer(request, public_id):
    session, invitation = session_for_hospital(request, public_id)
    initial = {"attendees": [a.membership for a in
                             invitation.attendees.select_related("membership")]}
    if invitation.status != ParticipationStatus.INVITED:
        initial["answer"] = ("accept" if invitation.status == ParticipationStatus.ACCEPTED
                             else "decline")
    form = AnswerForm(request.POST or None, hospital=request.hospital, initial=initial)
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["answer"] == "accept"
        try:
            services.session_answer(session_hospital=invitation, accept=accept,
                                    actor=request.user,
                                    attendees=form.cleaned_data["attendees"] if accept else ())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Thank you: your hospital takes part." if accept
                             else "The invitation is declined.")
            return _detail(session)
    return render(request, "collaboratives/session_answer.html",
                  {"form": form, "session": session, "invitation": invitation})


@access.hospital(Scope.SESSIONS_PARTICIPATE, methods=("GET", "POST"), object_scoped=True)
def session_attendees(request, public_id):
    session, invitation = session_for_hospital(request, public_id)
    form = AttendeesForm(request.POST or None, hospital=request.hospital, initial={
        "attendees": [a.membership for a in invitation.attendees.select_related("membership")]})
    if request.method == "POST" and form.is_valid():
        try:
            services.session_set_attendees(session_hospital=invitation,
                                           memberships=form.cleaned_data["attendees"],
                                           actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Attendees saved.")
            return _detail(session)
    return render(request, "collaboratives/session_simple_form.html", {
        "form": form, "session": session, "heading": "Who will attend",
        "button": "Save attendees",
        "intro": "Attendees see the session and, once they accept the ground rules, its case "
                 "materials.",
    })


@access.hospital(Scope.SESSIONS_PARTICIPATE, methods=("GET", "POST"), object_scoped=True)
def session_nominate(request, public_id):
    session, invitation = session_for_hospital(request, public_id)
    form = NominationForm(request.POST or None, hospital=request.hospital)
    screened, findings = [], []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        screened, findings, dismissed = _screened(form, data, ["summary"], request.POST)
        try:
            services.nomination_submit(session_hospital=invitation, report=data["report"],
                                       summary=data["summary"], actor=request.user,
                                       dismissed_findings=dismissed)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Case nominated. The facilitator will accept it or come "
                                      "back to you with a comment.")
            return redirect("session-nominate", public_id=session.public_id)
    nominations = (invitation.nominations.select_related("report")
                   .prefetch_related("comments__author").order_by("created_at"))
    return render(request, "collaboratives/session_nominate.html", {
        "form": form, "session": session, "invitation": invitation,
        "findings": findings, "screened": screened, "nominations": nominations,
    })


# --- Meeting under the ground rules ------------------------------------------------------


def _materials_gate(request, session, role):
    """None when the viewer may open the case materials; otherwise where they go instead.

    Participants who have not accepted the ground rules are sent to accept them; viewers who
    see the session but do not take part in the meeting are refused.
    """
    if role.may_attest and may_open_materials(request.user, session):
        return None
    if role.may_attest and not Attestation.objects.filter(session=session,
                                                          user=request.user).exists():
        messages.info(request, "Accept the ground rules to open the case materials.")
        return redirect("session-attest", public_id=session.public_id)
    audit_denied(actor=request.user, summary=f"Case materials without access: {request.path}")
    raise PermissionDenied("The case materials are for the session's participants who "
                           "accepted the ground rules.")


@access.participant(methods=("GET", "POST"))
def session_attest(request, public_id):
    session, role = session_for_viewer(request, public_id)
    if not role.may_attest:
        audit_denied(actor=request.user, summary=f"Attestation by a non-participant: "
                                                 f"{request.path}")
        raise PermissionDenied("Only the session's facilitators, named attendees and guests "
                               "accept the ground rules for it.")
    attestation = Attestation.objects.filter(session=session, user=request.user).first()
    form = AttestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attestation_accept(session=session, user=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Thank you. You can now open the case materials.")
            return redirect("session-materials", public_id=session.public_id)
    return render(request, "collaboratives/session_attest.html", {
        "session": session, "form": form, "attestation": attestation,
        "may_open": attestation is not None and may_open_materials(request.user, session),
        "rules": GROUND_RULES, "protection": PSWP_PROTECTION, "statement": ATTESTATION,
    })


def _accepted_cases(session):
    return (session.nominations.filter(status=NominationStatus.ACCEPTED)
            .order_by("case_number"))


@access.participant()
def session_materials(request, public_id):
    session, role = session_for_viewer(request, public_id)
    if (response := _materials_gate(request, session, role)) is not None:
        return response
    audit_record(actor=request.user, action=AuditAction.VIEW, obj=session,
                 summary=f"Opened the case materials of {session.title}")
    context = {
        "session": session,
        "role": role,
        "cases": list(_accepted_cases(session).select_related("session_hospital__hospital")),
        "notes": list(session.notes.select_related("nomination").order_by("created_at")),
        "factor_labels": FACTOR_LABELS,
    }
    if role.manages:
        context["pending"] = list(
            session.nominations.filter(status__in=[NominationStatus.SUBMITTED,
                                                   NominationStatus.RETURNED])
            .select_related("session_hospital__hospital")
            .prefetch_related("comments__author").order_by("created_at"))
        context["decide_form"] = DecideForm()
        context["comment_form"] = CommentForm()
    return render(request, "collaboratives/session_materials.html", context)


@access.participant()
def session_agenda(request, public_id):
    session, role = session_for_viewer(request, public_id)
    if (response := _materials_gate(request, session, role)) is not None:
        return response
    audit_record(actor=request.user, action=AuditAction.VIEW, obj=session,
                 summary=f"Opened the agenda of {session.title}")
    cases = list(_accepted_cases(session))
    return render(request, "collaboratives/session_agenda.html", {
        "session": session, "focus": _focus(session), "cases": cases,
        "facilitators": list(session.facilitators.order_by("full_name", "email")),
        "rules": GROUND_RULES, "protection": PSWP_PROTECTION,
        "minutes_per_case": max(10, (session.duration_minutes - 25) // max(len(cases), 1)),
    })


@access.pso(Scope.SESSIONS_FACILITATE, methods=("GET", "POST"))
def session_notes(request, public_id):
    session = session_for_facilitator(request, public_id)
    role_may_attest = session.facilitators.filter(pk=request.user.pk).exists()
    if not may_open_materials(request.user, session):
        if role_may_attest and not Attestation.objects.filter(
                session=session, user=request.user).exists():
            messages.info(request, "Accept the ground rules before writing notes.")
            return redirect("session-attest", public_id=session.public_id)
        audit_denied(actor=request.user, summary=f"Notes without access: {request.path}")
        raise PermissionDenied("Discussion notes are for the session's facilitators who "
                               "accepted the ground rules.")
    form = NoteForm(request.POST or None, session=session)
    screened, findings = [], []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        screened, findings, dismissed = _screened(form, data,
                                                  ["observations", "improvement_ideas"],
                                                  request.POST)
        try:
            services.note_add(session=session, actor=request.user,
                              observations=data["observations"],
                              improvement_ideas=data["improvement_ideas"],
                              systems_factors=data["systems_factors"],
                              nomination=data["nomination"], dismissed_findings=dismissed)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Notes saved.")
            return redirect("session-notes", public_id=session.public_id)
    return render(request, "collaboratives/session_notes.html", {
        "session": session, "form": form, "findings": findings, "screened": screened,
        "notes": list(session.notes.select_related("nomination").order_by("created_at")),
        "factor_labels": FACTOR_LABELS,
    })


@access.pso(Scope.SESSIONS_FACILITATE, methods=("POST",))
def nomination_decide(request, public_id):
    nomination = nomination_for_facilitator(request, public_id)
    form = DecideForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            decided = services.nomination_decide(nomination=nomination, accept=accept,
                                                 actor=request.user,
                                                 comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            _message_errors(request, exc)
        else:
            messages.success(request, f"Accepted as {decided.label}." if accept
                             else "Returned to the hospital with your comment.")
    else:
        messages.error(request, "Choose to accept or return the nomination.")
    return redirect(reverse("session-materials", args=[nomination.session.public_id]))


@access.pso(Scope.SESSIONS_FACILITATE, methods=("POST",))
def nomination_comment(request, public_id):
    nomination = nomination_for_facilitator(request, public_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.nomination_comment(nomination=nomination, actor=request.user,
                                        text=form.cleaned_data["text"])
        except ValidationError as exc:
            _message_errors(request, exc)
        else:
            messages.success(request, "Comment sent to the hospital's safety lead.")
    else:
        messages.error(request, "Write the comment.")
    return redirect(reverse("session-materials", args=[nomination.session.public_id]))
