"""Demo data for a newcomer's first look. Idempotent; refuses to run when DEBUG is off."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from members import services
from members.models import Contract, Hospital, HospitalStatus, Membership, User
from members.roles import HospitalRole, PsoRole

PASSWORD = "demo-password-2026"

# short name, hospital, city, CCN, bed size, contract shape
HOSPITALS = [
    ("mercy", "Mercy General Hospital", "Sacramento", "050017", "300-499", "active"),
    ("valley", "Valley Regional Medical Center", "Fresno", "050060", "500+", "expiring"),
    ("sierra", "Sierra Community Hospital", "Auburn", "051302", "25-99", "open-ended"),
    ("coastal", "Coastal Medical Center", "Monterey", "050145", "200-299", "expired"),
]
# Fictional people: realistic names, so the de-identification screening has names to find.
PEOPLE = {
    "mercy": ("Rosa Delgado", "Jamie Fischer"),
    "valley": ("Tom Becker", "Kelly Nguyen"),
    "sierra": ("Priya Raman", "Chris Morgan"),
    "coastal": ("Luis Ortega", "Alex Rivera"),
}
APPLICANT = ("Redwood Valley Hospital", "Ukiah", "051310", "lt25")

# A tiny but well-formed PDF standing in for a scanned signed contract.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class Command(BaseCommand):
    help = "Load demo hospitals, contracts and accounts (password: demo-password-2026)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data is for development only: set DEBUG=true to load it.")
        # Loading sends a few hundred invitations and notices; printed, they would bury the
        # sign-in table under thousands of lines. They are counted instead.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            mail.outbox = []
            with transaction.atomic():
                accounts = self.load()
            sent = list(mail.outbox)
        if sent:
            recipients = {address for message in sent for address in message.to}
            self.stdout.write(f"Loading sent {len(sent)} demo emails to {len(recipients)} "
                              "addresses (not printed). Emails sent from now on print here.")
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Sign in with:"))
        for email, what in accounts:
            self.stdout.write(f"  {email:32} {what}")
        self.stdout.write(f"  Password for all: {PASSWORD}")
        if not settings.PSO_REQUIRE_MFA:
            self.stdout.write(self.style.WARNING(
                "  Two-factor sign-in for PSO staff is OFF in this demo (PSO_REQUIRE_MFA=false); "
                "it is on by default."
            ))

    def user(self, email, full_name):
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, PASSWORD, full_name=full_name)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def load(self):
        today = timezone.localdate()
        accounts = []
        coordinator = self.user("coordinator@pso.example", "Dana Whitfield")
        services.pso_role_set(user=coordinator, role=PsoRole.COORDINATOR, actor=None)
        facilitator = self.user("facilitator@pso.example", "Sam Okafor")
        services.pso_role_set(user=facilitator, role=PsoRole.FACILITATOR, actor=None)
        accounts += [("coordinator@pso.example", "PSO coordinator (also the admin)"),
                     ("facilitator@pso.example", "PSO facilitator")]

        for short, name, city, ccn, beds, shape in HOSPITALS:
            hospital, _ = Hospital.objects.get_or_create(
                name=name, state="CA",
                defaults={"city": city, "ccn": ccn, "bed_size": beds,
                          "contact_name": "Patient Safety Office",
                          "contact_title": "Patient safety officer",
                          "contact_email": f"lead@{short}.example",
                          "status": HospitalStatus.ACTIVE,
                          "activated_at": timezone.now()},
            )
            if not hospital.contracts.exists():
                self.contract(hospital, shape, today)
            lead_name, nurse_name = PEOPLE[short]
            lead = self.user(f"lead@{short}.example", lead_name)
            nurse = self.user(f"nurse@{short}.example", nurse_name)
            Membership.objects.get_or_create(
                hospital=hospital, user=lead,
                defaults={"role": HospitalRole.SAFETY_LEAD, "job_title": "quality"},
            )
            Membership.objects.get_or_create(
                hospital=hospital, user=nurse,
                defaults={"role": HospitalRole.STAFF, "job_title": "nurse"},
            )
            label = f"{name}: " + ("contract expired" if shape == "expired" else "active")
            accounts += [(lead.email, f"safety lead, {label}"), (nurse.email, f"staff, {label}")]

        name, city, ccn, beds = APPLICANT
        Hospital.objects.get_or_create(
            name=name, state="CA",
            defaults={"city": city, "ccn": ccn, "bed_size": beds,
                      "contact_name": "Jordan Avery", "contact_title": "Director of Quality",
                      "contact_email": "quality@redwood.example"},
        )
        self.user("expert@humanfactors.example", "Noor Haddad")
        accounts.append(("expert@humanfactors.example", "guest expert, no hospital"))
        from cases.demo import load_demo_reports

        load_demo_reports(stdout=self.stdout)
        from collaboratives.demo import load_demo_sessions

        load_demo_sessions(stdout=self.stdout)
        from collaboratives.lessons.demo import load_demo_lessons

        load_demo_lessons(stdout=self.stdout)
        from actions.demo import load_demo_actions

        load_demo_actions(stdout=self.stdout)
        from collaboratives.feedback.demo import load_demo_measurement

        load_demo_measurement(stdout=self.stdout)
        from collaboratives.programmes.demo import PARTNER, load_demo_learning

        self.user(*PARTNER)
        load_demo_learning(stdout=self.stdout)
        accounts.append((PARTNER[0], "patient and family partner on Mercy's falls team"))
        return accounts

    def contract(self, hospital, shape, today):
        year = timedelta(days=365)
        if shape == "expired":
            signed, effective, expires = today - 2 * year, today - 2 * year, today - timedelta(10)
        elif shape == "expiring":
            signed, effective, expires = today - year, today - year, today + timedelta(45)
        elif shape == "open-ended":
            signed, effective, expires = today - year, today - year, None
        else:
            signed, effective, expires = today - year, today - year, today + 2 * year
        contract = Contract(
            hospital=hospital, signed_on=signed, effective_on=effective, expires_on=expires,
            signed_by_name="Chief Executive Officer", signed_by_title="CEO",
        )
        contract.document.save("contract.pdf", ContentFile(DEMO_PDF), save=False)
        contract.save()
