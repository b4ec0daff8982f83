"""Roles are data: each role is a set of scopes, and code asks for a scope, never a role name.

This module is the one table that says what every role may do.
"""

from django.db import models


class Scope(models.TextChoices):
    # Hospital scopes, granted through a membership of an active hospital.
    HOSPITAL_VIEW = "hospital.view", "See the hospital's home page"
    MEMBERS_VIEW = "members.view", "See the hospital's members"
    MEMBERS_MANAGE = "members.manage", "Invite, change and deactivate members"
    REPORTS_CREATE = "reports.create", "File incident reports and read one's own"
    REPORTS_REVIEW = "reports.review", "Review the hospital's reports and send them to the PSO"
    REPORTS_TRANSFER = "reports.transfer", "Import and export the hospital's reports"
    SESSIONS_ATTEND = "sessions.attend", "See the sessions one is named to attend"
    SESSIONS_PARTICIPATE = "sessions.participate", "Answer session invitations, name attendees, "\
        "nominate cases"
    LESSONS_READ = "lessons.read", "Read the PSO's published lessons, mark them, comment on them"
    COLLABORATIVES_ENROL = "collaboratives.enrol", "Apply to learning collaboratives and answer "\
        "invitations for the hospital"
    ACTIONS_MANAGE = "actions.manage", "Plan the hospital's actions on its reports and on "\
        "lessons, assign them and follow them up"
    # PSO scopes, granted through a PSO role.
    PSO_DASHBOARD = "pso.dashboard", "See the PSO dashboard"
    HOSPITALS_MANAGE = "hospitals.manage", "Review applications and hospitals"
    CONTRACTS_MANAGE = "contracts.manage", "Record and download PSO contracts"
    AUDIT_VIEW = "audit.view", "Browse the audit log"
    PSO_REPORTS = "pso.reports", "Read and export reports sent to the PSO"
    SESSIONS_FACILITATE = "sessions.facilitate", "Schedule and run microcollaborative sessions"
    SESSIONS_ALL = "sessions.all", "See every session, not only one's own"
    LESSONS_DRAFT = "lessons.draft", "Draft lessons from sessions and sent reports"
    LESSONS_REVIEW = "lessons.review", "Review, publish and withdraw other people's lessons"
    COLLABORATIVES_CHARTER = "collaboratives.charter", "Charter learning collaboratives, name "\
        "their faculty, enrol teams"
    COLLABORATIVES_COACH = "collaboratives.coach", "Coach the teams of the learning "\
        "collaboratives one is faculty of"


class HospitalRole(models.TextChoices):
    STAFF = "staff", "Staff"
    SAFETY_LEAD = "safety_lead", "Safety lead"


class PsoRole(models.TextChoices):
    COORDINATOR = "coordinator", "PSO coordinator"
    FACILITATOR = "facilitator", "PSO facilitator"


HOSPITAL_ROLE_SCOPES: dict[str, frozenset[str]] = {
    HospitalRole.STAFF: frozenset(
        {Scope.HOSPITAL_VIEW, Scope.REPORTS_CREATE, Scope.SESSIONS_ATTEND, Scope.LESSONS_READ}
    ),
    HospitalRole.SAFETY_LEAD: frozenset(
        {Scope.HOSPITAL_VIEW, Scope.MEMBERS_VIEW, Scope.MEMBERS_MANAGE, Scope.REPORTS_CREATE,
         Scope.REPORTS_REVIEW, Scope.REPORTS_TRANSFER, Scope.SESSIONS_ATTEND,
         Scope.SESSIONS_PARTICIPATE, Scope.LESSONS_READ, Scope.COLLABORATIVES_ENROL,
         Scope.ACTIONS_MANAGE}
    ),
}

PSO_ROLE_SCOPES: dict[str, frozenset[str]] = {
    PsoRole.COORDINATOR: frozenset(
        {Scope.PSO_DASHBOARD, Scope.HOSPITALS_MANAGE, Scope.CONTRACTS_MANAGE, Scope.AUDIT_VIEW,
         Scope.PSO_REPORTS, Scope.SESSIONS_FACILITATE, Scope.SESSIONS_ALL, Scope.LESSONS_DRAFT,
         Scope.LESSONS_REVIEW, Scope.COLLABORATIVES_CHARTER, Scope.COLLABORATIVES_COACH}
    ),
    PsoRole.FACILITATOR: frozenset(
        {Scope.PSO_DASHBOARD, Scope.SESSIONS_FACILITATE, Scope.LESSONS_DRAFT,
         Scope.COLLABORATIVES_COACH}
    ),
}

# PSO roles that use the Django admin, and the model permissions their group carries there.
ADMIN_GROUP_PERMISSIONS: dict[str, list[str]] = {
    PsoRole.COORDINATOR: [
        "members.view_hospital", "members.change_hospital",
        "members.view_contract", "members.add_contract", "members.change_contract",
        "members.view_membership", "members.view_invitation",
        "audit.view_auditevent",
        "members.view_user", "members.add_user", "members.change_user",
    ],
}

# PSO roles that must have a second factor before they can work.
MFA_REQUIRED_ROLES = frozenset({PsoRole.COORDINATOR, PsoRole.FACILITATOR})


def hospital_scopes(role: str) -> frozenset[str]:
    return HOSPITAL_ROLE_SCOPES.get(role, frozenset())


def pso_scopes(role: str) -> frozenset[str]:
    return PSO_ROLE_SCOPES.get(role, frozenset())
