"""Demo actions for Mercy's plan (loaded by `manage.py demo_data`, after the reports and lessons).

Built through the services, so the audit log and the owners' notices exist as they would. One
action is overdue and one is done, so the lead's list and the nurse's list show each state.
Idempotent: an action whose title exists in the hospital is left alone.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cases.demo import SOURCE_SYSTEM
from cases.models import IncidentReport
from collaboratives.models import Lesson, LessonStatus
from members.models import Membership

from . import services
from .models import ActionItem, ActionStatus


@dataclass(frozen=True)
class DemoAction:
    title: str
    owner: str  # "lead" or "nurse" of Mercy
    due_in_days: int  # negative: overdue
    strength: str
    report: str = ""  # a demo report's key
    lesson: str = ""  # a published demo lesson's title
    done_note: str = ""
    description: str = ""


ACTIONS = [
    DemoAction("Lock the bed exit alarm volume at a minimum level on every bed", "nurse", 12,
               "stronger", report="mercy-01",
               description="Biomedical engineering sets the minimum; the unit checks ten beds "
                           "a week for a month."),
    DemoAction("Add fall risk to the structured handover at shift change", "lead", -4,
               "intermediate", report="mercy-01"),
    DemoAction("Restock suction canister liners on the ED hallway carts each shift", "nurse",
               5, "weaker", report="mercy-06",
               done_note="Added to the ED tech's start-of-shift checklist; checked for two "
                         "weeks with no empty cart."),
    DemoAction("Make the admission record ask what happens to medicines brought from home",
               "lead", 30, "stronger",
               lesson="Home medicines left at the bedside can lead to a double dose"),
]


def _people():
    memberships = {m.user.email: m for m in Membership.objects.select_related("hospital", "user")
                   .filter(user__email__in=["lead@mercy.example", "nurse@mercy.example"])}
    lead = memberships.get("lead@mercy.example")
    nurse = memberships.get("nurse@mercy.example")
    if lead is None or nurse is None:
        return None
    return lead.hospital, {"lead": lead.user, "nurse": nurse.user}


@transaction.atomic
def load_demo_actions(*, stdout=None) -> int:
    found = _people()
    created = 0
    if found is None:
        return created
    hospital, people = found
    today = timezone.localdate()
    for spec in ACTIONS:
        if ActionItem.objects.filter(hospital=hospital, title=spec.title).exists():
            continue
        report = lesson = None
        if spec.report:
            report = IncidentReport.objects.filter(hospital=hospital, source_system=SOURCE_SYSTEM,
                                                   source_id=spec.report).first()
        else:
            lesson = Lesson.objects.filter(title=spec.lesson,
                                           status=LessonStatus.PUBLISHED).first()
        if report is None and lesson is None:
            continue
        action = services.action_create(
            hospital=hospital, actor=people["lead"], report=report, lesson=lesson,
            title=spec.title, description=spec.description, owner=people[spec.owner],
            due_date=today + timedelta(days=max(spec.due_in_days, 1)), strength=spec.strength)
        if spec.due_in_days < 0:
            # Planned weeks ago and now late: the dates the list would show by now.
            ActionItem.objects.filter(pk=action.pk).update(
                due_date=today + timedelta(days=spec.due_in_days),
                created_at=timezone.now() - timedelta(days=30))
        if spec.done_note:
            services.action_set_status(action=action, actor=people[spec.owner],
                                       status=ActionStatus.DONE, note=spec.done_note)
        created += 1
    if stdout is not None:
        stdout.write(f"Demo actions: {created} created.")
    return created
