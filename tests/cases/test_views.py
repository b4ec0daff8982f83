"""Pages of incident reports: filing, reading, reviewing, sending, and the PSO's list."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import IncidentReport, ReportStatus, SentReport
from chpso_portal.audit.models import AuditEvent
from chpso_portal.notifications.models import Notification
from tests.factories import MembershipFactory, ReportFactory


@pytest.fixture(autouse=True)
def fresh_known_names():
    # Screening caches the names it knows; each test has its own people.
    cache.clear()
    yield
    cache.clear()


def form_data(**overrides):
    today = timezone.localdate()
    data = {
        "event_type": "incident",
        "category": "medication",
        "event_date": (today - timedelta(days=2)).isoformat(),
        "event_time": "",
        "discovered_date": (today - timedelta(days=1)).isoformat(),
        "location_type": "med_surg",
        "location_detail": "",
        "narrative": "A dose was given two hours late after the pump alarm was silenced.",
        "harm_level": "mild",
        "harm_duration": "temporary",
        "medication_category": "D",
        "near_miss_recovery": "",
    }
    data.update(overrides)
    return data


def sent_report(world, **fields):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff,
                           pso_summary="A late dose after a silenced pump alarm.", **fields)
    services.report_send(report=report, actor=world.lead)
    report.refresh_from_db()
    return report


def html(response):
    return response.content.decode()


# Filing a report ------------------------------------------------------------------------------

def test_the_form_shows_choices_with_their_definitions(world, client_for):
    page = html(client_for(world.staff).get(reverse("report-new")))
    assert "Patient Safety Work Product" in page
    assert "Near misses count" in page  # the event type's explanation
    assert "interferes significantly with functional ability" in page  # severe harm definition
    assert "Pressure ulcer / pressure injury" in page


def test_save_a_draft_then_submit_it(world, client_for):
    client = client_for(world.staff)
    response = client.post(reverse("report-new"), {**form_data(), "draft": "1"})
    report = IncidentReport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("report-detail", args=[report.public_id])
    assert report.status == ReportStatus.DRAFT and report.reference == ""
    assert report.reporter == world.staff and report.hospital == world.hospital

    edit = reverse("report-edit", args=[report.public_id])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {**form_data(narrative="The pump alarm was silenced and the "
                                                        "dose was two hours late."),
                                  "submit": "1"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.reference == f"MTH-{timezone.localdate().year}-0001"
    assert report.narrative.startswith("The pump alarm")
    assert report.pk == IncidentReport.objects.get().pk  # the draft itself, not a copy
    page = html(client.get(response.url))
    assert report.reference in page and "Submitted" in page


def test_a_submitted_report_cannot_be_edited(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    client = client_for(world.staff)
    response = client.post(reverse("report-edit", args=[report.public_id]),
                           {**form_data(narrative="Rewritten"), "submit": "1"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.narrative != "Rewritten"


@pytest.mark.parametrize("overrides, field", [
    ({"event_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
      "discovered_date": ""}, "event_date"),
    ({"discovered_date": (timezone.localdate() - timedelta(days=5)).isoformat()},
     "discovered_date"),
    ({"event_type": "near_miss", "medication_category": "B"}, "harm_level"),
    ({"event_type": "near_miss", "harm_level": "", "harm_duration": "",
      "medication_category": "B"}, "near_miss_recovery"),
    ({"category": "fall"}, "medication_category"),
    ({"harm_level": ""}, "harm_level"),
])
def test_submitting_an_invalid_report_saves_nothing(world, client_for, overrides, field):
    response = client_for(world.staff).post(reverse("report-new"),
                                            {**form_data(**overrides), "submit": "1"})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not IncidentReport.objects.exists()


def test_an_unknown_date_is_accepted(world, client_for):
    response = client_for(world.staff).post(
        reverse("report-new"),
        {**form_data(event_date="", discovered_date=""), "submit": "1"})
    assert response.status_code == 302
    report = IncidentReport.objects.get()
    assert report.event_date is None and report.status == ReportStatus.SUBMITTED


def test_a_near_miss_records_what_stopped_it(world, client_for):
    response = client_for(world.staff).post(reverse("report-new"), {
        **form_data(event_type="near_miss", harm_level="", harm_duration="",
                    medication_category="B",
                    near_miss_recovery="The barcode scan at the bedside caught it."),
        "submit": "1"})
    assert response.status_code == 302
    report = IncidentReport.objects.get()
    assert report.near_miss_recovery.startswith("The barcode scan")
    assert report.harm_level == ""


def test_identifiers_in_the_narrative_need_a_confirmation(world, client_for):
    client = client_for(world.staff)
    narrative = (f"{world.other_staff.full_name} gave the dose late; call 916-555-0142 "
                 "for details.")
    data = {**form_data(narrative=narrative), "submit": "1"}
    response = client.post(reverse("report-new"), data)
    assert response.status_code == 200
    assert not IncidentReport.objects.exists()
    page = html(response)
    assert 'data-testid="screening-findings"' in page
    assert "916-555-0142" in page and world.other_staff.full_name in page
    assert "confirm_screening" in page
    assert [item.name for item in response.context["screened"]] == ["narrative"]

    response = client.post(reverse("report-new"), {**data, "confirm_screening": "on"})
    assert response.status_code == 302
    assert IncidentReport.objects.get().status == ReportStatus.SUBMITTED


def test_the_reporter_may_hide_their_name(world, client_for):
    client_for(world.staff).post(reverse("report-new"),
                                 {**form_data(), "reporter_hidden": "on", "submit": "1"})
    report = IncidentReport.objects.get()
    assert report.reporter_hidden is True and report.reporter == world.staff
    page = html(client_for(world.lead).get(reverse("report-review", args=[report.public_id])))
    assert world.staff.display_name not in page and "withheld" in page


def test_clean_text_is_saved_without_questions(world, client_for):
    response = client_for(world.staff).post(reverse("report-new"),
                                            {**form_data(), "draft": "1"})
    assert response.status_code == 302
    assert IncidentReport.objects.count() == 1


# Who reads what -------------------------------------------------------------------------------

REPORT_URLS = ["report-detail", "report-edit", "report-review"]
POST_URLS = ["report-send", "report-withdraw", "report-commit", "report-addendum"]


@pytest.mark.parametrize("who", ["other_lead", "other_staff"])
def test_a_member_of_another_hospital_gets_404(world, client_for, who):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff,
                           pso_summary="Summary")
    client = client_for(getattr(world, who))
    for name in REPORT_URLS:
        assert client.get(reverse(name, args=[report.public_id])).status_code in (404, 403)
    if who == "other_lead":
        for name in REPORT_URLS:
            assert client.get(reverse(name, args=[report.public_id])).status_code == 404
        for name in POST_URLS:
            response = client.post(reverse(name, args=[report.public_id]),
                                   {"reason": "x", "text": "x",
                                    "send_by": timezone.localdate().isoformat()})
            assert response.status_code == 404
    else:
        assert client.get(reverse("report-detail", args=[report.public_id])).status_code == 404
        assert client.get(reverse("report-edit", args=[report.public_id])).status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert AuditEvent.objects.filter(action="denied", actor=getattr(world, who)).exists()


def test_staff_cannot_open_colleagues_reports(world, client_for):
    colleague = MembershipFactory(hospital=world.hospital).user
    theirs = ReportFactory(hospital=world.hospital, reporter=colleague)
    their_draft = ReportFactory(hospital=world.hospital, reporter=colleague, status="draft",
                                reference="")
    client = client_for(world.staff)
    for report in (theirs, their_draft):
        assert client.get(reverse("report-detail", args=[report.public_id])).status_code == 404
        assert client.get(reverse("report-edit", args=[report.public_id])).status_code == 404
    mine = ReportFactory(hospital=world.hospital, reporter=world.staff)
    assert client.get(reverse("report-detail", args=[mine.public_id])).status_code == 200


def test_the_lead_sees_the_hospitals_reports_but_not_colleagues_drafts(world, client_for):
    submitted = ReportFactory(hospital=world.hospital, reporter=world.staff)
    draft = ReportFactory(hospital=world.hospital, reporter=world.staff, status="draft",
                          reference="")
    own_draft = ReportFactory(hospital=world.hospital, reporter=world.lead, status="draft",
                              reference="")
    client = client_for(world.lead)
    assert client.get(reverse("report-detail", args=[submitted.public_id])).status_code == 200
    assert client.get(reverse("report-review", args=[submitted.public_id])).status_code == 200
    assert client.get(reverse("report-detail", args=[draft.public_id])).status_code == 404
    assert client.get(reverse("report-review", args=[draft.public_id])).status_code == 404
    assert client.get(reverse("report-detail", args=[own_draft.public_id])).status_code == 200
    queue = html(client.get(reverse("review-queue")))
    assert submitted.reference in queue
    assert str(draft.public_id) not in queue and str(own_draft.public_id) not in queue


def test_staff_cannot_reach_the_review_pages(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    client = client_for(world.staff)
    assert client.get(reverse("review-queue")).status_code == 403
    assert client.get(reverse("report-review", args=[report.public_id])).status_code == 403
    assert client.post(reverse("report-send", args=[report.public_id])).status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_reading_a_report_is_audited(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    client_for(world.lead).get(reverse("report-detail", args=[report.public_id]))
    client_for(world.staff).get(reverse("report-detail", args=[report.public_id]))
    viewers = set(AuditEvent.objects.filter(action="view", object_id=str(report.public_id))
                  .values_list("actor", flat=True))
    assert viewers == {world.lead.pk, world.staff.pk}


def test_a_hidden_reporter_is_shown_to_no_one(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff, reporter_hidden=True,
                           pso_summary="Summary for the PSO.")
    client = client_for(world.lead)
    for name in ("report-detail", "report-review"):
        page = html(client.get(reverse(name, args=[report.public_id])))
        assert world.staff.full_name not in page and world.staff.email not in page
        assert "withheld" in page
    shown = ReportFactory(hospital=world.hospital, reporter=world.staff)
    page = html(client.get(reverse("report-review", args=[shown.public_id])))
    assert world.staff.display_name in page


def test_my_reports_shows_status_and_feedback(world, client_for):
    mine = ReportFactory(hospital=world.hospital, reporter=world.staff)
    services.report_review_save(report=mine, actor=world.lead, factors=[],
                                feedback="Thank you, the pumps are being checked.")
    draft = ReportFactory(hospital=world.hospital, reporter=world.staff, status="draft",
                          reference="")
    colleagues = ReportFactory(hospital=world.hospital, reporter=world.lead)
    client = client_for(world.staff)
    page = html(client.get(reverse("my-reports")))
    assert mine.reference in page and "In review" in page
    assert "Feedback from your safety lead" in page
    assert str(draft.public_id) in page and "Draft" in page
    assert colleagues.reference not in page
    detail = html(client.get(reverse("report-detail", args=[mine.public_id])))
    assert "Thank you, the pumps are being checked." in detail


# The review queue -----------------------------------------------------------------------------

def test_review_queue_filters(world, client_for):
    today = timezone.localdate()
    fall = ReportFactory(hospital=world.hospital, category="fall", harm_level="severe",
                         harm_duration="permanent", location_type="icu",
                         event_date=today - timedelta(days=40),
                         narrative="Found on the floor beside the bed.")
    med = ReportFactory(hospital=world.hospital, category="medication", harm_level="none",
                        harm_duration="", location_type="ed",
                        event_date=today - timedelta(days=2))
    services.report_review_save(report=med, actor=world.lead, factors=[])
    other = ReportFactory(hospital=world.other_hospital, category="fall")
    client = client_for(world.lead)

    def refs(**params):
        response = client.get(reverse("review-queue"), params)
        assert response.status_code == 200
        return {r.reference for r in response.context["page"]}

    assert refs() == {fall.reference, med.reference}
    assert other.reference not in refs()
    assert refs(category="fall") == {fall.reference}
    assert refs(harm="none") == {med.reference}
    assert refs(unit="icu") == {fall.reference}
    assert refs(status="in_review") == {med.reference}
    assert refs(status="submitted") == {fall.reference}
    assert refs(date_from=(today - timedelta(days=10)).isoformat()) == {med.reference}
    assert refs(date_to=(today - timedelta(days=10)).isoformat()) == {fall.reference}
    assert refs(q="floor beside") == {fall.reference}
    assert refs(q=med.reference.lower()) == {med.reference}


def test_review_queue_sorts_and_paginates(world, client_for):
    now = timezone.now()
    reports = [ReportFactory(hospital=world.hospital, reference=f"MTH-2026-{i:04d}",
                             submitted_at=now - timedelta(hours=i)) for i in range(1, 28)]
    client = client_for(world.lead)
    first = client.get(reverse("review-queue"))
    page = first.context["page"]
    assert len(page) == 25 and page.has_next and not page.has_previous
    assert page.items[0] == reports[0]  # newest first
    assert "page=2" in html(first)
    second = client.get(reverse("review-queue"), {"page": 2})
    assert [r.reference for r in second.context["page"]] == ["MTH-2026-0026", "MTH-2026-0027"]
    assert not second.context["page"].has_next
    oldest = client.get(reverse("review-queue"), {"sort": "oldest"}).context["page"]
    assert oldest.items[0] == reports[-1]
    by_ref = client.get(reverse("review-queue"), {"sort": "reference"}).context["page"]
    assert by_ref.items[0].reference == "MTH-2026-0027"
    # Filters are kept when paging.
    filtered = html(client.get(reverse("review-queue"), {"category": "medication"}))
    assert "category=medication&amp;page=2" in filtered
    # The export takes what the queue shows: the default "needs action" and the category.
    assert reverse("report-export") + "?status=action&amp;category=medication" in filtered
    assert client.get(reverse("review-queue"), {"page": "nonsense"}).status_code == 200


# Review, send, withdraw -----------------------------------------------------------------------

REVIEW_POST = {
    "factors": ["communication", "health_it"],
    "systems_issue": "true",
    "preventability": "likely",
    "handover_involved": "false",
    "pso_summary": "A dose was late after a pump alarm was silenced.",
    "feedback": "Thank you for reporting.",
}


def test_review_saves_fields_and_shows_them_again(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    client = client_for(world.lead)
    url = reverse("report-review", args=[report.public_id])
    page = html(client.get(url))
    for group in ("Person", "Tasks", "Tools and technology", "Organization",
                  "Physical environment"):
        assert group in page
    response = client.post(url, REVIEW_POST)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW
    assert report.systems_issue is True and report.handover_involved is False
    assert report.preventability == "likely"
    assert sorted(report.contributing_factors.values_list("code", flat=True)) == [
        "communication", "health_it"]
    form = client.get(url).context["form"]
    assert form["systems_issue"].value() is True
    rendered = str(form["systems_issue"])
    assert '<option value="true" selected>' in rendered
    assert '<option value="false" selected>' in str(form["handover_involved"])
    # Saving again without touching the yes/no answers keeps them.
    client.post(url, {**REVIEW_POST, "feedback": "More feedback"})
    report.refresh_from_db()
    assert report.systems_issue is True and report.handover_involved is False
    assert Notification.objects.filter(recipient=world.staff,
                                       title__startswith="New feedback").count() == 2


def test_a_review_post_after_sending_changes_nothing(world, client_for):
    report = sent_report(world, systems_issue=True)
    copy = SentReport.objects.get(report=report)
    client = client_for(world.lead)
    response = client.post(reverse("report-review", args=[report.public_id]),
                           {**REVIEW_POST, "systems_issue": "false",
                            "pso_summary": "Quietly changed", "feedback": "Quietly changed"})
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.pso_summary == "A late dose after a silenced pump alarm."
    assert report.feedback == "" and report.systems_issue is True
    assert not report.contributing_factors.exists()
    assert SentReport.objects.get(report=report).data == copy.data
    assert "frozen" in html(response)


def test_send_from_the_review_page(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    client = client_for(world.lead)
    client.post(reverse("report-review", args=[report.public_id]), REVIEW_POST)
    response = client.post(reverse("report-send", args=[report.public_id]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT
    assert SentReport.objects.get(report=report).data["pso_summary"] == REVIEW_POST["pso_summary"]
    # Sending twice keeps the first copy.
    client.post(reverse("report-send", args=[report.public_id]))
    assert SentReport.objects.count() == 1


def test_send_without_summary_is_refused(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    response = client_for(world.lead).post(reverse("report-send", args=[report.public_id]),
                                           follow=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert "summary for the PSO" in html(response)


def test_withdraw_needs_a_reason(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    client = client_for(world.lead)
    url = reverse("report-withdraw", args=[report.public_id])
    client.post(url, {"reason": ""})
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    client.post(url, {"reason": "Entered twice"})
    report.refresh_from_db()
    assert report.status == ReportStatus.WITHDRAWN and report.withdrawal_reason == "Entered twice"
    assert Notification.objects.filter(recipient=world.staff,
                                       title__endswith="was withdrawn").exists()
    # A withdrawn report cannot be sent afterwards.
    client.post(reverse("report-send", args=[report.public_id]))
    report.refresh_from_db()
    assert report.status == ReportStatus.WITHDRAWN


def test_commit_to_send_by_a_date(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    client = client_for(world.lead)
    url = reverse("report-commit", args=[report.public_id])
    client.post(url, {"send_by": (timezone.localdate() - timedelta(days=1)).isoformat()})
    report.refresh_from_db()
    assert report.committed_send_by is None
    send_by = timezone.localdate() + timedelta(days=7)
    client.post(url, {"send_by": send_by.isoformat()})
    report.refresh_from_db()
    assert report.committed_send_by == send_by


def test_addendum_after_sending(world, client_for):
    report = sent_report(world)
    client = client_for(world.lead)
    client.post(reverse("report-addendum", args=[report.public_id]),
                {"text": "The pump model was recalled."})
    assert report.addenda.get().text == "The pump model was recalled."
    page = html(client_for(world.coordinator).get(reverse("pso-report-detail",
                                                          args=[report.public_id])))
    assert "The pump model was recalled." in page
    assert world.lead.display_name not in page


# The PSO --------------------------------------------------------------------------------------

def test_the_pso_sees_only_what_was_sent(world, client_for):
    sent = sent_report(world)
    other_sent = ReportFactory(hospital=world.other_hospital, pso_summary="Other summary")
    services.report_send(report=other_sent, actor=world.other_lead)
    draft = ReportFactory(hospital=world.hospital, reporter=world.staff, status="draft",
                          reference="")
    submitted = ReportFactory(hospital=world.hospital, reporter=world.staff)
    withdrawn = ReportFactory(hospital=world.hospital, reporter=world.staff)
    services.report_withdraw(report=withdrawn, actor=world.lead, reason="Duplicate")
    client = client_for(world.coordinator)

    response = client.get(reverse("pso-report-list"))
    listed = {r.pk for r in response.context["page"]}
    assert listed == {sent.pk, other_sent.pk}
    page = html(response)
    for hidden in (draft, submitted, withdrawn):
        assert str(hidden.public_id) not in page
        assert client.get(reverse("pso-report-detail",
                                  args=[hidden.public_id])).status_code == 404
    assert "Patient Safety Work Product" in page

    only_other = client.get(reverse("pso-report-list"),
                            {"hospital": str(world.other_hospital.public_id)})
    assert {r.pk for r in only_other.context["page"]} == {other_sent.pk}
    assert {r.pk for r in client.get(reverse("pso-report-list"), {"q": sent.reference})
            .context["page"]} == {sent.pk}


def test_the_pso_detail_hides_the_reporter_and_what_was_not_sent(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    services.report_review_save(report=report, actor=world.lead, factors=["handover"],
                                systems_issue=True, pso_summary="Handover missed the dose.",
                                feedback="Private thanks to the nurse.")
    services.report_send(report=report, actor=world.lead)
    response = client_for(world.coordinator).get(reverse("pso-report-detail",
                                                         args=[report.public_id]))
    assert response.status_code == 200
    page = html(response)
    assert report.reference in page and "Handover missed the dose." in page
    assert "Handover / handoff" in page
    assert "Private thanks to the nurse." not in page
    assert world.staff.full_name not in page and world.staff.email not in page
    assert world.lead.full_name not in page
    assert "Patient Safety Work Product" in page
    assert AuditEvent.objects.filter(action="view", actor=world.coordinator,
                                     object_id=str(report.public_id)).exists()


def test_hospital_members_cannot_reach_the_pso_pages(world, client_for):
    report = sent_report(world)
    for user in (world.lead, world.staff, world.facilitator):
        client = client_for(user)
        assert client.get(reverse("pso-report-list")).status_code == 403
        assert client.get(reverse("pso-report-detail",
                                  args=[report.public_id])).status_code == 403


def test_list_rows_link_to_their_report_and_date_it_as_the_filters_would(world, client_for):
    from django.template.defaultfilters import date as date_filter

    report = ReportFactory(hospital=world.hospital, reporter=world.staff,
                           pso_summary="A late dose after a silenced pump alarm.")
    report = services.report_send(report=report, actor=world.lead).report
    report.refresh_from_db()
    pages = [
        # Pages show moments in the portal's time zone (between midnight UTC and midnight
        # there, the day differs from UTC's).
        (world.staff, "my-reports", "report-detail",
         date_filter(timezone.localtime(report.created_at), "M j, Y")),
        (world.lead, "review-queue", "report-review", date_filter(report.event_date, "M j, Y")),
        (world.coordinator, "pso-report-list", "pso-report-detail",
         date_filter(timezone.localtime(report.sent_at), "M j, Y")),
    ]
    for user, page, detail, date_text in pages:
        # A sent report is under "All reports" in the review queue, not "Needs action".
        params = {"status": "all"} if page == "review-queue" else {}
        html = client_for(user).get(reverse(page), params).content.decode()
        assert f'href="{reverse(detail, args=[report.public_id])}"' in html, page
        assert date_text and date_text in html, page
