"""An addendum to a sent report reaches the PSO as written, so it is screened like the summary
for the PSO: each finding is shown in the addendum's context and is changed or kept with a
reason before the addendum is added; a refused addendum comes back with everything typed."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.models import Addendum
from cases.screening import finding_key
from chpso_portal.audit.models import AuditEvent

from .test_screening_boundaries import marks
from .test_views import html, sent_report

ADDENDUM = "The pump was swapped by Dr. Okafor on 3/14/2026 after the recall notice."


@pytest.fixture(autouse=True)
def fresh_known_names():
    cache.clear()
    yield
    cache.clear()


def reasons_for(text, reason):
    """The posted reason fields that keep every finding of `text`."""
    return {f"dismiss-{finding_key(str(f.kind.value), f.text)}": reason
            for item in services.screen_addendum(text) for f in item.findings}


# The service ----------------------------------------------------------------------------------

def test_an_addendum_with_an_identifier_is_refused_naming_the_words(world):
    report = sent_report(world)
    with pytest.raises(ValidationError) as refused:
        services.report_add_addendum(report=report, actor=world.lead, text=ADDENDUM)
    message = " ".join(refused.value.messages)
    assert "'Dr. Okafor' (Addendum)" in message and "'3/14/2026' (Addendum)" in message
    assert not Addendum.objects.exists()


def test_an_addendum_is_added_when_each_finding_is_kept_with_a_reason(world):
    report = sent_report(world)
    kept = [{"kind": str(f.kind.value), "text": f.text, "reason": "The recall is public."}
            for item in services.screen_addendum(ADDENDUM) for f in item.findings]
    kept.append({"kind": "person", "text": "Not in the text", "reason": "Left over."})
    addendum = services.report_add_addendum(report=report, actor=world.lead, text=ADDENDUM,
                                            dismissed_findings=kept)
    assert addendum.text == ADDENDUM
    assert sorted(d["text"] for d in addendum.dismissed_findings) == ["3/14/2026", "Dr. Okafor"]
    assert {d["by"] for d in addendum.dismissed_findings} == {world.lead.email}
    assert all(d["reason"] == "The recall is public." and d["at"]
               for d in addendum.dismissed_findings)
    event = AuditEvent.objects.get(summary__startswith="Added an addendum")
    assert event.detail == {"dismissed_findings": 2}


def test_a_finding_kept_without_a_reason_is_not_kept(world):
    report = sent_report(world)
    blank = [{"kind": str(f.kind.value), "text": f.text, "reason": "  "}
             for item in services.screen_addendum(ADDENDUM) for f in item.findings]
    with pytest.raises(ValidationError):
        services.report_add_addendum(report=report, actor=world.lead, text=ADDENDUM,
                                     dismissed_findings=blank)
    assert not Addendum.objects.exists()


def test_a_clean_addendum_needs_no_reason(world):
    report = sent_report(world)
    addendum = services.report_add_addendum(report=report, actor=world.lead,
                                            text="The pump model was recalled.")
    assert addendum.dismissed_findings == []


# The review page ------------------------------------------------------------------------------

def test_the_review_page_shows_the_findings_in_the_addendum_and_keeps_the_text(world,
                                                                              client_for):
    report = sent_report(world)
    client = client_for(world.lead)
    url = reverse("report-addendum", args=[report.public_id])
    response = client.post(url, {"text": ADDENDUM})
    assert response.status_code == 200
    page = html(response)
    assert not Addendum.objects.exists()
    assert "Before this addendum goes to the PSO: check these words" in page
    assert 'aria-labelledby="addendum-screening-heading"' in page
    assert marks(page) == ["Dr. Okafor", "3/14/2026"]
    # Everything typed is there again, inside the addendum's form, with a reason field each.
    assert "The pump was swapped by Dr. Okafor on 3/14/2026 after the recall notice.</textarea>" \
        in page
    for name in reasons_for(ADDENDUM, ""):
        assert f'name="{name}"' in page
    assert "change each word that may identify someone or keep it with a reason" in page

    # One reason given, the other not: still refused, the reason typed is kept.
    posted = {"text": ADDENDUM}
    first, second = reasons_for(ADDENDUM, "")
    posted[first] = "Named in the recall letter."
    page = html(client.post(url, posted))
    assert not Addendum.objects.exists()
    assert 'value="Named in the recall letter."' in page

    # Every finding kept with a reason: added, and the PSO sees it.
    response = client.post(url, {"text": ADDENDUM, **reasons_for(ADDENDUM, "Public recall.")})
    assert response.status_code == 302
    addendum = Addendum.objects.get()
    assert len(addendum.dismissed_findings) == 2
    pso_page = html(client_for(world.coordinator).get(reverse("pso-report-detail",
                                                              args=[report.public_id])))
    assert "after the recall notice." in pso_page


def test_an_addendum_fixed_by_changing_the_words_is_added(world, client_for):
    report = sent_report(world)
    client = client_for(world.lead)
    url = reverse("report-addendum", args=[report.public_id])
    client.post(url, {"text": ADDENDUM})
    response = client.post(url, {"text": "The pump was swapped by the attending after the "
                                         "recall notice."})
    assert response.status_code == 302
    assert Addendum.objects.get().dismissed_findings == []


def test_the_reasons_kept_are_shown_with_the_addendum_on_the_review_page(world, client_for):
    report = sent_report(world)
    client = client_for(world.lead)
    client.post(reverse("report-addendum", args=[report.public_id]),
                {"text": ADDENDUM, **reasons_for(ADDENDUM, "Public recall.")})
    page = html(client.get(reverse("report-review", args=[report.public_id])))
    assert "Kept with a reason: <q>Dr. Okafor</q> (Public recall.)" in page
