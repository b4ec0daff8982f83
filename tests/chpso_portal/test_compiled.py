"""A list's query compiled once per shape reads what the ORM reads, for whoever asks."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Substr
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import IncidentReport
from chpso_portal.compiled import ListQuery, ShapeError
from tests.factories import ReportFactory


def build(shape, *, hospital, viewer):
    category, order = shape
    reports = IncidentReport.objects.filter(hospital=hospital).select_related("hospital").only(
        "public_id", "reference", "submitted_at", "event_date", "reporter_hidden",
        "hospital__name")
    if category:
        reports = reports.filter(category=category)
    return reports.annotate(snippet=Substr("narrative", 1, 11), mine=F("reporter_id") - viewer,
                            one=Value(1)).order_by(*order)


@pytest.fixture
def reports(world):
    now = timezone.now()
    made = {}
    for hospital, reporter, count in ((world.hospital, world.staff, 7),
                                      (world.other_hospital, world.other_staff, 4)):
        made[hospital.pk] = [
            ReportFactory(hospital=hospital, reporter=reporter,
                          category="fall" if i % 3 == 0 else "medication",
                          submitted_at=now - timedelta(hours=i),
                          event_date=timezone.localdate() - timedelta(days=i),
                          reporter_hidden=i % 2 == 0, narrative=f"Narrative number {i} here")
            for i in range(count)]
    return made


def as_read(rows):
    return [(r.pk, r.public_id, r.reference, r.submitted_at, r.event_date, r.reporter_hidden,
             r.hospital, r.hospital.name, r.snippet, r.mine, r.one,
             sorted(r.get_deferred_fields()), r._state.adding, r._state.db,
             {k: v for k, v in vars(r).items() if k != "_state"},
             {k: v for k, v in vars(r.hospital).items() if k != "_state"}) for r in rows]


def sql_of(run):
    with CaptureQueriesContext(connection) as captured:
        rows = run()
    assert len(captured) == 1
    return rows, captured[0]["sql"]


@pytest.mark.parametrize("shape", [("", ("-submitted_at", "-id")), ("fall", ("event_date", "id")),
                                   ("medication", ("reference",))])
def test_a_shape_reads_what_the_orm_reads_with_the_same_sql(world, reports, shape):
    query = ListQuery(build, ids=("hospital", "viewer"))
    for hospital, viewer, offset, limit in ((world.hospital, world.staff, 0, 3),
                                            (world.hospital, world.lead, 1, 10),
                                            (world.other_hospital, world.other_staff, 0, 25),
                                            (world.other_hospital, world.staff, 1, 1)):
        ids = {"hospital": hospital.pk, "viewer": viewer.pk}
        expected, orm_sql = sql_of(lambda: list(build(shape, **ids)[offset:offset + limit]))
        found, sql = sql_of(lambda: query.rows(shape, offset=offset, limit=limit, **ids))
        assert sql == orm_sql
        assert as_read(found) == as_read(expected)
        assert expected  # every case reads rows
        assert {r.hospital_id for r in found} == {hospital.pk}
    # Types as the ORM gives them, on SQLite too (UUIDs and dates are converted there).
    row = query.rows(shape, offset=0, limit=1, hospital=world.hospital.pk, viewer=1)[0]
    assert isinstance(row.public_id, uuid.UUID) and row.submitted_at.tzinfo is not None
    assert isinstance(row.reporter_hidden, bool)


def test_a_shape_is_compiled_once_and_answers_each_hospital_with_its_own_rows(world, reports):
    built = []

    def counted(shape, **ids):
        built.append(shape)
        return build(shape, **ids)

    query = ListQuery(counted, ids=("hospital", "viewer"))
    shape = ("", ("-submitted_at", "-id"))
    mine = query.rows(shape, offset=0, limit=25, hospital=world.hospital.pk, viewer=0)
    theirs = query.rows(shape, offset=0, limit=25, hospital=world.other_hospital.pk, viewer=0)
    assert [r.pk for r in mine] == [r.pk for r in reports[world.hospital.pk]]
    assert [r.pk for r in theirs] == [r.pk for r in reports[world.other_hospital.pk]]
    assert built == [shape]
    query.rows(("fall", ("id",)), offset=0, limit=25, hospital=world.hospital.pk, viewer=0)
    assert len(built) == 2


def test_the_kept_shapes_are_bounded(world, reports):
    built = []

    def counted(shape, **ids):
        built.append(shape)
        return build(shape, **ids)

    query = ListQuery(counted, ids=("hospital", "viewer"), max_shapes=2)
    shapes = [("", ("id",)), ("fall", ("id",)), ("medication", ("id",))]
    for shape in shapes + shapes[2:]:
        query.rows(shape, offset=0, limit=1, hospital=world.hospital.pk, viewer=0)
    assert built == shapes
    assert len(query._shapes) == 1


def test_ids_are_required_and_must_be_ints(world, reports):
    query = ListQuery(build, ids=("hospital", "viewer"))
    shape = ("", ("id",))
    with pytest.raises(TypeError):
        query.rows(shape, offset=0, limit=1, hospital=world.hospital.pk)
    with pytest.raises(TypeError):
        query.rows(shape, offset=0, limit=1, hospital=str(world.hospital.pk), viewer=0)
    with pytest.raises(TypeError):
        query.rows(shape, offset=0, limit=1, hospital=world.hospital, viewer=0)


def test_a_shape_whose_id_never_reaches_the_query_is_refused(world):
    def forgets_the_viewer(shape, *, hospital, viewer):
        return IncidentReport.objects.filter(hospital=hospital).order_by("id")

    with pytest.raises(ShapeError, match="viewer"):
        ListQuery(forgets_the_viewer, ids=("hospital", "viewer")).rows(
            "any", offset=0, limit=1, hospital=world.hospital.pk, viewer=1)


def test_a_shape_whose_id_is_written_into_the_sql_is_refused(world):
    from django.db.models.expressions import RawSQL

    def inlines(shape, *, hospital):
        return IncidentReport.objects.filter(hospital=hospital).annotate(
            x=RawSQL(f"{hospital} + %s", [hospital])).order_by("id")

    with pytest.raises(ShapeError, match="written into the SQL"):
        ListQuery(inlines, ids=("hospital",)).rows("any", offset=0, limit=1,
                                                   hospital=world.hospital.pk)


@pytest.mark.parametrize("make", [
    lambda hospital: IncidentReport.objects.filter(hospital=hospital).order_by("id")[:5],
    lambda hospital: IncidentReport.objects.filter(hospital=hospital).values("id"),
])
def test_only_plain_unsliced_lists_are_compiled(world, make):
    with pytest.raises(ShapeError):
        ListQuery(lambda shape, *, hospital: make(hospital), ids=("hospital",)).rows(
            "any", offset=0, limit=1, hospital=world.hospital.pk)


def test_an_instance_read_so_behaves_as_the_orms(world, reports):
    query = ListQuery(build, ids=("hospital", "viewer"))
    shape = ("", ("-submitted_at", "-id"))
    assert query.compiled(shape).plain
    row = query.rows(shape, offset=0, limit=1, hospital=world.hospital.pk, viewer=0)[0]
    newest = reports[world.hospital.pk][0]
    assert row == newest and row.hospital == world.hospital
    with CaptureQueriesContext(connection) as captured:
        assert row.narrative == newest.narrative  # a deferred column is read when asked for
    assert len(captured) == 1
    row.reference = "TST-2026-9999"
    row.save(update_fields=["reference"])
    assert IncidentReport.objects.get(pk=newest.pk).reference == "TST-2026-9999"


def test_models_with_init_signals_are_made_by_the_orm(world, reports):
    from django.db.models.signals import post_init

    made = []

    def seen(sender, instance, **kwargs):
        made.append(instance)

    query = ListQuery(build, ids=("hospital", "viewer"))
    shape = ("", ("id",))
    post_init.connect(seen, sender=IncidentReport)
    try:
        rows = query.rows(shape, offset=0, limit=3, hospital=world.hospital.pk, viewer=0)
    finally:
        post_init.disconnect(seen, sender=IncidentReport)
    assert made == rows and len(rows) == 3
