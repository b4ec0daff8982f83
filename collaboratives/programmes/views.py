"""Learning collaboratives: home, charter, calendar, enrolment, teams, skills, spread.

Every view starts with an access helper (programmes/access.py) and writes only through a
service. How another team is named on any page comes from selectors.team_label, which reads
the charter's one setting.
"""

import hashlib
from html import escape

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe

from chpso_portal import access
from chpso_portal.forms import add_service_errors
from members.models import Hospital, HospitalStatus
from members.roles import Scope

from ..calendar import event_ics
from ..measures.models import MonthlyReport, ReportStatus
from ..measures.services import due_date, late_teams, month_now_due
from . import selectors, services
from .access import (
    collaborative_for_viewer,
    live_team_members,
    object_of_team,
    team_for_viewer,
)
from .forms import (
    ChangeIdeaForm,
    CharterForm,
    DecideForm,
    EnrolForm,
    EventForm,
    InviteTeamForm,
    MeasureForm,
    PartnerForm,
    SkillsForm,
    SpreadForm,
    TeamMemberForm,
)
from .models import (
    SKILL_AREAS,
    CalendarEvent,
    ChangeIdea,
    CollaborativeStatus,
    LearningCollaborative,
    SkillsAssessment,
    SpreadRecord,
    Team,
    TeamMember,
    TeamStatus,
)

T = "collaboratives/learning/"


def _error(request, exc: ValidationError):
    messages.error(request, " ".join(exc.messages))


def _detail(collaborative):
    return redirect("lc-detail", public_id=collaborative.public_id)


def _team_page(team):
    return redirect("lc-team", public_id=team.public_id)


# --- Home --------------------------------------------------------------------------------


@access.account()
def lc_home(request):
    """Team members: their collaboratives, what is due, the next event. Faculty: their
    collaboratives. Coordinators: every collaborative. Safety leads: those taking teams."""
    user = request.user
    today = timezone.localdate()
    now = timezone.now()
    places = list(live_team_members(user))
    rows = []
    for member in places:
        team, collaborative = member.team, member.team.collaborative
        month = month_now_due(collaborative, today)
        rows.append({"member": member, "team": team, "collaborative": collaborative,
                     "month": month, "due": due_date(collaborative, month)})
    collaborative_ids = {row["collaborative"].pk for row in rows}
    if rows:
        submitted = set(MonthlyReport.objects.filter(
            team_id__in=[row["team"].pk for row in rows], status=ReportStatus.SUBMITTED,
            month__in={row["month"] for row in rows}).values_list("team_id", "month"))
        next_events = {}
        for event in (CalendarEvent.objects.filter(collaborative_id__in=collaborative_ids,
                                                   starts_at__gte=now, is_cancelled=False)
                      .order_by("starts_at")):
            next_events.setdefault(event.collaborative_id, event)
        for row in rows:
            row["submitted"] = (row["team"].pk, row["month"]) in submitted
            row["next_event"] = next_events.get(row["collaborative"].pk)
    coached = []
    if Scope.COLLABORATIVES_CHARTER in user.pso_scopes:
        coached = list(LearningCollaborative.objects.annotate(
            team_count=Count("teams", filter=Q(teams__status=TeamStatus.ENROLLED))))
    elif Scope.COLLABORATIVES_COACH in user.pso_scopes:
        coached = list(user.faculty_collaboratives.annotate(
            team_count=Count("teams", filter=Q(teams__status=TeamStatus.ENROLLED))))
    open_for_hospital = []
    membership = request.acting.membership
    if (membership is not None and membership.hospital.has_active_contract
            and Scope.COLLABORATIVES_ENROL in membership.scopes):
        own = Team.objects.filter(collaborative=OuterRef("pk"), hospital=membership.hospital)
        open_for_hospital = list(
            LearningCollaborative.objects.filter(status__in=[CollaborativeStatus.ENROLLING,
                                                             CollaborativeStatus.RUNNING])
            .annotate(own_status=Exists(own.filter(status=TeamStatus.ENROLLED)),
                      invited=Exists(own.filter(status=TeamStatus.INVITED)),
                      applied=Exists(own.filter(status=TeamStatus.APPLIED))))
    return render(request, T + "home.html", {
        "rows": rows, "coached": coached, "open_for_hospital": open_for_hospital,
        "may_charter": Scope.COLLABORATIVES_CHARTER in user.pso_scopes,
    })


# --- Charter -----------------------------------------------------------------------------


@access.pso(Scope.COLLABORATIVES_CHARTER, methods=("GET", "POST"))
def lc_create(request):
    form = CharterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collaborative = services.collaborative_create(
                actor=request.user, faculty=list(form.cleaned_data["faculty"]),
                **form.charter_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Collaborative chartered. Add its change package, "
                                      "measures and calendar.")
            return _detail(collaborative)
    return render(request, T + "form.html", {"form": form, "heading": "Charter a learning "
                                             "collaborative", "button": "Charter it"})


def _charter_version_sql():
    """What the charter's cards show beyond the collaborative's own row (change ideas,
    measures, faculty), as columns on the collaborative `c`: with the charter version and
    `updated_at`, which every change through the services moves, they key its fragment."""
    from ..measures.models import Measure
    from ..rows import table

    through = LearningCollaborative.faculty.through
    ideas, measures = table(ChangeIdea), table(Measure)
    return (f"(SELECT COUNT(*) FROM {ideas} WHERE collaborative_id = c.id AND is_active = %s), "
            f"(SELECT MAX(id) FROM {ideas} WHERE collaborative_id = c.id), "
            f"(SELECT COUNT(*) FROM {measures} WHERE collaborative_id = c.id "
            f"AND is_active = %s), "
            f"(SELECT MAX(id) FROM {measures} WHERE collaborative_id = c.id), "
            f"(SELECT COUNT(*) FROM {table(through)} WHERE learningcollaborative_id = c.id), "
            f"(SELECT MAX(user_id) FROM {table(through)} WHERE learningcollaborative_id = c.id)",
            [True, True])


CHARTER_SECONDS = 15 * 60


def _charter_html(collaborative, version) -> str:
    """The charter's cards (aim, change package, measures), the same for everyone inside:
    cached under the collaborative and the version of what they show."""
    from django.template.loader import render_to_string

    from ..fragments import versioned

    key = "lc:charter:{}:{}".format(collaborative.pk, hashlib.sha1("|".join(str(part) for part in (
        collaborative.charter_version, collaborative.updated_at.isoformat(),
        collaborative.teams_named, *version)).encode()).hexdigest()[:20])
    return versioned(key, lambda: render_to_string(T + "_charter.html", {
        "collaborative": collaborative,
        "change_ideas": list(collaborative.change_ideas.filter(is_active=True)),
        "measures": list(collaborative.measures.filter(is_active=True)),
        "faculty": list(collaborative.faculty.order_by("full_name", "email")),
        "teams_named": selectors.teams_named(collaborative),
    }), CHARTER_SECONDS)


def _next_events(collaborative, count=3) -> list[CalendarEvent]:
    """The next `count` events not cancelled, as `collaborative.events.filter(starts_at__gte=
    now, is_cancelled=False)[:count]` gives them, in one plain SQL query (read on every view
    of the collaborative's page)."""
    from django.db import connection

    from ..rows import columns, split, table

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns(CalendarEvent, 'e')} FROM {table(CalendarEvent)} e "
            f"WHERE e.collaborative_id = %s AND e.starts_at >= %s AND e.is_cancelled = %s "
            f"ORDER BY e.starts_at ASC, e.id ASC LIMIT {int(count)}",
            [collaborative.pk, connection.ops.adapt_datetimefield_value(timezone.now()), False])
        rows = cursor.fetchall()
    return [split(row, (CalendarEvent, "e"))[0] for row in rows]


def _team_items(labels) -> str:
    """The enrolled teams' list items. Fifty teams or more: drawn here, each label escaped,
    rather than by a template loop or format_html, which cost more than the rest of the page."""
    return mark_safe("".join(f"<li>{escape(label)}{' (your team)' if own else ''}</li>"
                             for label, own in labels))


@access.learning(access.LC_MEMBER)
def lc_detail(request, public_id):
    collaborative, place, version = collaborative_for_viewer(request, public_id,
                                                             extra=_charter_version_sql())
    context = {
        "collaborative": collaborative, "place": place,
        "charter": _charter_html(collaborative, version),
        "teams": _team_items(selectors.enrolled_team_labels(
            collaborative, viewer_team_id=place.team_id, faculty=place.coaches)),
        "events": _next_events(collaborative),
    }
    return render(request, T + "detail.html", context)


@access.learning(access.LC_FACULTY, methods=("GET", "POST"))
def lc_edit(request, public_id):
    collaborative, place = collaborative_for_viewer(request, public_id, audience="faculty")
    form = CharterForm(request.POST or None, instance=collaborative, editing=True,
                       may_name_faculty=place.charters)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.collaborative_update(
                collaborative=LearningCollaborative.objects.get(pk=collaborative.pk),
                actor=request.user, change_summary=form.cleaned_data["change_summary"],
                faculty=(list(form.cleaned_data["faculty"]) if "faculty" in form.fields
                         else None),
                **form.charter_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Charter saved as version {version.number}."
                             if version else "Nothing changed.")
            return _detail(collaborative)
    return render(request, T + "form.html", {"form": form, "collaborative": collaborative,
                                             "heading": "Edit the charter", "button": "Save"})


@access.learning(access.LC_FACULTY, methods=("GET", "POST"))
def lc_status(request, public_id):
    collaborative, _ = collaborative_for_viewer(request, public_id, audience="faculty")
    if request.method == "POST":
        try:
            services.collaborative_set_status(collaborative=collaborative, actor=request.user,
                                              status=request.POST.get("status", ""))
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, "Status changed.")
    return _detail(collaborative)


@access.learning(access.LC_FACULTY, methods=("GET", "POST"))
def lc_change_idea_add(request, public_id):
    collaborative, _ = collaborative_for_viewer(request, public_id, audience="faculty")
    form = ChangeIdeaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_idea_add(collaborative=collaborative, actor=request.user,
                                     **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Change idea added to the change package.")
            return _detail(collaborative)
    return render(request, T + "form.html", {"form": form, "collaborative": collaborative,
                                             "heading": "Add a change idea", "button": "Add"})


@access.learning(access.LC_FACULTY, methods=("GET", "POST"))
def lc_measure_add(request, public_id):
    collaborative, _ = collaborative_for_viewer(request, public_id, audience="faculty")
    form = MeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in MeasureForm.Meta.fields}
        try:
            services.measure_add(collaborative=collaborative, actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Measure added.")
            return _detail(collaborative)
    return render(request, T + "form.html", {"form": form, "collaborative": collaborative,
                                             "heading": "Add a measure", "button": "Add"})


@access.learning(access.LC_MEMBER)
def lc_versions(request, public_id):
    collaborative, _ = collaborative_for_viewer(request, public_id)
    versions = list(collaborative.charter_versions.select_related("created_by"))
    return render(request, T + "versions.html", {"collaborative": collaborative,
                                                 "versions": versions})


# --- Calendar ----------------------------------------------------------------------------


@access.learning(access.LC_MEMBER)
def lc_calendar(request, public_id):
    collaborative, place = collaborative_for_viewer(request, public_id)
    events = list(collaborative.events.annotate(present=Count(
        "attendance", filter=Q(attendance__attended=True))))
    return render(request, T + "calendar.html", {"collaborative": collaborative,
                                                 "place": place, "events": events,
                                                 "now": timezone.now()})


@access.learning(access.LC_FACULTY, methods=("GET", "POST"))
def lc_event_add(request, public_id):
    collaborative, _ = collaborative_for_viewer(request, public_id, audience="faculty")
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_create(collaborative=collaborative, actor=request.user,
                                  **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Added to the calendar.")
            return redirect("lc-calendar", public_id=collaborative.public_id)
    return render(request, T + "form.html", {"form": form, "collaborative": collaborative,
                                             "heading": "Add to the calendar", "button": "Add"})


def _event_for_viewer(request, public_id, *, audience="member"):
    event = CalendarEvent.objects.filter(public_id=public_id).select_related(
        "collaborative").first()
    if event is None:
        raise Http404
    collaborative_for_viewer(request, event.collaborative.public_id, audience=audience)
    return event


@access.learning(access.LC_MEMBER)
def lc_event_ics(request, public_id):
    event = _event_for_viewer(request, public_id)
    response = HttpResponse(event_ics(event), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.public_id}.ics"'
    return response


@access.learning(access.LC_FACULTY, methods=("GET", "POST"))
def lc_event_attendance(request, public_id):
    event = _event_for_viewer(request, public_id, audience="faculty")
    collaborative = event.collaborative
    members = list(TeamMember.objects.active()
                   .filter(team__collaborative=collaborative, team__status=TeamStatus.ENROLLED)
                   .select_related("user", "team__hospital").order_by("team__hospital__name",
                                                                      "user__full_name"))
    faculty = list(collaborative.faculty.order_by("full_name"))
    if request.method == "POST":
        try:
            services.attendance_record(event=event, actor=request.user,
                                       present_user_ids=request.POST.getlist("present"))
        except (ValidationError, ValueError) as exc:
            _error(request, exc if isinstance(exc, ValidationError)
                   else ValidationError("Choose people from the list."))
        else:
            messages.success(request, "Attendance recorded.")
            return redirect("lc-calendar", public_id=collaborative.public_id)
    present = set(event.attendance.filter(attended=True).values_list("user_id", flat=True))
    return render(request, T + "attendance.html", {
        "event": event, "collaborative": collaborative, "members": members,
        "faculty": faculty, "present": present})


# --- Enrolment ---------------------------------------------------------------------------


@access.learning(access.LC_FACULTY)
def lc_teams(request, public_id):
    """Faculty's view of every team: enrolment, last report, late, last PDSA, skills."""
    collaborative, place = collaborative_for_viewer(request, public_id, audience="faculty")
    teams = list(
        collaborative.teams.select_related("hospital", "peer_code", "sponsor", "team_lead")
        .annotate(last_month=Max("monthly_reports__month",
                                 filter=Q(monthly_reports__status=ReportStatus.SUBMITTED)),
                  cycles=Count("pdsa_cycles", distinct=True),
                  last_cycle=Max("pdsa_cycles__updated_at"),
                  skills_done=Count("skills_assessments", distinct=True),
                  member_count=Count("members", filter=Q(members__removed_at__isnull=True),
                                     distinct=True))
        .order_by("status", "hospital__name"))
    month, due, late = late_teams(collaborative)
    late_ids = {team.pk for team in late}
    for team in teams:
        team.is_late = team.pk in late_ids
    in_collaborative = collaborative.teams.values("hospital_id")
    hospitals = (Hospital.objects.with_contract_state()
                 .filter(status=HospitalStatus.ACTIVE, has_active_contract=True)
                 .exclude(pk__in=in_collaborative).order_by("name"))
    return render(request, T + "teams.html", {
        "collaborative": collaborative, "place": place, "teams": teams, "late": late,
        "late_month": month, "late_due": due,
        "invite_form": InviteTeamForm(hospitals=hospitals) if place.charters else None,
    })


@access.learning(access.LC_FACULTY, methods=("POST",))
def lc_team_invite(request, public_id):
    collaborative, place = collaborative_for_viewer(request, public_id, audience="faculty")
    in_collaborative = collaborative.teams.values("hospital_id")
    form = InviteTeamForm(request.POST, hospitals=Hospital.objects.exclude(
        pk__in=in_collaborative))
    if form.is_valid():
        try:
            services.team_invite(collaborative=collaborative, actor=request.user,
                                 hospital=form.cleaned_data["hospital"])
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, "Hospital invited; its safety leads were told.")
    else:
        messages.error(request, "Choose a hospital.")
    return redirect("lc-teams", public_id=collaborative.public_id)


@access.learning(access.LC_FACULTY, methods=("POST",))
def lc_team_decide(request, public_id):
    team, _ = team_for_viewer(request, public_id, need="coach")
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.team_decide(team=team, actor=request.user,
                                 accept=form.cleaned_data["accept"])
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, "Application answered.")
    return redirect("lc-teams", public_id=team.collaborative.public_id)


@access.hospital(Scope.COLLABORATIVES_ENROL, methods=("GET", "POST"))
def lc_enrol(request, public_id):
    collaborative = LearningCollaborative.objects.filter(
        public_id=public_id, status__in=[CollaborativeStatus.ENROLLING,
                                         CollaborativeStatus.RUNNING]).first()
    if collaborative is None:
        raise Http404
    team = Team.objects.filter(collaborative=collaborative, hospital=request.hospital).first()
    form = EnrolForm(request.POST or None, hospital=request.hospital)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_enrol(collaborative=collaborative, actor=request.user,
                                       hospital=request.hospital, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if team.status == TeamStatus.ENROLLED:
                messages.success(request, "Your team is enrolled.")
                return _team_page(team)
            messages.success(request, "Application sent; the PSO will answer.")
            return redirect("lc-home")
    return render(request, T + "enrol.html", {"collaborative": collaborative, "team": team,
                                              "form": form})


# --- A team ------------------------------------------------------------------------------


def _skills_summary(team):
    assessments = list(team.skills_assessments.all())
    summary = []
    for field, label in SKILL_AREAS:
        scores = [getattr(a, field) for a in assessments]
        summary.append({"label": label, "mean": (sum(scores) / len(scores)) if scores else None,
                        "low": sum(1 for s in scores if s <= 2)})
    return summary, len(assessments)


def _team_activity_sql(user):
    """Columns on the team `t`: whether the viewer has filled in the skills check, then the
    version of the team's activity as its page shows it (monthly reports, PDSA cycles,
    faculty comments, spread): every change through the services moves one of them."""
    from ..measures.models import MonthlyReport
    from ..pdsa.models import FacultyComment, PdsaCycle
    from ..rows import table

    reports, cycles = table(MonthlyReport), table(PdsaCycle)
    comments, spread = table(FacultyComment), table(SpreadRecord)
    return (f"EXISTS (SELECT 1 FROM {table(SkillsAssessment)} WHERE team_id = t.id "
            f"AND user_id = %s), "
            f"(SELECT COUNT(*) FROM {reports} WHERE team_id = t.id), "
            f"(SELECT MAX(updated_at) FROM {reports} WHERE team_id = t.id), "
            f"(SELECT MAX(submitted_at) FROM {reports} WHERE team_id = t.id), "
            f"(SELECT COUNT(*) FROM {cycles} WHERE team_id = t.id), "
            f"(SELECT MAX(updated_at) FROM {cycles} WHERE team_id = t.id), "
            f"(SELECT COUNT(*) FROM {comments} WHERE team_id = t.id), "
            f"(SELECT MAX(id) FROM {comments} WHERE team_id = t.id), "
            f"(SELECT COUNT(*) FROM {spread} WHERE team_id = t.id), "
            f"(SELECT MAX(id) FROM {spread} WHERE team_id = t.id)", [user.pk])


TEAM_ACTIVITY_SECONDS = 15 * 60


def _team_activity_html(team, month, version) -> tuple[str, str]:
    """The team's monthly reports, latest PDSA cycles, faculty comments and spread: the same
    for everyone who may see the team's page, cached under the team, the month now due and
    the version of what they show."""
    from django.template.loader import render_to_string

    from ..fragments import versioned

    due = due_date(team.collaborative, month)
    key = "lc:team:{}:{}".format(team.pk, hashlib.sha1("|".join(
        str(part) for part in (month.isoformat(), due.isoformat(), *version)).encode()
    ).hexdigest()[:20])

    def draw():
        reports = list(team.monthly_reports.order_by("-month")[:6])
        return (render_to_string(T + "_team_activity.html", {
            "team": team, "reports": reports, "month": month, "due": due,
            "month_submitted": any(r.month == month and r.is_submitted for r in reports),
            "cycles": list(team.pdsa_cycles.select_related("change_idea")
                           .order_by("-number")[:5]),
            "comments": list(team.faculty_comments.select_related("author", "cycle", "report")
                             .order_by("-created_at")[:5])}),
            render_to_string(T + "_team_spread.html", {"spread": list(team.spread.all()[:5])}))

    return versioned(key, draw, TEAM_ACTIVITY_SECONDS)


def _active_members(team) -> list[TeamMember]:
    """`team.members.active().select_related("user").order_by("role")` in one plain SQL
    query: read on every view of the team's page, where the ORM took longer to compile it
    than the database took to answer."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from ..rows import columns, split, table

    user_model = get_user_model()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns(TeamMember, 'm')}, {columns(user_model, 'u')} "
            f"FROM {table(TeamMember)} m INNER JOIN {table(user_model)} u ON u.id = m.user_id "
            f"WHERE m.team_id = %s AND m.removed_at IS NULL AND u.is_active = %s "
            f"ORDER BY m.role ASC, m.added_at ASC, m.id ASC", [team.pk, True])
        rows = cursor.fetchall()
    members = []
    for row in rows:
        member, user = split(row, (TeamMember, "m"), (user_model, "u"))
        TeamMember._meta.get_field("user").set_cached_value(member, user)
        members.append(member)
    return members


@access.learning(access.LC_TEAM)
def lc_team(request, public_id):
    team, place, extra = team_for_viewer(request, public_id,
                                         extra=_team_activity_sql(request.user))
    collaborative = team.collaborative
    month = month_now_due(collaborative)
    context = {
        "team": team, "collaborative": collaborative, "place": place, "month": month,
        "members": _active_members(team),
        "own_skills": bool(extra[0]),
    }
    context["activity"], context["spread"] = _team_activity_html(team, month, extra[1:])
    if place.coaches:
        context["skills"], context["skills_count"] = _skills_summary(team)
        context["notes"] = list(team.coaching_notes.select_related("author")[:5])
    return render(request, T + "team.html", context)


@access.learning(access.LC_TEAM_LEAD, methods=("GET", "POST"))
def lc_team_member_add(request, public_id):
    team, _ = team_for_viewer(request, public_id, need="lead")
    form = TeamMemberForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_member_add(team=team, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Added to the team.")
            return _team_page(team)
    return render(request, T + "form.html", {"form": form, "collaborative": team.collaborative,
                                             "team": team, "heading": "Add a team member",
                                             "button": "Add"})


@access.learning(access.LC_TEAM_LEAD, methods=("GET", "POST"))
def lc_team_partner_add(request, public_id):
    team, _ = team_for_viewer(request, public_id, need="lead")
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_partner_add(team=team, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Partner added; they were sent a link to set a password.")
            return _team_page(team)
    return render(request, T + "form.html", {
        "form": form, "collaborative": team.collaborative, "team": team,
        "heading": "Add a patient or family partner", "button": "Add",
        "intro": "A partner gets a guest account: they see the collaborative's shared pages "
                 "(charter, calendar), never the team's data or PDSA log."})


@access.learning(access.LC_TEAM_LEAD, methods=("POST",))
def lc_team_member_remove(request, public_id):
    member, _ = object_of_team(request, TeamMember, public_id, need="lead")
    team = member.team
    try:
        services.team_member_remove(member=member, actor=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, "Removed from the team.")
    return _team_page(team)


@access.learning(access.LC_TEAM, methods=("GET", "POST"))
def lc_skills(request, public_id):
    """Members fill in and see their own self-assessment; faculty see the team's summary."""
    team, place = team_for_viewer(request, public_id)
    if place.coaches and not (place.member and place.member.team_id == team.pk):
        summary, count = _skills_summary(team)
        return render(request, T + "skills_summary.html", {
            "team": team, "collaborative": team.collaborative, "summary": summary,
            "count": count, "members": team.members.active().exclude(
                role="patient_partner").count(),
            "wants_help": [a.wants_help_with for a in team.skills_assessments.all()
                           if a.wants_help_with]})
    own = SkillsAssessment.objects.filter(team=team, user=request.user).first()
    initial = own.scores() | {"wants_help_with": own.wants_help_with} if own else None
    form = SkillsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.skills_submit(team=team, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your skills check is saved.")
            return _team_page(team)
    return render(request, T + "form.html", {
        "form": form, "collaborative": team.collaborative, "team": team,
        "heading": "Quality improvement skills check", "button": "Save",
        "intro": "Only you and the collaborative's faculty see your answers; faculty use the "
                 "team's summary to plan coaching."})


@access.learning(access.LC_TEAM, methods=("GET", "POST"))
def lc_spread(request, public_id):
    team, place = team_for_viewer(request, public_id)
    own = place.member is not None and place.member.team_id == team.pk and place.works_on_team
    form = SpreadForm(request.POST or None, team=team) if own else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.spread_record(team=team, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Spread recorded.")
                return redirect("lc-spread", public_id=team.public_id)
    records = list(team.spread.select_related("cycle", "change_idea"))
    adopted = list(team.pdsa_cycles.filter(decision="adopt").select_related("change_idea")
                   .prefetch_related(Prefetch("spread", to_attr="spread_rows")))
    return render(request, T + "spread.html", {
        "team": team, "collaborative": team.collaborative, "form": form,
        "records": records, "adopted": adopted, "place": place})

