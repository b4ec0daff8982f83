"""Signing in: allauth with mandatory verification, MFA for PSO staff, the admin, sessions."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from chpso_portal.audit.models import AuditAction, AuditEvent, AuditOutcome
from members import services
from members.models import User
from members.roles import PsoRole

from ..factories import PASSWORD, UserFactory
from ..totp import current_totp_code

LOGIN = "/accounts/login/"


def post_login(client, email, password=PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


# --- Sign-in and its audit trail ---------------------------------------------------------


def test_member_signs_in_with_email_and_password(world, client):
    response = post_login(client, world.staff.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(world.staff.pk)
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.actor == world.staff
    assert event.outcome == AuditOutcome.SUCCESS
    assert event.ip == "127.0.0.1"
    assert event.request_id


def test_sign_in_ignores_the_case_of_the_address(world, client):
    response = post_login(client, world.staff.email.upper())
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(world.staff.pk)


def test_failed_sign_in_is_refused_and_audited(world, client):
    response = post_login(client, world.staff.email, "not-the-password-at-all")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert signed_in_user_id(client) is None
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.outcome == AuditOutcome.FAILURE
    assert event.actor == world.staff
    assert event.detail == {"email": world.staff.email}
    # The password tried is never written down.
    assert "not-the-password" not in str(event.detail) + event.summary


def test_failed_sign_in_for_an_unknown_address_is_audited_without_an_actor(world, client):
    post_login(client, "nobody@nowhere.test", "whatever-password-1")
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.actor is None
    assert event.detail == {"email": "nobody@nowhere.test"}


def test_sign_out_ends_the_session_and_is_audited(world, client):
    post_login(client, world.staff.email)
    assert UserSession.objects.filter(user=world.staff).count() == 1

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert signed_in_user_id(client) is None
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=world.staff).exists()


def test_unverified_email_cannot_sign_in(db, client):
    user = UserFactory(email="fresh@mercy.test", verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    response = post_login(client, user.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    assert client.get(reverse("home")).status_code == 302
    # A verification email went out instead.
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_inactive_user_cannot_sign_in(world, client):
    User.objects.filter(pk=world.staff.pk).update(is_active=False)
    response = post_login(client, world.staff.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")
    assert signed_in_user_id(client) is None


# --- Sign-up is by invitation only -------------------------------------------------------


def test_sign_up_without_an_invitation_is_closed(db, client):
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    assert "Sign-up is by invitation only" in page.content.decode()

    response = client.post(reverse("account_signup"), {
        "email": "walk.in@mercy.test", "password1": PASSWORD, "password2": PASSWORD,
        "full_name": "Walk In",
    })

    assert "Sign-up is by invitation only" in response.content.decode()
    assert not User.objects.filter(email="walk.in@mercy.test").exists()
    assert User.objects.count() == 0
    assert signed_in_user_id(client) is None


def test_an_unknown_invitation_token_does_not_open_sign_up(db, client):
    assert client.get("/invitations/made-up-token/").status_code == 404
    page = client.get(reverse("account_signup"))
    assert "Sign-up is by invitation only" in page.content.decode()


# --- MFA for PSO staff -------------------------------------------------------------------


@pytest.fixture
def new_coordinator(db):
    user = UserFactory(email="new.coordinator@pso.test")
    return services.pso_role_set(user=user, role=PsoRole.COORDINATOR, actor=None)


def test_coordinator_without_an_authenticator_must_set_one_up(new_coordinator, client_for):
    client = client_for(new_coordinator)

    for path in (reverse("home"), "/admin/", reverse("notification-list"),
                 reverse("notification-list") + "?page=2&kind=all"):
        response = client.get(path)
        assert response.status_code == 302, path
        location = urlsplit(response["Location"])
        assert location.path == reverse("mfa_activate_totp"), path
        # The whole address comes back afterwards, query string included.
        assert parse_qs(location.query) == {"next": [path]}

    # Account pages stay reachable, so the authenticator can be set up.
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_email")).status_code == 200


def test_facilitator_without_an_authenticator_must_set_one_up(db, client_for):
    user = services.pso_role_set(user=UserFactory(), role=PsoRole.FACILITATOR, actor=None)
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_pso_staff_with_an_authenticator_work_normally(world, client_for):
    assert client_for(world.coordinator).get(reverse("home")).status_code == 200
    assert client_for(world.facilitator).get(reverse("home")).status_code == 200


def test_hospital_members_are_not_forced_to_use_mfa(world, client_for):
    assert client_for(world.staff).get(reverse("home")).status_code == 200


def test_mfa_is_not_required_when_switched_off(new_coordinator, client_for, settings):
    settings.PSO_REQUIRE_MFA = False
    response = client_for(new_coordinator).get(reverse("home"))
    assert response.status_code == 200


def test_mfa_requirement_is_on_by_default():
    assert django_settings.PSO_REQUIRE_MFA is True
    assert "totp" in django_settings.MFA_SUPPORTED_TYPES
    assert "recovery_codes" in django_settings.MFA_SUPPORTED_TYPES


def confirm_password(client, url):
    """Setting up an authenticator asks for the password again first."""
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    confirmed = client.post(response["Location"], {"password": PASSWORD})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == url
    page = client.get(url)
    assert page.status_code == 200
    return page


def test_hospital_member_may_turn_on_mfa(world, client):
    post_login(client, world.staff.email)
    assert client.get(reverse("mfa_index")).status_code == 200
    page = confirm_password(client, reverse("mfa_activate_totp"))

    response = client.post(reverse("mfa_activate_totp"),
                           {"code": current_totp_code(page.context["form"].secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=world.staff,
                                        type=Authenticator.Type.TOTP).exists()
    # From now on, signing in asks for the code as well.
    again = Client()
    assert post_login(again, world.staff.email)["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(again) is None


def test_coordinator_sets_up_totp_and_can_then_work(new_coordinator, client):
    signed_in = post_login(client, new_coordinator.email)
    assert signed_in.status_code == 302
    home = client.get(reverse("home"))
    assert home["Location"].startswith(reverse("mfa_activate_totp"))
    page = confirm_password(client, home["Location"])

    response = client.post(home["Location"],
                           {"code": current_totp_code(page.context["form"].secret)})

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    # Recovery codes come with the authenticator.
    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200
    assert Authenticator.objects.filter(
        user=new_coordinator, type=Authenticator.Type.RECOVERY_CODES
    ).exists()


def test_force_signed_in_session_must_confirm_the_password_before_activating(
        world, client_for):
    response = client_for(world.staff).get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_signing_in_with_totp_asks_for_the_code(world, client):
    response = post_login(client, world.coordinator.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None


# --- The admin signs in through allauth --------------------------------------------------


def test_anonymous_admin_goes_to_the_allauth_sign_in(db, client):
    response = client.get("/admin/", follow=True)
    first_hop, *_ = response.redirect_chain
    assert first_hop[0].startswith("/admin/login/")
    final_url = response.redirect_chain[-1][0]
    assert final_url.startswith(LOGIN)
    assert "next=" in final_url
    assert response.status_code == 200
    assert "account/login.html" in [t.name for t in response.templates]


def test_admin_login_page_itself_hands_over_to_allauth(db, client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "next=/admin/" in response["Location"].replace("%2F", "/")


def test_signed_in_non_staff_user_gets_403_at_the_admin(world, client_for):
    lead = client_for(world.lead)
    response = lead.get("/admin/", follow=True)
    assert response.status_code == 403
    # Refused within the admin: never sent to a sign-in form to try another account.
    assert all(url.startswith("/admin/") for url, _ in response.redirect_chain)
    assert lead.get("/admin/login/").status_code == 403
    assert lead.get("/admin/members/hospital/", follow=True).status_code == 403


def test_coordinator_reaches_the_admin(world, client_for):
    assert client_for(world.coordinator).get("/admin/").status_code == 200


def test_the_admin_password_form_is_not_a_way_around_allauth(world, client):
    response = client.post("/admin/login/", {"username": world.coordinator.email,
                                             "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert signed_in_user_id(client) is None


# --- Sessions ----------------------------------------------------------------------------


def test_idle_timeout_settings():
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    # The idle clock is wound by members.middleware.ActivityMiddleware, once a minute.
    assert django_settings.SESSION_SAVE_EVERY_REQUEST is False
    assert django_settings.SESSION_ACTIVITY_REFRESH_SECONDS == 60
    assert "members.middleware.ActivityMiddleware" in django_settings.MIDDLEWARE
    assert "allauth.usersessions.middleware.UserSessionsMiddleware" not in \
        django_settings.MIDDLEWARE


def session_writes(captured):
    return [q["sql"] for q in captured.captured_queries
            if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
            and ("django_session" in q["sql"] or "usersessions_usersession" in q["sql"])]


def test_pages_within_a_minute_write_nothing_then_the_clocks_are_wound(
        world, client, time_machine, settings):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    post_login(client, world.staff.email)
    key = client.session.session_key
    signed_in_expiry = Session.objects.get(session_key=key).expire_date
    assert signed_in_expiry == start + timedelta(minutes=30)
    seen = UserSession.objects.get(session_key=key).last_seen_at

    # Straight after signing in, and for the rest of the minute, pages write nothing.
    for seconds in (0, 30, 59):
        time_machine.move_to(start + timedelta(seconds=seconds), tick=False)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        assert session_writes(captured) == []
    assert Session.objects.get(session_key=key).expire_date == signed_in_expiry
    assert UserSession.objects.get(session_key=key).last_seen_at == seen

    # A minute on, one page winds both: the session and the user-sessions row.
    later = start + timedelta(seconds=61)
    time_machine.move_to(later, tick=False)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    assert len(session_writes(captured)) == 2
    assert Session.objects.get(session_key=key).expire_date == later + timedelta(minutes=30)
    assert UserSession.objects.get(session_key=key).last_seen_at == later
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("home"))
    assert session_writes(captured) == []


def test_a_new_browser_or_address_is_recorded_at_once(world, client, time_machine):
    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    post_login(client, world.staff.email)
    key = client.session.session_key
    client.get(reverse("home"), HTTP_USER_AGENT="Firefox/140.0")
    assert UserSession.objects.get(session_key=key).user_agent == "Firefox/140.0"
    client.get(reverse("home"), HTTP_USER_AGENT="Firefox/140.0", REMOTE_ADDR="10.1.2.3")
    assert UserSession.objects.get(session_key=key).ip == "10.1.2.3"


def test_session_expires_after_thirty_idle_minutes(world, client, time_machine, settings):
    from datetime import timedelta

    from django.utils import timezone

    # Redis expires keys on its own clock, which time_machine cannot move: keep the session in
    # the database, whose expiry date Django checks against (travelled) time.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"

    post_login(client, world.staff.email)
    start = timezone.now()
    # Activity keeps the session alive.
    time_machine.move_to(start + timedelta(minutes=20))
    assert client.get(reverse("home")).status_code == 200
    time_machine.move_to(start + timedelta(minutes=40))
    assert client.get(reverse("home")).status_code == 200
    # Thirty-one quiet minutes later the user is signed out.
    time_machine.move_to(start + timedelta(minutes=71))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_user_sees_their_own_sessions(world, client):
    post_login(client, world.staff.email)
    post_login(Client(), world.lead.email)

    response = client.get(reverse("usersessions_list"))

    assert response.status_code == 200
    sessions = response.context["sessions"]
    assert len(sessions) == 1
    assert sessions[0].user == world.staff
    assert sessions[0].session_key == client.session.session_key
    html = response.content.decode()
    assert "Current" in html
    assert "127.0.0.1" in html


def test_user_ends_their_other_sessions(world, client):
    laptop = Client()
    post_login(laptop, world.staff.email)
    post_login(client, world.staff.email)
    assert UserSession.objects.filter(user=world.staff).count() == 2

    response = client.post(reverse("usersessions_list"))

    assert response.status_code == 302
    assert UserSession.objects.filter(user=world.staff).count() == 1
    assert client.get(reverse("home")).status_code == 200
    assert laptop.get(reverse("home")).status_code == 302


def test_sessions_page_needs_sign_in(db, client):
    response = client.get(reverse("usersessions_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- Password reset ----------------------------------------------------------------------


RESET_LINK = re.compile(r"https?://[^\s]+(/accounts/password/reset/key/[^\s]+/)")


def test_password_reset_sends_a_working_link(world, client):
    page = client.get(reverse("account_reset_password"))
    assert page.status_code == 200

    response = client.post(reverse("account_reset_password"), {"email": world.staff.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.staff.email]
    path = RESET_LINK.search(message.body).group(1)

    # The key moves into the session; the form lives at a URL without it.
    opened = client.get(path)
    assert opened.status_code == 302
    form_url = opened["Location"]
    assert client.get(form_url).status_code == 200
    new_password = "another-long-password-2027"
    done = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    world.staff.refresh_from_db()
    assert world.staff.check_password(new_password)
    assert post_login(Client(), world.staff.email, new_password).status_code == 302


def test_password_reset_for_an_unknown_address_reveals_nothing(db, client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@nowhere.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    # No account: nothing to reset, and no account is created.
    assert User.objects.count() == 0
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)
