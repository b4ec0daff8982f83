"""The action plan's pieces on other apps' pages: a report's review page, a lesson's page, the
member's home. Each reads through the selectors, inside the acting member's hospital."""

from django import template
from django.urls import reverse

from .. import selectors
from ..access import can_manage

register = template.Library()

HOME_ROWS = 5


@register.inclusion_tag("actions/_source_actions.html", takes_context=True)
def report_actions(context, report):
    request = context["request"]
    manager = can_manage(getattr(request, "membership", None))
    actions = list(selectors.report_actions(report=report))
    return {
        "actions": actions, "heading": "Actions",
        "intro": "What the hospital will change after this report, who owns each action and "
                 "by when.",
        "empty": "No actions yet." + (" Add one once you know what should change." if manager
                                      else ""),
        "add_url": reverse("action-new-report", args=[report.public_id]) if manager else "",
    }


@register.inclusion_tag("actions/_source_actions.html", takes_context=True)
def lesson_actions(context, lesson):
    request = context["request"]
    manager = can_manage(getattr(request, "membership", None))
    actions = list(selectors.lesson_actions(hospital=request.hospital, lesson=lesson))
    return {
        "actions": actions, "heading": "Your hospital's actions",
        "intro": "Your hospital's own plan on this lesson. Only your hospital's members see it; "
                 "the PSO and other hospitals do not.",
        "empty": "No actions planned yet." + (
            " Add one to put a recommended action to work in your hospital." if manager
            else ""),
        "add_url": reverse("action-new-lesson", args=[lesson.public_id]) if manager else "",
    }


@register.inclusion_tag("actions/_home_card.html")
def my_actions_card(membership, user, has_open_actions=True):
    """`has_open_actions`: False when the page already knows there are none (the member's
    home reads it with its counts), sparing the query."""
    actions = list(selectors.owner_next(hospital=membership.hospital, user=user,
                                        count=HOME_ROWS)) if has_open_actions else []
    return {"actions": actions, "manager": can_manage(membership)}
