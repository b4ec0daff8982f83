"""A second factor for everyone who can open the admin or change other people's accounts and
roles; second factors, email and password changes, admin edits and probes are audited."""

from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from chpso_portal.audit.models import AuditAction, AuditEvent, AuditOutcome
from members import services
from members.models import Hospital, User
from members.roles import HospitalRole

from ..conftest import give_totp
from ..factories import PASSWORD, MembershipFactory, UserFactory, admin_hospital_extra
from ..totp import current_totp_code
from .test_auth import confirm_password, post_login

SETUP = reverse("mfa_activate_totp")


def sent_to_setup(response):
    return response.status_code == 302 and urlsplit(response["Location"]).path == SETUP


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@pso.test", PASSWORD)


@pytest.fixture
def plain_staff(db):
    user = UserFactory(email="staff@pso.test")
    user.is_staff = True
    user.save()
    return user


def test_a_superuser_without_a_second_factor_cannot_use_the_admin(superuser, client_for):
    client = client_for(superuser)
    for path in ("/admin/", "/admin/members/user/", "/admin/mfa/authenticator/",
                 reverse("home")):
        assert sent_to_setup(client.get(path)), path


def test_staff_without_a_pso_role_must_set_up_a_second_factor(plain_staff, client_for):
    assert sent_to_setup(client_for(plain_staff).get("/admin/"))


def test_a_superuser_with_a_second_factor_reaches_the_admin(superuser, client_for):
    give_totp(superuser)
    assert client_for(superuser).get("/admin/").status_code == 200


def test_the_bootstrap_admin_sets_up_a_second_factor_at_first_sign_in(
        superuser, client, django_capture_on_commit_callbacks):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=superuser, email=superuser.email, verified=True,
                                primary=True)
    assert post_login(client, superuser.email).status_code == 302
    admin = client.get("/admin/")
    assert sent_to_setup(admin)
    page = confirm_password(client, admin["Location"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(admin["Location"],
                    {"code": current_totp_code(page.context["form"].secret)})
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(object_type="mfa.authenticator",
                                     action=AuditAction.CREATE, actor=superuser,
                                     summary__contains="authenticator app").exists()
    # From now on the password alone does not sign in.
    assert post_login(Client(), superuser.email)["Location"] == reverse("mfa_authenticate")


def test_a_lead_without_a_second_factor_cannot_change_other_peoples_roles(world, client_for):
    lead = MembershipFactory(hospital=world.hospital, role=HospitalRole.SAFETY_LEAD).user
    colleague = MembershipFactory(hospital=world.hospital, role=HospitalRole.STAFF)
    client = client_for(lead)
    edit = reverse("member-edit", args=[colleague.public_id])
    assert sent_to_setup(client.post(edit, {"role": "safety_lead", "job_title": "nurse"}))
    assert sent_to_setup(client.get(reverse("member-invite")))
    assert sent_to_setup(client.post(reverse("member-deactivate",
                                             args=[colleague.public_id])))
    colleague.refresh_from_db()
    assert colleague.role == HospitalRole.STAFF and colleague.is_active
    # Reading reports and the member list needs no second factor.
    assert client.get(reverse("member-list")).status_code == 200
    assert client.get(reverse("review-queue")).status_code == 200


def test_a_lead_with_a_second_factor_manages_members(world, client_for):
    colleague = MembershipFactory(hospital=world.hospital, role=HospitalRole.STAFF)
    response = client_for(world.lead).post(reverse("member-edit", args=[colleague.public_id]),
                                           {"role": "safety_lead", "job_title": "nurse"})
    assert response.status_code == 302 and not sent_to_setup(response)


def test_the_demo_switch_turns_the_requirement_off(superuser, client_for, settings):
    settings.PSO_REQUIRE_MFA = False
    assert client_for(superuser).get("/admin/").status_code == 200


def test_a_wrong_code_is_audited(world, client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(world.staff, generate_totp_secret())
    assert post_login(client, world.staff.email)["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED,
                                   object_type="mfa.authenticator")
    assert event.actor == world.staff and event.outcome == AuditOutcome.FAILURE
    assert "Wrong second-factor code" in event.summary


def test_removing_a_second_factor_is_audited(world, client,
                                             django_capture_on_commit_callbacks):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(world.staff, secret)
    post_login(client, world.staff.email)
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code(secret)})
    assert client.session.get("_auth_user_id")
    # Removing it asks for the password again first.
    confirm_password(client, reverse("mfa_deactivate_totp"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=world.staff,
                                            type=Authenticator.Type.TOTP).exists()
    assert AuditEvent.objects.filter(action=AuditAction.REVOKE,
                                     object_type="mfa.authenticator",
                                     actor=world.staff).exists()


def test_an_admin_deleting_someones_authenticator_is_audited(world, superuser, client_for):
    give_totp(superuser)
    authenticator = Authenticator.objects.get(user=world.facilitator)
    client = client_for(superuser)
    url = f"/admin/mfa/authenticator/{authenticator.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.REVOKE, actor=superuser)
    assert "authenticator" in event.summary.lower()


def test_an_admin_editing_a_user_is_audited_with_before_and_after(world, superuser,
                                                                  client_for):
    give_totp(superuser)
    client = client_for(superuser)
    target = world.staff
    response = client.post(f"/admin/members/user/{target.pk}/change/", {
        "email": "taken.over@evil.example", "full_name": target.full_name, "pso_role": "",
        "is_active": "on"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="members.user",
                                   actor=superuser)
    assert event.detail["changes"]["email"] == {"from": "nurse@mercy.test",
                                                "to": "taken.over@evil.example"}


def test_a_hospital_edit_in_the_admin_is_audited(world, client_for):
    hospital = world.hospital
    client = client_for(world.coordinator)
    response = client.post(f"/admin/members/hospital/{hospital.pk}/change/", {
        "name": hospital.name, "city": hospital.city, "state": hospital.state,
        "ccn": hospital.ccn or "", "bed_size": hospital.bed_size,
        "contact_name": hospital.contact_name, "contact_title": hospital.contact_title,
        "contact_email": "someone.else@evil.example",
        **admin_hospital_extra(hospital)})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Hospital.objects.get(pk=hospital.pk).contact_email == "someone.else@evil.example"
    event = AuditEvent.objects.get(object_type="members.hospital", action=AuditAction.UPDATE)
    assert event.actor == world.coordinator and event.hospital == hospital
    assert event.detail["changes"]["contact_email"]["to"] == "someone.else@evil.example"


def test_changing_the_password_is_audited(world, client):
    post_login(client, world.staff.email)
    new = "another-long-password-2026"
    response = client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": new, "password2": new})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, actor=world.staff,
                                     summary__startswith="Password changed").exists()


def test_adding_an_email_address_is_audited(world, client):
    post_login(client, world.staff.email)
    client.post(reverse("account_email"), {"action_add": "", "email": "second@mercy.test"})
    assert AuditEvent.objects.filter(object_type="account.emailaddress",
                                     action=AuditAction.CREATE, actor=world.staff).exists()


def test_switching_to_a_foreign_hospital_is_audited(world, client_for):
    response = client_for(world.staff).post(reverse("switch-hospital"), {
        "hospital": str(world.other_hospital.public_id)})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.DENIED, actor=world.staff)
    assert event.detail == {"hospital": str(world.other_hospital.public_id)}


def test_probing_another_hospitals_import_job_is_audited(world, client_for):
    from django.core.files.base import ContentFile

    from cases.models import ReportImport

    job = ReportImport.objects.create(hospital=world.other_hospital,
                                      uploaded_by=world.other_lead, source_system="x",
                                      file=ContentFile(b"x", name="x.csv"))
    response = client_for(world.lead).get(reverse("report-import-status",
                                                  args=[job.public_id]))
    assert response.status_code == 404
    event = AuditEvent.objects.get(action=AuditAction.DENIED, actor=world.lead)
    assert event.detail == {"import": str(job.public_id)}


def test_a_membership_without_second_factor_is_found_in_services(world):
    # The factory-made leads of other tests: services stay callable without a request.
    lead = MembershipFactory(hospital=world.hospital, role=HospitalRole.SAFETY_LEAD).user
    services.invitation_create(hospital=world.hospital, email="x@mercy.test", role="staff",
                               job_title="nurse", invited_by=lead)
