"""Notifications and the email outbox (DESIGN.md section 9)."""

import contextlib
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chpso_portal.celery import app as celery_app
from chpso_portal.notifications import kinds, services, tasks
from chpso_portal.notifications.models import (
    EmailPreference,
    Notification,
    OutboxEmail,
    OutboxStatus,
)
from tests.factories import UserFactory

LOCMEM_SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


def tell(recipients, *, kind=kinds.CONTRACT_EXPIRING, key="contract:1:expiring:60", **extra):
    return services.notify(kind=kind, event_key=key, recipients=recipients,
                           title=extra.pop("title", "Contract ends soon"),
                           body=extra.pop("body", "Sign a new one."), **extra)


def make_notifications(user, count, *, read=False):
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(recipient=user, kind=kinds.CONTRACT_EXPIRING.code,
                     event_key=f"bulk:{read}:{i}", title=f"Notice {i}", body="Body",
                     created_at=now - timedelta(minutes=i), read_at=now if read else None)
        for i in range(count)
    )


@contextlib.contextmanager
def celery_broker(url, *, eager):
    """Point the Celery app at another broker for a while, and put everything back after."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    saved_pool, saved_producers = celery_app._pool, celery_app.amqp._producer_pool
    conf.broker_url, conf.task_always_eager = url, eager
    celery_app._pool = celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        celery_app._pool, celery_app.amqp._producer_pool = saved_pool, saved_producers


# --- notify() ----------------------------------------------------------------------------


def test_notify_creates_one_notification_per_event_and_recipient(world,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = tell([world.lead, world.staff, world.lead, None])
    assert {n.recipient for n in first} == {world.lead, world.staff}
    with django_capture_on_commit_callbacks(execute=True):
        again = tell([world.lead, world.staff], title="A second try")
    assert again == []
    assert Notification.objects.filter(event_key="contract:1:expiring:60").count() == 2
    assert OutboxEmail.objects.filter(event_key="contract:1:expiring:60").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.lead.email, world.staff.email])
    assert all(m.subject == "[PSO portal] Contract ends soon" for m in mail.outbox)
    # A new event is a new notification.
    tell([world.lead], key="contract:1:expiring:30")
    assert world.lead.notifications.count() == 2


def test_inactive_users_are_not_notified(world):
    world.staff.is_active = False
    world.staff.save()
    assert [n.recipient for n in tell([world.staff, world.lead])] == [world.lead]


def test_email_follows_the_users_preference(world, django_capture_on_commit_callbacks):
    EmailPreference.objects.create(user=world.staff, kind=kinds.CONTRACT_EXPIRING.code,
                                   email=False)
    EmailPreference.objects.create(user=world.lead, kind=kinds.CONTRACT_EXPIRING.code,
                                   email=True)
    EmailPreference.objects.create(user=world.other_lead, kind=kinds.APPLICATION_RECEIVED.code,
                                   email=False)
    with django_capture_on_commit_callbacks(execute=True):
        tell([world.staff, world.lead, world.other_lead])
    # Everybody sees it in the portal; email only for those who want it.
    assert Notification.objects.count() == 3
    assert set(OutboxEmail.objects.values_list("to_address", flat=True)) == {
        world.lead.email, world.other_lead.email
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.lead.email,
                                                           world.other_lead.email])


def test_kinds_that_are_not_configurable_always_email(world):
    assert services.wants_email(user_ids=[world.lead.pk, world.staff.pk],
                                kind=kinds.ACCOUNT_INVITATION) == {world.lead.pk, world.staff.pk}
    services.email_preferences_save(user=world.lead, choices={"account_invitation": False})
    assert not EmailPreference.objects.filter(user=world.lead).exists()


def test_preferences_page_saves_the_choices(world, client_for):
    client = client_for(world.lead)
    url = reverse("notification-preferences")
    page = client.get(url)
    assert page.status_code == 200
    offered = kinds.configurable_for(world.lead)
    for kind in offered:
        assert f'name="{kind.code}"' in page.content.decode()
    assert 'name="account_invitation"' not in page.content.decode()

    response = client.post(url, {"contract_expired": "on"})
    assert response.status_code == 302 and response["Location"] == url
    saved = dict(EmailPreference.objects.filter(user=world.lead).values_list("kind", "email"))
    assert saved == {kind.code: kind.code == "contract_expired" for kind in offered}
    assert services.wants_email(user_ids=[world.lead.pk], kind=kinds.CONTRACT_EXPIRING) == set()
    assert services.wants_email(user_ids=[world.lead.pk],
                                kind=kinds.CONTRACT_EXPIRED) == {world.lead.pk}
    # The page shows what was saved.
    form = client.get(url).context["form"]
    assert form["contract_expired"].value() is True
    assert form["contract_expiring"].value() is False


# --- Pages -------------------------------------------------------------------------------


def test_the_header_shows_the_unread_count(world, client_for):
    make_notifications(world.staff, 3)
    make_notifications(world.staff, 2, read=True)
    make_notifications(world.lead, 7)
    client = client_for(world.staff)
    page = client.get(reverse("home")).content.decode()
    assert 'aria-label="3 unread"' in page
    # The count is cached per user: a new notification and reading them both show at once.
    tell([world.staff])
    page = client.get(reverse("home")).content.decode()
    assert 'aria-label="4 unread"' in page
    services.notification_mark_read(user=world.staff)
    page = client.get(reverse("home")).content.decode()
    assert "unread" not in page


def test_the_unread_count_is_read_once_per_user_until_it_changes(world, client_for):
    make_notifications(world.staff, 2)
    client = client_for(world.staff)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("home")).content.decode()
    assert 'aria-label="2 unread"' in page
    assert not [q for q in captured.captured_queries if "notifications_notification" in q["sql"]]


def test_the_list_is_paginated_and_its_queries_do_not_grow(world, client_for,
                                                           django_assert_max_num_queries):
    client = client_for(world.staff)
    url = reverse("notification-list")
    client.get(url)  # warm up the session and the per-process caches

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return response, len(queries)

    make_notifications(world.staff, 5)
    few_page, few = count_queries()
    Notification.objects.filter(recipient=world.staff).delete()
    make_notifications(world.staff, 50)
    with django_assert_max_num_queries(few):
        many_page, _ = count_queries()
    assert len(few_page.context["page"].object_list) == 5
    assert len(many_page.context["page"].object_list) == 30
    assert many_page.context["page"].paginator.num_pages == 2
    second = client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 20
    # Newest first; nobody else's notices.
    titles = [n.title for n in many_page.context["page"].object_list]
    assert titles[0] == "Notice 0" and titles[-1] == "Notice 29"
    make_notifications(world.lead, 3)
    assert all(n.recipient_id == world.staff.pk for n in second.context["page"].object_list)


def test_opening_marks_read_and_follows_the_link(world, client_for):
    client = client_for(world.staff)
    local = Notification.objects.create(recipient=world.staff, kind="contract_expired",
                                        event_key="a", title="t", link="/home/")
    no_link = Notification.objects.create(recipient=world.staff, kind="contract_expired",
                                          event_key="b", title="t")
    foreign = Notification.objects.create(recipient=world.staff, kind="contract_expired",
                                          event_key="c", title="t",
                                          link="https://evil.example/phish")
    response = client.post(reverse("notification-open", args=[local.public_id]))
    assert response.status_code == 302 and response["Location"] == "/home/"
    local.refresh_from_db()
    assert local.read_at is not None
    for n in (no_link, foreign):
        response = client.post(reverse("notification-open", args=[n.public_id]))
        assert response["Location"] == reverse("notification-list")
        n.refresh_from_db()
        assert n.read_at is not None


def test_a_get_or_head_never_marks_a_notification_read(world, client_for):
    client = client_for(world.staff)
    notification = Notification.objects.create(recipient=world.staff, kind="contract_expired",
                                               event_key="a", title="t", link="/home/")
    url = reverse("notification-open", args=[notification.public_id])
    assert client.get(url).status_code == 405
    assert client.head(url).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None
    # The list opens it with a form that posts to that address.
    page = client.get(reverse("notification-list")).content.decode()
    assert f'formaction="{url}"' in page
    assert '<form method="post">' in page


def test_mark_all_read(world, client_for):
    make_notifications(world.staff, 4)
    make_notifications(world.lead, 2)
    client = client_for(world.staff)
    assert client.get(reverse("notification-read-all")).status_code == 405
    response = client.post(reverse("notification-read-all"))
    assert response.status_code == 302 and response["Location"] == reverse("notification-list")
    assert not Notification.objects.filter(recipient=world.staff, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.lead, read_at__isnull=True).count() == 2
    follow = client.get(reverse("notification-list"))
    assert "Marked 4 notification(s) as read." in follow.content.decode()


def test_another_users_notification_is_404(world, client_for):
    theirs = Notification.objects.create(recipient=world.lead, kind="contract_expired",
                                         event_key="x", title="Lead only", link="/home/")
    response = client_for(world.staff).post(reverse("notification-open",
                                                    args=[theirs.public_id]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Lead only" not in client_for(world.staff).get(
        reverse("notification-list")).content.decode()


# --- The outbox --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_delivery_is_enqueued_only_after_commit():
    people = [UserFactory(), UserFactory()]
    with mock.patch.object(tasks.deliver_email, "delay") as delay:
        with transaction.atomic():
            tell(people)
            assert OutboxEmail.objects.count() == 2
            delay.assert_not_called()
        assert sorted(call.args[0] for call in delay.call_args_list) == sorted(
            OutboxEmail.objects.values_list("pk", flat=True)
        )
        delay.reset_mock()
        with pytest.raises(RuntimeError), transaction.atomic():
            tell(people, key="rolled:back")
            raise RuntimeError("the event failed")
        delay.assert_not_called()
    assert not OutboxEmail.objects.filter(event_key="rolled:back").exists()
    assert not Notification.objects.filter(event_key="rolled:back").exists()


def test_delivery_waits_for_the_on_commit_callbacks(world, django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.deliver_email, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with transaction.atomic():
                tell([world.lead])
            delay.assert_not_called()
        assert len(callbacks) == 2  # the delivery, and forgetting the cached unread count
        delay.assert_called_once_with(OutboxEmail.objects.get().pk)


def test_redis_down_loses_nothing(world, django_capture_on_commit_callbacks, caplog):
    with celery_broker("redis://127.0.0.1:1/0", eager=False):
        with django_capture_on_commit_callbacks(execute=True):
            tell([world.lead])  # the broker is unreachable: enqueueing must not raise
        assert services.sweep(older_than=timedelta(0)) == 0
    email = OutboxEmail.objects.get()
    assert email.status == OutboxStatus.PENDING and email.attempts == 0
    assert mail.outbox == []
    assert "sweeper will retry" in caplog.text

    # Too recent for the sweeper by default: it leaves rows the normal path may still deliver.
    assert services.sweep() == 0
    assert services.sweep(older_than=timedelta(0)) == 1
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT and email.attempts == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.lead.email]
    # Sweeping again sends nothing more.
    assert services.sweep(older_than=timedelta(0)) == 0
    assert tasks.sweep_outbox() == 0
    assert len(mail.outbox) == 1


def test_the_sweep_task_delivers_pending_rows(world, settings):
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
    email = services.queue_email(kind=kinds.CONTRACT_EXPIRED, event_key="e", subject="s",
                                 body="b", to_address="Someone@Example.org")
    assert email.to_address == "someone@example.org"
    assert tasks.sweep_outbox() == 1
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT and len(mail.outbox) == 1


def test_a_retried_delivery_never_sends_twice(world):
    email = services.queue_email(kind=kinds.CONTRACT_EXPIRED, event_key="e", subject="s",
                                 body="b", to_address=world.lead.email)
    assert services.queue_email(kind=kinds.CONTRACT_EXPIRED, event_key="e", subject="s",
                                body="b", to_address=world.lead.email.upper()) is None
    assert services.deliver(email_id=email.pk) == OutboxStatus.SENT
    assert services.deliver(email_id=email.pk) == OutboxStatus.SENT
    assert tasks.deliver_email.delay(email.pk).get() == OutboxStatus.SENT
    assert tasks.deliver_email(email.pk) == OutboxStatus.SENT
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1 and email.sent_at is not None
    assert services.deliver(email_id=10**9) == ""


def test_smtp_failure_retries_with_backoff_then_delivers(world):
    email = services.queue_email(kind=kinds.CONTRACT_EXPIRED, event_key="e", subject="s",
                                 body="b", to_address=world.lead.email)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        with mock.patch(LOCMEM_SEND, side_effect=smtplib.SMTPServerDisconnected("gone")):
            assert services.deliver(email_id=email.pk) == OutboxStatus.PENDING
            email.refresh_from_db()
            assert email.attempts == 1
            assert email.next_attempt_at == start + timedelta(seconds=30)
            assert "SMTPServerDisconnected: gone" in email.last_error
            # Not due yet: neither a retry nor the sweeper touches it.
            assert services.deliver(email_id=email.pk) == OutboxStatus.PENDING
            assert services.sweep(older_than=timedelta(0)) == 0
            email.refresh_from_db()
            assert email.attempts == 1

            clock.shift(timedelta(seconds=31))
            assert services.deliver(email_id=email.pk) == OutboxStatus.PENDING
            email.refresh_from_db()
            assert email.attempts == 2
            assert email.next_attempt_at == timezone.now() + timedelta(seconds=60)
        assert mail.outbox == []

        clock.shift(timedelta(seconds=61))
        assert services.sweep(older_than=timedelta(0)) == 1
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT and email.attempts == 3 and email.last_error == ""
    assert len(mail.outbox) == 1


def test_after_the_last_attempt_the_email_fails(world, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    email = services.queue_email(kind=kinds.CONTRACT_EXPIRED, event_key="e", subject="s",
                                 body="b", to_address=world.lead.email)
    with time_machine.travel(timezone.now(), tick=False) as clock, \
            mock.patch(LOCMEM_SEND, side_effect=smtplib.SMTPException("refused")):
        statuses = []
        for _ in range(3):
            statuses.append(services.deliver(email_id=email.pk))
            clock.shift(timedelta(hours=7))
        assert statuses == [OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.FAILED]
        assert services.sweep(older_than=timedelta(0)) == 0
        assert services.deliver(email_id=email.pk) == OutboxStatus.FAILED
    email.refresh_from_db()
    assert email.status == OutboxStatus.FAILED and email.attempts == 3
    assert "refused" in email.last_error
    assert mail.outbox == []


def test_adding_a_kind_needs_no_migration(db, monkeypatch):
    from django.core.management import call_command

    extra = kinds.Kind("test_only_kind", "A kind added later")
    monkeypatch.setitem(kinds.ALL, extra.code, extra)
    assert ("test_only_kind", "A kind added later") in Notification._meta.get_field(
        "kind").choices
    call_command("makemigrations", "notifications", "--check", "--dry-run", verbosity=0)


def test_backoff_is_capped():
    assert services._backoff(1) == timedelta(seconds=30)
    assert services._backoff(4) == timedelta(seconds=240)
    assert services._backoff(30) == timedelta(hours=6)


def test_secret_emails_lose_their_body_once_sent(world):
    email = services.queue_email(kind=kinds.ACCOUNT_INVITATION, event_key="invitation:1:send:0",
                                 subject="Invitation", to_address="new@mercy.test",
                                 body="Create your account: https://portal/invitations/SECRET/")
    services.deliver(email_id=email.pk)
    assert "SECRET" in mail.outbox[0].body
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT
    assert "SECRET" not in email.body
    ordinary = services.queue_email(kind=kinds.CONTRACT_EXPIRED, event_key="e", subject="s",
                                    body="Keep me", to_address="new@mercy.test")
    services.deliver(email_id=ordinary.pk)
    ordinary.refresh_from_db()
    assert ordinary.body == "Keep me"


def test_attachments_travel_with_the_email(world):
    email = services.queue_email(
        kind=kinds.CONTRACT_EXPIRED, event_key="e", subject="s", body="b",
        to_address=world.lead.email,
        attachments=[{"filename": "session.ics", "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR",
                      "content_type": "text/calendar"}],
    )
    services.deliver(email_id=email.pk)
    (name, content, content_type), = mail.outbox[0].attachments
    assert (name, content_type) == ("session.ics", "text/calendar")
    assert content.startswith("BEGIN:VCALENDAR")
