"""The outbox in the admin does not make a reporter who hid their name identifiable: the
notices to them about that report show no address (list, row page, delivery error, title), and
a search by their address does not find those notices. Everyone else's mail shows as before."""

import re

import pytest
from django.urls import reverse

from cases import services
from cases.conversation import report_message_post
from cases.models import MessageSide
from chpso_portal.notifications.admin import HIDDEN
from chpso_portal.notifications.models import OutboxEmail
from tests.conftest import give_totp
from tests.factories import ReportFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_outboxemail_changelist")


@pytest.fixture
def superuser():
    return give_totp(UserFactory(email="root@pso.example", is_staff=True, is_superuser=True))


@pytest.fixture
def mail(world):
    """A notice to the reporter on a report where they hid their name, one on a report where
    they did not, and the reviewers' notice of the hidden reporter's answer."""
    hidden = ReportFactory(hospital=world.hospital, reporter=world.staff, reporter_hidden=True)
    named = ReportFactory(hospital=world.hospital, reporter=world.staff)
    for report in (hidden, named):
        report_message_post(report=report, author=world.lead, side=MessageSide.REVIEWER,
                            text="Which pump was it?")
    report_message_post(report=hidden, author=world.staff, side=MessageSide.REPORTER,
                        text="The grey one.")
    to_hidden = OutboxEmail.objects.get(to_address=world.staff.email,
                                        subject__contains=hidden.reference)
    to_named = OutboxEmail.objects.get(to_address=world.staff.email,
                                       subject__contains=named.reference)
    to_lead = OutboxEmail.objects.get(to_address=world.lead.email,
                                      subject__contains=hidden.reference)
    return hidden, to_hidden, to_named, to_lead


def row_of(page: str, email: OutboxEmail) -> str:
    link = reverse("admin:notifications_outboxemail_change", args=[email.pk])
    rows = [row for row in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S) if link in row]
    assert len(rows) == 1, f"row {email.pk} is not listed once"
    return rows[0]


def test_the_list_masks_the_hidden_reporters_address_only(world, client_for, superuser, mail):
    _, to_hidden, to_named, to_lead = mail
    page = client_for(superuser).get(CHANGELIST).content.decode()
    hidden_row = row_of(page, to_hidden)
    assert HIDDEN in hidden_row and world.staff.email not in hidden_row
    assert world.staff.full_name not in hidden_row
    assert world.staff.email in row_of(page, to_named)  # named on that report: shown
    assert world.lead.email in row_of(page, to_lead)  # the safety team's own mail: shown
    assert HIDDEN not in row_of(page, to_named) + row_of(page, to_lead)


def test_the_row_page_and_its_title_do_not_name_the_hidden_reporter(world, client_for,
                                                                     superuser, mail):
    _, to_hidden, to_named, _ = mail
    OutboxEmail.objects.filter(pk=to_hidden.pk).update(
        last_error=f"550 5.1.1 <{world.staff.email.upper()}>: mailbox unavailable")
    client = client_for(superuser)
    page = client.get(reverse("admin:notifications_outboxemail_change",
                              args=[to_hidden.pk])).content.decode()
    assert HIDDEN in page and "mailbox unavailable" in page
    assert world.staff.email not in page.lower() and world.staff.full_name not in page
    shown = client.get(reverse("admin:notifications_outboxemail_change",
                               args=[to_named.pk])).content.decode()
    assert world.staff.email in shown


def test_searching_by_the_hidden_reporters_address_finds_only_their_named_mail(
        world, client_for, superuser, mail):
    _, to_hidden, to_named, _ = mail
    page = client_for(superuser).get(CHANGELIST, {"q": world.staff.email}).content.decode()
    results = page[page.index('id="result_list"'):]
    results = results[:results.index("</table>")]
    assert reverse("admin:notifications_outboxemail_change", args=[to_named.pk]) in results
    assert reverse("admin:notifications_outboxemail_change", args=[to_hidden.pk]) \
        not in results
    assert HIDDEN not in results


def test_a_notice_to_a_hidden_reporter_whose_account_is_gone_stays_masked(world, client_for,
                                                                         superuser, mail):
    _, to_hidden, _, _ = mail
    OutboxEmail.objects.filter(pk=to_hidden.pk).update(recipient=None)
    page = client_for(superuser).get(CHANGELIST).content.decode()
    assert world.staff.email not in row_of(page, to_hidden)


def test_every_notice_to_the_hidden_reporter_about_the_report_is_masked(world, client_for,
                                                                        superuser, mail):
    hidden, to_hidden, _, _ = mail
    hidden.feedback = "Thank you: the pumps are being replaced."
    hidden.save()
    services._notify_reporter(hidden, f"Feedback on your report {hidden.reference}",
                              event="feedback")
    feedback = OutboxEmail.objects.get(to_address=world.staff.email,
                                       subject__startswith="Feedback on your report")
    page = client_for(superuser).get(CHANGELIST).content.decode()
    for email in (to_hidden, feedback):
        assert world.staff.email not in row_of(page, email)
    assert not OutboxEmail._meta.get_field("to_address").blank  # the address is still kept
    assert world.staff.email not in str(to_hidden)


@pytest.mark.parametrize("lookup", ["to_address", "to_address__icontains", "recipient",
                                    "recipient__email", "recipient__id__exact"])
def test_the_list_cannot_be_filtered_by_the_address_or_the_recipient(world, client_for,
                                                                     superuser, mail, lookup):
    _, to_hidden, _, _ = mail
    value = world.staff.pk if lookup.startswith("recipient") and "email" not in lookup \
        else world.staff.email
    response = client_for(superuser).get(CHANGELIST, {lookup: value})
    assert response.status_code == 400
    link = reverse("admin:notifications_outboxemail_change", args=[to_hidden.pk])
    assert link not in response.content.decode()


def test_the_list_s_own_filters_still_work(world, client_for, superuser, mail):
    _, to_hidden, _, _ = mail
    page = client_for(superuser).get(CHANGELIST, {"status__exact": to_hidden.status,
                                                  "kind__exact": to_hidden.kind})
    assert page.status_code == 200
    assert HIDDEN in row_of(page.content.decode(), to_hidden)
