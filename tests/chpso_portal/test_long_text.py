"""Long names from the public form never break a notification or an email (no 500, nothing
lost): every title and subject is shortened in one place to fit its column."""

from datetime import timedelta

from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone

from chpso_portal.notifications.models import Notification, OutboxEmail
from members import services
from members.models import Contract, Hospital

from ..conftest import make_pso
from ..factories import PDF

LONG_NAME = "Saint " + "Very Long Name " * 13  # 201 characters before the strip
LONG_CITY = "C" * 100


def assert_every_title_fits():
    titles = list(Notification.objects.values_list("title", flat=True))
    subjects = list(OutboxEmail.objects.values_list("subject", flat=True))
    assert titles or subjects
    for text in titles + subjects:
        assert len(text) <= 200, text
        assert "\n" not in text and "\r" not in text


def test_an_application_with_a_long_name_is_saved_and_announced(client, db):
    make_pso("coordinator", "coordinator@pso.test")
    name = LONG_NAME.strip()[:200]
    response = client.post("/register/", {
        "name": name, "city": LONG_CITY, "state": "CA", "ccn": "", "bed_size": "100-199",
        "contact_name": "Jordan Avery", "contact_title": "Director",
        "contact_email": "jordan@redwood.example"})
    assert response.status_code == 302
    assert Hospital.objects.get().name == name
    assert Notification.objects.filter(title__startswith="New application: Saint").exists()
    assert_every_title_fits()


def test_recording_a_contract_for_a_long_named_hospital_sends_its_emails(world, client_for):
    coordinator = world.coordinator
    hospital = Hospital.objects.create(
        name=LONG_NAME.strip()[:200], city=LONG_CITY, state="CA", bed_size="100-199",
        contact_name="Jordan Avery", contact_title="Director",
        contact_email="jordan@redwood.example")
    today = timezone.localdate()
    contract = Contract(hospital=hospital, signed_on=today, effective_on=today,
                        expires_on=today + timedelta(days=20), signed_by_name="CEO",
                        signed_by_title="CEO", document=ContentFile(PDF, name="signed.pdf"))
    services.contract_save(contract=contract, actor=coordinator)
    services.contracts_send_reminders(today=today)
    assert OutboxEmail.objects.filter(to_address="jordan@redwood.example").exists()
    assert Notification.objects.filter(title__contains="ends in 20 days").exists()
    assert_every_title_fits()
    mail.outbox.clear()
    from chpso_portal.notifications.services import deliver

    for pk in OutboxEmail.objects.values_list("pk", flat=True):
        assert deliver(email_id=pk) == "sent"
    assert mail.outbox
