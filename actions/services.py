"""Every write on action plans: keyword-only, takes the actor, audits, notifies after commit."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.notifications import kinds
from chpso_portal.notifications.services import notify
from collaboratives.models import ActionStrength, LessonStatus
from members.models import Contract, Membership

from .models import OPEN_STATUSES, ActionItem, ActionStatus

# What the owner (or the lead) may set on an action that is still to do; cancelling is the
# lead's, with a reason, after a confirmation.
OWNER_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE)
# Reminders sent per run and kind; what is left goes out on the next run (each row is marked).
REMINDER_BATCH = 2000


def _is_active_member(hospital, user) -> bool:
    return user is not None and Membership.objects.active().filter(
        hospital=hospital, user=user).exists()


def _validate(*, hospital, title: str, owner, due_date, strength: str,
              previous_due=None) -> None:
    errors: dict[str, str] = {}
    if not (title or "").strip():
        errors["title"] = "Say what will be done."
    if strength not in ActionStrength.values:
        errors["strength"] = "Choose how strong the action is."
    if due_date is None:
        errors["due_date"] = "Give the date it is due by."
    elif due_date < timezone.localdate() and due_date != previous_due:
        errors["due_date"] = "The due date cannot be in the past."
    if not _is_active_member(hospital, owner):
        errors["owner"] = "The owner must be an active member of the hospital."
    if errors:
        raise ValidationError(errors)


def _link(action: ActionItem) -> str:
    return reverse("action-detail", args=[action.public_id])


def _tell_owner(action: ActionItem, actor) -> None:
    if action.owner_id == getattr(actor, "pk", None):
        return
    notify(
        kind=kinds.ACTION_ASSIGNED,
        event_key=f"action:{action.public_id}:assigned:{action.owner_id}",
        recipients=[action.owner],
        title=f"An action is yours, due by {action.due_date:%b} {action.due_date.day}, "
              f"{action.due_date.year}",
        body="Open the portal to see what it is and to mark its progress.",
        link=_link(action),
    )


def _audit(action: ActionItem, actor, verb: str, summary: str, detail: dict | None = None):
    audit_record(actor=actor, action=verb, obj=action, hospital=action.hospital,
                 summary=summary, detail=detail)


@transaction.atomic
def action_create(*, hospital, actor, title: str, owner, due_date, strength: str,
                  description: str = "", report=None, lesson=None) -> ActionItem:
    """Add an action to the hospital's plan for one of its reports or a published lesson."""
    if (report is None) == (lesson is None):
        raise ValueError("An action is for exactly one report or one lesson.")
    if report is not None and report.hospital_id != hospital.pk:
        raise ValueError("A report's actions belong to the report's hospital.")
    if lesson is not None and lesson.status != LessonStatus.PUBLISHED:
        raise ValidationError("Actions can be planned only on a published lesson.")
    _validate(hospital=hospital, title=title, owner=owner, due_date=due_date,
              strength=strength)
    action = ActionItem.objects.create(
        hospital=hospital, report=report, lesson=lesson, title=title.strip(),
        description=description.strip(), owner=owner, due_date=due_date, strength=strength,
        created_by=actor,
    )
    on = f"report {report.reference}" if report is not None else "a lesson"
    _audit(action, actor, AuditAction.CREATE, f"Added an action on {on}",
           {"owner": owner.email, "due_date": str(due_date), "strength": strength})
    _tell_owner(action, actor)
    return action


@transaction.atomic
def action_update(*, action: ActionItem, actor, title: str, owner, due_date, strength: str,
                  description: str = "") -> ActionItem:
    """The lead changes what the action is, who owns it or when it is due."""
    action = ActionItem.objects.select_for_update().select_related("hospital").get(
        pk=action.pk)
    if not action.is_open:
        raise ValidationError("A done or cancelled action cannot be changed.")
    _validate(hospital=action.hospital, title=title, owner=owner, due_date=due_date,
              strength=strength, previous_due=action.due_date)
    changes = {}
    new = {"title": title.strip(), "description": description.strip(), "owner_id": owner.pk,
           "due_date": due_date, "strength": strength}
    for field, value in new.items():
        if getattr(action, field) != value:
            changes[field] = [str(getattr(action, field)), str(value)]
            setattr(action, field, value)
    if not changes:
        return action
    if "owner_id" in changes:
        # A new owner has had no reminder yet.
        action.due_soon_sent_for = action.overdue_sent_for = None
        action.owner = owner
    action.updated_at = timezone.now()
    action.save()
    _audit(action, actor, AuditAction.UPDATE, "Changed an action", {"changes": changes})
    if "owner_id" in changes:
        _tell_owner(action, actor)
    return action


@transaction.atomic
def action_set_status(*, action: ActionItem, actor, status: str, note: str = "") -> ActionItem:
    """The owner or the lead marks progress: open, in progress, or done (with a note)."""
    action = ActionItem.objects.select_for_update().select_related("hospital").get(
        pk=action.pk)
    if status not in OWNER_STATUSES:
        raise ValidationError({"status": "Choose open, in progress or done."})
    if not action.is_open:
        raise ValidationError("This action is already closed.")
    if status == action.status:
        return action
    previous = action.status
    action.status = status
    now = timezone.now()
    if status == ActionStatus.DONE:
        action.completed_at = now
        action.completion_note = note.strip()
    action.updated_at = now
    action.save()
    _audit(action, actor, AuditAction.UPDATE, f"Marked an action {action.status_label.lower()}",
           {"from": previous, "to": status, "note": bool(note.strip())})
    return action


@transaction.atomic
def action_cancel(*, action: ActionItem, actor, reason: str) -> ActionItem:
    action = ActionItem.objects.select_for_update().select_related("hospital").get(
        pk=action.pk)
    if not action.is_open:
        raise ValidationError("This action is already closed.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the action is cancelled."})
    previous = action.status
    action.status = ActionStatus.CANCELLED
    action.cancelled_at = action.updated_at = timezone.now()
    action.cancel_reason = reason.strip()
    action.save()
    _audit(action, actor, AuditAction.UPDATE, "Cancelled an action",
           {"from": previous, "to": ActionStatus.CANCELLED})
    return action


def _remindable(today):
    """Open actions whose owner still acts for the hospital, under an active contract."""
    return (
        ActionItem.objects.filter(status__in=OPEN_STATUSES)
        .filter(Exists(Membership.objects.active().filter(hospital=OuterRef("hospital"),
                                                          user=OuterRef("owner"))))
        .filter(Exists(Contract.objects.active_on(today).filter(hospital=OuterRef("hospital"))))
        .select_related("owner")
        .order_by("due_date", "id")
    )


def _remind(action: ActionItem, *, which: str, title: str, marker: str) -> bool:
    with transaction.atomic():
        claimed = ActionItem.objects.filter(
            Q(**{f"{marker}__isnull": True}) | ~Q(**{marker: F("due_date")}),
            pk=action.pk, due_date=action.due_date, owner_id=action.owner_id,
            status__in=OPEN_STATUSES,
        ).update(**{marker: action.due_date})
        if not claimed:  # another run got there first, or the action changed meanwhile
            return False
        notify(
            kind=kinds.ACTION_REMINDER,
            event_key=f"action:{action.public_id}:{which}:{action.due_date}:{action.owner_id}",
            recipients=[action.owner], title=title,
            body="Open the portal to see the action, mark its progress or mark it done.",
            link=_link(action),
        )
    return True


def actions_send_reminders(*, today=None) -> dict[str, int]:
    """Daily: each owner hears once when an action is due within a few days, and once when it
    is overdue. Each reminder is recorded on the action for its due date, and its notification
    has its own event key, so a repeated or concurrent run sends nothing twice."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=settings.ACTION_REMINDER_DAYS)
    actions = _remindable(today)
    counts = {"due_soon": 0, "overdue": 0}
    due_soon = actions.filter(due_date__gte=today, due_date__lte=soon).filter(
        Q(due_soon_sent_for__isnull=True) | ~Q(due_soon_sent_for=F("due_date")))
    for action in due_soon[:REMINDER_BATCH]:
        day = f"{action.due_date:%b} {action.due_date.day}, {action.due_date.year}"
        title = ("An action you own is due today" if action.due_date == today
                 else f"An action you own is due on {day}")
        counts["due_soon"] += _remind(action, which="due_soon", title=title,
                                      marker="due_soon_sent_for")
    overdue = actions.filter(due_date__lt=today).filter(
        Q(overdue_sent_for__isnull=True) | ~Q(overdue_sent_for=F("due_date")))
    for action in overdue[:REMINDER_BATCH]:
        day = f"{action.due_date:%b} {action.due_date.day}, {action.due_date.year}"
        counts["overdue"] += _remind(action, which="overdue",
                                     title=f"An action you own is overdue (due {day})",
                                     marker="overdue_sent_for")
    return counts
