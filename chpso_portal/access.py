"""The access registry: every URL says who may reach it, and the same declaration enforces it.

Views are wrapped by one of `public`, `account`, `hospital` or `pso`; each attaches its `Rule`
to the view function. URLs served by libraries (allauth, the admin) are declared in
`LIBRARY_RULES`. `tests/test_access_registry.py` walks the URL configuration, fails on any URL
without a rule, and checks every rule against every kind of visitor.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .audit.services import audit_denied

PUBLIC = "public"  # anyone, signed in or not
ACCOUNT = "account"  # any signed-in user, whatever their hospital's contract says
HOSPITAL = "hospital"  # a member of a hospital with an active contract, holding `scope`
PSO = "pso"  # PSO staff holding `scope`
ADMIN = "admin"  # the Django admin: staff users, through allauth's sign-in


@dataclass(frozen=True)
class Rule:
    kind: str
    scope: str | None = None
    methods: tuple[str, ...] = ("GET",)
    # The URL names an object of one hospital: members of other hospitals get 404.
    object_scoped: bool = False


def _declare(rule: Rule, guard=None):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if guard is not None:
                denied = guard(request)
                if denied is not None:
                    return denied
            return view(request, *args, **kwargs)

        # HEAD and OPTIONS follow GET; anything else not declared answers 405.
        allowed = list(rule.methods) + (["HEAD"] if "GET" in rule.methods else [])
        checked = require_http_methods(allowed)(wrapper)
        checked.access_rule = rule
        return checked

    return decorator


def public(*, methods=("GET",)):
    return _declare(Rule(PUBLIC, methods=tuple(methods)))


def _require_login(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def account(*, methods=("GET",)):
    return _declare(Rule(ACCOUNT, methods=tuple(methods)), _require_login)


def hospital(scope: str, *, methods=("GET",), object_scoped=False):
    def guard(request):
        if (response := _require_login(request)) is not None:
            return response
        membership = request.acting.membership
        if membership is None:
            audit_denied(actor=request.user, summary=f"No hospital membership for {request.path}")
            raise PermissionDenied("This page is for members of a hospital.")
        if not membership.hospital.has_active_contract:
            audit_denied(
                actor=request.user, hospital=membership.hospital,
                summary=f"Hospital contract not active: {request.path}",
            )
            return render(
                request, "members/contract_inactive.html",
                {"hospital": membership.hospital,
                 "contract": membership.hospital.contract_on()},
                status=403,
            )
        if scope not in membership.scopes:
            audit_denied(
                actor=request.user, hospital=membership.hospital,
                summary=f"Missing scope {scope}: {request.path}",
            )
            raise PermissionDenied("Your role in this hospital does not allow this.")
        request.membership = membership
        request.hospital = membership.hospital
        return None

    return _declare(
        Rule(HOSPITAL, scope=scope, methods=tuple(methods), object_scoped=object_scoped), guard
    )


def pso(scope: str, *, methods=("GET",)):
    def guard(request):
        if (response := _require_login(request)) is not None:
            return response
        if scope not in request.user.pso_scopes:
            audit_denied(actor=request.user, summary=f"Missing PSO scope {scope}: {request.path}")
            raise PermissionDenied("This page is for PSO staff.")
        return None

    return _declare(Rule(PSO, scope=scope, methods=tuple(methods)), guard)


# URLs that libraries serve. Keys are URL names, or a namespace followed by a colon.
LIBRARY_RULES: dict[str, Rule] = {
    "admin:": Rule(ADMIN),
    "account_login": Rule(PUBLIC, methods=("GET", "POST")),
    "account_signup": Rule(PUBLIC, methods=("GET", "POST")),
    "account_logout": Rule(ACCOUNT, methods=("GET", "POST")),
    "account_reauthenticate": Rule(ACCOUNT, methods=("GET", "POST")),
    "account_change_password": Rule(ACCOUNT, methods=("GET", "POST")),
    "account_set_password": Rule(ACCOUNT, methods=("GET", "POST")),
    "account_inactive": Rule(PUBLIC),
    "account_email": Rule(ACCOUNT, methods=("GET", "POST")),
    "account_email_verification_sent": Rule(PUBLIC),
    "account_confirm_email": Rule(PUBLIC, methods=("GET", "POST")),
    "account_reset_password": Rule(PUBLIC, methods=("GET", "POST")),
    "account_reset_password_done": Rule(PUBLIC),
    "account_reset_password_from_key": Rule(PUBLIC, methods=("GET", "POST")),
    "account_reset_password_from_key_done": Rule(PUBLIC),
    "account_login_code_confirm": Rule(PUBLIC, methods=("GET", "POST")),
    "account_confirm_login_code": Rule(PUBLIC, methods=("GET", "POST")),
    "account_request_login_code": Rule(PUBLIC, methods=("GET", "POST")),
    "mfa_index": Rule(ACCOUNT),
    "mfa_authenticate": Rule(PUBLIC, methods=("GET", "POST")),
    "mfa_reauthenticate": Rule(ACCOUNT, methods=("GET", "POST")),
    "mfa_activate_totp": Rule(ACCOUNT, methods=("GET", "POST")),
    "mfa_deactivate_totp": Rule(ACCOUNT, methods=("GET", "POST")),
    "mfa_view_recovery_codes": Rule(ACCOUNT),
    "mfa_generate_recovery_codes": Rule(ACCOUNT, methods=("GET", "POST")),
    "mfa_download_recovery_codes": Rule(ACCOUNT),
    "mfa_trust": Rule(PUBLIC, methods=("GET", "POST")),
    "usersessions_list": Rule(ACCOUNT, methods=("GET", "POST")),
}


def library_rule(url_name: str) -> Rule | None:
    if url_name in LIBRARY_RULES:
        return LIBRARY_RULES[url_name]
    namespace = url_name.split(":", 1)[0] + ":" if ":" in url_name else None
    return LIBRARY_RULES.get(namespace) if namespace else None


PARTICIPANT = "participant"  # signed in; the view's object helper decides, 404 for outsiders


def participant(*, methods=("GET",)):
    """A URL of one session: who may see it depends on the session (facilitator, invited
    hospital's lead, named attendee, guest), so the object helper answers 404 to everyone else."""
    return _declare(Rule(PARTICIPANT, methods=tuple(methods), object_scoped=True), _require_login)


LEARNING = "learning"  # signed in; the learning collaborative's object helper decides
# Who a learning-collaborative URL is for (the rule's `scope` field carries it):
LC_MEMBER = "lc.member"  # the collaborative's shared pages: its teams' members and its faculty
LC_TEAM = "lc.team"  # one team's working pages: that team (not its patient partner), faculty
LC_TEAM_WORK = "lc.team_work"  # that team's own members only (entering its data): faculty 403
LC_TEAM_LEAD = "lc.team_lead"  # the team's lead or day-to-day lead
LC_FACULTY = "lc.faculty"  # the collaborative's faculty and coordinators


def learning(audience: str, *, methods=("GET",)):
    """A URL of one learning collaborative or one of its teams. The object helper in
    collaboratives/programmes/access.py answers 404 to anyone outside it (a lapsed contract
    puts a team outside) and 403 to an insider whose place does not reach the page."""
    return _declare(Rule(LEARNING, scope=audience, methods=tuple(methods), object_scoped=True),
                    _require_login)
