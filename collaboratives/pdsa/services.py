"""Writes on the PDSA log, faculty comments and coaching notes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.notifications import kinds
from chpso_portal.notifications.services import notify
from members.roles import Scope

from ..programmes.models import TeamMember, TeamRole, TeamStatus
from .models import CoachingNote, FacultyComment, PdsaCycle, PdsaDecision, PdsaStage

PLAN_FIELDS = ("title", "own_idea", "objective", "question", "prediction", "plan_who",
               "plan_where", "plan_when", "data_to_collect", "started_on")
LATER_FIELDS = ("do_notes", "study_notes", "decision", "act_notes", "completed_on")


def _check_worker(team, actor) -> None:
    if team.status != TeamStatus.ENROLLED or not TeamMember.objects.active().filter(
            team=team, user=actor).exclude(role=TeamRole.PATIENT_PARTNER).exists():
        raise ValidationError("Only the team's members keep its PDSA log.")


def _check_links(team, *, change_idea, follows, measures) -> None:
    if change_idea is not None and change_idea.collaborative_id != team.collaborative_id:
        raise ValidationError({"change_idea": "Choose a change idea of this collaborative."})
    if follows is not None and follows.team_id != team.pk:
        raise ValidationError({"follows": "Choose one of your team's cycles."})
    if any(m.collaborative_id != team.collaborative_id for m in measures):
        raise ValidationError({"measures": "Choose this collaborative's measures."})


def _stage(cycle) -> str:
    if cycle.decision:
        return PdsaStage.ACT
    if cycle.study_notes:
        return PdsaStage.STUDY
    if cycle.do_notes:
        return PdsaStage.DO
    return PdsaStage.PLAN


@transaction.atomic
def cycle_create(*, team, actor, change_idea=None, follows=None, measures=(),
                 **fields) -> PdsaCycle:
    _check_worker(team, actor)
    _check_links(team, change_idea=change_idea, follows=follows, measures=measures)
    if change_idea is None and not (fields.get("own_idea") or "").strip():
        raise ValidationError({"own_idea": "Choose a change idea or describe your own."})
    if not (fields.get("objective") or "").strip():
        raise ValidationError({"objective": "Say what this cycle is for."})
    number = (PdsaCycle.objects.select_for_update().filter(team=team)
              .aggregate(n=Max("number"))["n"] or 0) + 1
    cycle = PdsaCycle(team=team, number=number, created_by=actor, change_idea=change_idea,
                      follows=follows,
                      ramp_start=(follows.ramp_start or follows) if follows else None,
                      **{k: v for k, v in fields.items() if k in PLAN_FIELDS + LATER_FIELDS})
    cycle.stage = _stage(cycle)
    cycle.full_clean(exclude=["team", "created_by", "change_idea", "follows", "ramp_start"])
    cycle.save()
    cycle.measures.set(measures)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=cycle, hospital=team.hospital,
                 summary=f"PDSA cycle {number} logged")
    _charts_changed(team.pk)
    return cycle


@transaction.atomic
def cycle_update(*, cycle, actor, change_idea=None, follows=None, measures=None,
                 **fields) -> PdsaCycle:
    team = cycle.team
    _check_worker(team, actor)
    measures = list(measures) if measures is not None else list(cycle.measures.all())
    _check_links(team, change_idea=change_idea, follows=follows, measures=measures)
    if follows is not None and (follows.pk == cycle.pk or follows.number > cycle.number):
        raise ValidationError({"follows": "A cycle follows an earlier one."})
    for field, value in fields.items():
        if field in PLAN_FIELDS + LATER_FIELDS:
            setattr(cycle, field, value.strip() if isinstance(value, str) else value)
    if cycle.decision and cycle.decision not in PdsaDecision.values:
        raise ValidationError({"decision": "Adopt, adapt or abandon."})
    cycle.change_idea = change_idea
    if change_idea is None and not cycle.own_idea.strip():
        raise ValidationError({"own_idea": "Choose a change idea or describe your own."})
    if follows != cycle.follows:
        cycle.follows = follows
        cycle.ramp_start = (follows.ramp_start or follows) if follows else None
    cycle.stage = _stage(cycle)
    if cycle.stage == PdsaStage.ACT and cycle.completed_on is None:
        cycle.completed_on = timezone.localdate()
    cycle.updated_at = timezone.now()
    cycle.full_clean(exclude=["team", "created_by", "change_idea", "follows", "ramp_start"])
    cycle.save()
    cycle.measures.set(measures)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=cycle, hospital=team.hospital,
                 summary=f"PDSA cycle {cycle.number} updated ({cycle.get_stage_display()})")
    _charts_changed(team.pk)
    return cycle


def _charts_changed(team_id) -> None:
    """The cycles are annotations on the team's charts."""
    from ..feedback.selectors import team_charts_changed

    team_charts_changed(team_id)


def ramp_of(cycle) -> list[PdsaCycle]:
    """Every cycle of the ramp this cycle is on, first to last (one query)."""
    root = cycle.ramp_start_id or cycle.pk
    return list(PdsaCycle.objects.filter(team_id=cycle.team_id)
                .filter(Q(pk=root) | Q(ramp_start_id=root))
                .select_related("change_idea").order_by("number"))


def _is_faculty(actor, collaborative) -> bool:
    return Scope.COLLABORATIVES_CHARTER in actor.pso_scopes or (
        Scope.COLLABORATIVES_COACH in actor.pso_scopes
        and collaborative.faculty.filter(pk=actor.pk).exists())


@transaction.atomic
def comment_add(*, team, actor, text: str, cycle=None, report=None) -> FacultyComment:
    """Faculty comment on one of the team's cycles or monthly reports; the team is told."""
    from ..programmes.services import team_people

    if not _is_faculty(actor, team.collaborative):
        raise ValidationError("Faculty comment on a team's work.")
    target = cycle or report
    if target is None or target.team_id != team.pk:
        raise ValidationError("Comment on one of this team's cycles or reports.")
    if not text.strip():
        raise ValidationError({"text": "Write the comment."})
    comment = FacultyComment.objects.create(team=team, cycle=cycle, report=report,
                                            author=actor, text=text.strip()[:4000])
    audit_record(actor=actor, action=AuditAction.CREATE, obj=comment, hospital=team.hospital,
                 summary="Faculty comment")
    where = (f"PDSA cycle {cycle.number}" if cycle
             else f"the {report.month:%B %Y} report")
    link = (reverse("lc-pdsa-detail", args=[cycle.public_id]) if cycle
            else reverse("lc-report", args=[report.public_id]))
    notify(kind=kinds.LC_FACULTY_COMMENT, event_key=f"lc-comment:{comment.pk}",
           recipients=list(team_people(team)), title=f"Faculty commented on {where}",
           link=link)
    return comment


@transaction.atomic
def coaching_note_add(*, team, actor, text: str) -> CoachingNote:
    """A private note by faculty about a team. Never shown to any team member."""
    if not _is_faculty(actor, team.collaborative):
        raise ValidationError("Coaching notes are for faculty.")
    if not text.strip():
        raise ValidationError({"text": "Write the note."})
    note = CoachingNote.objects.create(team=team, author=actor, text=text.strip()[:4000])
    audit_record(actor=actor, action=AuditAction.CREATE, obj=note, hospital=team.hospital,
                 summary="Coaching note")
    return note
