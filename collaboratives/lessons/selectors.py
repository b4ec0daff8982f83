"""Every read of lessons. Member-facing reads never touch LessonOrigin (ground rule 9)."""

import functools
import uuid

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, ExtractYear

from cases.selectors import filter_shape, paginate, paginate_compiled
from chpso_portal.compiled import ListQuery
from members.roles import Scope

from .. import rows as sql_rows
from ..models import (
    Lesson,
    LessonAdoption,
    LessonCategory,
    LessonStatus,
    RecommendedAction,
)

# Fewer hospitals than this acting on a lesson are shown only as "fewer than 3".
ACTING_THRESHOLD = 3
MAX_SEARCH_WORDS = 8
YEARS_CACHE_KEY = "lessons:published-years:v1"
YEARS_CACHE_SECONDS = 3600
LATEST_CACHE_KEY = "lessons:latest:v1"
LATEST_COUNT = 3

# What a member page may read of a lesson; everything else stays in the database.
MEMBER_FIELDS = ("id", "public_id", "title", "what_happened", "systems_issues", "what_helped",
                 "harm_band", "status", "published_at", "category_codes", "action_strengths",
                 "revision")
CHILDREN_CACHE_SECONDS = 3600


def acting_label(count: int) -> str:
    """How many hospitals act on a lesson, as members see it: below the threshold only
    "fewer than 3", so a small number never points to a hospital."""
    if count < ACTING_THRESHOLD:
        return f"fewer than {ACTING_THRESHOLD}"
    return str(count)


def others_acting(lesson) -> int:
    """Hospitals acting on `lesson` besides the viewer's: the viewer's own mark never moves the
    figure they see, so marking and unmarking cannot reveal the count below the threshold."""
    return lesson.acting_hospitals - (1 if lesson.acting_here else 0)


def _acting_count():
    return Coalesce(Subquery(
        LessonAdoption.objects.filter(lesson_id=OuterRef("pk")).order_by()
        .values("lesson_id").annotate(n=Count("hospital_id")).values("n")[:1],
        output_field=IntegerField()), Value(0))


def _marked_by(hospital_id: int):
    """1 when the hospital marked the lesson, else 0: a correlated subquery that reads one row
    of the (lesson, hospital) unique index per lesson shown. (An EXISTS in the select list is
    turned by PostgreSQL into a hash of every mark the hospital ever made.)"""
    return Coalesce(Subquery(
        LessonAdoption.objects.filter(lesson_id=OuterRef("pk"), hospital_id=hospital_id)
        .annotate(one=Value(1)).values("one")[:1], output_field=IntegerField()), Value(0))


def _member_lessons(*, hospital_id: int, detail: bool):
    """Published lessons with what a member may see: a row's categories and action strengths
    come from the lesson's own display copies, so a library page is one query."""
    lessons = Lesson.objects.published().only(*MEMBER_FIELDS).annotate(
        acting_hospitals=_acting_count(), acting_here=_marked_by(hospital_id))
    if not detail:
        return lessons
    return lessons.prefetch_related(*_children_prefetches())


def _children_prefetches():
    return (Prefetch("actions", queryset=RecommendedAction.objects.only(
        "id", "lesson_id", "position", "text", "strength")), "contributing_factors")


def _children_key(lesson) -> str:
    return f"lessons:children:v1:{lesson.pk}:{lesson.revision}"


def _attach_children(lesson) -> None:
    """A lesson's recommended actions and contributing factors, from the cache. They are
    written only with the lesson's content (services._write_children), which moves its
    revision on, so (lesson, revision) names them exactly; and a published lesson cannot be
    edited. Put where a prefetch puts them, so `lesson.actions.all()` reads no row."""
    children = cache.get(_children_key(lesson))
    if children is None:
        actions = _children_prefetches()[0].queryset
        children = {"actions": list(actions.filter(lesson=lesson)),
                    "contributing_factors": list(lesson.contributing_factors.all())}
        cache.set(_children_key(lesson), children, CHILDREN_CACHE_SECONDS)
    lesson._prefetched_objects_cache = {}
    for name, rows in children.items():
        queryset = getattr(lesson, name).all()
        queryset._result_cache, queryset._prefetch_done = rows, True
        lesson._prefetched_objects_cache[name] = queryset


def search_words(query: str) -> list[str]:
    return [word for word in (query or "").lower().split() if word][:MAX_SEARCH_WORDS]


def library(*, hospital, filters: dict):
    """Published lessons for a member of `hospital`, newest first, filtered and searched."""
    return _library(filters, hospital_id=hospital.pk)


def _library(filters: dict, *, hospital_id: int):
    lessons = _member_lessons(hospital_id=hospital_id, detail=False)
    for word in search_words(filters.get("q", "")):
        lessons = lessons.filter(search_text__contains=word)
    if category := filters.get("category"):
        lessons = lessons.filter(Exists(LessonCategory.objects.filter(
            lesson_id=OuterRef("pk"), category=category)))
    if factor := filters.get("factor"):
        lessons = lessons.filter(Exists(Lesson.contributing_factors.through.objects.filter(
            lesson_id=OuterRef("pk"), contributingfactor_id=factor)))
    if strength := filters.get("strength"):
        lessons = lessons.filter(Exists(RecommendedAction.objects.filter(
            lesson_id=OuterRef("pk"), strength=strength)))
    if year := filters.get("year"):
        lessons = lessons.filter(published_at__year=year)
    return lessons.order_by("-published_at", "-id")


def _library_for_shape(shape, *, hospital):
    return _library(dict(shape), hospital_id=hospital)


# The library's rows, compiled once per set of filters (chpso_portal.compiled).
LIBRARY = ListQuery(_library_for_shape, ids=("hospital",))


def library_page(*, hospital, filters: dict, page_number):
    """A page of `library`. A search for words is built through the ORM on each request
    (free text is kept in no shape); the filters' fixed choices and the year are."""
    shape = filter_shape(filters)
    if search_words(filters.get("q", "")):
        return paginate(LIBRARY.orm(shape, hospital=hospital.pk), page_number)
    return paginate_compiled(LIBRARY, shape, page_number, hospital=hospital.pk)


def published_years() -> list[int]:
    """Years with published lessons, newest first, for the year filter (cached)."""
    years = cache.get(YEARS_CACHE_KEY)
    if years is None:
        years = list(Lesson.objects.published().annotate(year=ExtractYear("published_at"))
                     .order_by("-year").values_list("year", flat=True).distinct())
        cache.set(YEARS_CACHE_KEY, years, YEARS_CACHE_SECONDS)
    return years


def latest_published(count: int = 3) -> list[dict]:
    """The newest published lessons for a member's home page: title, address and month, kept
    in the cache until a lesson is published or withdrawn (forget_published_years)."""
    from django.urls import reverse
    from django.utils import timezone

    lessons = cache.get(LATEST_CACHE_KEY)
    if lessons is None:
        lessons = [
            {"title": title, "url": reverse("lesson-detail", args=[public_id]),
             "published_label": f"{timezone.localtime(published_at):%B %Y}"}
            for public_id, title, published_at in Lesson.objects.published()
            .order_by("-published_at", "-id").values_list("public_id", "title", "published_at")
            [:LATEST_COUNT]]
        cache.set(LATEST_CACHE_KEY, lessons, YEARS_CACHE_SECONDS)
    return lessons[:count]


def forget_published_years() -> None:
    """Called when a lesson is published or withdrawn: the years with lessons and the newest
    lessons."""
    cache.delete_many([YEARS_CACHE_KEY, LATEST_CACHE_KEY])


@functools.cache
def _member_lesson_sql() -> str:
    """The lesson page's one read, as plain SQL: the member fields of a published lesson, how
    many hospitals act on it, the viewer's hospital's own mark (who, when), and whether the
    hospital has actions on it and the viewer comments (most have neither: the page then
    skips those two queries). Built from the models' names once per process; the ORM took
    several times longer to build and compile this query than PostgreSQL takes to run it."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    from ..models import LessonComment

    action_model = apps.get_model("actions", "ActionItem")

    def column(model, name):
        return connection.ops.quote_name(model._meta.get_field(name).column)

    quote = connection.ops.quote_name
    lesson, adoption = quote(Lesson._meta.db_table), quote(LessonAdoption._meta.db_table)
    user_model = get_user_model()
    fields = ", ".join(f"l.{column(Lesson, name)}" for name in MEMBER_FIELDS)
    adoption_lesson = column(LessonAdoption, "lesson")
    return (
        f"SELECT {fields}, "
        f"(SELECT COUNT(a.{column(LessonAdoption, 'hospital')}) FROM {adoption} a "
        f"WHERE a.{adoption_lesson} = l.{column(Lesson, 'id')}) AS acting_hospitals, "
        f"CASE WHEN own.{column(LessonAdoption, 'id')} IS NULL THEN 0 ELSE 1 END "
        f"AS acting_here, own.{column(LessonAdoption, 'marked_at')} AS own_marked_at, "
        f"u.{column(user_model, 'full_name')} AS own_marked_by_name, "
        f"u.{column(user_model, 'email')} AS own_marked_by_email, "
        f"EXISTS (SELECT 1 FROM {quote(action_model._meta.db_table)} ai "
        f"WHERE ai.{column(action_model, 'hospital')} = %s "
        f"AND ai.{column(action_model, 'lesson')} = l.{column(Lesson, 'id')}) "
        f"AS has_own_actions, "
        f"EXISTS (SELECT 1 FROM {quote(LessonComment._meta.db_table)} c "
        f"WHERE c.{column(LessonComment, 'lesson')} = l.{column(Lesson, 'id')} "
        f"AND c.{column(LessonComment, 'hospital')} = %s "
        f"AND c.{column(LessonComment, 'author')} = %s) AS has_own_comments "
        f"FROM {lesson} l LEFT JOIN {adoption} own ON own.{adoption_lesson} = "
        f"l.{column(Lesson, 'id')} AND own.{column(LessonAdoption, 'hospital')} = %s "
        f"LEFT JOIN {quote(user_model._meta.db_table)} u ON u.{column(user_model, 'id')} = "
        f"own.{column(LessonAdoption, 'marked_by')} "
        f"WHERE l.{column(Lesson, 'status')} = %s AND l.{column(Lesson, 'public_id')} = %s")


def lesson_for_member(*, hospital, public_id, viewer=None):
    """The published lesson, with the counts of hospitals acting on it and the hospital's own
    mark read now (one query: `own_marked_at` and `own_marked_by`, the marker's name, are set
    when `acting_here`); its actions and factors come from the cache. `has_own_actions`:
    whether the hospital has actions on it; `has_own_comments`: whether `viewer` sent comments
    on it for the hospital (None without a viewer)."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        return None
    params = [hospital.pk, hospital.pk, viewer.pk if viewer is not None else None, hospital.pk,
              LessonStatus.PUBLISHED, sql_rows.uuid(Lesson, public_id)]
    lesson = next(iter(Lesson.objects.raw(_member_lesson_sql(), params)), None)
    if lesson is not None:
        # The model's own fields are converted by raw(); the joined mark's time is not.
        lesson.own_marked_at = sql_rows.value(LessonAdoption, "marked_at", lesson.own_marked_at)
        lesson.own_marked_by = lesson.own_marked_by_name or lesson.own_marked_by_email or ""
        # For whom the two flags were read: only their hospital and viewer may trust them.
        lesson.own_for = (hospital.pk, viewer.pk if viewer is not None else None)
        lesson.has_own_actions = bool(lesson.has_own_actions)
        lesson.has_own_comments = bool(lesson.has_own_comments) if viewer is not None else None
        _attach_children(lesson)
    return lesson


@functools.cache
def _own_comments_sql() -> str:
    from ..models import LessonComment

    quote = connection.ops.quote_name

    def column(name):
        return quote(LessonComment._meta.get_field(name).column)

    return (f"SELECT {column('id')}, {column('lesson')}, {column('text')}, "
            f"{column('created_at')} FROM {quote(LessonComment._meta.db_table)} "
            f"WHERE {column('lesson')} = %s AND {column('hospital')} = %s "
            f"AND {column('author')} = %s ORDER BY {column('created_at')} DESC, "
            f"{column('id')} DESC LIMIT %s")


def own_comments(*, lesson, hospital, author, count: int = 20) -> list:
    """The comments `author` sent about `lesson` for `hospital`, newest first: one plain SQL
    query (the ORM's took longer to build than to run), none when the lesson was read knowing
    that there are none (`lesson_for_member` with the viewer)."""
    from ..models import LessonComment

    if (getattr(lesson, "has_own_comments", None) is False
            and lesson.own_for == (hospital.pk, author.pk)):
        return []

    return list(LessonComment.objects.raw(_own_comments_sql(),
                                          [lesson.pk, hospital.pk, author.pk, count]))


# --- PSO side ----------------------------------------------------------------------------


def visible_to_pso(*, user):
    """Lessons a PSO user works on: reviewers see every lesson, authors their own."""
    lessons = Lesson.objects.select_related("created_by", "published_by")
    if Scope.LESSONS_REVIEW not in user.pso_scopes:
        lessons = lessons.filter(created_by=user)
    return lessons


def lessons_for_pso(*, user, status: str = ""):
    """The PSO's list: what `user` works on, with how many hospitals act on each."""
    lessons = visible_to_pso(user=user)
    if status in LessonStatus.values:
        lessons = lessons.filter(status=status)
    return lessons.annotate(acting_hospitals=_acting_count()).order_by(
        "-updated_at", "-id")


def waiting_for_review(*, user):
    if Scope.LESSONS_REVIEW not in user.pso_scopes:
        return Lesson.objects.none()
    return (Lesson.objects.filter(status=LessonStatus.IN_REVIEW)
            .filter(~Q(created_by=user)).order_by("submitted_at"))


def reports_to_draft_from(*, user):
    """Sent reports `user` may draft a lesson from: every one with the reports scope, otherwise
    those accepted as cases in the sessions the user facilitates."""
    from cases.models import IncidentReport, ReportStatus

    from ..models import NominationStatus

    reports = IncidentReport.objects.filter(status=ReportStatus.SENT)
    if Scope.PSO_REPORTS in user.pso_scopes:
        return reports
    return reports.filter(pk__in=IncidentReport.objects.filter(
        nominations__status=NominationStatus.ACCEPTED,
        nominations__session__facilitators=user).values("pk"))
