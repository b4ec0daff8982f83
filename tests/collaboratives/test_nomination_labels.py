"""The nomination form names a report's status as the rest of the portal does."""

import pytest

from collaboratives.forms import NominationForm
from tests.collaboratives import eligible_report

pytestmark = pytest.mark.django_db


def test_a_sent_report_reads_sent_to_the_pso_with_capitals(world):
    report = eligible_report(hospital=world.hospital, lead=world.lead, reporter=world.staff)
    form = NominationForm(hospital=world.hospital)
    labels = [label for value, label in form.fields["report"].choices if value]
    assert labels == [f"{report.reference}: {report.get_category_display()} · "
                      "Sent to the PSO · systems issue"]
