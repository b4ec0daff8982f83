"""A list's query compiled by the ORM once per process for each shape, then run with the
request's own ids as parameters.

The report lists and the lesson library are opened again and again with the same few filters
and orders; building the queryset (filters, ordering, snippet, subqueries) and compiling it to
SQL took longer than the database took to answer it. A `ListQuery` asks the ORM for the SQL
of a shape (which filters, which values of the fixed choices, which order) once, with
placeholder ids, and keeps the SQL, its parameters and what the ORM's own iterator needs to
turn rows into instances (columns, converters, related objects, annotations). A request then
puts its own ids where the placeholders were, adds its page's LIMIT and OFFSET, and reads the
rows as the ORM would have read them.

What a shape's builder may depend on: the shape, the placeholders and the current time zone,
nothing else (no clock, no setting that changes while the process runs). Free text (a search)
belongs in no shape: a list searched for words builds its query through the ORM on each
request (see `orm`).
"""

import inspect
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

# What stands for the request's own ids while a shape is compiled: negative numbers far from
# any id or constant a list's query holds, so each is found again among the compiled
# parameters, and nowhere else.
_PLACEHOLDER_BASE = -7_346_019_000_000


class ShapeError(RuntimeError):
    """A shape compiled to SQL whose ids cannot be told apart from the rest."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple  # (position in params, name of the id)
    model: type
    init_list: tuple
    model_start: int
    model_end: int
    related_populators: tuple
    annotations: tuple  # (attribute, position in the row)
    converters: tuple  # (position in the row, converters, expression)
    col_count: int
    plain: bool  # instances can be made without Model.__init__ (see _plain)

    def rows(self, connection, ids: dict, offset: int, limit: int) -> list:
        params = list(self.params)
        for position, name in self.slots:
            value = ids[name]
            if type(value) is not int:
                raise TypeError(f"{name} must be an int, not {type(value).__name__}")
            params[position] = value
        sql = f"{self.sql} {connection.ops.limit_offset_sql(offset, offset + limit)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        found = []
        db, model, new = connection.alias, self.model, object.__new__
        plain = self.plain and not (pre_init.has_listeners(model)
                                    or post_init.has_listeners(model))
        for row in fetched:
            row = list(row[:self.col_count])
            for position, functions, expression in self.converters:
                value = row[position]
                for converter in functions:
                    value = converter(value, expression, connection)
                row[position] = value
            if plain:
                # What from_db() and Model.__init__ leave behind for these columns, without
                # walking all of the model's fields for each row (a measured share of a page).
                obj = new(model)
                state = obj._state = ModelState()
                state.adding, state.db = False, db
                obj.__dict__.update(
                    zip(self.init_list, row[self.model_start:self.model_end], strict=True))
            else:
                obj = model.from_db(db, self.init_list, row[self.model_start:self.model_end])
            for populator in self.related_populators:
                populator.populate(row, obj)
            for attribute, position in self.annotations:
                setattr(obj, attribute, row[position])
            found.append(obj)
        return found


def _plain(model, attnames) -> bool:
    """Whether an instance of `model` read with the columns `attnames` is no more than those
    values in its __dict__ and a fresh state saying where it came from: the model does not
    make its own instances from rows, and each column is a plain attribute (Django's deferred
    attribute, or a foreign key's id) that Model.__init__ would set directly."""
    if model.from_db.__func__ is not Model.from_db.__func__:
        return False
    plain = (DeferredAttribute, ForeignKeyDeferredAttribute)
    return all(type(inspect.getattr_static(model, name, None)) in plain for name in attnames)


def placeholders(names) -> dict:
    return {name: _PLACEHOLDER_BASE - number for number, name in enumerate(names)}


def compile_shape(queryset, slots: dict, using: str = DEFAULT_DB_ALIAS) -> _Compiled:
    """The SQL of `queryset` (built with the placeholder ids `slots`) and how to read its
    rows. Refuses a query whose placeholders do not all come back as parameters of their own:
    one written into the SQL, or lost, would make the kept SQL answer for someone else."""
    if queryset.query.is_sliced:
        raise ShapeError("A shape is compiled without its page: the page is added on each run.")
    compiler = queryset.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    if compiler.has_extra_select or queryset._known_related_objects or queryset._fields \
            or queryset._iterable_class is not ModelIterable:
        raise ShapeError("Only a plain list of instances can be compiled once.")
    by_value = {value: name for name, value in slots.items()}
    positions = tuple((i, by_value[p]) for i, p in enumerate(params)
                      if type(p) is int and p in by_value)
    missing = set(slots) - {name for _, name in positions}
    if missing:
        raise ShapeError(f"Not a parameter of the compiled query: {', '.join(sorted(missing))}")
    if any(str(abs(value)) in sql for value in slots.values()):
        raise ShapeError("A placeholder was written into the SQL itself.")
    select, klass_info = compiler.select, compiler.klass_info
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    fields = [s[0] for s in select[:compiler.col_count]]
    return _Compiled(
        sql=sql, params=tuple(params), slots=positions, model=klass_info["model"],
        init_list=tuple(s[0].target.attname for s in select[start:end]),
        model_start=start, model_end=end,
        related_populators=tuple(get_related_populators(klass_info, select, using)),
        annotations=tuple(compiler.annotation_col_map.items()),
        converters=tuple((position, tuple(functions), expression) for position,
                         (functions, expression) in compiler.get_converters(fields).items()),
        col_count=compiler.col_count,
        plain=_plain(klass_info["model"], [s[0].target.attname for s in select[start:end]]),
    )


class ListQuery:
    """One list's query, compiled once per process for each shape.

    `build(shape, **ids)` returns the queryset for a shape, with the ids given; `ids` names
    the request's own ids (the hospital, the viewer...), which every run supplies."""

    def __init__(self, build, *, ids: tuple, max_shapes: int = 128):
        self.build = build
        self.ids = tuple(ids)
        self.max_shapes = max_shapes
        self._placeholders = placeholders(self.ids)
        self._shapes: dict = {}

    def compiled(self, shape, using: str = DEFAULT_DB_ALIAS) -> _Compiled:
        connection = connections[using]
        # The time zone too: a year or a date is compiled to bounds in the current one.
        key = (using, connection.vendor, timezone.get_current_timezone_name(), shape)
        found = self._shapes.get(key)
        if found is None:
            found = compile_shape(self.build(shape, **self._placeholders),
                                  self._placeholders, using)
            if len(self._shapes) >= self.max_shapes:
                self._shapes.clear()
            self._shapes[key] = found
        return found

    def rows(self, shape, *, offset: int, limit: int, using: str = DEFAULT_DB_ALIAS,
             **ids) -> list:
        """The rows of `shape` from `offset`, at most `limit`, for these ids."""
        if set(ids) != set(self.ids):
            raise TypeError(f"Give exactly these ids: {', '.join(self.ids)}")
        return self.compiled(shape, using).rows(connections[using], ids, offset, limit)

    def orm(self, shape, **ids):
        """The same query built through the ORM with the real ids (for a shape holding free
        text, which is not kept)."""
        return self.build(shape, **ids)
