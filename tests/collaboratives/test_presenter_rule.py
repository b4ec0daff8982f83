"""The rule about the presenting hospital says what it means (issue 13, item 4): attendees see
who presents; they must not repeat outside which hospital a case came from."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from collaboratives.rules import attestation_text

from . import session_world

pytestmark = pytest.mark.django_db

RULE = "never say which hospital a case came from"


def test_materials_attestation_and_readme_say_the_same_rule(world, client_for):
    session, _ = session_world(world)
    client = client_for(world.lead)
    page = client.get(reverse("session-materials", args=[session.public_id])).content.decode()
    assert "you see which hospital presents each case; outside it" in page
    assert RULE in page
    assert f"Presented by {world.hospital.name}" in page
    assert "I will see which hospital presents each case; outside the session I will not say " \
           "which hospital a case came from" in attestation_text()
    readme = " ".join((Path(settings.BASE_DIR) / "README.md").read_text().split())
    assert "no originating hospital shown" not in readme
    assert "Attendees see which hospital presents" in readme and RULE in readme
