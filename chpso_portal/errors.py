"""Error pages and how refusals are logged.

A refused request (403, 404, 400, CSRF) is an everyday event, not a fault: it is logged as one
line, and the audit log holds what matters. Tracebacks are kept for real errors (5xx), so that
they stand out.
"""

import logging

from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", {"no_cookie": reason == REASON_NO_CSRF_COOKIE},
                  status=403)


class OneLineRefusals(logging.Filter):
    """Drops the traceback of log records about requests answered below 500."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if status is not None and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
