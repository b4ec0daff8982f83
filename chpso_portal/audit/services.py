"""The one way to write to the audit log."""

from django.db.models import Model

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
        event.save(force_insert=True)
    return event


def audit_denied(*, actor, summary: str, hospital=None, detail: dict | None = None) -> AuditEvent:
    return audit_record(
        actor=actor,
        action=AuditAction.DENIED,
        outcome=AuditOutcome.DENIED,
        hospital=hospital,
        summary=summary,
        detail=detail,
    )
