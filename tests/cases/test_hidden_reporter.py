"""A reporter who hides their name stays hidden from the PSO, audit log included; only their
hospital's safety lead can look them up, with a recorded reason, and the reporter is told."""

import csv
import io

from django.urls import reverse

from cases.models import IncidentReport
from chpso_portal.audit.models import AuditEvent
from chpso_portal.notifications.models import Notification

from .test_views import form_data


def file_hidden_report(world, client_for):
    client = client_for(world.staff)
    response = client.post(reverse("report-new"),
                           {**form_data(), "reporter_hidden": "on", "submit": "1"})
    assert response.status_code == 302
    report = IncidentReport.objects.get()
    assert report.reporter_hidden and report.reporter == world.staff
    client.get(reverse("report-detail", args=[report.public_id]))
    return report


def identifying(world):
    return (world.staff.email, world.staff.full_name)


def test_the_audit_log_names_the_report_not_the_hidden_reporter(world, client_for):
    report = file_hidden_report(world, client_for)
    rows = AuditEvent.objects.filter(object_id=str(report.public_id))
    assert rows.filter(action="send").exists()
    for event in rows:
        assert event.actor is None
        assert event.actor_email == f"hidden reporter of report {report.public_id}"
        assert event.ip is None and event.request_id == ""
        assert world.staff.email not in str(event.detail) + event.summary


def test_the_coordinator_searching_the_audit_log_finds_no_name(world, client_for):
    report = file_hidden_report(world, client_for)
    client = client_for(world.coordinator)
    page = client.get(reverse("admin:audit_auditevent_changelist"),
                      {"q": str(report.public_id)}).content.decode()
    # The rows found (the filters beside them list everyone who has any row at all).
    results = page[page.index('id="result_list"'):]
    results = results[:results.index("</table>")]
    assert "hidden reporter of report" in results
    for text in identifying(world):
        assert text not in results
    events = list(AuditEvent.objects.filter(object_id=str(report.public_id)))
    export = client.post(reverse("admin:audit_auditevent_changelist"), {
        "action": "export_csv", "index": 0, "_selected_action": [e.pk for e in events]})
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    for text in identifying(world):
        assert text not in str(rows)


def test_a_reporter_who_does_not_hide_is_named(world, client_for):
    client_for(world.staff).post(reverse("report-new"), {**form_data(), "submit": "1"})
    event = AuditEvent.objects.get(action="send")
    assert event.actor == world.staff and event.actor_email == world.staff.email


def test_the_form_says_precisely_what_is_hidden_from_whom(world, client_for):
    page = client_for(world.staff).get(reverse("report-new")).content.decode()
    for words in ("not to your hospital", "not to the PSO", "pseudonym",
                  "only when the law requires it", "you are told"):
        assert words in page, words


def test_the_lead_looks_up_the_reporter_only_with_a_recorded_reason(world, client_for):
    report = file_hidden_report(world, client_for)
    client = client_for(world.lead)
    url = reverse("report-reporter", args=[report.public_id])
    review = client.get(reverse("report-review", args=[report.public_id])).content.decode()
    assert world.staff.full_name not in review and url in review
    assert world.staff.full_name not in client.get(url).content.decode()
    too_short = client.post(url, {"reason": "curious"}).content.decode()
    assert world.staff.full_name not in too_short
    response = client.post(url, {"reason": "Subpoena 2026-114 from the county court asks "
                                           "who filed this report."})
    assert world.staff.full_name in response.content.decode()
    event = AuditEvent.objects.get(summary__startswith="Looked up the hidden reporter")
    assert event.actor == world.lead and "Subpoena 2026-114" in event.detail["reason"]
    assert world.staff.email not in event.summary + str(event.detail)
    told = Notification.objects.get(recipient=world.staff, title__contains="looked up")
    assert "Subpoena 2026-114" in told.body


def test_nobody_else_can_look_up_the_reporter(world, client_for):
    report = file_hidden_report(world, client_for)
    url = reverse("report-reporter", args=[report.public_id])
    reason = {"reason": "A long enough reason for the look-up, honestly."}
    assert client_for(world.staff).post(url, reason).status_code == 403
    assert client_for(world.other_lead).post(url, reason).status_code == 404
    assert client_for(world.coordinator).post(url, reason).status_code == 403
    assert not AuditEvent.objects.filter(summary__startswith="Looked up").exists()
