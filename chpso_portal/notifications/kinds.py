"""Every kind of notification the portal sends, in one table.

`email_default` says whether a user who never changed their preferences gets an email as well as
the in-app notice; `configurable` kinds can be switched on or off per user.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    email_default: bool = True
    configurable: bool = True
    # The email carries a secret (an invitation link): its body is wiped once it is sent.
    secret: bool = False
    # Who can receive it ("coordinator", "facilitator", "lead", "member", "guest"): the
    # preferences page offers a person only the kinds that can reach them.
    audience: frozenset = frozenset()


APPLICATION_RECEIVED = Kind("application_received", "A hospital applied to join the PSO",
                            audience=frozenset({"coordinator"}))
ACCOUNT_INVITATION = Kind(
    "account_invitation", "Invitation to create an account", configurable=False, secret=True
)
CONTRACT_EXPIRING = Kind("contract_expiring", "A PSO contract is about to expire",
                         audience=frozenset({"coordinator", "lead"}))
CONTRACT_EXPIRED = Kind("contract_expired", "A PSO contract has expired or ended",
                        audience=frozenset({"coordinator", "lead"}))
HOSPITAL_ACTIVATED = Kind("hospital_activated", "A hospital's membership became active",
                          audience=frozenset({"coordinator"}))
POSITIVE_DEVIANCE = Kind("positive_deviance",
                         "Positive deviance: a team does best on a measure, or is asked to share",
                         audience=frozenset({"coordinator", "lead"}))
REPORT_UPDATE = Kind("report_update", "News about a report I filed",
                     audience=frozenset({"member"}))
REPORT_MESSAGE = Kind("report_message", "A reporter wrote on a report my hospital reviews",
                      audience=frozenset({"lead"}))
SESSION_INVITATION = Kind("session_invitation", "An invitation to a microcollaborative session",
                          audience=frozenset({"lead", "guest"}))
SESSION_ANSWERED = Kind("session_answered", "A hospital answered a session invitation",
                        audience=frozenset({"facilitator"}))
SESSION_CHANGED = Kind("session_changed", "A session was moved or cancelled",
                       audience=frozenset({"facilitator", "member", "guest"}))
SESSION_REMINDER = Kind("session_reminder", "Session reminders (deadline, next day)",
                        audience=frozenset({"facilitator", "member", "guest"}))
NOMINATION_UPDATE = Kind("nomination_update", "News about a case nominated for a session",
                         audience=frozenset({"facilitator", "lead"}))
LESSON_REVIEW = Kind("lesson_review", "A lesson waiting for review, returned or published",
                     audience=frozenset({"coordinator", "facilitator"}))
LESSON_WITHDRAWN = Kind("lesson_withdrawn", "A lesson my hospital acts on was withdrawn",
                        audience=frozenset({"lead"}))
LESSON_COMMENT = Kind("lesson_comment", "A member's comment to the PSO on a lesson",
                      audience=frozenset({"coordinator"}))
# Opt-in: nobody gets the weekly digest until they ask for it.
LESSON_DIGEST = Kind("lesson_digest", "Weekly digest of newly published lessons",
                     email_default=False, audience=frozenset({"member"}))
ACTION_ASSIGNED = Kind("action_assigned", "An action of my hospital's plan was given to me",
                       audience=frozenset({"member"}))
ACTION_REMINDER = Kind("action_reminder", "An action I own is due soon or overdue",
                       audience=frozenset({"member"}))
# Learning collaborative kinds with no audience reach patient and family partners too (guest
# accounts with no membership), so they are offered to everyone.
LC_ENROLMENT = Kind("lc_enrolment", "Learning collaborative invitations, applications and "
                                     "enrolment",
                    audience=frozenset({"coordinator", "facilitator", "lead", "member"}))
LC_CHARTER_CHANGED = Kind("lc_charter_changed", "A learning collaborative's charter changed")
LC_EVENT_REMINDER = Kind("lc_event_reminder", "Learning sessions and calls coming up")
LC_REPORT_REMINDER = Kind("lc_report_reminder", "A team's monthly report is due or late",
                          audience=frozenset({"member", "facilitator"}))
LC_FACULTY_COMMENT = Kind("lc_faculty_comment", "Faculty commented on my team's work",
                          audience=frozenset({"member"}))
LC_TEAM = Kind("lc_team", "I was added to a learning collaborative team")
LC_DISCUSSION = Kind("lc_discussion", "Replies in discussion threads I follow")
LC_ANNOUNCEMENT = Kind("lc_announcement", "Announcements from a collaborative's faculty")

ALL = {
    kind.code: kind
    for kind in (
        APPLICATION_RECEIVED,
        ACCOUNT_INVITATION,
        CONTRACT_EXPIRING,
        CONTRACT_EXPIRED,
        HOSPITAL_ACTIVATED,
        POSITIVE_DEVIANCE,
        REPORT_UPDATE,
        REPORT_MESSAGE,
        SESSION_INVITATION,
        SESSION_ANSWERED,
        SESSION_CHANGED,
        SESSION_REMINDER,
        NOMINATION_UPDATE,
        LESSON_REVIEW,
        LESSON_WITHDRAWN,
        LESSON_COMMENT,
        LESSON_DIGEST,
        ACTION_ASSIGNED,
        ACTION_REMINDER,
        LC_ENROLMENT,
        LC_CHARTER_CHANGED,
        LC_EVENT_REMINDER,
        LC_REPORT_REMINDER,
        LC_FACULTY_COMMENT,
        LC_TEAM,
        LC_DISCUSSION,
        LC_ANNOUNCEMENT,
    )
}
CONFIGURABLE = [kind for kind in ALL.values() if kind.configurable]


def audiences_of(user) -> set[str]:
    """What `user` is, in the terms of Kind.audience."""
    from members.roles import HospitalRole, PsoRole, Scope

    tags = set()
    if user.pso_role == PsoRole.COORDINATOR:
        tags.add("coordinator")
    if Scope.SESSIONS_FACILITATE in user.pso_scopes:
        tags.add("facilitator")
    roles = set(user.memberships.filter(is_active=True).values_list("role", flat=True))
    if roles:
        tags.add("member")
    if HospitalRole.SAFETY_LEAD in roles:
        tags.add("lead")
    if user.guest_sessions.exists():
        tags.add("guest")
    return tags


def configurable_for(user) -> list[Kind]:
    tags = audiences_of(user)
    return [kind for kind in CONFIGURABLE if not kind.audience or kind.audience & tags]


def choices():
    # Model fields take this function, not its result: a new kind needs no migration.
    return [(kind.code, kind.label) for kind in ALL.values()]
