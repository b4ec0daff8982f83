"""Factories that keep related objects in one hospital."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.utils import timezone

from members.models import Contract, Hospital, HospitalStatus, Invitation, Membership, User
from members.roles import HospitalRole

PDF = b"%PDF-1.4\n%%EOF\n"
PASSWORD = "a-long-test-password-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        given_name = factory.Faker("first_name")
        family_name = factory.Faker("last_name")

    email = factory.Sequence(lambda n: f"person{n}@hospital.example")
    # First and last name only: Faker's "name" sometimes adds "Dr." or "MD", which the
    # screening rightly reads as a title and a name, so tests expecting a plain known name
    # would depend on the draw.
    full_name = factory.LazyAttribute(lambda o: f"{o.given_name} {o.family_name}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        obj.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class HospitalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hospital

    name = factory.Sequence(lambda n: f"Test Hospital {n}")
    city = "Sacramento"
    state = "CA"
    bed_size = "100-199"
    contact_name = "Pat Contact"
    contact_title = "Quality director"
    contact_email = factory.Sequence(lambda n: f"contact{n}@hospital.example")
    status = HospitalStatus.ACTIVE


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    hospital = factory.SubFactory(HospitalFactory)
    signed_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=200))
    effective_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=200))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=500))
    signed_by_name = "Chief Executive"
    signed_by_title = "CEO"
    document = factory.LazyFunction(lambda: ContentFile(PDF, name="signed.pdf"))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    hospital = factory.SubFactory(HospitalFactory)
    user = factory.SubFactory(UserFactory)
    role = HospitalRole.STAFF
    job_title = "nurse"


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    hospital = factory.SubFactory(HospitalFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@hospital.example")
    role = HospitalRole.STAFF
    job_title = "pharmacist"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


class ReportFactory(factory.django.DjangoModelFactory):
    """A submitted report filed by a member of the report's own hospital."""

    class Meta:
        model = "cases.IncidentReport"

    hospital = factory.SubFactory(HospitalFactory)
    reporter = factory.LazyAttribute(
        lambda o: MembershipFactory(hospital=o.hospital).user
    )
    reference = factory.Sequence(lambda n: f"TST-2026-{n + 1:04d}")
    status = "submitted"
    submitted_at = factory.LazyFunction(timezone.now)
    event_type = "incident"
    category = "medication"
    event_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=3))
    location_type = "med_surg"
    narrative = "The night nurse gave a dose two hours late after the pump alarm was silenced."
    harm_level = "mild"
    harm_duration = "temporary"


def admin_hospital_extra(hospital) -> dict:
    """The fields of the admin's hospital page besides the hospital's own text: its status and
    the inline list of its contracts, as the page sends them back."""
    contracts = list(hospital.contracts.order_by("pk"))
    data = {"status": hospital.status, "contracts-TOTAL_FORMS": str(len(contracts)),
            "contracts-INITIAL_FORMS": str(len(contracts)), "contracts-MIN_NUM_FORMS": "0",
            "contracts-MAX_NUM_FORMS": "1000"}
    for i, contract in enumerate(contracts):
        data[f"contracts-{i}-id"] = str(contract.pk)
        data[f"contracts-{i}-hospital"] = str(hospital.pk)
    return data

