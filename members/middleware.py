from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode

from .roles import MFA_REQUIRED_ROLES

ACTING_SESSION_KEY = "acting_hospital"


class Acting:
    """Which hospital the signed-in user is acting for; resolved on first use (one query)."""

    def __init__(self, request):
        self._request = request

    @cached_property
    def memberships(self):
        from .selectors import memberships_for_user

        user = self._request.user
        if not user.is_authenticated:
            return []
        memberships = memberships_for_user(user=user)
        for membership in memberships:
            membership.hospital.has_active_contract = membership._contract_active
        return memberships

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


class ActingMembershipMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.acting = Acting(request)
        return self.get_response(request)


class RequireMFAMiddleware:
    """PSO coordinators and facilitators set up an authenticator app before anything else."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.PSO_REQUIRE_MFA
            and user.is_authenticated
            and user.pso_role in MFA_REQUIRED_ROLES
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not _has_totp(user)
        ):
            return redirect(
                reverse("mfa_activate_totp") + "?" + urlencode({"next": request.get_full_path()})
            )
        return self.get_response(request)


def _has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
