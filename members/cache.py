"""What every signed-in request needs about its user, kept in the cache between requests.

The user's own row (without the password hash: the session check uses a digest of it, see
`user_row`), a member's memberships (with each hospital and its contracts), whether a PSO user
has an authenticator app and whether someone was invited to a session as a guest expert (the
header's Sessions link) are read on every page. They change rarely, so they are cached per user and
forgotten whenever one of the rows they are built from is saved or deleted, wherever that
happens (services, the admin, management commands). The contracts are cached with their
dates and "in force today" is decided in Python on each request, so a contract that lapses
overnight takes effect at once, without waiting for the cache.

The entries also expire on their own after a few minutes: a bulk `QuerySet.update()` bypasses
the signals below, and the expiry bounds how long such a change can go unseen.

A request that read a row just before a change committed must not put the old row back after
the change has cleared it (a deactivated account or an old password would then be accepted
until the entry expired). So the cache forgets an entry twice, when the change is saved and
once it has committed, and the second time leaves a marker (`FORGOTTEN`) for a few seconds
instead of nothing; entries are only ever added (`remember`), never overwritten, so a late
writer finds the marker and gives up, and readers take the marker for a miss (`fresh`).
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

TIMEOUT = 5 * 60
_VERSION = 1
# What a forgotten entry holds for FORGOTTEN_FOR seconds after the change committed.
FORGOTTEN = "members:forgotten"
FORGOTTEN_FOR = 10


def memberships_key(user_id) -> str:
    return f"members:memberships:v{_VERSION}:{user_id}"


def totp_key(user_id) -> str:
    return f"members:has-totp:v{_VERSION}:{user_id}"


def guest_key(user_id) -> str:
    return f"members:guest-sessions:v{_VERSION}:{user_id}"


def user_key(user_id) -> str:
    return f"members:user:v{_VERSION}:{user_id}"


def fact_keys(user_id) -> list[str]:
    """Every entry a signed-in request may read about its user, fetched in one round trip by
    members.middleware.AuthenticationMiddleware."""
    from chpso_portal.notifications.selectors import unread_key

    return [user_key(user_id), unread_key(user_id), guest_key(user_id),
            memberships_key(user_id), totp_key(user_id)]


def _row_fields(model) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname != "password")


def user_row(user) -> tuple:
    """The user as plain values, cheaper to store and read back than a pickled instance: every
    column but the password hash, the names of those columns (a row cached before a migration
    changed them is not used) and the session digest Django derives from the hash
    (`get_session_auth_hash`), which is all a request needs of it."""
    fields = _row_fields(type(user))
    return (fields, tuple(getattr(user, name) for name in fields),
            user.get_session_auth_hash())


def user_from_row(model, row, using: str):
    """The instance `user_row` describes, its password left deferred (read from the database
    if anything asks for it), or None when the row does not match the model's columns."""
    try:
        fields, values, session_hash = row
    except (TypeError, ValueError):
        return None
    if fields != _row_fields(model):
        return None
    user = model.from_db(using, fields, values)
    user.cached_session_auth_hash = session_hash
    return user


def fresh(value):
    """What the cache held for an entry, or None when it was forgotten (or never there)."""
    return None if isinstance(value, str) and value == FORGOTTEN else value


def remember(key: str, value) -> None:
    """Cache an entry read from the database, unless it was forgotten meanwhile: `add` leaves
    the marker a change put there in place."""
    cache.add(key, value, TIMEOUT)


def _forget(keys: list[str]) -> None:
    if not keys:
        return
    cache.delete_many(keys)
    # Again once the writing transaction has committed, this time leaving the marker: a
    # request that read the old rows in the meantime cannot put them back (`remember`).
    transaction.on_commit(lambda: cache.set_many(dict.fromkeys(keys, FORGOTTEN), FORGOTTEN_FOR))


def forget_memberships(*user_ids) -> None:
    _forget([memberships_key(user_id) for user_id in user_ids if user_id is not None])


def forget_hospital(hospital_id) -> None:
    """Every member of the hospital, active or not, sees its name and contracts."""
    from .models import Membership

    if hospital_id is None:
        return
    forget_memberships(*Membership.objects.filter(hospital_id=hospital_id)
                       .values_list("user_id", flat=True))


def _membership_changed(sender, instance, **kwargs):
    forget_memberships(instance.user_id)


def _hospital_changed(sender, instance, **kwargs):
    forget_hospital(instance.pk)


def _contract_changed(sender, instance, **kwargs):
    forget_hospital(instance.hospital_id)


def _user_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        # Signing in stamps the time and nothing a request checks: the row is read again,
        # without the marker that would keep the next few seconds' requests from the cache.
        key = user_key(instance.pk)
        cache.delete(key)
        transaction.on_commit(lambda: cache.delete(key))
        return
    forget_memberships(instance.pk)
    _forget([totp_key(instance.pk), user_key(instance.pk)])


def _authenticator_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= {"last_used_at"}:
        return  # a code was used: the user still has the same authenticators
    _forget([totp_key(instance.user_id)])


def _guest_changed(sender, instance, **kwargs):
    _forget([guest_key(instance.user_id)])


def connect() -> None:
    from allauth.mfa.models import Authenticator

    from collaboratives.models import Guest

    from .models import Contract, Hospital, Membership, User

    for model, receiver in ((Membership, _membership_changed), (Hospital, _hospital_changed),
                            (Contract, _contract_changed), (User, _user_changed),
                            (Authenticator, _authenticator_changed), (Guest, _guest_changed)):
        uid = f"members.cache.{model.__name__}"
        post_save.connect(receiver, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(receiver, sender=model, dispatch_uid=uid + ".delete")
