"""The one way to write to the audit log."""

import functools

from django.db import connections, router, transaction
from django.db.models import Model
from django.db.models.signals import post_save, pre_save

from . import context
from .models import AuditAction, AuditEvent, AuditOutcome


def audit_record(
    *,
    actor,
    action: str,
    obj: Model | None = None,
    hospital=None,
    outcome: str = AuditOutcome.SUCCESS,
    summary: str = "",
    detail: dict | None = None,
    object_type: str = "",
    object_id: str = "",
    pseudonym: str = "",
) -> AuditEvent:
    """Write one row. With `pseudonym`, the row names that label instead of the actor and keeps
    no address or request id that could tie it to the person's other rows (a reporter who hid
    their name)."""
    ctx = context.current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if pseudonym:
        actor, ctx = None, context.RequestContext(method=ctx.method)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "public_id", None) or obj.pk)
    event = AuditEvent(
        actor=actor,
        actor_email=pseudonym[:254] if pseudonym else (getattr(actor, "email", "") or ""),
        hospital=hospital,
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:300],
        detail=detail or {},
        ip=ctx.ip,
        request_id=ctx.request_id,
    )
    # A HEAD request returns no content: nothing was read or exported, and HEAD writes nothing
    # (a link checker or a prefetching browser must not fill the log).
    if ctx.method != "HEAD":
        _insert(event)
    return event


def _insert(event: AuditEvent) -> None:
    """One INSERT of every column, each prepared by its own field as the ORM's save prepares
    it (`at` stamped now, the detail as JSON), in whatever transaction the caller is in: on
    a read, autocommit, so the row is committed before the response. Without the ORM's save
    around it: building that INSERT was most of what an audited read paid for its row. When
    something listens for the model's save signals, or the database cannot return the new id,
    the row goes through the ORM's save as before."""
    connection = connections[router.db_for_write(AuditEvent, instance=event)]
    if (not connection.features.can_return_columns_from_insert
            or pre_save.has_listeners(AuditEvent) or post_save.has_listeners(AuditEvent)):
        event.save(force_insert=True)
        return
    sql, fields = _insert_sql(connection.alias, connection.vendor)
    params = [field.get_db_prep_save(field.pre_save(event, True), connection)
              for field in fields]
    # As the model's save: a failure inside an atomic block marks it for rollback.
    with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
        cursor.execute(sql, params)
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias


@functools.cache
def _insert_sql(alias: str, vendor: str) -> tuple[str, tuple]:
    """The INSERT for one database, built once: every concrete column but the id."""
    quote = connections[alias].ops.quote_name
    meta = AuditEvent._meta
    fields = tuple(f for f in meta.concrete_fields if f is not meta.pk)
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) "
            f"RETURNING {quote(meta.pk.column)}", fields)


def audit_denied(*, actor, summary: str, hospital=None, detail: dict | None = None) -> AuditEvent:
    return audit_record(
        actor=actor,
        action=AuditAction.DENIED,
        outcome=AuditOutcome.DENIED,
        hospital=hospital,
        summary=summary,
        detail=detail,
    )
