import pytest
from csp.constants import NONCE
from csp.exceptions import CSPNonceError
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from chpso_portal.security_headers import PolicyOnceCSPMiddleware


def test_pages_carry_the_settings_policy_and_follow_a_changed_setting(world, client_for, settings):
    response = client_for(world.lead).get(reverse("my-reports"))
    assert response["Content-Security-Policy"] == build_policy()
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in response

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client_for(world.lead).get(reverse("my-reports"))[
        "Content-Security-Policy"] == "default-src 'none'"
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    response = client_for(world.lead).get(reverse("my-reports"))
    assert response["Content-Security-Policy-Report-Only"] == build_policy(report_only=True)
    assert "img-src 'self'" in response["Content-Security-Policy-Report-Only"]


def test_a_nonce_or_a_view_policy_is_built_for_its_page(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    middleware = PolicyOnceCSPMiddleware(lambda request: HttpResponse("x"))
    request = RequestFactory().get("/")
    middleware.process_request(request)
    nonce = str(request.csp_nonce)
    response = middleware.process_response(request, HttpResponse("x"))
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]

    plain = RequestFactory().get("/")
    middleware.process_request(plain)
    view_policy = HttpResponse("x")
    view_policy._csp_update = {"img-src": ["https://maps.example"]}
    header = middleware.process_response(plain, view_policy)["Content-Security-Policy"]
    assert "https://maps.example" in header
    assert "nonce" not in header
    assert nonce not in build_policy()
    # The next page is back to the settings' own policy, and a nonce asked for too late fails.
    later = RequestFactory().get("/")
    middleware.process_request(later)
    assert middleware.process_response(later, HttpResponse("x"))[
        "Content-Security-Policy"] == build_policy()
    with pytest.raises(CSPNonceError):
        str(later.csp_nonce)
