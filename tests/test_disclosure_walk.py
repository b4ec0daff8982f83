"""Every view that compares hospitals goes through disclosure control, and nothing hidden leaks.

Views that compare hospitals carry `@disclosure.comparative`. This test walks the URL
configuration like tests/test_access_registry.py does: a comparative URL with no scenario
below fails it. Each scenario plants a small cell, then reads the page, its CSV and its SVG
chart and proves that the hidden figure is nowhere (text, HTML attribute, chart data), and,
for a member of a hospital, that no other hospital is named or identified.
"""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import PatientDays, ReportStatus

from .disclosure_checks import leaks, shown_strings
from .factories import ContractFactory, ReportFactory
from .test_access_registry import walk


def comparative_urls():
    return sorted(name for name, pattern in walk()
                  if name and getattr(pattern.callback, "comparative", False))


def pso_reports_dashboard(world):
    """A hospital with 7 reports in 2,917 patient days among three larger ones."""
    month = timezone.localdate().replace(day=1)
    hospitals = []
    for i, (count, days) in enumerate(((30, 4000), (25, 3000), (40, 5000), (7, 2917))):
        hospital = ContractFactory(hospital__name=f"Walk Hospital {i}").hospital
        hospitals.append(hospital)
        for _ in range(count):
            ReportFactory(hospital=hospital, reporter=None, status=ReportStatus.SENT,
                          submitted_at=timezone.now(), event_date=month)
        PatientDays.objects.create(hospital=hospital, month=month, patient_days=days,
                                   entered_by=world.lead)
    url = reverse("pso-reports-dashboard")
    return {"url": url, "downloads": ["rates.csv", "rates.svg"], "viewer": world.coordinator,
            "hidden": [7 / 2917 * 1000], "others": []}


def feedback_compare(world):
    """Four teams; one reports 3 of 7 (a denominator below 11), one 104 of 110 (a complement
    of 6). The viewer is the other hospital's team lead."""
    from .collaboratives.feedback_world import build_world, submit

    collaborative, (mine, theirs, extra0, extra1) = build_world(world, months=2)
    submit(mine, world.lead, 2, {"bundle": (104, 110)})
    submit(theirs, world.other_lead, 2, {"bundle": (61, 100)})
    submit(extra0, extra0.team_lead, 2, {"bundle": (3, 7)})
    submit(extra1, extra1.team_lead, 2, {"bundle": (70, 120)})
    measure = collaborative.measures.get(short_name="bundle")
    url = reverse("feedback-compare", args=[collaborative.public_id, measure.public_id])
    return {"url": url + "?month=2025-03&span=1", "downloads": ["funnel.csv", "funnel.svg"],
            "viewer": world.other_lead, "hidden": [300 / 7, 10400 / 110],
            "others": [t for t in (mine, extra0, extra1)]}


SCENARIOS = {
    "pso-reports-dashboard": pso_reports_dashboard,
    "feedback-compare": feedback_compare,
}


def test_every_comparative_url_has_a_scenario():
    assert comparative_urls() == sorted(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_no_hidden_figure_leaks(name, world, client_for):
    scenario = SCENARIOS[name](world)
    client = client_for(scenario["viewer"])
    page = client.get(scenario["url"])
    assert page.status_code == 200
    outputs = {"page": page.content.decode()}
    joiner = "&" if "?" in scenario["url"] else "?"
    for download in scenario["downloads"]:
        response = client.get(f"{scenario['url']}{joiner}download={download}")
        assert response.status_code == 200
        outputs[download] = response.content.decode()
    failures = []
    for where, text in outputs.items():
        for value in scenario["hidden"]:
            found = leaks(text, value) if where == "page" or where.endswith(".svg") else [
                form for form in (f"{value:.1f}", f"{value:.2f}", f"{value:.3g}")
                if form in text]
            if found:
                failures.append(f"{where}: {value} shown as {found}")
        for team in scenario["others"]:
            shown = shown_strings(text) if not where.endswith(".csv") else text
            for secret in (team.hospital.name, str(team.hospital.public_id),
                           str(team.public_id)):
                if secret in shown or secret in text:
                    failures.append(f"{where}: names or identifies {team.hospital.name}")
    assert failures == []
    if name == "feedback-compare":
        rows = list(csv.reader(io.StringIO(outputs["funnel.csv"])))
        assert rows[3][0] == "Team"
        labels = [r[0] for r in rows[4:]]
        assert world.other_hospital.name in labels
        strangers = [label for label in labels
                     if label != world.other_hospital.name and not label.startswith("Team ")]
        assert strangers == []
