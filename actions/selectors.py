"""Reads for action plans. Every list takes the hospital it reads inside of."""

from django.utils import timezone

from members.models import Membership

from .models import OPEN_STATUSES, ActionItem, ActionStatus

# The lead's list shows what is still to do unless asked otherwise.
STATUS_FILTERS = {
    "": OPEN_STATUSES,
    ActionStatus.OPEN: (ActionStatus.OPEN,),
    ActionStatus.IN_PROGRESS: (ActionStatus.IN_PROGRESS,),
    ActionStatus.DONE: (ActionStatus.DONE,),
    ActionStatus.CANCELLED: (ActionStatus.CANCELLED,),
    "all": tuple(ActionStatus.values),
}
SORTS = {"due": ("due_date", "id"), "-due": ("-due_date", "-id")}


def _with_links(actions):
    # What a row shows: the owner's name and the report's reference or the lesson's title. The
    # lesson is read from its own row only (never where it came from).
    return actions.select_related("owner", "report", "lesson")


def hospital_actions(*, hospital, status: str = "", owner_id: int | None = None,
                     overdue: bool = False, sort: str = "due"):
    """The lead's list. Sorted by due date, the overdue ones come first."""
    actions = ActionItem.objects.filter(hospital=hospital,
                                        status__in=STATUS_FILTERS.get(status, OPEN_STATUSES))
    if owner_id is not None:
        actions = actions.filter(owner_id=owner_id)
    if overdue:
        actions = actions.filter(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate())
    return _with_links(actions).order_by(*SORTS.get(sort, SORTS["due"]))


def owner_actions(*, hospital, user, closed: bool = False):
    """One person's actions in the hospital they act for: still to do, or done and cancelled
    (most recent first)."""
    actions = ActionItem.objects.filter(hospital=hospital, owner=user)
    if closed:
        return _with_links(actions.exclude(status__in=OPEN_STATUSES)).order_by("-updated_at",
                                                                               "-id")
    return _with_links(actions.filter(status__in=OPEN_STATUSES)).order_by("due_date", "id")


def owner_next(*, hospital, user, count: int):
    """The first few of one person's actions still to do, for their home page: the row's own
    columns only (the page already has the user)."""
    return (ActionItem.objects.filter(hospital=hospital, owner=user, status__in=OPEN_STATUSES)
            .only("public_id", "title", "due_date", "status").order_by("due_date", "id")[:count])


def report_actions(*, report):
    return ActionItem.objects.filter(hospital_id=report.hospital_id, report=report) \
        .select_related("owner").order_by("due_date", "id")


def lesson_actions(*, hospital, lesson):
    """One hospital's own plan on a lesson: never another hospital's. An empty list when the
    lesson's page read it knowing that the hospital has none (`has_own_actions`): not even an
    empty query to build, which cost the page more than its own read of the lesson."""
    if (getattr(lesson, "has_own_actions", None) is False
            and lesson.own_for[0] == hospital.pk):
        return []
    return ActionItem.objects.filter(hospital=hospital, lesson=lesson) \
        .select_related("owner").order_by("due_date", "id")


def owner_choices(*, hospital):
    """Who can own an action: the hospital's active members."""
    return (Membership.objects.active().filter(hospital=hospital).select_related("user")
            .order_by("user__full_name", "user__email"))
