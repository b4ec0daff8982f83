"""The signed-in user is read from the cache (members/auth_backends.py): what that must not
change. Each change to the account counts on the next request, the password hash never
leaves the database, and a user built from the cache saves like one read from the database."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.cache import user_key
from members.models import User


def _user_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, [q["sql"] for q in captured.captured_queries
                      if 'FROM "members_user"' in q["sql"]]


def test_the_user_is_read_once_then_comes_from_the_cache(world, client_for):
    client = client_for(world.staff)
    response, queries = _user_queries(client, reverse("account_email"))
    assert response.status_code == 200 and len(queries) == 1
    assert cache.get(user_key(world.staff.pk)) is not None
    response, queries = _user_queries(client, reverse("account_email"))
    assert response.status_code == 200 and queries == []
    assert response.context["user"].email == world.staff.email


def test_the_password_hash_is_not_cached(world, client_for):
    client_for(world.staff).get(reverse("account_email"))
    row = cache.get(user_key(world.staff.pk))
    assert "password" not in row[0]
    assert world.staff.password not in [v for v in row[1] if isinstance(v, str)]


def test_a_deactivated_account_is_signed_out_on_its_next_request(world, client_for):
    client = client_for(world.staff)
    assert client.get(reverse("my-reports")).status_code == 200
    world.staff.is_active = False
    world.staff.save()  # as the admin saves it
    response = client.get(reverse("my-reports"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_new_password_ends_the_other_sessions_at_once(world, client_for):
    client = client_for(world.staff)
    assert client.get(reverse("my-reports")).status_code == 200
    user = User.objects.get(pk=world.staff.pk)
    user.set_password("a-brand-new-password-2026")
    user.save()
    response = client.get(reverse("my-reports"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_renamed_user_shows_at_once(world, client_for):
    client = client_for(world.staff)
    assert client.get(reverse("account_email")).status_code == 200
    world.staff.full_name = "Renamed Reporter"
    world.staff.save()
    assert "Renamed Reporter" in client.get(reverse("account_email")).content.decode()


def test_saving_a_user_built_from_the_cache_keeps_the_password(world, client_for):
    world.staff.set_password("the-password-of-staff-2026")
    world.staff.save()
    client = client_for(world.staff)
    client.get(reverse("account_email"))
    response = client.get(reverse("account_email"))
    user = response.context["user"]._wrapped
    assert "password" in user.get_deferred_fields()
    user.full_name = "Saved From The Cache"
    user.save()
    stored = User.objects.get(pk=world.staff.pk)
    assert stored.full_name == "Saved From The Cache"
    assert stored.check_password("the-password-of-staff-2026")


def test_a_cached_row_of_other_columns_is_not_used(world, client_for):
    client = client_for(world.staff)
    client.get(reverse("account_email"))
    fields, values, digest = cache.get(user_key(world.staff.pk))
    cache.set(user_key(world.staff.pk), (fields[:-1], values[:-1], digest))
    response, queries = _user_queries(client, reverse("account_email"))
    assert response.status_code == 200 and len(queries) == 1


def test_a_session_that_does_not_match_the_cached_digest_is_ended(world, client_for):
    client = client_for(world.staff)
    client.get(reverse("account_email"))
    fields, values, _ = cache.get(user_key(world.staff.pk))
    cache.set(user_key(world.staff.pk), (fields, values, "forged"))
    response = client.get(reverse("my-reports"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def _change_while_reading(monkeypatch, django_capture_on_commit_callbacks, change):
    """Make the next database read of a user run `change` (committed) right after it: another
    request saving the account between this request's read and its write to the cache."""
    manager_class = type(User._default_manager)
    real_get = manager_class.get
    fired = []

    def get(self, *args, **kwargs):
        found = real_get(self, *args, **kwargs)
        if not fired:
            fired.append(True)
            with django_capture_on_commit_callbacks(execute=True):
                change(real_get(self, pk=found.pk))
        return found

    monkeypatch.setattr(manager_class, "get", get)
    return lambda: monkeypatch.setattr(manager_class, "get", real_get)


def test_a_password_changed_while_a_request_reads_the_user_ends_the_old_session(
    world, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    client = client_for(world.staff)
    cache.delete(user_key(world.staff.pk))

    def change_password(user):
        user.set_password("a-new-password-for-2026!")
        user.save()

    restore = _change_while_reading(monkeypatch, django_capture_on_commit_callbacks,
                                    change_password)
    client.get(reverse("account_email"))  # read the old row; the change commits meanwhile
    restore()
    # The old row must not have been put back: the old session is over.
    response = client.get(reverse("account_email"))
    assert response.status_code == 302


def test_an_account_deactivated_while_a_request_reads_it_is_signed_out_next(
    world, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    client = client_for(world.staff)
    cache.delete(user_key(world.staff.pk))

    def deactivate(user):
        user.is_active = False
        user.save()

    restore = _change_while_reading(monkeypatch, django_capture_on_commit_callbacks, deactivate)
    client.get(reverse("my-reports"))
    restore()
    response = client.get(reverse("my-reports"))
    assert response.status_code == 302


def test_a_forgotten_entry_is_a_miss_and_cannot_be_overwritten_by_a_late_writer():
    from members import cache as facts

    key = user_key(987654)
    cache.set(key, facts.FORGOTTEN, facts.FORGOTTEN_FOR)
    assert facts.fresh(cache.get(key)) is None
    facts.remember(key, ("stale",))
    assert cache.get(key) == facts.FORGOTTEN
    cache.delete(key)
    facts.remember(key, ("fresh",))
    assert facts.fresh(cache.get(key)) == ("fresh",)


def test_signing_in_leaves_the_next_requests_reading_from_the_cache(
    world, client, django_capture_on_commit_callbacks
):
    # Signing in saves the time of it; that must not keep the user out of the cache.
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(world.staff)
    client.get(reverse("account_email"))
    response, queries = _user_queries(client, reverse("account_email"))
    assert response.status_code == 200 and queries == []


def test_a_change_that_matters_still_keeps_a_late_writer_out(
    world, django_capture_on_commit_callbacks
):
    from members import cache as facts

    with django_capture_on_commit_callbacks(execute=True):
        world.staff.is_active = False
        world.staff.save()
    assert cache.get(user_key(world.staff.pk)) == facts.FORGOTTEN


def test_using_a_code_keeps_the_authenticator_flag_cached_and_removing_it_does_not(
    world, django_capture_on_commit_callbacks
):
    from allauth.mfa.models import Authenticator

    from members import cache as facts

    authenticator, _ = Authenticator.objects.get_or_create(
        user=world.coordinator, type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": "unused"}})
    key = facts.totp_key(world.coordinator.pk)
    cache.set(key, True, facts.TIMEOUT)
    with django_capture_on_commit_callbacks(execute=True):
        authenticator.record_usage()  # signing in with a code
    assert cache.get(key) is True
    with django_capture_on_commit_callbacks(execute=True):
        authenticator.delete()
    assert facts.fresh(cache.get(key)) is None
