"""Writes of the feedback app: marked chart phases and the positive-deviance workflow.

Positive deviance: a scan flags each team beyond the better-side 99.8% limit for three months
or more (coordinators are told); a coordinator asks it to share what it does (the team lead
is told); the team chooses to be named, to share under its code, or not to share. Every step
is audited; until the team agrees to be named, comparisons show its code.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.notifications import kinds
from chpso_portal.notifications.services import notify
from collaboratives.measures.models import Measure
from members.roles import PsoRole

from .models import ChartPhase, DevianceFlag, DevianceStatus
from .selectors import deviants, team_charts_changed

CHOICES = (DevianceStatus.NAMED, DevianceStatus.CODED, DevianceStatus.DECLINED)


def _coordinators():
    return get_user_model().objects.filter(pso_role=PsoRole.COORDINATOR, is_active=True)


@transaction.atomic
def deviance_scan(*, collaborative, actor=None) -> list[DevianceFlag]:
    """Flag the collaborative's positive deviants; returns the new flags."""
    new = []
    for measure in Measure.objects.filter(collaborative=collaborative, is_active=True):
        for team_id, months in deviants(measure=measure).items():
            flag, created = DevianceFlag.objects.get_or_create(
                measure=measure, team_id=team_id,
                defaults={"collaborative": collaborative, "first_month": months[0],
                          "last_month": months[-1], "months": len(months)})
            if not created:
                if flag.status == DevianceStatus.FLAGGED and len(months) > flag.months:
                    flag.first_month, flag.last_month, flag.months = (months[0], months[-1],
                                                                      len(months))
                    flag.save(update_fields=["first_month", "last_month", "months"])
                continue
            new.append(flag)
            audit_record(actor=actor, action=AuditAction.CREATE, obj=flag,
                         summary=f"Positive deviance flagged on {measure.short_name}",
                         detail={"months": [f"{m:%Y-%m}" for m in months]})
    if new:
        link = reverse("feedback-deviance", args=[collaborative.public_id])
        transaction.on_commit(lambda: notify(
            kind=kinds.POSITIVE_DEVIANCE, recipients=_coordinators(),
            event_key=f"deviance:{collaborative.public_id}:" + ",".join(
                str(f.public_id) for f in new),
            title=f"{collaborative.name}: {len(new)} team(s) doing best on a measure",
            body="A team has been beyond the better-side 99.8% limit for three months or "
                 "more. Ask it to share what it does.", link=link))
    return new


@transaction.atomic
def deviance_ask(*, flag: DevianceFlag, actor, how_to_share: str) -> DevianceFlag:
    flag = DevianceFlag.objects.select_for_update().select_related("team", "measure").get(
        pk=flag.pk)
    if flag.status != DevianceStatus.FLAGGED:
        raise ValidationError("This team has already been asked.")
    if not how_to_share.strip():
        raise ValidationError({"how_to_share": "Say where the team could share: a learning "
                                               "session, a call or a post."})
    flag.status, flag.asked_by, flag.asked_at = DevianceStatus.ASKED, actor, timezone.now()
    flag.how_to_share = how_to_share.strip()[:300]
    flag.save(update_fields=["status", "asked_by", "asked_at", "how_to_share"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=flag, hospital=flag.team.hospital,
                 summary=f"Asked a team to share its results on {flag.measure.short_name}",
                 detail={"how": flag.how_to_share})
    lead = flag.team.team_lead
    transaction.on_commit(lambda: notify(
        kind=kinds.POSITIVE_DEVIANCE, recipients=[lead],
        event_key=f"deviance-ask:{flag.public_id}",
        title=f"Your team does best on {flag.measure.name}: would you share how?",
        body=f"The PSO asks whether your team would share what it does ({flag.how_to_share}). "
             "You choose whether other teams see your hospital's name.",
        link=reverse("feedback-deviance-decide", args=[flag.public_id])))
    return flag


@transaction.atomic
def deviance_decide(*, flag: DevianceFlag, actor, choice: str) -> DevianceFlag:
    flag = DevianceFlag.objects.select_for_update().select_related("team", "measure").get(
        pk=flag.pk)
    if choice not in CHOICES:
        raise ValidationError("Choose to be named, to share under your code, or not to share.")
    if flag.status not in (DevianceStatus.ASKED, *CHOICES):
        raise ValidationError("The PSO has not asked your team yet.")
    old = flag.status
    flag.status, flag.decided_by, flag.decided_at = choice, actor, timezone.now()
    flag.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=flag, hospital=flag.team.hospital,
                 summary=f"Team chose: {DevianceStatus(choice).label}",
                 detail={"old": old, "new": choice, "measure": flag.measure.short_name})
    return flag


@transaction.atomic
def phase_mark(*, team, measure, month, label: str, actor) -> ChartPhase:
    if measure.collaborative_id != team.collaborative_id:
        raise ValidationError("This measure belongs to another collaborative.")
    if not label.strip():
        raise ValidationError({"label": "Say what changed."})
    month = month.replace(day=1)
    if ChartPhase.objects.filter(team=team, measure=measure, month=month).exists():
        raise ValidationError({"month": "A change is already marked in that month."})
    phase = ChartPhase.objects.create(team=team, measure=measure, month=month,
                                      label=label.strip()[:80], created_by=actor)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=phase, hospital=team.hospital,
                 summary=f"Marked a change on {measure.short_name} from {month:%Y-%m}")
    team_charts_changed(team.pk)
    return phase
