"""The Content-Security-Policy header, as django-csp writes it, built once per process for
the pages that change nothing in it.

django-csp builds the header string from the settings on every response. Almost every page
uses the policy of the settings as it is (no nonce, no per-view decorator), so that string is
kept per process and per kind of header (enforced, report-only) and rebuilt when a setting
changes. A page with a nonce or a per-view policy still gets its header built for it.
"""

import http.client as http_client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed

_policies: dict[bool, str] = {}

_KINDS = (
    (False, HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
    (True, HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
)


def _forget(**kwargs):
    _policies.clear()


setting_changed.connect(_forget)


class PolicyOnceCSPMiddleware(CSPMiddleware):
    """django-csp's middleware (csp.middleware.CSPMiddleware), with the settings' own policy
    built once: the same headers, the same exemptions, excluded prefixes and nonce checks."""

    def _policy(self, request, response, report_only: bool) -> str:
        parts = self.get_policy_parts(request=request, response=response,
                                      report_only=report_only)
        if parts.config is parts.update is parts.replace is parts.nonce is None:
            policy = _policies.get(report_only)
            if policy is None:
                policy = _policies[report_only] = build_policy(report_only=report_only)
            return policy
        return build_policy(config=parts.config, update=parts.update, replace=parts.replace,
                            nonce=parts.nonce, report_only=report_only)

    def process_response(self, request, response):
        exempted_debug_codes = (http_client.INTERNAL_SERVER_ERROR, http_client.NOT_FOUND)
        if response.status_code in exempted_debug_codes and settings.DEBUG:
            return response
        for report_only, header, exempt, setting in _KINDS:
            policy = self._policy(request, response, report_only)
            if not policy or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        # As django-csp: a nonce asked for after the header was written is an error.
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
