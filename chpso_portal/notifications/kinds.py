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


APPLICATION_RECEIVED = Kind("application_received", "A hospital applied to join the PSO")
ACCOUNT_INVITATION = Kind(
    "account_invitation", "Invitation to create an account", configurable=False, secret=True
)
CONTRACT_EXPIRING = Kind("contract_expiring", "A PSO contract is about to expire")
CONTRACT_EXPIRED = Kind("contract_expired", "A PSO contract has expired or ended")
HOSPITAL_ACTIVATED = Kind("hospital_activated", "A hospital's membership became active")
REPORT_UPDATE = Kind("report_update", "News about a report I filed")
SESSION_INVITATION = Kind("session_invitation", "An invitation to a microcollaborative session")
SESSION_ANSWERED = Kind("session_answered", "A hospital answered a session invitation")
SESSION_CHANGED = Kind("session_changed", "A session was moved or cancelled")
SESSION_REMINDER = Kind("session_reminder", "Session reminders (deadline, next day)")
NOMINATION_UPDATE = Kind("nomination_update", "News about a case nominated for a session")
LESSON_REVIEW = Kind("lesson_review", "A lesson waiting for review, returned or published")
LESSON_WITHDRAWN = Kind("lesson_withdrawn", "A lesson my hospital acts on was withdrawn")
LESSON_COMMENT = Kind("lesson_comment", "A member's comment to the PSO on a lesson")
# Opt-in: nobody gets the weekly digest until they ask for it.
LESSON_DIGEST = Kind("lesson_digest", "Weekly digest of newly published lessons",
                     email_default=False)

ALL = {
    kind.code: kind
    for kind in (
        APPLICATION_RECEIVED,
        ACCOUNT_INVITATION,
        CONTRACT_EXPIRING,
        CONTRACT_EXPIRED,
        HOSPITAL_ACTIVATED,
        REPORT_UPDATE,
        SESSION_INVITATION,
        SESSION_ANSWERED,
        SESSION_CHANGED,
        SESSION_REMINDER,
        NOMINATION_UPDATE,
        LESSON_REVIEW,
        LESSON_WITHDRAWN,
        LESSON_COMMENT,
        LESSON_DIGEST,
    )
}
CONFIGURABLE = [kind for kind in ALL.values() if kind.configurable]


def choices():
    # Model fields take this function, not its result: a new kind needs no migration.
    return [(kind.code, kind.label) for kind in ALL.values()]
