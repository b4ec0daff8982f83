"""Writes on learning collaboratives: charter, calendar, enrolment, team members, skills, spread.

Keyword-only, each takes the acting user, writes the audit row and queues notifications in the
same transaction (the outbox delivers them after commit). Refusals are ValidationErrors whose
message the user can read. Notifications about a team go to that team and to faculty; nothing
sent to other teams names a hospital unless the charter names teams (selectors.teams_named).
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.notifications import kinds
from chpso_portal.notifications.services import notify
from chpso_portal.text import day_and_time
from members import selectors as member_selectors
from members.models import Contract, Membership
from members.roles import PsoRole, Scope

from .models import (
    MEETING_KINDS,
    Attendance,
    CalendarEvent,
    ChangeIdea,
    CharterVersion,
    CollaborativeStatus,
    LearningCollaborative,
    SkillsAssessment,
    SpreadRecord,
    Team,
    TeamMember,
    TeamPeerCode,
    TeamRole,
    TeamStatus,
    random_peer_code,
)

CHARTER_FIELDS = ("name", "topic", "aim_statement", "aim_by", "scope", "teams_named",
                  "starts_on", "ends_on", "report_due_day", "reminder_days_before",
                  "time_zone")


def _link(collaborative) -> str:
    return reverse("lc-detail", args=[collaborative.public_id])


def _team_link(team) -> str:
    return reverse("lc-team", args=[team.public_id])


def enrolled_team_people(collaborative, *, exclude_partners: bool = False):
    """Active members of the collaborative's enrolled teams (users)."""
    members = TeamMember.objects.active().filter(team__collaborative=collaborative,
                                                 team__status=TeamStatus.ENROLLED)
    if exclude_partners:
        members = members.exclude(role=TeamRole.PATIENT_PARTNER)
    return get_user_model().objects.filter(pk__in=members.values("user_id"))


def team_people(team, *, exclude_partners: bool = True):
    members = TeamMember.objects.active().filter(team=team)
    if exclude_partners:
        members = members.exclude(role=TeamRole.PATIENT_PARTNER)
    return get_user_model().objects.filter(pk__in=members.values("user_id"))


def faculty_people(collaborative):
    return collaborative.faculty.filter(is_active=True)


# --- Charter -----------------------------------------------------------------------------


def charter_snapshot(collaborative) -> dict:
    data = {field: getattr(collaborative, field) for field in CHARTER_FIELDS}
    for field in ("aim_by", "starts_on", "ends_on"):
        data[field] = data[field].isoformat() if data[field] else None
    data["change_ideas"] = [
        {"title": idea.title, "description": idea.description, "source": idea.source}
        for idea in collaborative.change_ideas.filter(is_active=True)]
    data["measures"] = [
        {"name": m.name, "short_name": m.short_name, "type": m.type, "kind": m.kind,
         "numerator": m.numerator_definition, "denominator": m.denominator_definition,
         "rate_multiplier": m.rate_multiplier, "target": str(m.target_value or ""),
         "direction": m.direction, "data_source": m.data_source, "sampling": m.sampling,
         "baseline": [m.baseline_start.isoformat() if m.baseline_start else None,
                      m.baseline_end.isoformat() if m.baseline_end else None]}
        for m in collaborative.measures.filter(is_active=True)]
    data["faculty"] = sorted(collaborative.faculty.values_list("email", flat=True))
    return data


def _check_faculty(faculty) -> None:
    for user in faculty:
        if user.pso_role not in (PsoRole.COORDINATOR, PsoRole.FACILITATOR):
            raise ValidationError({"faculty": f"{user.display_name} is not PSO staff."})


@transaction.atomic
def collaborative_create(*, actor, faculty=(), **charter) -> LearningCollaborative:
    if Scope.COLLABORATIVES_CHARTER not in actor.pso_scopes:
        raise ValidationError("Only a PSO coordinator charters a learning collaborative.")
    _check_faculty(faculty)
    collaborative = LearningCollaborative(created_by=actor,
                                          **{k: v for k, v in charter.items()
                                             if k in CHARTER_FIELDS})
    collaborative.full_clean(exclude=["created_by"])
    collaborative.save()
    collaborative.faculty.set(faculty)
    CharterVersion.objects.create(collaborative=collaborative, number=1, created_by=actor,
                                  snapshot=charter_snapshot(collaborative),
                                  change_summary="Chartered")
    audit_record(actor=actor, action=AuditAction.CREATE, obj=collaborative,
                 summary=f"Chartered learning collaborative {collaborative.name}")
    notify(kind=kinds.LC_ENROLMENT, event_key=f"lc-faculty:{collaborative.pk}:1",
           recipients=faculty, title=f"You are faculty of {collaborative.name}",
           link=_link(collaborative))
    return collaborative


def _has_enrolled_teams(collaborative) -> bool:
    return collaborative.teams.filter(status=TeamStatus.ENROLLED).exists()


@transaction.atomic
def charter_new_version(*, collaborative, actor, change_summary: str) -> CharterVersion | None:
    """Keep the charter as it stands now as a new version, if it changed since the last one.
    Once teams are enrolled, they are told of the change."""
    collaborative = LearningCollaborative.objects.select_for_update().get(pk=collaborative.pk)
    snapshot = charter_snapshot(collaborative)
    last = collaborative.charter_versions.order_by("-number").first()
    if last is not None and last.snapshot == snapshot:
        return None
    number = (last.number + 1) if last else 1
    announce = _has_enrolled_teams(collaborative)
    version = CharterVersion.objects.create(
        collaborative=collaborative, number=number, snapshot=snapshot, created_by=actor,
        change_summary=(change_summary or "").strip()[:500] or "Charter updated",
        announced=announce)
    LearningCollaborative.objects.filter(pk=collaborative.pk).update(
        charter_version=number, updated_at=timezone.now())
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=collaborative,
                 summary=f"Charter version {number}", detail={"change": version.change_summary})
    if announce:
        notify(kind=kinds.LC_CHARTER_CHANGED,
               event_key=f"lc-charter:{collaborative.pk}:{number}",
               recipients=list(enrolled_team_people(collaborative)),
               title=f"The charter of {collaborative.name} changed",
               body=version.change_summary, link=_link(collaborative))
    return version


def _may_charter(actor, collaborative) -> None:
    if Scope.COLLABORATIVES_CHARTER not in actor.pso_scopes and not \
            collaborative.faculty.filter(pk=actor.pk).exists():
        raise ValidationError("Only coordinators and the collaborative's faculty edit it.")


@transaction.atomic
def collaborative_update(*, collaborative, actor, change_summary: str = "", faculty=None,
                         **charter) -> CharterVersion | None:
    _may_charter(actor, collaborative)
    for field, value in charter.items():
        if field in CHARTER_FIELDS:
            setattr(collaborative, field, value)
    collaborative.full_clean(exclude=["created_by"])
    collaborative.save()
    if faculty is not None:
        if Scope.COLLABORATIVES_CHARTER not in actor.pso_scopes:
            raise ValidationError({"faculty": "Only a coordinator names the faculty."})
        _check_faculty(faculty)
        collaborative.faculty.set(faculty)
    return charter_new_version(collaborative=collaborative, actor=actor,
                               change_summary=change_summary)


@transaction.atomic
def collaborative_set_status(*, collaborative, actor, status: str) -> None:
    if Scope.COLLABORATIVES_CHARTER not in actor.pso_scopes:
        raise ValidationError("Only a coordinator opens or closes a collaborative.")
    if status not in CollaborativeStatus.values:
        raise ValidationError("Unknown status.")
    collaborative.status = status
    collaborative.save(update_fields=["status"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=collaborative,
                 summary=f"Collaborative now {collaborative.get_status_display()}")


@transaction.atomic
def change_idea_add(*, collaborative, actor, title: str, description: str = "",
                    source: str = "", change_summary: str = "") -> ChangeIdea:
    _may_charter(actor, collaborative)
    if not title.strip():
        raise ValidationError({"title": "Give the change idea a title."})
    position = collaborative.change_ideas.count() + 1
    idea = ChangeIdea.objects.create(collaborative=collaborative, position=position,
                                     title=title.strip(), description=description.strip(),
                                     source=source.strip())
    charter_new_version(collaborative=collaborative, actor=actor,
                        change_summary=change_summary or f"Change idea added: {idea.title}")
    return idea


@transaction.atomic
def measure_add(*, collaborative, actor, change_summary: str = "", **fields):
    from ..measures.models import Measure

    _may_charter(actor, collaborative)
    measure = Measure(collaborative=collaborative,
                      position=collaborative.measures.count() + 1, **fields)
    measure.full_clean(exclude=["collaborative"])
    measure.save()
    charter_new_version(collaborative=collaborative, actor=actor,
                        change_summary=change_summary or f"Measure added: {measure.name}")
    return measure


# --- Calendar ----------------------------------------------------------------------------


@transaction.atomic
def event_create(*, collaborative, actor, kind, title, starts_at, ends_at, location="",
                 agenda="") -> CalendarEvent:
    _may_charter(actor, collaborative)
    if ends_at < starts_at:
        raise ValidationError({"ends_at": "The end comes after the start."})
    event = CalendarEvent.objects.create(
        collaborative=collaborative, kind=kind, title=title.strip(), starts_at=starts_at,
        ends_at=ends_at, location=location.strip(), agenda=agenda.strip(), created_by=actor)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=event,
                 summary=f"Calendar: {event.get_kind_display()} {event.title}")
    return event


EVENT_REMINDER_BEFORE = timedelta(days=2)


def events_send_reminders(now=None) -> int:
    """Tell everyone inside a collaborative about a meeting starting within two days. Each
    event's reminder is sent once: the event is marked in the same transaction."""
    from ..calendar import event_ics

    now = now or timezone.now()
    sent = 0
    due = (CalendarEvent.objects.filter(reminder_sent_at__isnull=True, is_cancelled=False,
                                        kind__in=MEETING_KINDS, starts_at__gt=now,
                                        starts_at__lte=now + EVENT_REMINDER_BEFORE)
           .select_related("collaborative"))
    for event in due:
        with transaction.atomic():
            claimed = CalendarEvent.objects.filter(pk=event.pk, reminder_sent_at__isnull=True) \
                .update(reminder_sent_at=now)
            if not claimed:
                continue
            collaborative = event.collaborative
            people = list(enrolled_team_people(collaborative)) + list(
                faculty_people(collaborative))
            notify(kind=kinds.LC_EVENT_REMINDER, event_key=f"lc-event-reminder:{event.pk}",
                   recipients=people,
                   title=f"{event.get_kind_display()} coming up: {event.title}",
                   body=f"{collaborative.name}. Starts "
                        f"{day_and_time(event.starts_at)}. "
                        f"{event.location}".strip(),
                   link=reverse("lc-calendar", args=[collaborative.public_id]),
                   attachments=[{"filename": "event.ics", "content": event_ics(event),
                                 "content_type": "text/calendar"}])
            sent += 1
    return sent


@transaction.atomic
def attendance_record(*, event, actor, present_user_ids) -> int:
    """Record who attended a meeting (faculty record it). Returns how many are present."""
    _may_charter(actor, event.collaborative)
    if not event.is_meeting:
        raise ValidationError("Attendance is recorded for meetings only.")
    members = {m.user_id: m for m in TeamMember.objects.active()
               .filter(team__collaborative=event.collaborative, team__status=TeamStatus.ENROLLED)}
    faculty_ids = set(event.collaborative.faculty.values_list("pk", flat=True))
    present = {int(uid) for uid in present_user_ids}
    unknown = present - set(members) - faculty_ids
    if unknown:
        raise ValidationError("Attendance is for the collaborative's own people.")
    for uid in set(members) | faculty_ids:
        member = members.get(uid)
        Attendance.objects.update_or_create(
            event=event, user_id=uid,
            defaults={"attended": uid in present, "team": member.team if member else None,
                      "recorded_by": actor, "recorded_at": timezone.now()})
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=event,
                 summary=f"Attendance recorded: {len(present)} present")
    return len(present)


# --- Enrolment ---------------------------------------------------------------------------


def _contract_in_force(hospital) -> bool:
    return Contract.objects.active_on(timezone.localdate()).filter(hospital=hospital).exists()


def _hospital_leads(hospital):
    return get_user_model().objects.filter(
        memberships__hospital=hospital, memberships__is_active=True,
        memberships__role="safety_lead", is_active=True)


@transaction.atomic
def team_invite(*, collaborative, actor, hospital) -> Team:
    """A coordinator invites a member hospital; its safety leads answer."""
    if Scope.COLLABORATIVES_CHARTER not in actor.pso_scopes:
        raise ValidationError("Only a coordinator invites hospitals.")
    if not _contract_in_force(hospital):
        raise ValidationError("Only a hospital with a PSO contract in force can be invited.")
    if collaborative.status == CollaborativeStatus.CLOSED:
        raise ValidationError("This collaborative is closed.")
    try:
        with transaction.atomic():
            team = Team.objects.create(collaborative=collaborative, hospital=hospital,
                                       status=TeamStatus.INVITED, created_by=actor)
    except IntegrityError:
        raise ValidationError("This hospital is already invited or has applied.") from None
    audit_record(actor=actor, action=AuditAction.INVITE, obj=team, hospital=hospital,
                 summary=f"Invited to learning collaborative {collaborative.name}")
    notify(kind=kinds.LC_ENROLMENT, event_key=f"lc-invite:{team.pk}",
           recipients=list(_hospital_leads(hospital)),
           title=f"Your hospital is invited to {collaborative.name}",
           body="Enrol a team by naming its senior sponsor and team lead.",
           link=reverse("lc-enrol", args=[collaborative.public_id]))
    return team


def _check_sponsor_and_lead(hospital, sponsor, team_lead):
    for label, user in (("sponsor", sponsor), ("team_lead", team_lead)):
        if user is None or not Membership.objects.active().filter(hospital=hospital,
                                                                 user=user).exists():
            raise ValidationError({label: "Choose an active member of your hospital."})


@transaction.atomic
def team_enrol(*, collaborative, actor, hospital, sponsor, team_lead,
               focus_units: str = "") -> Team:
    """The hospital's safety lead applies (or answers an invitation) naming the senior sponsor
    and the team lead. An invited hospital is enrolled at once; an application waits for a
    coordinator."""
    if not _contract_in_force(hospital):
        raise ValidationError("Your hospital's PSO contract is not in force.")
    if collaborative.status not in (CollaborativeStatus.ENROLLING, CollaborativeStatus.RUNNING):
        raise ValidationError("This collaborative is not taking teams.")
    _check_sponsor_and_lead(hospital, sponsor, team_lead)
    team = (Team.objects.select_for_update()
            .filter(collaborative=collaborative, hospital=hospital).first())
    if team is not None and team.status == TeamStatus.ENROLLED:
        raise ValidationError("Your hospital's team is already enrolled.")
    if team is not None and team.status == TeamStatus.APPLIED:
        raise ValidationError("Your hospital has applied already; the PSO will answer.")
    invited = team is not None and team.status == TeamStatus.INVITED
    if team is None or team.status in (TeamStatus.DECLINED, TeamStatus.WITHDRAWN):
        team = team or Team(collaborative=collaborative, hospital=hospital, created_by=actor)
        team.status = TeamStatus.APPLIED
    team.sponsor, team.team_lead = sponsor, team_lead
    team.focus_units = focus_units.strip()[:300]
    team.save()
    if invited:
        _enrol(team=team, actor=actor)
    else:
        audit_record(actor=actor, action=AuditAction.CREATE, obj=team, hospital=hospital,
                     summary=f"Applied to learning collaborative {collaborative.name}")
        notify(kind=kinds.LC_ENROLMENT,
               event_key=f"lc-apply:{team.pk}:{int(timezone.now().timestamp())}",
               recipients=list(member_selectors.coordinators()),
               title=f"A hospital applied to {collaborative.name}",
               link=reverse("lc-teams", args=[collaborative.public_id]))
    return team


def _enrol(*, team, actor) -> None:
    team.status = TeamStatus.ENROLLED
    team.enrolled_at = timezone.now()
    team.save(update_fields=["status", "enrolled_at"])
    assign_peer_code(team)
    for user, role in ((team.team_lead, TeamRole.TEAM_LEAD), (team.sponsor, TeamRole.SPONSOR)):
        if not TeamMember.objects.active().filter(team=team, user=user).exists():
            TeamMember.objects.create(
                team=team, user=user, role=role, added_by=actor,
                membership=Membership.objects.get(hospital=team.hospital, user=user))
    audit_record(actor=actor, action=AuditAction.ACCEPT, obj=team, hospital=team.hospital,
                 summary=f"Team enrolled in {team.collaborative.name}")
    notify(kind=kinds.LC_ENROLMENT, event_key=f"lc-enrolled:{team.pk}",
           recipients=[team.team_lead, team.sponsor] + list(_hospital_leads(team.hospital)),
           title=f"Your team is enrolled in {team.collaborative.name}",
           body="The team lead adds the team's members; each fills in the skills check.",
           link=_team_link(team))


@transaction.atomic
def team_decide(*, team, actor, accept: bool) -> Team:
    """A coordinator accepts or declines an application."""
    if Scope.COLLABORATIVES_CHARTER not in actor.pso_scopes:
        raise ValidationError("Only a coordinator decides on applications.")
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.status != TeamStatus.APPLIED:
        raise ValidationError("There is no application to decide.")
    if accept:
        if not _contract_in_force(team.hospital):
            raise ValidationError("The hospital's PSO contract is not in force.")
        _enrol(team=team, actor=actor)
    else:
        team.status = TeamStatus.DECLINED
        team.ended_at = timezone.now()
        team.save(update_fields=["status", "ended_at"])
        audit_record(actor=actor, action=AuditAction.RETURN, obj=team, hospital=team.hospital,
                     summary="Application declined")
    return team


def assign_peer_code(team: Team) -> TeamPeerCode:
    """Give an enrolled team its random code in the collaborative (kept if it has one).

    The code comes from the system's random source only: nothing about the team (id, name,
    order of enrolment) goes into it. A clash with another team's code draws again.
    """
    existing = TeamPeerCode.objects.filter(team=team).first()
    if existing is not None:
        return existing
    for _ in range(50):
        try:
            with transaction.atomic():
                return TeamPeerCode.objects.create(team=team,
                                                   collaborative_id=team.collaborative_id,
                                                   code=random_peer_code())
        except IntegrityError:
            continue
    raise RuntimeError("Could not draw a free peer code.")


# --- Team members ------------------------------------------------------------------------


def _check_team_manager(team, actor) -> None:
    if not TeamMember.objects.active().filter(
            team=team, user=actor, role__in=[TeamRole.TEAM_LEAD, TeamRole.DAY_TO_DAY_LEAD]
    ).exists():
        raise ValidationError("Only the team's lead changes its members.")
    if team.status != TeamStatus.ENROLLED:
        raise ValidationError("The team is not enrolled.")


@transaction.atomic
def team_member_add(*, team, actor, membership, role) -> TeamMember:
    """The team lead adds a member of the hospital with a team role."""
    _check_team_manager(team, actor)
    if role == TeamRole.PATIENT_PARTNER:
        raise ValidationError({"role": "Add a patient or family partner with their email."})
    if membership.hospital_id != team.hospital_id or not membership.is_active:
        raise ValidationError({"membership": "Choose an active member of your hospital."})
    if TeamMember.objects.active().filter(team=team, user_id=membership.user_id).exists():
        raise ValidationError({"membership": "This person is on the team already."})
    member = TeamMember.objects.create(team=team, user=membership.user, membership=membership,
                                       role=role, added_by=actor)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=member, hospital=team.hospital,
                 summary=f"Added to the collaborative team as {member.get_role_display()}")
    notify(kind=kinds.LC_TEAM, event_key=f"lc-member:{member.pk}", recipients=[member.user],
           title=f"You are on your hospital's team in {team.collaborative.name}",
           body="Fill in the short skills check when you first open the team's page.",
           link=_team_link(team))
    return member


@transaction.atomic
def patient_partner_add(*, team, actor, email: str, full_name: str) -> TeamMember:
    """A patient or family partner: a guest account with no hospital membership, which reaches
    only the collaborative's shared pages. They set a password through the password reset."""
    _check_team_manager(team, actor)
    email = email.strip().lower()
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name.strip())
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif user.pso_role or user.memberships.exists():
        raise ValidationError({"email": "This address belongs to a staff account; a patient "
                                        "or family partner needs their own."})
    if TeamMember.objects.active().filter(team=team, user=user).exists():
        raise ValidationError({"email": "This person is on the team already."})
    member = TeamMember.objects.create(team=team, user=user, role=TeamRole.PATIENT_PARTNER,
                                       added_by=actor)
    audit_record(actor=actor, action=AuditAction.INVITE, obj=member, hospital=team.hospital,
                 summary="Patient or family partner added")
    notify(kind=kinds.LC_TEAM, event_key=f"lc-member:{member.pk}", recipients=[user],
           title=f"You are invited as a partner in {team.collaborative.name}",
           body="Set your password with 'Forgot your password?' on the sign-in page.",
           link=_link(team.collaborative))
    return member


@transaction.atomic
def team_member_remove(*, member, actor) -> None:
    _check_team_manager(member.team, actor)
    if member.user_id in (member.team.team_lead_id,) and member.role == TeamRole.TEAM_LEAD:
        raise ValidationError("Name another team lead before removing this one.")
    member.removed_at = timezone.now()
    member.save(update_fields=["removed_at"])
    audit_record(actor=actor, action=AuditAction.DEACTIVATE, obj=member,
                 hospital=member.team.hospital, summary="Removed from the collaborative team")


# --- Skills ------------------------------------------------------------------------------


@transaction.atomic
def skills_submit(*, team, actor, model_for_improvement, measurement, pdsa_testing, teamwork,
                  wants_help_with: str = "") -> SkillsAssessment:
    if not TeamMember.objects.active().filter(team=team, user=actor).exclude(
            role=TeamRole.PATIENT_PARTNER).exists():
        raise ValidationError("The skills check is for the team's members.")
    scores = {"model_for_improvement": model_for_improvement, "measurement": measurement,
              "pdsa_testing": pdsa_testing, "teamwork": teamwork}
    for field, score in scores.items():
        if int(score) not in range(1, 6):
            raise ValidationError({field: "Choose 1 to 5."})
    assessment, _ = SkillsAssessment.objects.update_or_create(
        team=team, user=actor,
        defaults={**scores, "wants_help_with": wants_help_with.strip()[:2000],
                  "updated_at": timezone.now()})
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=team, hospital=team.hospital,
                 summary="Skills self-assessment saved")
    return assessment


# --- Spread ------------------------------------------------------------------------------


@transaction.atomic
def spread_record(*, team, actor, change: str, spread_to: str, spread_on, cycle=None,
                  notes: str = "") -> SpreadRecord:
    if not TeamMember.objects.active().filter(team=team, user=actor).exclude(
            role=TeamRole.PATIENT_PARTNER).exists():
        raise ValidationError("Spread is recorded by the team.")
    if cycle is not None and (cycle.team_id != team.pk or cycle.decision != "adopt"):
        raise ValidationError({"cycle": "Choose one of your team's adopted cycles."})
    if not change.strip() or not spread_to.strip():
        raise ValidationError("Say what was spread and where.")
    record = SpreadRecord.objects.create(
        team=team, cycle=cycle, change_idea=cycle.change_idea if cycle else None,
        change=change.strip()[:300], spread_to=spread_to.strip()[:300], spread_on=spread_on,
        notes=notes.strip(), recorded_by=actor)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=record, hospital=team.hospital,
                 summary="Spread recorded")
    return record
