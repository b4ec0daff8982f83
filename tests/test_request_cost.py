"""What every signed-in page pays before its own work: the session, nothing more.

The user's row, memberships (with their contracts), the unread count and whether a PSO user
has an authenticator app come from the cache, in one round trip; the cache forgets them as
soon as what they are built from changes, and a contract's dates are judged on each request.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members import services
from members.cache import memberships_key

FIXED_TABLES = ("members_user", "members_membership", "members_contract", "members_hospital",
                "notifications_notification", "mfa_authenticator", "usersessions_usersession",
                "collaboratives_guest")


def fixed_queries(client, url):
    client.get(url)  # fills the cache, winds the idle clock
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    sqls = [q["sql"] for q in captured.captured_queries]
    return sqls, [s for s in sqls if any(f'"{table}"' in s for table in FIXED_TABLES)]


@pytest.mark.parametrize("who", ["staff", "lead", "other_hospital", "facilitator",
                                 "coordinator", "outsider"])
def test_a_signed_in_page_costs_the_session_only(who, world, client_for, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    client = client_for(world.people()[who])
    # A page whose own work reads none of those tables: the email addresses of the account.
    sqls, fixed = fixed_queries(client, reverse("account_email"))
    assert fixed == []
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        assert '"django_session"' in sqls.pop(0)
    # With Redis the session comes from the cache (cached_db), and the user always does.
    assert not [s for s in sqls if '"django_session"' in s]
    assert not [s for s in sqls if s.lstrip().upper().startswith(("INSERT", "UPDATE",
                                                                   "DELETE"))]


def test_the_members_home_reuses_the_contract_and_user_it_has(world, client_for, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    sqls, fixed = fixed_queries(client_for(world.staff), reverse("home"))
    assert [s for s in fixed if not _home_counts(s)] == []
    sqls, fixed = fixed_queries(client_for(world.staff), reverse("my-reports"))
    assert fixed == []


def test_pso_staff_have_no_memberships_to_look_up(world, client_for):
    from django.core.cache import cache

    client_for(world.coordinator).get(reverse("home"))
    assert cache.get(memberships_key(world.coordinator.pk)) is None
    client_for(world.staff).get(reverse("home"))
    assert cache.get(memberships_key(world.staff.pk)) is not None


def test_a_contract_that_ends_overnight_stops_access_without_any_write(world, client_for,
                                                                       time_machine):
    client = client_for(world.lead)
    assert client.get(reverse("member-list")).status_code == 200
    contract = world.hospital.contracts.get()
    contract.expires_on = timezone.localdate() + timedelta(days=1)
    contract.save()
    assert client.get(reverse("member-list")).status_code == 200  # cached again, with the date
    time_machine.move_to(timezone.now() + timedelta(days=2))
    client.force_login(world.lead)  # the old session has passed its idle timeout
    response = client.get(reverse("member-list"))
    assert response.status_code == 403
    assert "paused" in response.content.decode()


def test_a_terminated_contract_or_ended_membership_counts_at_once(world, client_for):
    lead, staff = client_for(world.lead), client_for(world.staff)
    assert lead.get(reverse("member-list")).status_code == 200
    assert staff.get(reverse("my-reports")).status_code == 200

    membership = world.hospital.memberships.get(user=world.staff)
    services.membership_deactivate(membership=membership, actor=world.lead)
    assert staff.get(reverse("my-reports")).status_code in (302, 403)

    contract = world.hospital.contracts.get()
    contract.terminated_on = timezone.localdate()
    contract.termination_reason = "Ended by the board"
    contract.save()  # as the admin saves it
    assert lead.get(reverse("member-list")).status_code == 403


def test_a_renamed_hospital_shows_at_once(world, client_for):
    client = client_for(world.lead)
    assert "Mercy Test Hospital" in client.get(reverse("home")).content.decode()
    world.hospital.name = "Mercy General Test Hospital"
    world.hospital.save()
    assert "Mercy General Test Hospital" in client.get(reverse("home")).content.decode()


def test_removing_the_authenticator_app_counts_at_once(world, client_for):
    from allauth.mfa.models import Authenticator

    client = client_for(world.coordinator)
    assert client.get(reverse("pso-report-list")).status_code == 200
    Authenticator.objects.filter(user=world.coordinator).delete()
    response = client.get(reverse("pso-report-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_guest_expert_finds_the_sessions_link_without_a_query_per_page(world, client_for):
    from collaboratives import services as session_services
    from collaboratives.models import Guest
    from tests.collaboratives.test_rules import make_session

    session = make_session(world.facilitator)
    guest = session_services.session_invite_guest(
        session=session, email="hq@expert.test", full_name="Harper Quill", expertise="",
        actor=world.facilitator).user
    client = client_for(guest)
    sessions_link = f'href="{reverse("session-list")}"'
    sqls, fixed = fixed_queries(client, reverse("account_email"))
    assert fixed == []
    assert sessions_link in client.get(reverse("account_email")).content.decode()
    # The invitation withdrawn: the link goes at once, for the guest and for no one else.
    Guest.objects.filter(user=guest).delete()
    assert sessions_link not in client.get(reverse("account_email")).content.decode()
    # A member of a lapsed hospital, never a guest, has no link either, and pays no query.
    lapsed = client_for(world.expired_staff)
    sqls, fixed = fixed_queries(lapsed, reverse("account_email"))
    assert fixed == []
    assert sessions_link not in lapsed.get(reverse("account_email")).content.decode()


def test_a_members_home_reads_its_lists_only_when_they_have_rows(world, client_for,
                                                                 time_machine):
    """One query of counts (active members, pending invitations, the member's open actions);
    the invitations and actions are then read only when there are some."""
    from actions import services as action_services

    time_machine.move_to(timezone.now(), tick=False)
    client = client_for(world.lead)
    sqls = _without_session(fixed_queries(client, reverse("home"))[0])
    assert len(sqls) == 1 and _home_counts(sqls[0])
    page = client.get(reverse("home")).content.decode()
    members = world.hospital.memberships.filter(is_active=True).count()
    assert f"{members} active member" in page

    services.invitation_create(hospital=world.hospital, email="new.nurse@mercy.test",
                               role="staff", job_title="nurse", invited_by=world.lead)
    action_services.action_create(
        hospital=world.hospital, actor=world.lead, lesson=None,
        report=_a_report(world), owner=world.lead,
        due_date=timezone.localdate() + timedelta(days=3), title="Recheck the pump alarms",
        strength="stronger")
    sqls = _without_session(fixed_queries(client, reverse("home"))[0])
    assert len(sqls) == 3
    page = client.get(reverse("home")).content.decode()
    assert "new.nurse@mercy.test" in page and "Recheck the pump alarms" in page
    # An expired invitation is not pending: its list is not read.
    time_machine.move_to(timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS + 1),
                         tick=False)
    client.force_login(world.lead)
    page = client.get(reverse("home")).content.decode()
    assert "new.nurse@mercy.test" not in page


def _a_report(world):
    from tests.factories import ReportFactory

    return ReportFactory(hospital=world.hospital, reporter=world.staff)


def _home_counts(sql):
    """The home page's own statement of counts (members.selectors.home_facts)."""
    return '"members_invitation"' in sql and '"actions_actionitem"' in sql


def _without_session(sqls):
    """Without Redis the session is read from the database first."""
    return [s for s in sqls if '"django_session"' not in s]


def test_the_pso_home_reads_only_the_lists_that_have_rows(world, client_for, time_machine):
    """Whether each short list has rows is one statement; only those with rows are read."""
    from members.models import HospitalStatus
    from tests.factories import HospitalFactory

    time_machine.move_to(timezone.now(), tick=False)
    client = client_for(world.coordinator)
    sqls = _without_session(fixed_queries(client, reverse("home"))[0])
    # The named world's contracts may be expiring: one more statement for each such list.
    context = client.get(reverse("home")).context
    with_rows = [name for name in ("applications", "expiring", "sessions", "lessons_waiting",
                                   "lesson_drafts") if context.get(name)]
    assert "applications" not in with_rows
    assert len(sqls) == 1 + len(with_rows)
    assert "No applications are waiting." in client.get(reverse("home")).content.decode()

    HospitalFactory(name="Riverbend Applicant Hospital", status=HospitalStatus.APPLICANT)
    sqls = _without_session(fixed_queries(client, reverse("home"))[0])
    assert len(sqls) == 2 + len(with_rows)
    assert "Riverbend Applicant Hospital" in client.get(reverse("home")).content.decode()


def test_which_have_rows_answers_for_lists_that_cannot_have_any(world):
    from members import selectors
    from members.models import Hospital

    assert selectors.which_have_rows({}) == {}
    assert selectors.which_have_rows({
        "none": Hospital.objects.none(), "all": Hospital.objects.all(),
        "nothing": Hospital.objects.filter(pk__in=[]), "mercy": Hospital.objects.filter(
            name=world.hospital.name), "nobody": Hospital.objects.filter(name="No such")},
    ) == {"none": False, "all": True, "nothing": False, "mercy": True, "nobody": False}
