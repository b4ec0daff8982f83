"""Fetch a lesson for the viewer, or answer 404 (a miss on a lesson that exists is audited).

Members reach only published lessons, through `selectors.lesson_for_member`, which never reads
where a lesson came from. PSO staff reach the lessons they work on: reviewers every lesson,
authors their own.
"""

from django.http import Http404

from chpso_portal.audit.services import audit_denied

from ..models import Lesson
from . import selectors


def _deny(request, public_id, hospital=None):
    if Lesson.objects.filter(public_id=public_id).exists():
        audit_denied(actor=request.user, hospital=hospital,
                     summary=f"Lesson not visible to this user: {request.path}")
    raise Http404


def lesson_for_member(request, public_id) -> Lesson:
    lesson = selectors.lesson_for_member(hospital=request.hospital, public_id=public_id,
                                         viewer=request.user)
    if lesson is None:
        _deny(request, public_id, request.hospital)
    return lesson


def lesson_for_pso(request, public_id, *, detail: bool = False) -> Lesson:
    """`detail` also fetches what the PSO's lesson page shows: the origin, the actions and
    factors, and how many hospitals act on it, in the same queries."""
    if detail:
        lessons = (selectors.lessons_for_pso(user=request.user)
                   .select_related("origin__session", "origin__sent_report__report",
                                   "origin__sent_report__hospital", "origin__hospital")
                   .prefetch_related("actions", "contributing_factors"))
    else:
        lessons = selectors.visible_to_pso(user=request.user)
    lesson = lessons.filter(public_id=public_id).first()
    if lesson is None:
        _deny(request, public_id)
    return lesson


def lesson_for_author(request, public_id) -> Lesson:
    lesson = Lesson.objects.filter(public_id=public_id, created_by=request.user).first()
    if lesson is None:
        _deny(request, public_id)
    return lesson
