"""Sending to the PSO keeps what was typed and asks first; forms show their errors where a
phone and a screen reader find them."""

import re

from django.urls import reverse

from cases.models import ReportStatus, SentReport
from tests.cases.test_views import form_data
from tests.factories import ReportFactory

REVIEW = {
    "factors": ["communication", "health_it"],
    "systems_issue": "true",
    "preventability": "likely",
    "handover_involved": "false",
    "pso_summary": "",
    "feedback": "Thank you for reporting.",
}


def html(response):
    return response.content.decode()


def test_send_without_a_summary_keeps_the_review_and_marks_the_field(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    response = client_for(world.lead).post(reverse("report-review", args=[report.public_id]),
                                           {**REVIEW, "send": "1"})
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW
    assert sorted(report.contributing_factors.values_list("code", flat=True)) == [
        "communication", "health_it"]
    assert report.feedback == "Thank you for reporting." and report.systems_issue is True
    page = html(response)
    # The summary at the top links to the field; the field says it is invalid and why.
    assert re.search(r'data-error-summary.*href="#id_pso_summary"', page, re.S)
    textarea = re.search(r"<textarea[^>]*name=\"pso_summary\"[^>]*>", page).group(0)
    assert 'aria-invalid="true"' in textarea
    assert 'aria-describedby="id_pso_summary_helptext id_pso_summary_error"' in textarea
    assert 'id="id_pso_summary_error"' in page and 'id="id_pso_summary_helptext"' in page
    # The ticked factors are still ticked.
    assert re.search(r'value="health_it" id="factor-health_it" checked', page)
    assert not SentReport.objects.exists()


def test_send_saves_then_shows_what_will_go_and_sends_only_on_confirmation(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    client = client_for(world.lead)
    summary = "A dose was late after a pump alarm was silenced."
    response = client.post(reverse("report-review", args=[report.public_id]),
                           {**REVIEW, "pso_summary": summary, "send": "1"})
    send_url = reverse("report-send", args=[report.public_id])
    assert response.status_code == 302 and response.url == send_url
    report.refresh_from_db()
    assert report.pso_summary == summary and report.status == ReportStatus.IN_REVIEW

    page = html(client.get(send_url))
    assert "cannot be undone" in page
    assert summary in page and "Communication" in page
    assert report.narrative in page
    # The feedback to the reporter does not go to the PSO, and the page does not show it.
    assert "Thank you for reporting." not in page
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW and not SentReport.objects.exists()

    assert client.post(send_url).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT
    assert SentReport.objects.get(report=report).data["pso_summary"] == summary
    # Once sent, the confirmation page sends back to the review, which keeps the factors.
    assert client.get(send_url).url == reverse("report-review", args=[report.public_id])
    review = html(client.get(reverse("report-review", args=[report.public_id])))
    assert "Communication" in review and "Sent to the PSO" in review


def test_saving_the_review_alone_does_not_ask_to_send(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    response = client_for(world.lead).post(reverse("report-review", args=[report.public_id]),
                                           {**REVIEW, "save": "1"})
    assert response.url == reverse("report-review", args=[report.public_id])


def test_send_confirmation_is_for_the_hospitals_reviewers_only(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    url = reverse("report-send", args=[report.public_id])
    assert client_for(world.other_lead).get(url).status_code == 404
    assert client_for(world.staff).get(url).status_code == 403


def test_a_report_without_harm_says_so_at_the_top_and_on_the_field(world, client_for):
    response = client_for(world.staff).post(reverse("report-new"),
                                            {**form_data(harm_level="", harm_duration=""),
                                             "submit": "1"})
    assert response.status_code == 200
    page = html(response)
    assert re.search(r'data-error-summary.*href="#id_harm_level_0"[^>]*>[^<]*patient was harmed',
                     page, re.S)
    assert 'id="-errors"' not in page and 'for=""' not in page
    for radio in re.findall(r'<input type="radio" name="harm_level"[^>]*>', page):
        assert 'aria-invalid="true"' in radio
    assert re.search(r'<fieldset[^>]*aria-describedby="id_harm_level_error"', page)
    assert 'id="id_harm_level_error"' in page
    # The labels say when the conditional answers are required.
    assert "(required for incidents)" in page and "(required for near misses)" in page
    assert not re.search(r"Harm[^<]*<span[^>]*>\(optional\)", page)


def test_a_valid_form_has_no_summary(world, client_for):
    page = html(client_for(world.staff).get(reverse("report-new")))
    assert "data-error-summary" not in page and "aria-invalid" not in page
