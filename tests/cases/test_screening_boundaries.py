"""Screening where text crosses a boundary: the report form at submit, the review before the
report goes to the PSO, and every imported row. Findings are shown in their context with the
words found; the reporter may send anyway; before sending to the PSO each finding is fixed or
dismissed with a reason."""

import re
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse

from cases import services
from cases.models import ImportStatus, IncidentReport, ReportImport, ReportStatus, SentReport
from cases.screening import finding_key, finding_rows, screen_texts, unresolved
from chpso_portal.audit.models import AuditEvent
from chpso_portal.deidentify import screen
from tests.factories import ReportFactory

from .test_transfer import csv_bytes, row, upload
from .test_views import form_data, html

# Words today's screener finds whatever the names the portal knows: a title with a name, a
# record number and a full date.
NARRATIVE = ("Dr. Okafor gave the second dose to the patient, MRN 00482913, an hour after the "
             "first on 3/14/2026.")


@pytest.fixture(autouse=True)
def fresh_known_names():
    cache.clear()
    yield
    cache.clear()


def marks(page):
    """The words highlighted as findings, in order."""
    return re.findall(r'<mark class="finding" data-kind="[^"]+">([^<]*)<span', page)


# The template tag ------------------------------------------------------------------------------

def render_in_context(text, findings, **extra):
    template = Template("{% load screening %}{% findings_in_context text findings label=label %}")
    return template.render(Context({"text": text, "findings": findings, "label": "", **extra}))


def test_findings_are_highlighted_in_their_escaped_text_with_their_kind_in_words():
    text = "<b>Dr. Okafor</b> saw the\npatient, MRN 00482913."
    out = render_in_context(text, screen(text), label="What happened")
    assert "<b>" not in out and "&lt;b&gt;" in out
    assert marks(out) == ["Dr. Okafor", "00482913"]
    # The kind is read out, not shown by colour alone; the list names each finding once.
    assert '<span class="visually-hidden"> (possible identifier: a title and a name)</span>' in out
    assert "We found:" in out
    assert '<q><mark class="p-0">Dr. Okafor</mark></q> (a title and a name)' in out
    assert "(a record, account or other long number)" in out
    assert "What happened" in out and "the\npatient" in out


def test_a_finding_from_another_text_is_listed_but_not_highlighted():
    finding = SimpleNamespace(kind="name", start=0, end=4, text="Jane", explanation="A name.")
    out = render_in_context("Nothing here", [finding])
    assert marks(out) == []
    assert '<q><mark class="p-0">Jane</mark></q> (a person&#x27;s name)' in out
    assert render_in_context("Nothing here", []) == ""


def test_a_page_that_lists_the_findings_itself_asks_for_the_text_only():
    text = "Seen by Dr. Okafor."
    template = Template("{% load screening %}{% findings_in_context text findings "
                        "with_list=False %}")
    out = template.render(Context({"text": text, "findings": screen(text)}))
    assert marks(out) == ["Dr. Okafor"] and "We found" not in out


def test_one_helper_gives_rows_reasons_and_what_is_unresolved(db):
    screened = screen_texts([("narrative", "What happened", NARRATIVE),
                             ("pso_summary", "Summary", "Seen by Dr. Okafor."),
                             ("location_detail", "Where", "corridor")])
    assert [item.name for item in screened] == ["narrative", "pso_summary"]
    key = finding_key("title_name", "Dr. Okafor")
    rows, dismissed = finding_rows(screened, posted={f"dismiss-{key}": "  A pseudonym.  "})
    row_for = {r["text"]: r for r in rows}
    assert row_for["Dr. Okafor"]["where"] == ["What happened", "Summary"]
    assert row_for["Dr. Okafor"]["reason"] == "A pseudonym."
    assert dismissed == [{"kind": "title_name", "text": "Dr. Okafor", "reason": "A pseudonym."}]
    left = [finding.text for _, finding in unresolved(screened, dismissed)]
    assert "Dr. Okafor" not in left and "00482913" in left
    # A saved reason is kept when the form did not carry the field; an empty one is no reason.
    rows, _ = finding_rows(screened, posted={}, saved=dismissed)
    assert {r["text"]: r["reason"] for r in rows}["Dr. Okafor"] == "A pseudonym."
    rows, dismissed = finding_rows(screened, posted={f"dismiss-{key}": "  "}, saved=dismissed)
    assert dismissed == []


# The report form -------------------------------------------------------------------------------

def test_the_reporter_sees_the_words_highlighted_and_keeps_everything_typed(world, client_for):
    client = client_for(world.staff)
    data = {**form_data(narrative=NARRATIVE, location_detail="bed 4 by the window",
                        event_time="14:30"), "submit": "1"}
    response = client.post(reverse("report-new"), data)
    assert response.status_code == 200
    assert not IncidentReport.objects.exists()
    page = html(response)
    assert marks(page) == ["Dr. Okafor", "00482913", "3/14/2026"]
    # The warning opens the form and takes the focus, before the first question.
    warning = page.index('data-testid="screening-findings"')
    assert warning < page.index('name="event_type"')
    assert re.search(r'<section[^>]*data-testid="screening-findings"[^>]*tabindex="-1" '
                     r"autofocus", page)
    # Nothing typed is lost.
    form = response.context["form"]
    for name in ("narrative", "location_detail", "event_date", "discovered_date", "event_time",
                 "harm_level", "medication_category"):
        assert str(form[name].value()) == data[name], name
    assert "bed 4 by the window" in page and "an hour after the first" in page


def test_fixing_the_words_sends_without_a_question(world, client_for):
    client = client_for(world.staff)
    client.post(reverse("report-new"), {**form_data(narrative=NARRATIVE), "submit": "1"})
    response = client.post(reverse("report-new"), {
        **form_data(narrative="The covering physician gave the second dose an hour after the "
                              "first."), "submit": "1"})
    assert response.status_code == 302
    assert IncidentReport.objects.get().status == ReportStatus.SUBMITTED


def test_confirming_sends_it_as_it_is_and_the_audit_counts_without_the_words(world, client_for):
    client = client_for(world.staff)
    response = client.post(reverse("report-new"), {**form_data(narrative=NARRATIVE),
                                                   "submit": "1", "confirm_screening": "on"})
    assert response.status_code == 302
    report = IncidentReport.objects.get()
    assert report.status == ReportStatus.SUBMITTED and report.narrative == NARRATIVE
    event = AuditEvent.objects.get(action="send", summary__startswith="Submitted")
    assert event.detail["screening_confirmed"] == {"date": 1, "long_number": 1,
                                                   "title_name": 1}
    assert "Okafor" not in str(event.detail)


def test_a_draft_is_saved_without_screening(world, client_for):
    response = client_for(world.staff).post(reverse("report-new"),
                                            {**form_data(narrative=NARRATIVE), "draft": "1"})
    assert response.status_code == 302
    assert IncidentReport.objects.get().status == ReportStatus.DRAFT


def test_errors_and_findings_show_together(world, client_for):
    response = client_for(world.staff).post(reverse("report-new"), {
        **form_data(narrative=NARRATIVE, harm_level=""), "submit": "1",
        "confirm_screening": "on"})
    assert response.status_code == 200 and not IncidentReport.objects.exists()
    assert "harm_level" in response.context["form"].errors
    assert marks(html(response)) == ["Dr. Okafor", "00482913", "3/14/2026"]


# The review before sending to the PSO ----------------------------------------------------------

REVIEW = {"factors": ["communication"], "systems_issue": "true", "preventability": "likely",
          "handover_involved": "unknown", "pso_summary": "A dose given an hour early.",
          "feedback": ""}


def test_the_review_page_shows_the_words_in_context_and_sending_waits_for_them(world,
                                                                              client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff, narrative=NARRATIVE)
    client = client_for(world.lead)
    review = reverse("report-review", args=[report.public_id])
    page = html(client.get(review))
    assert marks(page) == ["Dr. Okafor", "00482913", "3/14/2026"]
    assert 'form="review-form"' in page and 'id="review-form"' in page
    client.post(review, REVIEW)
    response = client.post(reverse("report-send", args=[report.public_id]), follow=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW and not SentReport.objects.exists()
    assert "&#x27;Dr. Okafor&#x27; (What happened)" in html(response)


def test_each_finding_is_dismissed_with_a_reason_before_sending(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff, narrative=NARRATIVE)
    client = client_for(world.lead)
    review = reverse("report-review", args=[report.public_id])
    keys = {text: finding_key(kind, text) for kind, text in (
        ("title_name", "Dr. Okafor"), ("long_number", "00482913"), ("date", "3/14/2026"))}
    # A reason left empty dismisses nothing.
    client.post(review, {**REVIEW, **{f"dismiss-{k}": "" for k in keys.values()},
                         f"dismiss-{keys['Dr. Okafor']}": "A made-up name in a training case."})
    report.refresh_from_db()
    assert [d["text"] for d in report.dismissed_findings] == ["Dr. Okafor"]
    assert report.dismissed_findings[0]["by"] == world.lead.email
    with pytest.raises(ValidationError, match="00482913"):
        services.report_send(report=report, actor=world.lead)
    client.post(review, {**REVIEW, **{f"dismiss-{k}": "Not the patient's; the PSO needs it."
                                      for k in keys.values()},
                         f"dismiss-{keys['Dr. Okafor']}": "A made-up name in a training case."})
    report.refresh_from_db()
    # The first reason keeps its author and time.
    assert {d["text"]: d["reason"] for d in report.dismissed_findings}["Dr. Okafor"] == (
        "A made-up name in a training case.")
    response = client.post(reverse("report-send", args=[report.public_id]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT
    # Once sent, the page shows the reasons, with no field left to change them.
    page = html(client.get(review))
    assert "kept because <q>A made-up name in a training case.</q>" in page
    assert 'name="dismiss-' not in page


def test_save_and_send_stops_on_the_review_page_while_a_finding_is_unresolved(world,
                                                                            client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff, narrative=NARRATIVE)
    client = client_for(world.lead)
    review = reverse("report-review", args=[report.public_id])
    send = reverse("report-send", args=[report.public_id])
    response = client.post(review, {**REVIEW, "send": "1"})
    assert response.status_code == 302 and response.url == review
    page = html(client.get(review))
    assert "fix or dismiss with a reason" in page and "&#x27;00482913&#x27;" in page
    # The confirmation page is not offered either.
    assert client.get(send).url == review
    reasons = {f"dismiss-{finding_key(kind, text)}": "Test data from the source system."
               for kind, text in (("title_name", "Dr. Okafor"), ("long_number", "00482913"),
                                  ("date", "3/14/2026"))}
    response = client.post(review, {**REVIEW, **reasons, "send": "1"})
    assert response.url == send
    page = html(client.get(send))
    assert "Words kept with a reason" in page
    assert "kept because <q>Test data from the source system.</q>" in page
    assert client.post(send).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT


def test_a_word_fixed_in_the_summary_needs_no_reason(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    client = client_for(world.lead)
    review = reverse("report-review", args=[report.public_id])
    response = client.post(review, {**REVIEW, "pso_summary": "Dr. Okafor gave it early."},
                           follow=True)
    assert "Dr. Okafor" in marks(html(response))
    assert "fix or dismiss with a reason" in html(response)
    with pytest.raises(ValidationError, match="Summary for the PSO"):
        services.report_send(report=report, actor=world.lead)
    client.post(review, REVIEW)
    assert services.report_send(report=report, actor=world.lead).data["pso_summary"] == (
        REVIEW["pso_summary"])


def test_a_review_form_shown_again_keeps_the_summary_and_reasons_typed(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    client = client_for(world.lead)
    key = finding_key("title_name", "Dr. Okafor")
    response = client.post(reverse("report-review", args=[report.public_id]), {
        **REVIEW, "preventability": "not-a-choice", "pso_summary": "Dr. Okafor gave it early.",
        f"dismiss-{key}": "A pseudonym."})
    assert response.status_code == 200
    page = html(response)
    assert "Dr. Okafor gave it early." in page and 'value="A pseudonym."' in page
    assert marks(page) == ["Dr. Okafor"]
    report.refresh_from_db()
    assert report.pso_summary == "" and report.dismissed_findings == []


def test_the_service_refuses_a_dismissal_without_a_reason(world):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff, narrative=NARRATIVE)
    with pytest.raises(ValidationError, match="with a reason"):
        services.report_review_save(report=report, actor=world.lead, factors=[],
                                    dismissed_findings=[{"kind": "date", "text": "3/14/2026",
                                                         "reason": " "}])


# Imported rows -------------------------------------------------------------------------------

def test_every_imported_row_is_screened_and_its_findings_listed(
        world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.lead)
    content = csv_bytes([
        row("A-1"),
        row("A-2", narrative=f"{NARRATIVE} Seen again later."),
        row("A-3", location_detail="room of Dr. Patel"),
    ])
    response = upload(client, content, capture=django_capture_on_commit_callbacks)
    job = ReportImport.objects.get()
    assert job.status == ImportStatus.DONE and job.created_count == 3
    assert job.flagged_rows == 2
    by_row = {(entry["row"], entry["column"]): entry for entry in job.findings}
    assert sorted(by_row) == [(3, "narrative"), (4, "location_detail")]
    assert [w["text"] for w in by_row[(3, "narrative")]["words"]] == [
        "Dr. Okafor", "00482913", "3/14/2026"]
    flagged = IncidentReport.objects.get(source_id="A-2")
    assert by_row[(3, "narrative")]["reference"] == flagged.reference
    assert by_row[(3, "narrative")]["report"] == str(flagged.public_id)
    page = html(client.get(response["Location"]))
    assert 'data-testid="import-findings"' in page and "2 imported rows" in page
    assert "<q>00482913</q> (a record, account or other long number)" in page
    assert reverse("report-review", args=[flagged.public_id]) in page
    # The review page of that report shows the same words in their context.
    review = html(client.get(reverse("report-review", args=[flagged.public_id])))
    assert marks(review) == ["Dr. Okafor", "00482913", "3/14/2026"]


def test_a_clean_import_lists_no_findings(world, client_for,
                                          django_capture_on_commit_callbacks):
    client = client_for(world.lead)
    response = upload(client, csv_bytes([row("A-1")]),
                      capture=django_capture_on_commit_callbacks)
    job = ReportImport.objects.get()
    assert job.flagged_rows == 0 and job.findings == []
    assert 'data-testid="import-findings"' not in html(client.get(response["Location"]))
