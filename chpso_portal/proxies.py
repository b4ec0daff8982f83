"""Who is asking: the visitor's address, read the same way by the audit log, allauth's rate
limits and sign-in records, and django-ratelimit.

Behind reverse proxies every request comes from the nearest proxy, so REMOTE_ADDR is the
proxy's address. Each proxy appends the address it received the request from to
X-Forwarded-For; with `TRUSTED_PROXY_COUNT` proxies of our own in front, the visitor is the
entry that many places from the right. Entries further left were written by the visitor and
are never believed. With the default of 0 the header is ignored.
"""

import ipaddress

from django.conf import settings


def _clean(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.9:443
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _clean(request.META.get("REMOTE_ADDR") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                 if part.strip()]
    if len(forwarded) < count:
        # Fewer hops than configured: the request did not come through all our proxies.
        return remote
    return _clean(forwarded[-count]) or remote


def ratelimit_ip(request) -> str:
    """For django-ratelimit's RATELIMIT_IP_META_KEY (it needs a string)."""
    return client_ip(request) or "0.0.0.0"
