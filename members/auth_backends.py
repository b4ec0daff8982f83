"""allauth's authentication backend, reading the signed-in user from the cache.

Every signed-in request loads its user. members.middleware.AuthenticationMiddleware fetches the
user's cached row together with the other facts a page needs (members/cache.py) in one round
trip to the cache, and this backend builds the user from that row instead of querying the
database. Django then checks the session against the user as always (`auth.get_user`: the
session's digest of the password hash, the account still active). Outside that middleware, or
when the cache has no row, the user comes from the database and the row is cached; the cache
forgets it whenever the user is saved or deleted.
"""

from contextvars import ContextVar

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.db import router

from . import cache as facts

# (the session's user id, what the cache held for that user's row) while the middleware loads
# the request's user.
prefetched: ContextVar[tuple[str, object] | None] = ContextVar("prefetched_user", default=None)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        seen = prefetched.get()
        if seen is None or seen[0] != str(user_id):
            return super().get_user(user_id)
        model = get_user_model()
        user = None
        row = facts.fresh(seen[1])
        if row is not None:
            user = facts.user_from_row(model, row, router.db_for_read(model))
        if user is None:
            try:
                user = model._default_manager.get(pk=user_id)
            except model.DoesNotExist:
                return None
            facts.remember(facts.user_key(user.pk), facts.user_row(user))
        return user if self.user_can_authenticate(user) else None
