"""The lesson library runs SQL compiled once per set of filters (chpso_portal.compiled): each
filter reads exactly what the ORM's own query reads, with each hospital's own marks, and a
search is never kept."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collaboratives.lessons import selectors, services
from collaboratives.models import Lesson

from .lessons import CONTENT, origin_report, published_lesson


def member(user):
    return user.memberships.get()


@pytest.fixture
def lessons(world):
    sent = origin_report(world)
    made = [
        published_lesson(world, sent_report=sent, title="Paused infusions"),
        published_lesson(world, sent_report=sent, title="Falls at night", categories=["fall"],
                         factors=["communication"],
                         actions=[("Hourly rounding on the unit.", "weaker")]),
        published_lesson(world, sent_report=sent, title="Wrong-site surgery",
                         categories=["surgery", "medication"], factors=["policies"],
                         actions=[CONTENT["actions"][1]]),
    ]
    # One lesson published last year, for the year filter.
    Lesson.objects.filter(pk=made[1].pk).update(
        published_at=timezone.now() - timedelta(days=400))
    services.lesson_set_acting(lesson=made[0], membership=member(world.staff), acting=True)
    services.lesson_set_acting(lesson=made[2], membership=member(world.other_staff),
                               acting=True)
    return made


def read(page):
    return [(lesson.pk, lesson.public_id, lesson.title, lesson.published_at,
             lesson.category_codes, lesson.action_strengths, lesson.acting_hospitals,
             lesson.acting_here, {k: v for k, v in vars(lesson).items() if k != "_state"})
            for lesson in page], page.number, page.has_next


def filter_sets():
    this_year, last_year = timezone.localdate().year, timezone.now() - timedelta(days=400)
    return [
        {}, {"category": "fall"}, {"category": "medication", "factor": "handover"},
        {"strength": "stronger"}, {"factor": "policies", "strength": "stronger"},
        {"year": this_year}, {"year": timezone.localtime(last_year).year},
        {"q": "infusions"}, {"q": "falls night", "category": "fall"},
    ]


@pytest.mark.parametrize("page_number", [None, "2"])
def test_each_filter_reads_what_the_orm_reads(world, lessons, page_number):
    for filters in filter_sets():
        for hospital in (world.hospital, world.other_hospital):
            with CaptureQueriesContext(connection) as ours:
                found = selectors.library_page(hospital=hospital, filters=filters,
                                               page_number=page_number)
            with CaptureQueriesContext(connection) as theirs:
                expected = selectors.paginate(
                    selectors.library(hospital=hospital, filters=filters), page_number)
            assert [q["sql"] for q in ours.captured_queries] == \
                [q["sql"] for q in theirs.captured_queries]
            assert read(found) == read(expected)
            if page_number is None and not filters:
                assert len(found) == 3


def test_the_library_makes_its_instances_directly(world):
    assert selectors.LIBRARY.compiled(()).plain


def test_each_hospital_sees_its_own_mark_through_the_same_kept_sql(world, lessons):
    ours = selectors.library_page(hospital=world.hospital, filters={}, page_number=None)
    theirs = selectors.library_page(hospital=world.other_hospital, filters={}, page_number=None)
    assert {lesson.pk for lesson in ours if lesson.acting_here} == {lessons[0].pk}
    assert {lesson.pk for lesson in theirs if lesson.acting_here} == {lessons[2].pk}


def test_the_library_page_lists_by_filter_and_keeps_no_search(world, lessons, client_for):
    client = client_for(world.staff)

    def titles(**params):
        response = client.get(reverse("lesson-library"), params)
        assert response.status_code == 200
        return [lesson.title for lesson in response.context["page"]]

    assert titles() == ["Wrong-site surgery", "Paused infusions", "Falls at night"]
    assert titles(category="fall") == ["Falls at night"]
    assert titles(strength="stronger") == ["Wrong-site surgery", "Paused infusions"]
    assert titles(year=str(timezone.localdate().year)) == ["Wrong-site surgery",
                                                           "Paused infusions"]
    assert titles(q="zebrafinch") == []
    assert selectors.LIBRARY._shapes and "zebrafinch" not in repr(list(selectors.LIBRARY._shapes))


# The filter fields as the library's template wrote them before they were kept rendered.
TEMPLATE_FIELDS = """
  <div class="col-12 col-md-4"><label class="form-label small mb-0" for="id_q">{{ form.q.label }}</label>{{ form.q }}</div>
  <div class="col-6 col-md-2"><label class="form-label small mb-0" for="id_category">{{ form.category.label }}</label>{{ form.category }}</div>
  <div class="col-6 col-md-2"><label class="form-label small mb-0" for="id_factor">{{ form.factor.label }}</label>{{ form.factor }}</div>
  <div class="col-6 col-md-2"><label class="form-label small mb-0" for="id_strength">{{ form.strength.label }}</label>{{ form.strength }}</div>
  <div class="col-6 col-md-1"><label class="form-label small mb-0" for="id_year">{{ form.year.label }}</label>{{ form.year }}</div>
"""  # noqa: E501


@pytest.mark.parametrize("data", [
    None, {}, {"category": "fall"}, {"factor": "handover", "strength": "stronger", "year": "2026"},
    {"q": "pump <b>", "category": "medication"}, {"year": "1999"}, {"strength": "nonsense"},
])
def test_the_filter_fields_read_as_the_template_wrote_them(db, data):
    import re

    from django.template import Context, Template

    from cases import forms as case_forms
    from collaboratives.lessons.forms import LibraryFilterForm

    def tidy(html):
        return re.sub(r">\s+<", "><", str(html).strip())

    case_forms._FIELDS_HTML.clear()
    for _ in range(2):  # made, then kept
        form = LibraryFilterForm(data, years=[2026, 2025])
        form.filters() if data else None
        expected = Template(TEMPLATE_FIELDS).render(Context({"form": form}))
        assert tidy(form.fields_html()) == tidy(expected)
    kept = not data or (not (data.get("q")) and form.is_valid())
    assert len(case_forms._FIELDS_HTML) == (1 if kept else 0)
    if data and data.get("q"):
        assert "pump" not in repr(case_forms._FIELDS_HTML)


def test_new_years_show_in_the_kept_filter_fields(db):
    from collaboratives.lessons.forms import LibraryFilterForm

    assert ">2024</option>" not in LibraryFilterForm(None, years=[2026, 2025]).fields_html()
    assert ">2024</option>" in LibraryFilterForm(None, years=[2026, 2024]).fields_html()


def test_a_library_row_escapes_what_the_pso_wrote(world, client_for):
    sent = origin_report(world)
    published_lesson(world, sent_report=sent, title="Pumps <paused> & \"held\"",
                     what_happened="The <script>alert(1)</script> pump & its alarm.",
                     actions=[("Label held pumps.", "stronger"), ("Train the team.", "weaker")])
    html = client_for(world.staff).get(reverse("lesson-library")).content.decode()
    assert "Pumps &lt;paused&gt; &amp; &quot;held&quot;" in html
    assert "The &lt;script&gt;alert(1)&lt;/script&gt; pump &amp; its alarm." in html
    assert "<script>alert" not in html
    assert ('<span class="badge strength-stronger">Stronger action</span> '
            '<span class="badge strength-weaker">Weaker action</span> ') in html
    assert f"{timezone.localtime(timezone.now()):%B %Y}" in html
    assert "Other hospitals acting on it: fewer than 3" in html
