import hashlib
import time

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.http import urlencode

from .roles import MFA_REQUIRED_ROLES

ACTING_SESSION_KEY = "acting_hospital"
# When the session's idle clock was last wound (a Unix time).
IDLE_SESSION_KEY = "_idle_wound_at"
# When the user-sessions row was last written, and for which client ([time, digest]).
SEEN_SESSION_KEY = "_seen"


def _refresh_interval() -> int:
    return settings.SESSION_ACTIVITY_REFRESH_SECONDS


def _client_digest(ip, user_agent: str) -> str:
    return hashlib.blake2b(f"{ip}\n{user_agent}".encode(), digest_size=8).hexdigest()


def _client(request) -> str:
    from allauth.account.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    max_length = UserSession._meta.get_field("user_agent").max_length
    return _client_digest(get_adapter(request).get_client_ip(request),
                          request.META.get("HTTP_USER_AGENT", "")[:max_length])


def seen_at_sign_in(sender, request, **kwargs):
    """allauth writes the user-sessions row when someone signs in: the next minute of pages
    need not write it again."""
    if request is not None and hasattr(request, "session"):
        request.session[SEEN_SESSION_KEY] = [time.time(), _client(request)]


def _load_user(request):
    """The request's user, as django.contrib.auth.middleware.get_user gives it, with the
    user's cached row and facts (members/cache.py) fetched in one round trip first: the row
    spares the user's query (members/auth_backends.py), and `request.acting` reads the facts
    from here instead of asking the cache again."""
    from django.core.cache import cache

    from .auth_backends import prefetched
    from .cache import fact_keys, user_key

    if hasattr(request, "_cached_user"):
        return request._cached_user
    user_id = request.session.get(auth.SESSION_KEY)
    if user_id is None:
        request._cached_user = auth.get_user(request)
        return request._cached_user
    keys = fact_keys(user_id)
    found = cache.get_many(keys)
    token = prefetched.set((str(user_id), found.pop(user_key(user_id), None)))
    try:
        user = auth.get_user(request)
    finally:
        prefetched.reset(token)
    if user.is_authenticated:
        request._user_facts = (user.pk, found)
    request._cached_user = user
    return user


class AuthenticationMiddleware(DjangoAuthentication):
    """Django's authentication middleware, loading the user through `_load_user`."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _load_user(request))


class ActivityMiddleware:
    """The idle timeout and the "where you are signed in" list, written at most once a minute.

    Django can save the session on every request (SESSION_SAVE_EVERY_REQUEST) and allauth's
    UserSessionsMiddleware updates the user-sessions row on every request; together they made
    every page write two rows and commit twice. Instead:

    - the session is saved (which moves its expiry SESSION_COOKIE_AGE ahead) when its idle
      clock was last wound a minute ago or more; so a session ends between 29 and 30 minutes
      after the last request, never later;
    - the user-sessions row (last seen, IP, browser) is written through allauth's own
      `create_from_request` when it is a minute old or the IP address or browser changed (which
      also sends allauth's `session_client_changed` signal, as before).

    HEAD requests change nothing. Replaces allauth.usersessions.middleware.UserSessionsMiddleware
    and sits where it did, after the authentication middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "HEAD":
            self._track(request)
        response = self.get_response(request)
        if request.method != "HEAD":
            self._wind_idle_clock(request)
        return response

    def _track(self, request):
        from allauth.usersessions import app_settings
        from allauth.usersessions.models import UserSession

        session = request.session
        if not (app_settings.TRACK_ACTIVITY and session.session_key
                and request.user.is_authenticated):
            return
        now = time.time()
        client = _client(request)
        seen = session.get(SEEN_SESSION_KEY)
        if seen and seen[1] == client and 0 <= now - seen[0] < _refresh_interval():
            return
        UserSession.objects.create_from_request(request)
        session[SEEN_SESSION_KEY] = [now, client]

    def _wind_idle_clock(self, request):
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return  # no session, or it was just ended (signed out)
        now = time.time()
        wound = session.get(IDLE_SESSION_KEY)
        if wound is None or not 0 <= now - wound < _refresh_interval():
            session[IDLE_SESSION_KEY] = now  # marks it modified: SessionMiddleware saves it


class NoStoreMiddleware:
    """Signed-in pages carry patient safety work product: no browser or proxy may keep a copy
    (`Cache-Control: no-store`, added to whatever the view said)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True)
        return response


class Acting:
    """Which hospital the signed-in user is acting for, and the user's other cached facts
    (members/cache.py), each resolved on first use."""

    def __init__(self, request):
        self._request = request

    @cached_property
    def cached(self) -> dict:
        """Everything the page header and the access checks need from the cache, in one round
        trip: memberships (hospital members), whether an authenticator app is set up (PSO
        staff) and the unread count."""
        from django.core.cache import cache

        from chpso_portal.notifications.selectors import unread_key

        from .cache import guest_key, memberships_key, totp_key

        user = self._request.user
        if not user.is_authenticated:
            return {}
        fetched = getattr(self._request, "_user_facts", None)
        if fetched is not None and fetched[0] == user.pk:
            return fetched[1]  # read with the user (AuthenticationMiddleware)
        keys = [unread_key(user.pk), guest_key(user.pk)]
        if not user.pso_role:
            keys.append(memberships_key(user.pk))
        if user.pso_role in MFA_REQUIRED_ROLES:
            keys.append(totp_key(user.pk))
        return cache.get_many(keys)

    @cached_property
    def memberships(self):
        from .cache import memberships_key
        from .selectors import memberships_for_user

        user = self._request.user
        if not user.is_authenticated:
            return []
        return memberships_for_user(user=user, cached=self.cached.get(memberships_key(user.pk)))

    @cached_property
    def membership(self):
        memberships = self.memberships
        if not memberships:
            return None
        wanted = self._request.session.get(ACTING_SESSION_KEY)
        for membership in memberships:
            if str(membership.hospital.public_id) == wanted:
                return membership
        return memberships[0]

    @cached_property
    def unread_notifications(self) -> int:
        from chpso_portal.notifications.selectors import unread_count, unread_key

        user = self._request.user
        if not user.is_authenticated:
            return 0
        return unread_count(user=user, cached=self.cached.get(unread_key(user.pk)))

    @cached_property
    def has_guest_sessions(self) -> bool:
        """Whether the user was ever invited to a session as a guest expert: the header shows
        them the Sessions link. Cached per user and forgotten when a guest invitation is saved
        or deleted (members/cache.py)."""
        from collaboratives.models import Guest

        from .cache import fresh, guest_key, remember

        user = self._request.user
        if not user.is_authenticated:
            return False
        has = fresh(self.cached.get(guest_key(user.pk)))
        if has is None:
            has = Guest.objects.filter(user=user).exists()
            remember(guest_key(user.pk), has)
        return has

    @cached_property
    def has_totp(self) -> bool:
        from .cache import totp_key

        user = self._request.user
        return _has_totp(user, cached=self.cached.get(totp_key(user.pk)))


class ActingMembershipMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.acting = Acting(request)
        return self.get_response(request)


def second_factor_required(user) -> bool:
    """Accounts that must use a second factor: everyone who can open the admin (superusers,
    staff with or without a PSO role) and PSO coordinators and facilitators."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.is_staff or user.pso_role in MFA_REQUIRED_ROLES)
    )


def _changes_other_people(request, view_func) -> bool:
    """A safety lead opening the views that change another person's role or membership needs
    a second factor too (someone without that scope gets the usual 403 instead)."""
    from .roles import Scope

    rule = getattr(view_func, "access_rule", None)
    if rule is None or rule.scope != Scope.MEMBERS_MANAGE:
        return False
    membership = request.acting.membership
    return membership is not None and Scope.MEMBERS_MANAGE in membership.scopes


class RequireMFAMiddleware:
    """With PSO_REQUIRE_MFA on (the default), accounts that can open the admin and PSO staff
    set up an authenticator app before anything else, and a safety lead sets one up before
    managing members. Signing in then asks for its code (allauth). Comes after
    ActingMembershipMiddleware, whose `request.acting` knows from the cache."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if (
            not settings.PSO_REQUIRE_MFA
            or not user.is_authenticated
            or request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            return None
        if not (second_factor_required(user) or _changes_other_people(request, view_func)):
            return None
        if request.acting.has_totp:
            return None
        return redirect(
            reverse("mfa_activate_totp") + "?" + urlencode({"next": request.get_full_path()})
        )


def _has_totp(user, cached: bool | None = None) -> bool:
    """Cached per user (members/cache.py forgets it when an authenticator is added or removed):
    PSO staff would otherwise pay this query on every page. `cached`: what the cache held, when
    the caller already asked it."""
    from allauth.mfa.models import Authenticator
    from django.core.cache import cache

    from .cache import fresh, remember, totp_key

    key = totp_key(user.pk)
    has = fresh(cached if cached is not None else cache.get(key))
    if has is None:
        has = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        remember(key, has)
    return has
