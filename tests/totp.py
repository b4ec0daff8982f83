"""A time-based code for a test user's second factor that is still valid when it arrives."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

PERIOD = 30  # seconds; allauth's MFA_TOTP_PERIOD default, which the portal keeps
MARGIN = 6  # seconds a code must have left before it is typed


def current_totp_code(secret, *, margin=MARGIN):
    """The code of the current period, waiting for the next one when this one is about to end.

    The portal accepts only the current period's code (no tolerance), so a code computed in the
    last second of a period and checked by the server in the next one is refused. A browser
    test on a busy machine can take a few seconds between typing and checking.
    """
    left = PERIOD - time.time() % PERIOD
    if left < margin:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // PERIOD))
