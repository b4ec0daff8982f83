"""The reviewer cannot change the reporter's words, but may replace a finding in them with a
placeholder ("[name]", "[date]") in the copy sent to the PSO, a third choice beside fixing and
keeping with a reason. The hospital's report keeps what the reporter wrote."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from cases import services
from cases.models import ReportStatus, SentReport
from cases.screening import finding_key, finding_rows, replaced_text, screen_texts
from chpso_portal.deidentify import screen
from tests.factories import ReportFactory

from .test_screening_boundaries import NARRATIVE, REVIEW, marks
from .test_views import html

KEYS = {text: finding_key(kind, text) for kind, text in (
    ("title_name", "Dr. Okafor"), ("long_number", "00482913"), ("date", "3/14/2026"))}
AS_SENT = "[name] gave the second dose to the patient, MRN [number], an hour after the first " \
          "on [date]."


@pytest.fixture(autouse=True)
def fresh_known_names():
    cache.clear()
    yield
    cache.clear()


def test_a_replaced_finding_becomes_its_placeholder_and_the_rest_stays():
    findings = screen(NARRATIVE)
    assert replaced_text(NARRATIVE, findings, {("title_name", "Dr. Okafor")}) == (
        "[name] gave the second dose to the patient, MRN 00482913, an hour after the first on "
        "3/14/2026.")
    assert replaced_text(NARRATIVE, findings, set()) == NARRATIVE
    everything = {(str(f.kind.value), f.text) for f in findings}
    assert replaced_text(NARRATIVE, findings, everything) == AS_SENT


def test_a_checked_replacement_is_a_dismissal_with_its_own_reason(db):
    screened = screen_texts([("narrative", "What happened", NARRATIVE)])
    posted = {f"dismiss-{key}": "" for key in KEYS.values()}
    posted[f"replace-{KEYS['Dr. Okafor']}"] = "1"
    posted[f"dismiss-{KEYS['3/14/2026']}"] = "The PSO needs the date."
    rows, dismissed = finding_rows(screened, posted=posted, replaceable=True)
    assert dismissed == [
        {"kind": "title_name", "text": "Dr. Okafor", "replace": True,
         "reason": "Replaced with [name] in the copy sent to the PSO."},
        {"kind": "date", "text": "3/14/2026", "reason": "The PSO needs the date."},
    ]
    assert [row["replace"] for row in rows] == [True, False, False]
    # Shown again from what was saved, the box stays ticked and the reason field empty.
    rows, again = finding_rows(screened, saved=dismissed, replaceable=True)
    assert rows[0]["replace"] and rows[0]["reason"] == ""
    assert again == dismissed
    # Pages that offer no replacement are not changed by it.
    rows, _ = finding_rows(screened, posted=posted)
    assert not any(row["replace"] for row in rows)


def test_the_pso_receives_placeholders_and_the_hospital_keeps_the_words(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff, narrative=NARRATIVE)
    client = client_for(world.lead)
    review = reverse("report-review", args=[report.public_id])
    send = reverse("report-send", args=[report.public_id])
    page = html(client.get(review))
    assert f'name="replace-{KEYS["Dr. Okafor"]}"' in page
    assert "Or replace <q>Dr. Okafor</q> with <q>[name]</q> in the copy sent to the PSO" in page

    response = client.post(review, {**REVIEW, "send": "1",
                                    **{f"dismiss-{key}": "" for key in KEYS.values()},
                                    **{f"replace-{key}": "1" for key in KEYS.values()}})
    assert response.url == send
    report.refresh_from_db()
    assert all(d["replace"] and d["by"] == world.lead.email for d in report.dismissed_findings)
    assert services.unresolved_sent_findings(report) == []

    # The confirmation shows what the PSO will read.
    page = html(client.get(send))
    assert AS_SENT in page and "Dr. Okafor gave" not in page
    assert "replaced with <q>[name]</q> in the copy sent" in page

    assert client.post(send).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT
    assert report.narrative == NARRATIVE
    assert SentReport.objects.get(report=report).data["narrative"] == AS_SENT
    pso_page = html(client_for(world.coordinator).get(reverse("pso-report-detail",
                                                              args=[report.public_id])))
    assert AS_SENT in pso_page and "Okafor" not in pso_page
    # The hospital's review page still shows the reporter's words and what was replaced.
    page = html(client.get(review))
    assert marks(page) == ["Dr. Okafor", "00482913", "3/14/2026"]
    assert "replaced with <q>[date]</q> in the copy sent" in page


def test_unticking_a_replacement_asks_for_a_reason_again(world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff, narrative=NARRATIVE)
    client = client_for(world.lead)
    review = reverse("report-review", args=[report.public_id])
    blank = {f"dismiss-{key}": "" for key in KEYS.values()}
    client.post(review, {**REVIEW, **blank, **{f"replace-{key}": "1" for key in KEYS.values()}})
    client.post(review, {**REVIEW, **blank,
                         f"replace-{KEYS['00482913']}": "1", f"replace-{KEYS['3/14/2026']}": "1"})
    report.refresh_from_db()
    assert sorted(d["text"] for d in report.dismissed_findings) == ["00482913", "3/14/2026"]
    assert [f.text for _, f in services.unresolved_sent_findings(report)] == ["Dr. Okafor"]


def test_the_pso_search_cannot_find_a_replaced_word(world, client_for):
    """The PSO's search reads the copy it received: searching for a replaced name must not
    tell which report named it."""
    report = ReportFactory(hospital=world.hospital, reporter=world.staff, narrative=NARRATIVE)
    client = client_for(world.lead)
    client.post(reverse("report-review", args=[report.public_id]),
                {**REVIEW, "send": "1", **{f"dismiss-{key}": "" for key in KEYS.values()},
                 **{f"replace-{key}": "1" for key in KEYS.values()}})
    assert client.post(reverse("report-send", args=[report.public_id])).status_code == 302
    pso = client_for(world.coordinator)

    def found(q):
        page = html(pso.get(reverse("pso-report-list"), {"q": q}))
        return str(report.public_id) in page

    assert found("second dose") and found("[name]") and found(report.reference)
    assert not found("Okafor") and not found("00482913") and not found("3/14/2026")
