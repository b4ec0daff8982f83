"""`{% nav_url 'name' %}`: the address of a page that takes no argument, as `{% url %}` gives
it, reversed once per process for each URLconf and script prefix instead of on every request.
The header and footer link to some twenty such pages on every page."""

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse

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


setting_changed.connect(_forget)
