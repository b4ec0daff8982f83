"""Model instances read with plain SQL built from the models' metadata.

For the access reads made on every view of a page, where the ORM took longer to compile a
query than the database took to answer it. The rows are turned into instances with the ORM's
own converters (dates, booleans and UUIDs on SQLite), so they read as the ORM's would.
"""

import functools

from django.db import connection


def columns(model, alias):
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def table(model):
    return connection.ops.quote_name(model._meta.db_table)


def load(model, alias, values):
    """A model instance from its columns as the database returned them, converted as the ORM
    converts them (dates, booleans and UUIDs on SQLite); None for a LEFT JOIN that found
    nothing."""
    if values[0] is None:
        return None
    attnames, each = converters(model, alias, connection.vendor)
    converted = []
    for (col, functions), value in zip(each, values, strict=True):
        for converter in functions:
            value = converter(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, attnames, converted)


@functools.cache
def converters(model, alias, vendor):
    """Each column's converters, as the ORM's compiler finds them (they depend only on the
    model and the database)."""
    fields = model._meta.concrete_fields
    found = []
    for field in fields:
        col = field.get_col(alias)
        found.append((col, tuple(connection.ops.get_db_converters(col)
                                 + col.get_db_converters(connection))))
    return [f.attname for f in fields], found


def split(row, *models):
    """Instances of each model from one row holding their columns one after the other."""
    found, start = [], 0
    for model, alias in models:
        width = len(model._meta.concrete_fields)
        found.append(load(model, alias, row[start:start + width]))
        start += width
    return found


def uuid(model, value):
    return model._meta.get_field("public_id").get_db_prep_value(value, connection)


def value(model, name, raw):
    """One column read by plain SQL outside its model's own columns (an annotation such as
    the viewer's own mark), converted as the ORM converts that field (dates on SQLite)."""
    if raw is None:
        return None
    col = model._meta.get_field(name).get_col(model._meta.db_table)
    for converter in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
        raw = converter(raw, col, connection)
    return raw
