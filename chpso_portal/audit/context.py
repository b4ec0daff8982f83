"""Who is asking, from where: carried from the request to the audit rows it causes."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    method: str = ""


# RequestContext is a frozen dataclass, so one shared default is safe.
_current: ContextVar[RequestContext] = ContextVar(
    "audit_request_context", default=RequestContext()  # noqa: B039
)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)
