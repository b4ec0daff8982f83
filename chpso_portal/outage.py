"""The answer when the database cannot be reached: 503 "try again shortly", not a 500.

Django calls the 500 handler for any exception a view or middleware lets through, inside the
`except` block, so the handler can look at what was raised; a session that could not be saved
reaches the 400 handler with the database error as its cause. A lost or refused database
connection (PostgreSQL restarting, failing over, out of connections) is a passing outage: the
page says so, asks the browser to retry after a while, and touches nothing that needs the
database (no session, no user, no context processors). Anything else is a real error and gets
the ordinary 500 page.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import bad_request as default_bad_request
from django.views.defaults import server_error as default_server_error

RETRY_AFTER_SECONDS = 30


def database_unreachable(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@requires_csrf_token
def server_error(request, template_name="500.html"):
    if database_unreachable(sys.exc_info()[1]):
        return service_unavailable(request)
    return default_server_error(request, template_name=template_name)


@requires_csrf_token
def bad_request(request, exception, template_name="400.html"):
    # A session that cannot be saved because the database went away is reported by Django as
    # "session interrupted" (400), with the database error as its cause: that is an outage too.
    if database_unreachable(exception):
        return service_unavailable(request)
    return default_bad_request(request, exception, template_name=template_name)


def service_unavailable(request):
    from django.http import HttpResponse

    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
