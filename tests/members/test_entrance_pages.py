"""Sign-in and the invitation's sign-up page, designed for this portal (issue 13, item 8)."""

import re

from django.test import Client
from django.urls import reverse

from members.models import Invitation
from members.roles import HospitalRole


def test_sign_in_offers_forgot_your_password_once(db):
    page = Client().get(reverse("account_login")).content.decode()
    assert page.count("Forgot your password?") == 1
    assert ">Sign Up<" not in page


def test_the_invitations_sign_up_page_says_which_hospital_and_role(world):
    invitation = Invitation(hospital=world.hospital, email="new.nurse@mercy.test",
                            role=HospitalRole.STAFF, job_title="pharmacist")
    token = invitation.new_token()
    invitation.save()
    client = Client()
    opened = client.post(reverse("invitation-accept", args=[token]))
    page = client.get(opened["Location"]).content.decode()
    summary = re.search(r'data-testid="invitation-summary".*?</div></div>', page, re.S).group(0)
    assert world.hospital.name in summary and "as <strong>staff</strong>" in summary
    assert "Pharmacist" in summary and "new.nurse@mercy.test" in summary
    assert "Sign Up" not in page and "Already have an account" not in page
    # The email field is a full-width Bootstrap control, not a cut stock input.
    email = re.search(r'<input[^>]*name="email"[^>]*>', page).group(0)
    assert "form-control" in email


def test_the_invite_form_has_no_preselected_job_title(world, client_for):
    page = client_for(world.lead).get(reverse("member-invite")).content.decode()
    select = re.search(r'<select name="job_title".*?</select>', page, re.S).group(0)
    assert '<option value="" selected>Choose a job title</option>' in select
    response = client_for(world.lead).post(reverse("member-invite"), {
        "email": "x@mercy.test", "role": HospitalRole.STAFF, "job_title": ""})
    assert response.status_code == 200 and 'href="#id_job_title"' in response.content.decode()


def test_the_registration_form_asks_for_the_bed_size_in_words(db):
    page = Client().get(reverse("hospital-register")).content.decode()
    assert "---------" not in page and "Choose the number of beds" in page
