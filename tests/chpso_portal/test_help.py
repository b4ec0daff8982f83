"""Help where it is needed: the glossary, linked from where its words appear, and the PSO's
contact details at the foot of every page."""

import pytest
from django.urls import reverse

from chpso_portal.glossary import terms
from tests.factories import ReportFactory

REQUIRED_TERMS = {"pswp", "pso", "pses", "withdraw", "send", "addendum", "near-miss",
                  "unsafe-condition", "harm-scale", "contributing-factor", "systems-issue",
                  "microcollaborative", "lesson", "hidden-name"}


def test_the_glossary_explains_the_portals_words_to_anyone(client):
    response = client.get(reverse("glossary"))
    assert response.status_code == 200
    page = response.content.decode()
    anchors = {term.anchor for term in terms()}
    assert REQUIRED_TERMS <= anchors
    for term in terms():
        assert f'id="{term.anchor}"' in page
        assert term.paragraphs and all(p.endswith((".", ":")) for p in term.paragraphs)
    assert "Patient Safety Work Product (PSWP)" in page
    assert "cannot be sent later" in page  # what withdrawing means
    assert "Death: dead at the time of assessment" in page


def test_the_footer_gives_the_psos_contact_details(client, settings, world, client_for):
    settings.PSO_NAME = "Golden State PSO"
    settings.PSO_CONTACT_EMAIL = "safety@goldenstate.example"
    settings.PSO_CONTACT_PHONE = "(916) 555-0142"
    for response in (client.get(reverse("front")),
                     client_for(world.staff).get(reverse("my-reports"))):
        page = response.content.decode()
        assert "Golden State PSO" in page
        assert 'href="mailto:safety@goldenstate.example"' in page
        assert 'href="tel:+19165550142">(916) 555-0142' in page
        assert f'href="{reverse("glossary")}"' in page
    settings.PSO_CONTACT_PHONE = ""
    assert "tel:" not in client.get(reverse("front")).content.decode()


def test_contact_details_have_safe_defaults():
    from chpso_portal import settings as portal_settings

    assert portal_settings.PSO_CONTACT_EMAIL.endswith(".example")
    assert "555-01" in portal_settings.PSO_CONTACT_PHONE


@pytest.mark.parametrize("anchor", ["withdraw", "send"])
def test_the_review_page_links_its_steps_to_the_glossary(anchor, world, client_for):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    page = client_for(world.lead).get(reverse("report-review", args=[report.public_id]))
    assert f'{reverse("glossary")}#{anchor}' in page.content.decode()


def test_the_pswp_label_links_to_its_meaning(world, client_for):
    page = client_for(world.staff).get(reverse("my-reports")).content.decode()
    assert f'{reverse("glossary")}#pswp' in page


def test_empty_lists_say_what_to_do_next(world, client_for):
    staff = client_for(world.staff)
    mine = staff.get(reverse("my-reports")).content.decode()
    assert "You have not filed a report yet" in mine and "Report an event" in mine
    notices = staff.get(reverse("notification-list")).content.decode()
    assert "email preferences" in notices
    lead = client_for(world.lead)
    queue = lead.get(reverse("review-queue")).content.decode()
    assert "Nothing needs action" in queue
    units = lead.get(reverse("unit-list")).content.decode()
    assert "No units listed yet" in units and "Add the units" in units
    pso = client_for(world.coordinator).get(reverse("pso-report-list")).content.decode()
    assert "No hospital has sent a report yet" in pso
