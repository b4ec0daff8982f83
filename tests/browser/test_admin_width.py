"""A coordinator at a 1280 px desk screen reads a contract's status and an audit row's who, what
and outcome without scrolling sideways, however long the hospital names and summaries are."""

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from playwright.sync_api import expect

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from members import services
from members.roles import PsoRole
from tests.browser.test_journeys import sign_in
from tests.factories import ContractFactory, UserFactory

pytestmark = pytest.mark.browser

LONG_NAME = ("Saint Bartholomew of the Northern Valley Regional Medical Center and Children's "
             "Hospital Foundation")


@pytest.fixture
def coordinator():
    user = UserFactory(email="desk.coordinator@pso.test", full_name="Desk Coordinator")
    services.pso_role_set(user=user, role=PsoRole.COORDINATOR, actor=None)
    user.secret = generate_totp_secret()
    TOTP.activate(user, user.secret)
    return user


def _columns_in_view(page, headers):
    """The right edge of each named column header, and the page's own scroll width."""
    return page.evaluate(
        """(headers) => {
            const found = {};
            for (const th of document.querySelectorAll('#result_list thead th')) {
                const name = th.innerText.trim().toLowerCase();
                if (headers.includes(name)) found[name] = th.getBoundingClientRect().right;
            }
            return {found, scroll: document.documentElement.scrollWidth,
                    width: window.innerWidth};
        }""",
        headers,
    )


def _assert_key_columns_visible(page, headers):
    seen = _columns_in_view(page, headers)
    assert sorted(seen["found"]) == sorted(headers), seen
    assert seen["scroll"] <= seen["width"], "the page scrolls sideways"
    for name, right in seen["found"].items():
        assert right <= seen["width"], f"the {name!r} column is cut off at {right:.0f} px"


def test_contract_columns_fit_a_desk_screen(page, coordinator):
    today = timezone.localdate()
    for n in range(3):
        ContractFactory(hospital__name=f"{LONG_NAME} {n}", signed_by_name="Casey Chief",
                        effective_on=today - timedelta(days=30 * n),
                        expires_on=today + timedelta(days=365 - 100 * n))

    sign_in(page, coordinator.email, totp_secret=coordinator.secret)
    page.goto("/admin/members/contract/")
    expect(page.locator("#result_list")).to_be_visible()
    _assert_key_columns_visible(page, ["hospital", "status", "expires on"])


def test_audit_log_columns_fit_a_desk_screen(page, coordinator):
    for n in range(5):
        audit_record(actor=coordinator, action=AuditAction.VIEW,
                     summary=("Viewed the summary of report MERCY-2026-0042 with its attachments, "
                              "its conversation and every contributing factor recorded " * 3)[:300],
                     object_type="cases.incidentreport", object_id=f"{n:032d}")

    sign_in(page, coordinator.email, totp_secret=coordinator.secret)
    page.goto("/admin/audit/auditevent/")
    expect(page.locator("#result_list")).to_be_visible()
    _assert_key_columns_visible(page, ["at", "actor email", "action", "outcome"])
