"""The audit log is append-only, browsable and exportable by coordinators (DESIGN.md section 8)."""

import csv
import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AppendOnlyError, AuditAction, AuditEvent, AuditOutcome
from chpso_portal.audit.services import audit_denied, audit_record

CHANGELIST = reverse("admin:audit_auditevent_changelist")


def is_postgresql():
    return connection.vendor == "postgresql"


@pytest.fixture
def event(world):
    return audit_record(actor=world.lead, action=AuditAction.VIEW, hospital=world.hospital,
                        summary="Viewed the members")


# --- Append-only -------------------------------------------------------------------------


def test_a_saved_row_cannot_be_changed_through_the_model(event):
    event.summary = "rewritten history"
    with pytest.raises(AppendOnlyError):
        event.save()
    event.refresh_from_db()
    assert event.summary == "Viewed the members"


def test_a_row_cannot_be_deleted_through_the_model(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("operation", ["update", "delete", "bulk_update"])
def test_rows_cannot_be_changed_or_deleted_through_the_queryset(event, operation):
    with pytest.raises(AppendOnlyError), transaction.atomic():
        if operation == "update":
            AuditEvent.objects.filter(pk=event.pk).update(summary="x")
        elif operation == "delete":
            AuditEvent.objects.all().delete()
        else:
            event.summary = "x"
            AuditEvent.objects.bulk_update([event], ["summary"])
    event.refresh_from_db()
    assert event.summary == "Viewed the members"


def test_raw_sql_cannot_change_or_delete_rows_on_postgresql(event):
    table = AuditEvent._meta.db_table
    if is_postgresql():
        for sql in (f"UPDATE {table} SET summary = 'x' WHERE id = %s",
                    f"DELETE FROM {table} WHERE id = %s"):
            with pytest.raises(DatabaseError, match="append-only"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, [event.pk])
        event.refresh_from_db()
        assert event.summary == "Viewed the members"
    else:
        # Other databases get no trigger (the migration is a no-op there): the model is the
        # only guard, and creating rows keeps working through it.
        with connection.cursor() as cursor:
            triggers = [
                t.lower() for t in connection.introspection.table_names(cursor)
                if "append_only" in t.lower()
            ]
            if connection.vendor == "sqlite":
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                triggers += [row[0] for row in cursor.fetchall()]
        assert not any("audit_event_append_only" in name for name in triggers)
        second = audit_record(actor=None, action=AuditAction.LOGIN, summary="again")
        assert AuditEvent.objects.filter(pk__in=[event.pk, second.pk]).count() == 2


def test_the_append_only_trigger_is_installed(db):
    if not is_postgresql():
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [AuditEvent._meta.db_table],
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names == ["audit_event_append_only"]


# --- The admin -----------------------------------------------------------------------------


def listed(response):
    return {event.pk for event in response.context["cl"].result_list}


def test_coordinator_browses_and_filters_the_log(world, client_for):
    old_time = timezone.now() - timedelta(days=40)
    with time_machine.travel(old_time, tick=False):
        old = audit_record(actor=world.lead, action=AuditAction.VIEW, hospital=world.hospital,
                           summary="Long ago")
    denied = audit_denied(actor=world.staff, hospital=world.hospital, summary="Tried to invite")
    other = audit_record(actor=world.other_lead, action=AuditAction.VIEW,
                         hospital=world.other_hospital, summary="Viewed elsewhere")
    client = client_for(world.coordinator)

    everything = client.get(CHANGELIST)
    assert everything.status_code == 200
    assert {old.pk, denied.pk, other.pk} <= listed(everything)

    only_denied = client.get(CHANGELIST, {"action": "denied"})
    assert only_denied.status_code == 200
    assert listed(only_denied) == set(
        AuditEvent.objects.filter(action=AuditAction.DENIED).values_list("pk", flat=True)
    )
    assert denied.pk in listed(only_denied)

    mercy = client.get(CHANGELIST, {"hospital__id__exact": world.hospital.pk})
    assert mercy.status_code == 200
    assert {old.pk, denied.pk} <= listed(mercy)
    assert other.pk not in listed(mercy)

    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    recent = client.get(CHANGELIST, {"at__gte": str(midnight - timedelta(days=7)),
                                     "at__lt": str(midnight + timedelta(days=1))})
    assert recent.status_code == 200
    assert denied.pk in listed(recent) and old.pk not in listed(recent)

    year = client.get(CHANGELIST, {"at__year": str(old_time.year),
                                   "at__month": str(timezone.localtime(old_time).month)})
    assert year.status_code == 200
    assert old.pk in listed(year)


def test_the_log_offers_no_add_change_or_delete(world, client_for, event):
    client = client_for(world.coordinator)
    page = client.get(CHANGELIST)
    actions = [name for name, _ in page.context["action_form"].fields["action"].choices if name]
    assert actions == ["export_csv"]
    assert not page.context["has_add_permission"]

    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_add"), {"summary": "x"}).status_code == 403
    delete_url = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [event.pk],
                                    "post": "yes"})
    assert bulk.status_code in (200, 302)

    change_url = reverse("admin:audit_auditevent_change", args=[event.pk])
    view = client.get(change_url)
    assert view.status_code == 200
    assert not view.context["has_change_permission"]
    assert not view.context["has_delete_permission"]
    assert "Viewed the members" in view.content.decode()
    assert 'name="summary"' not in view.content.decode()
    assert client.post(change_url, {"summary": "rewritten"}).status_code == 403
    event.refresh_from_db()
    assert event.summary == "Viewed the members"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("who", ["lead", "facilitator"])
def test_people_without_the_audit_scope_cannot_browse_it(world, client_for, who):
    response = client_for(getattr(world, who)).get(CHANGELIST)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/login" in response["Location"]


def test_csv_export_is_labelled_and_audited(world, client_for, event):
    denied = audit_denied(actor=world.staff, hospital=world.hospital, summary="Tried, refused")
    client = client_for(world.coordinator)
    response = client.post(CHANGELIST, {"action": "export_csv", "index": 0,
                                        "_selected_action": [event.pk, denied.pk]})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    assert "Mercy" not in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert "Patient Safety Work Product" in rows[0][0]
    assert rows[1][:4] == ["at_utc", "actor", "hospital", "action"]
    body = rows[2:]
    assert len(body) == 2
    assert {row[7] for row in body} == {"Viewed the members", "Tried, refused"}
    assert {row[2] for row in body} == {world.hospital.name}
    export = AuditEvent.objects.filter(action=AuditAction.EXPORT).get()
    assert export.actor == world.coordinator
    assert export.actor_email == world.coordinator.email
    assert export.outcome == AuditOutcome.SUCCESS
    assert export.summary == "Exported 2 audit events"
    parsed = datetime.fromisoformat(body[0][0])
    assert parsed.utcoffset() == timedelta(0)


def test_csv_export_neutralises_spreadsheet_formulas(world, client_for):
    world.other_hospital.name = '=HYPERLINK("https://evil.example","x")'
    world.other_hospital.save()
    row = audit_record(actor=None, action=AuditAction.CREATE, hospital=world.other_hospital,
                       summary="+1 applied")
    response = client_for(world.coordinator).post(
        CHANGELIST, {"action": "export_csv", "index": 0, "_selected_action": [row.pk]})
    (cells,) = list(csv.reader(io.StringIO(response.content.decode())))[2:]
    assert cells[2] == "'" + world.other_hospital.name
    assert cells[7] == "'+1 applied"


# --- Request context ---------------------------------------------------------------------


def test_request_id_and_ip_are_recorded(world, client_for):
    client = client_for(world.staff)
    response = client.get(reverse("member-invite"), HTTP_X_REQUEST_ID="req-2026-abcdef01",
                          REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert response["X-Request-ID"] == "req-2026-abcdef01"
    row = AuditEvent.objects.filter(action=AuditAction.DENIED, actor=world.staff).get()
    assert row.request_id == "req-2026-abcdef01"
    assert row.ip == "203.0.113.9"
    assert row.hospital == world.hospital


def test_a_malformed_request_id_is_replaced(world, client_for):
    client = client_for(world.staff)
    response = client.get(reverse("member-invite"), HTTP_X_REQUEST_ID="bad id; drop table")
    row = AuditEvent.objects.filter(action=AuditAction.DENIED, actor=world.staff).get()
    assert row.request_id == response["X-Request-ID"]
    assert len(row.request_id) == 32 and " " not in row.request_id


def test_sign_in_is_audited_with_the_request_context(world, client):
    from tests.factories import PASSWORD

    response = client.post(reverse("account_login"),
                           {"login": world.staff.email, "password": PASSWORD},
                           HTTP_X_REQUEST_ID="login-request-0001", REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    row = AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=world.staff).get()
    assert (row.request_id, row.ip) == ("login-request-0001", "198.51.100.7")

    client.logout()
    client.post(reverse("account_login"), {"login": world.staff.email, "password": "wrong-one"})
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).get()
    assert failed.outcome == AuditOutcome.FAILURE
    assert failed.detail == {"email": world.staff.email}
    assert "wrong-one" not in str(failed.detail) + failed.summary


def test_rows_written_outside_a_request_have_no_request_context(world):
    row = audit_record(actor=None, action=AuditAction.SEND, summary="nightly job")
    assert (row.request_id, row.ip, row.actor, row.actor_email) == ("", None, None, "")


# --- The row as written ------------------------------------------------------------------


def _columns(row):
    return {f.attname: getattr(row, f.attname) for f in AuditEvent._meta.concrete_fields
            if f.attname not in ("id", "at")}


def test_a_row_is_written_in_one_insert_of_the_same_columns_the_model_s_save_writes(
        world, monkeypatch):
    """audit_record writes its row with one plain INSERT, not the model's save, and the row
    reads back exactly as one saved through the model (every column, the detail as JSON,
    the address, the request context, the time stamped now)."""
    from django.db.models import signals
    from django.test.utils import CaptureQueriesContext

    from chpso_portal.audit import context

    token = context.set_current(context.RequestContext(
        request_id="req-0001", ip="203.0.113.9", method="GET"))
    try:
        before = timezone.now()
        with monkeypatch.context() as patched:
            def refuse(*args, **kwargs):
                raise AssertionError("written through the model's save")
            patched.setattr(AuditEvent, "save", refuse)
            with CaptureQueriesContext(connection) as captured:
                plain = audit_record(actor=world.lead, action=AuditAction.VIEW,
                                     obj=world.hospital, hospital=world.hospital,
                                     summary="Read a lesson", detail={"n": 1, "why": "é"})
        inserts = [q["sql"] for q in captured.captured_queries]
        assert len(inserts) == 1 and inserts[0].startswith("INSERT INTO")
        # With a listener on the model's save, the row goes through the model as before.
        seen = []

        def listener(sender, instance, **kwargs):
            seen.append(instance.pk)
        signals.post_save.connect(listener, sender=AuditEvent, weak=False)
        try:
            through_model = audit_record(actor=world.lead, action=AuditAction.VIEW,
                                         obj=world.hospital, hospital=world.hospital,
                                         summary="Read a lesson", detail={"n": 1, "why": "é"})
        finally:
            signals.post_save.disconnect(listener, sender=AuditEvent)
        assert seen == [through_model.pk]
    finally:
        context.reset(token)
    assert plain.pk and not plain._state.adding
    stored = AuditEvent.objects.get(pk=plain.pk)
    assert _columns(stored) == _columns(AuditEvent.objects.get(pk=through_model.pk))
    assert _columns(stored) == _columns(plain)
    assert stored.detail == {"n": 1, "why": "é"} and stored.ip == "203.0.113.9"
    assert stored.request_id == "req-0001" and stored.actor_email == world.lead.email
    assert before <= stored.at <= timezone.now() and stored.at == plain.at
    # Still append-only once written.
    with pytest.raises(AppendOnlyError):
        plain.save()
