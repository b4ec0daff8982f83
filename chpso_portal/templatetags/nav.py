"""`{% nav_url 'name' %}`: the address of a page that takes no argument, as `{% url %}` gives
it, reversed once per process for each URLconf and script prefix instead of on every request.
The header and footer link to some twenty such pages on every page."""

import secrets

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from chpso_portal.context_processors import phone_link

register = template.Library()

_reversed: dict[tuple, str] = {}


@register.simple_tag
def nav_url(name: str) -> str:
    key = (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), name)
    url = _reversed.get(key)
    if url is None:
        url = _reversed[key] = reverse(name)
    return url


def _forget(**kwargs):
    # A test that changes a setting may also change which URLs exist.
    _reversed.clear()
    _headers.clear()
    _frame_parts.clear()


setting_changed.connect(_forget)


# --- The page header ------------------------------------------------------------------------

# The header's HTML by the facts it shows (see header_nav), at most this many kept.
_headers: dict[tuple, str] = {}
_HEADERS_MAX = 2048
# Stand-ins for what changes on every request: the CSRF token and the page's own address.
# Random per process, so no text a person types can contain them.
_CSRF = f"csrf{secrets.token_hex(16)}"
_PATH = f"path{secrets.token_hex(16)}"


def _csrf_token(context, request) -> str:
    """The page's CSRF token: the one its own forms show (`csrf_token`, made once per
    template context), so the header's forms do not mask the secret a second time."""
    token = context.get("csrf_token")
    if token is not None:
        token = str(token)
        if token and token != "NOTPROVIDED":
            return token
    return get_token(request) if request is not None else ""


def _value(value):
    """A context value as a template reads it: a function is called."""
    return value() if callable(value) else value


def _header_facts(context) -> tuple:
    """Everything templates/_nav.html shows, as plain values: the key its HTML is kept under.
    Decided on every request from the request's own user and acting membership, so a lapsed
    contract, a removed membership or a new notification shows at once."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return (False,)
    membership = context.get("acting_membership")
    memberships = context.get("acting_memberships") or []
    acting = None
    if membership is not None:
        hospital = membership.hospital
        acting = (membership.pk, hospital.name, frozenset(membership.scopes),
                  bool(hospital.has_active_contract))
    choices = tuple((m.pk, str(m.hospital.public_id), m.hospital.name)
                    for m in memberships) if len(memberships) > 1 else ()
    pso_scopes = frozenset(user.pso_scopes)
    # As the template's test reads it: whether the user was a guest expert matters only when
    # neither a PSO role nor the hospital's contract already shows the Sessions link.
    guest = False
    if not ("sessions.facilitate" in pso_scopes
            or acting and acting[3] and "sessions.attend" in acting[2]):
        guest = bool(_value(context.get("has_guest_sessions")))
    return (True, pso_scopes, bool(user.is_staff), user.display_name, acting, choices, guest,
            int(_value(context.get("unread_notifications")) or 0))


def _header_context(facts: tuple) -> dict:
    nav = {"authenticated": facts[0]}
    if facts[0]:
        _, pso_scopes, is_staff, display_name, acting, choices, guest, unread = facts
        nav.update(pso_scopes=pso_scopes, is_staff=is_staff, display_name=display_name,
                   guest=guest, unread=unread,
                   choices=[{"pk": pk, "public_id": public_id, "name": name}
                            for pk, public_id, name in choices])
        if acting is not None:
            nav["acting"] = dict(zip(("pk", "name", "scopes", "contract"), acting, strict=True))
    return {"nav": nav, "csrf_token": _CSRF, "path": _PATH}


@register.simple_tag(takes_context=True)
def header_nav(context) -> str:
    """The header of every page, rendered once per process for each set of facts it shows
    (who is signed in with which roles, for which hospitals, the unread count) and then
    copied: rendering its some sixty tags was a measured share of every page's time."""
    facts = _header_facts(context)
    key = (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), facts)
    html = _headers.get(key)
    if html is None:
        html = get_template("_nav.html").render(_header_context(facts))
        if len(_headers) >= _HEADERS_MAX:
            _headers.clear()
        _headers[key] = html
    request = context.get("request")
    if _CSRF in html:
        html = html.replace(_CSRF, escape(_csrf_token(context, request)))
    if _PATH in html:
        html = html.replace(_PATH, escape(request.get_full_path()) if request is not None else "")
    return mark_safe(html)  # rendered with autoescape; the two values escaped here


# --- The rest of the page frame --------------------------------------------------------------

# The parts of base.html that depend only on settings and addresses, by what they depend on.
_frame_parts: dict[tuple, str] = {}


def _frame_part(name: str, template_name: str, context: dict) -> str:
    key = (name, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(),
           tuple(sorted(context.items())))
    html = _frame_parts.get(key)
    if html is None:
        html = _frame_parts[key] = get_template(template_name).render(context)
    return html


@register.simple_tag
def frame_assets() -> str:
    """The stylesheets, icon and scripts of every page: their addresses depend only on the
    static files settings (and, with hashed names, on the deployed files), so they are
    rendered once per process."""
    return mark_safe(_frame_part("assets", "_frame_assets.html", {}))


@register.simple_tag
def footer_contact() -> str:
    """The PSO's name and how to reach it, at the foot of every page: from settings only, so
    rendered once per process."""
    phone = settings.PSO_CONTACT_PHONE
    return mark_safe(_frame_part("contact", "_footer_contact.html", {
        "pso_name": settings.PSO_NAME,
        "pso_contact_email": settings.PSO_CONTACT_EMAIL,
        "pso_contact_phone": phone,
        "pso_contact_phone_link": phone_link(phone),
    }))
