"""The review queue as a safety lead uses it: what needs action first, how long each report has
waited, the start of its narrative and who filed it, sortable columns, and saved views."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import queue, services
from cases.models import SavedQueueView
from cases.views import age_label
from tests.factories import MembershipFactory, ReportFactory


def refs(response):
    assert response.status_code == 200
    return [r.reference for r in response.context["page"]]


def queue_page(client, **params):
    return client.get(reverse("review-queue"), params)


@pytest.fixture
def filed(world):
    """One report in each filed status, and a draft."""
    now = timezone.now()
    submitted = ReportFactory(hospital=world.hospital, reporter=world.staff,
                              submitted_at=now - timedelta(days=3))
    in_review = ReportFactory(hospital=world.hospital, reporter=world.staff,
                              submitted_at=now - timedelta(days=1))
    services.report_review_save(report=in_review, actor=world.lead, factors=[])
    sent = ReportFactory(hospital=world.hospital, reporter=world.staff,
                         pso_summary="A late dose.", submitted_at=now - timedelta(days=5))
    services.report_send(report=sent, actor=world.lead)
    withdrawn = ReportFactory(hospital=world.hospital, reporter=world.staff,
                              submitted_at=now - timedelta(days=6))
    services.report_withdraw(report=withdrawn, actor=world.lead, reason="Duplicate.")
    draft = ReportFactory(hospital=world.hospital, reporter=world.staff, status="draft",
                          reference="", submitted_at=None)
    return {"submitted": submitted, "in_review": in_review, "sent": sent,
            "withdrawn": withdrawn, "draft": draft}


def test_the_queue_shows_what_needs_action_unless_asked_for_all(world, client_for, filed):
    client = client_for(world.lead)
    response = queue_page(client)
    assert set(refs(response)) == {filed["submitted"].reference, filed["in_review"].reference}
    assert response.context["needs_action"]
    page = response.content.decode()
    assert 'aria-current="page">Needs action' in page
    everything = refs(queue_page(client, status="all"))
    assert set(everything) == {filed[k].reference for k in
                               ("submitted", "in_review", "sent", "withdrawn")}
    assert refs(queue_page(client, status="sent")) == [filed["sent"].reference]
    # A filter without a status keeps the default view.
    assert set(refs(queue_page(client, category="medication"))) == {
        filed["submitted"].reference, filed["in_review"].reference}


def test_nothing_needs_action_says_what_to_do(world, client_for, filed):
    for key in ("submitted", "in_review"):
        filed[key].delete()
    page = queue_page(client_for(world.lead)).content.decode()
    assert "Nothing needs action" in page and "See all reports" in page


def test_each_row_shows_its_age_snippet_and_reporter(world, client_for):
    long_text = "Pump alarm silenced at the start of the shift. " * 10
    report = ReportFactory(hospital=world.hospital, reporter=world.staff, narrative=long_text,
                           submitted_at=timezone.now() - timedelta(days=3))
    response = queue_page(client_for(world.lead))
    row = response.context["page"].items[0]
    assert row.age == "3 days"
    assert row.snippet == long_text[:100].rstrip() + "..."
    page = response.content.decode()
    assert long_text[:100].rstrip() in page and long_text[:200] not in page
    assert world.staff.full_name in page
    assert report.reference in page


def test_the_snippet_is_cut_in_the_database(world, client_for):
    ReportFactory(hospital=world.hospital, reporter=world.staff, narrative="x" * 5000)
    client = client_for(world.lead)
    queue_page(client)
    with CaptureQueriesContext(connection) as ctx:
        queue_page(client)
    listing = [q["sql"] for q in ctx.captured_queries if "cases_incidentreport" in q["sql"]]
    assert listing and all("SUBSTR" in sql.upper() for sql in listing)
    # The narrative is read only inside SUBSTR(...), never as a column of its own.
    # (SUBSTR on SQLite, SUBSTRING on PostgreSQL.)
    whole = re.compile(r'(?<!SUBSTR\()(?<!SUBSTRING\()"cases_incidentreport"\."narrative"',
                       re.IGNORECASE)
    assert not any(whole.search(sql) for sql in listing)


def test_age_reads_as_people_say_it():
    """Counted in local calendar days, whatever the hour or a change of the clocks between
    (40 days of 24 hours back from just before midnight can land on the 39th day)."""
    today = timezone.localdate()

    def local(day, hour, minute=0):
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    assert age_label(local(today, 12), today) == "today"
    assert age_label(local(today - timedelta(days=1), 23, 59), today) == "1 day"
    assert age_label(local(today - timedelta(days=40), 0, 30), today) == "40 days"
    assert age_label(local(today - timedelta(days=40), 23, 30), today) == "40 days"
    assert age_label(None, today) == ""


def test_a_hidden_reporter_is_never_in_the_queue(world, client_for):
    world.staff.full_name = "Quentin Hiddenname"
    world.staff.save()
    ReportFactory(hospital=world.hospital, reporter=world.staff, reporter_hidden=True)
    response = queue_page(client_for(world.lead))
    page = response.content.decode()
    assert "Name hidden" in page
    assert "Hiddenname" not in page and world.staff.email not in page
    row = response.context["page"].items[0]
    # Not even in the page's context: the database leaves the name out.
    assert row.reporter_name == "" and row.reporter_email == ""


def test_columns_sort_both_ways_and_say_so(world, client_for):
    now = timezone.now()
    death = ReportFactory(hospital=world.hospital, reporter=world.staff, harm_level="death",
                          category="surgery", submitted_at=now - timedelta(days=2),
                          event_date=timezone.localdate() - timedelta(days=30))
    mild = ReportFactory(hospital=world.hospital, reporter=world.staff, harm_level="mild",
                         category="blood", submitted_at=now - timedelta(days=1),
                         event_date=timezone.localdate() - timedelta(days=2))
    none = ReportFactory(hospital=world.hospital, reporter=world.staff, harm_level="none",
                         category="fall", submitted_at=now,
                         event_date=timezone.localdate() - timedelta(days=10))
    client = client_for(world.lead)
    assert refs(queue_page(client)) == [none.reference, mild.reference, death.reference]
    assert refs(queue_page(client, sort="oldest")) == [death.reference, mild.reference,
                                                       none.reference]
    assert refs(queue_page(client, sort="harm")) == [death.reference, mild.reference,
                                                     none.reference]
    assert refs(queue_page(client, sort="harm_desc")) == [none.reference, mild.reference,
                                                          death.reference]
    assert refs(queue_page(client, sort="category")) == [mild.reference, none.reference,
                                                         death.reference]
    assert refs(queue_page(client, sort="category_desc")) == [death.reference, none.reference,
                                                              mild.reference]
    assert refs(queue_page(client, sort="event")) == [mild.reference, none.reference,
                                                      death.reference]
    assert refs(queue_page(client, sort="event_oldest")) == [death.reference, none.reference,
                                                             mild.reference]
    page = queue_page(client, sort="harm").content.decode()
    assert 'aria-sort="descending" class="col-harm"' in page
    assert "sort=harm_desc" in page  # the heading's link turns the order round
    assert page.count("aria-sort=") == 1
    default = queue_page(client).content.decode()
    assert 'aria-sort="ascending" class="col-age"' in default


def test_an_unknown_sort_is_ignored_and_the_filters_kept(world, client_for):
    fall = ReportFactory(hospital=world.hospital, reporter=world.staff, category="fall")
    ReportFactory(hospital=world.hospital, reporter=world.staff, category="medication")
    client = client_for(world.lead)
    for bad in ("narrative", "-id", "reporter__full_name", "harm; drop table"):
        assert refs(queue_page(client, sort=bad, category="fall")) == [fall.reference]
    assert refs(queue_page(client, status="nonsense")) != []  # falls back to needs action


def test_a_lead_saves_applies_and_deletes_a_view(world, client_for):
    fall = ReportFactory(hospital=world.hospital, reporter=world.staff, category="fall")
    ReportFactory(hospital=world.hospital, reporter=world.staff, category="medication")
    client = client_for(world.lead)
    url = reverse("review-queue") + "?category=fall&sort=harm&page=3&ignored=1"
    response = client.post(url, {"name": "  Falls   by harm "})
    view = SavedQueueView.objects.get()
    assert view.name == "Falls by harm" and view.user == world.lead
    assert view.query == "status=action&category=fall&sort=harm"
    assert response.status_code == 302 and response.url.endswith("?" + view.query)
    page = client.get(response.url)
    assert refs(page) == [fall.reference]
    assert page.context["current_view"] == view
    assert "Falls by harm" in page.content.decode()
    # Deleting asks first, then deletes only the view.
    delete_url = reverse("queue-view-delete", args=[view.public_id])
    confirm = client.get(delete_url)
    assert confirm.status_code == 200 and "no report changes" in confirm.content.decode()
    assert SavedQueueView.objects.exists()
    assert client.post(delete_url).status_code == 302
    assert not SavedQueueView.objects.exists()
    assert fall.__class__.objects.count() == 2


def test_a_view_name_is_checked_and_kept_on_the_page(world, client_for):
    client = client_for(world.lead)
    queue.saved_view_create(user=world.lead, hospital=world.hospital, name="Falls",
                            query="status=action")
    response = client.post(reverse("review-queue") + "?category=fall", {"name": "falls"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "already have a view named" in page and 'value="falls"' in page
    assert response.context["form"]["category"].value() == "fall"
    assert client.post(reverse("review-queue"), {"name": "   "}).status_code == 200
    assert client.post(reverse("review-queue"), {"name": "x" * 61}).status_code == 200
    assert SavedQueueView.objects.count() == 1


def test_saved_views_are_limited(world):
    for i in range(queue.MAX_SAVED_VIEWS):
        queue.saved_view_create(user=world.lead, hospital=world.hospital, name=f"View {i}",
                                query="")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="delete one"):
        queue.saved_view_create(user=world.lead, hospital=world.hospital, name="One more",
                                query="")


def test_saved_views_belong_to_one_person_in_one_hospital(world, client_for):
    view = queue.saved_view_create(user=world.lead, hospital=world.hospital, name="Mine",
                                   query="status=all")
    second_lead = MembershipFactory(hospital=world.hospital, role="safety_lead").user
    other = client_for(second_lead)
    assert "Mine" not in queue_page(other).content.decode()
    delete_url = reverse("queue-view-delete", args=[view.public_id])
    assert other.get(delete_url).status_code == 404
    assert other.post(delete_url).status_code == 404
    assert client_for(world.other_lead).get(delete_url).status_code == 404
    assert client_for(world.staff).get(delete_url).status_code == 403
    # The same person acting for another hospital does not see it either.
    MembershipFactory(hospital=world.other_hospital, user=world.lead, role="safety_lead")
    assert queue.saved_views(user=world.lead, hospital=world.other_hospital) == []
    assert SavedQueueView.objects.filter(pk=view.pk).exists()


@pytest.mark.parametrize("params", [{"sort": "harm"}, {"status": "all", "sort": "category"},
                                    {"sort": "event_oldest", "page": "2"}])
def test_the_queue_does_not_grow_with_the_data(world, client_for, params):
    queue.saved_view_create(user=world.lead, hospital=world.hospital, name="Falls",
                            query="category=fall")
    client = client_for(world.lead)

    def count():
        queue_page(client, **params)
        with CaptureQueriesContext(connection) as ctx:
            queue_page(client, **params)
        return len(ctx.captured_queries)

    for _ in range(3):
        ReportFactory(hospital=world.hospital, reporter=world.staff)
    small = count()
    for i in range(40):
        ReportFactory(hospital=world.hospital, reporter=world.staff, reporter_hidden=i % 2 == 0)
    assert count() == small <= 20


def test_the_blank_save_box_reads_as_the_field_template_writes_it(world, client_for):
    from django.template.loader import render_to_string

    from cases.forms import SavedViewForm

    box = render_to_string("members/_field.html", {"field": SavedViewForm()["name"]})
    client = client_for(world.lead)
    for params in ({}, {"status": "all", "sort": "harm"}):
        assert box in queue_page(client, **params).content.decode()
    # Sent back with an error, the box is written afresh with the error and what was typed.
    page = client.post(reverse("review-queue"), {"name": "x" * 61}).content.decode()
    assert box not in page and 'value="' + "x" * 61 + '"' in page
    assert "60 characters" in page


# The column headings as the queue's template wrote them before they were written in Python.
TEMPLATE_HEADERS = """
  {% for header in headers %}
    <th scope="col"{% if header.aria_sort %} aria-sort="{{ header.aria_sort }}"{% endif %} class="col-{{ header.key }}">{% if header.url %}<a href="{{ header.url }}" class="text-nowrap">{{ header.label }}<span class="visually-hidden">, sort</span>{% if header.aria_sort == "ascending" %} <span aria-hidden="true">&#9650;</span>{% elif header.aria_sort == "descending" %} <span aria-hidden="true">&#9660;</span>{% endif %}</a>{% else %}{{ header.label }}{% endif %}</th>
  {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("sort", ["newest", "oldest", "harm", "harm_desc", "event_oldest",
                                  "category_desc", "status", "reference"])
@pytest.mark.parametrize("base", ["", "status=all", "q=%3Cb%3E+%26+%22x%22&status=action"])
def test_the_column_headings_read_as_the_template_wrote_them(sort, base):
    from django.template import Context, Template

    from cases.views import _header_cells, _queue_headers

    headers = _queue_headers(sort, base)
    expected = Template(TEMPLATE_HEADERS).render(Context({"headers": headers}))
    assert re.sub(r">\s*\n\s*<", "><", expected.strip()) == _header_cells(headers)


def test_the_page_shows_the_sorted_column_and_escapes_the_search(world, client_for):
    page = queue_page(client_for(world.lead), q='<b> & "x"', sort="harm").content.decode()
    assert '<th scope="col" aria-sort="descending" class="col-harm"><a href="?' in page
    assert "q=%3Cb%3E+%26+%22x%22" in page and '<b> & "x"' not in page
