"""The conversation on a report between its reporter and the hospital's reviewers.

The reporter answers questions and adds information after submitting; reviewers ask and reply.
A reporter who hid their name stays hidden here too: the thread, the notices and the audit log
name them by their role. Messages stay in the hospital: the PSO's copy never includes them.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.urls import reverse

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.notifications import kinds
from chpso_portal.notifications.services import notify
from members.roles import HOSPITAL_ROLE_SCOPES, Scope

from .models import IncidentReport, MessageSide, ReportMessage, ReportStatus
from .services import _audit_actor

MESSAGE_MAX_LENGTH = 5000
HIDDEN_REPORTER = "Reporter (name hidden)"


def side_of(report: IncidentReport, membership) -> str | None:
    """Which side `membership`'s user writes on for this report, or None if they may not.

    The reporter writes as the reporter, whatever else they may do; anyone else needs the
    hospital's review scope. Drafts have no conversation: nobody but their author sees them."""
    if report.status == ReportStatus.DRAFT or membership.hospital_id != report.hospital_id:
        return None
    if report.reporter_id is not None and report.reporter_id == membership.user_id:
        return MessageSide.REPORTER
    if Scope.REPORTS_REVIEW in membership.scopes:
        return MessageSide.REVIEWER
    return None


def _reviewers(report: IncidentReport, *, exclude_id: int):
    """The hospital's active members who may review its reports, but the one who wrote."""
    from django.contrib.auth import get_user_model

    roles = [role for role, scopes in HOSPITAL_ROLE_SCOPES.items()
             if Scope.REPORTS_REVIEW in scopes]
    return (get_user_model().objects
            .filter(is_active=True, memberships__hospital_id=report.hospital_id,
                    memberships__is_active=True, memberships__role__in=roles)
            .exclude(pk=exclude_id).distinct())


def validate_message(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"message": "Write your message."})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"message": f"Keep the message to {MESSAGE_MAX_LENGTH:,} "
                                          f"characters (it has {len(text):,})."})
    return text


@transaction.atomic
def report_message_post(*, report: IncidentReport, author, side: str,
                        text: str) -> ReportMessage:
    """Add a message to the report's conversation and tell the other side.

    The audit row says who wrote on which side, never the text (the hospital's log is read by
    others than the two sides); a hidden reporter appears under the report's pseudonym."""
    text = validate_message(text)
    report = IncidentReport.objects.select_for_update().get(pk=report.pk)
    if report.status == ReportStatus.DRAFT:
        raise ValidationError("A draft has no conversation yet: submit the report first.")
    if side == MessageSide.REPORTER:
        if report.reporter_id != author.pk:
            raise ValidationError("Only the reporter writes as the reporter.")
    elif side == MessageSide.REVIEWER:
        if report.reporter_id is None:
            raise ValidationError("This report has no reporter in the portal to write to.")
    else:
        raise ValueError(f"Unknown side: {side}")
    message = ReportMessage.objects.create(report=report, author=author, side=side, text=text)
    reporter_side = side == MessageSide.REPORTER
    audit_record(**_audit_actor(report, author), action=AuditAction.CREATE, obj=report,
                 hospital=report.hospital,
                 summary=(f"The reporter wrote on report {report.reference}" if reporter_side
                          else f"Wrote to the reporter of report {report.reference}"),
                 detail={"side": side, "message": message.pk, "length": len(text)})
    event = f"report:{report.public_id}:message:{message.pk}"
    if reporter_side:
        # No name here even when the reporter did not hide it: the notice is the same for
        # both, so it never tells the two apart.
        notify(kind=kinds.REPORT_MESSAGE, event_key=event,
               recipients=list(_reviewers(report, exclude_id=author.pk)),
               title=f"The reporter of {report.reference} wrote on the report",
               body="Open the report to read the message.",
               link=reverse("report-review", args=[report.public_id]) + "#conversation")
    else:
        notify(kind=kinds.REPORT_UPDATE, event_key=event, recipients=[report.reporter],
               title=f"Your safety team wrote to you about report {report.reference}",
               body="Open the report to read the message and answer it.",
               link=reverse("report-detail", args=[report.public_id]) + "#conversation")
    return message


@dataclass(frozen=True)
class ThreadEntry:
    id: int
    side: str
    label: str
    text: str
    created_at: datetime
    mine: bool
    new: bool = False


def _label(message: ReportMessage, report: IncidentReport, viewer_id: int) -> str:
    if message.side == MessageSide.REPORTER:
        if viewer_id == report.reporter_id:
            return "You"
        if report.reporter_hidden:
            return HIDDEN_REPORTER  # the author is never read for a hidden reporter
        return f"{message.author.display_name} (reporter)"
    if message.author_id == viewer_id:
        return "You"
    return f"{message.author.display_name} (safety team)"


def report_thread(*, report: IncidentReport, viewer) -> list[ThreadEntry]:
    """The conversation as `viewer` reads it, oldest first: one query, however long."""
    messages = report.messages.select_related("author").only(
        "side", "text", "created_at", "report_id", "author_id",
        "author__full_name", "author__email")
    return [ThreadEntry(id=m.pk, side=m.side, label=_label(m, report, viewer.pk), text=m.text,
                        created_at=m.created_at, mine=m.author_id == viewer.pk)
            for m in messages]


# --- What is new since the viewer last read the thread ------------------------------------
#
# Opening a report page marks its conversation read, yet a GET writes nothing to the database
# but the audit rows the law asks for (issue 14). So the marker is kept in the cache (Redis in
# production, shared by every web process), one key per person and report, never in the
# database nor in the session (whose row is saved at most once a minute: a marker there would
# make each read a write, or be lost).
#
# The marker is how many of the others' messages the viewer has been shown. Messages are
# never changed or deleted and each is added after the ones before it (report_message_post
# locks the report first), so the messages after that many are the new ones, and a list can
# tell how many from two counts in its own query.
#
# The cache may lose a marker (Redis restarted or down, the key evicted or expired). What is
# new then falls back to what the others wrote after the viewer's own last message, read from
# the thread itself: whoever wrote had the thread before them. A lost marker can show too much
# as new, never hide a message nobody read. A "Mark read" button was not chosen: people
# forget to press it, and the marker would then say nothing.

READ_MARKER_SECONDS = 180 * 24 * 3600


def _marker_key(report_id: int, user_id: int) -> str:
    return f"conversation-read:{report_id}:{user_id}"


def with_new_marked(*, report: IncidentReport, viewer, thread: list[ThreadEntry],
                    mark_read: bool) -> list[ThreadEntry]:
    """`thread` with what others wrote since `viewer` last read it marked new; with
    `mark_read`, everything shown counts as read from now on. One cache read, one cache write
    when the thread has something the viewer had not seen, no query."""
    key = _marker_key(report.pk, viewer.pk)
    seen = cache.get(key)
    # Without a marker (never read here, or the cache lost it), what the viewer answered
    # counts as read; with one, the marker alone decides, so a message that arrived while
    # they were writing their own stays new until they have been shown it.
    own_last = max((entry.id for entry in thread if entry.mine), default=0) \
        if seen is None else 0
    seen = seen or 0
    marked, others = [], 0
    for entry in thread:
        if not entry.mine:
            others += 1
            if others > seen and entry.id > own_last:
                entry = replace(entry, new=True)
        marked.append(entry)
    if mark_read and others > seen:
        cache.set(key, others, READ_MARKER_SECONDS)
    return marked


def with_message_counts(reports, *, viewer_id: int):
    """`reports` (a queryset) with the two counts `count_new` needs on each row, computed in
    the list's own query: the messages others wrote, and how many of them came before the
    viewer's own last message (none when they wrote none: the comparison with NULL fails)."""
    # Plain SQL: the same two correlated subqueries built with the ORM took longer to compile
    # than to run, on two pages that every lead and reporter opens often.
    message, report = ReportMessage._meta.db_table, IncidentReport._meta.db_table
    others = (f'SELECT COUNT(*) FROM "{message}" m WHERE m.report_id = "{report}"."id" '
              "AND m.author_id <> %s")
    answered = (f'{others} AND m.id < (SELECT MAX(o.id) FROM "{message}" o '
                f'WHERE o.report_id = "{report}"."id" AND o.author_id = %s)')
    return reports.annotate(
        messages_by_others=RawSQL(f"({others})", [viewer_id]),
        messages_by_others_answered=RawSQL(f"({answered})", [viewer_id, viewer_id]))


def count_new(rows, *, viewer, also=()) -> dict:
    """Set `new_messages` on each row of a page made by `with_message_counts`: what others
    wrote on the report since `viewer` last read its conversation. A row on which nobody else
    wrote has nothing new and needs no marker; the others' markers come in one cache read,
    with the cache keys `also` (the page's other cached data), whose values are returned.
    No query."""
    rows = list(rows)
    keys = {}
    for report in rows:
        report.new_messages = 0
        if report.messages_by_others:
            keys[report.pk] = _marker_key(report.pk, viewer.pk)
    wanted = [*keys.values(), *also]
    seen = cache.get_many(wanted) if wanted else {}
    for report in rows:
        if report.pk in keys:
            marker = seen.get(keys[report.pk])
            read = report.messages_by_others_answered if marker is None else marker
            report.new_messages = max(report.messages_by_others - read, 0)
    return {key: seen[key] for key in also if key in seen}
