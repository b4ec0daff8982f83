"""A database outage answers 503 "back in a moment", not 500; other errors stay 500."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse


@pytest.fixture
def visitor(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.staff)
    return client


@pytest.mark.parametrize("error", [
    OperationalError("connection to server at \"127.0.0.1\", port 5432 failed: Connection "
                     "refused"),
    InterfaceError("connection already closed"),
])
def test_a_lost_database_answers_503_with_a_retry_after(visitor, error):
    with mock.patch("members.selectors.memberships_for_user", side_effect=error):
        response = visitor.get(reverse("my-reports"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "back in a moment" in page and "may not have been saved" in page


def test_a_database_error_wrapped_in_another_still_answers_503(visitor):
    def fail(**kwargs):
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as exc:
            raise RuntimeError("while loading memberships") from exc

    with mock.patch("members.selectors.memberships_for_user", side_effect=fail):
        assert visitor.get(reverse("my-reports")).status_code == 503


def test_a_session_that_cannot_be_saved_for_a_lost_database_answers_503(visitor):
    # Django turns the failed save into "session interrupted" (400); the cause is the outage.
    error = OperationalError("server closed the connection unexpectedly")
    with mock.patch("django.contrib.sessions.models.Session.save", side_effect=error):
        response = visitor.get(reverse("my-reports"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_a_bad_request_is_still_a_400(visitor):
    response = visitor.get(reverse("my-reports"), HTTP_HOST="not-allowed.example")
    assert response.status_code == 400


def test_any_other_error_is_still_a_500(visitor):
    with mock.patch("members.selectors.memberships_for_user", side_effect=KeyError("bug")):
        response = visitor.get(reverse("my-reports"))
    assert response.status_code == 500
    assert "Retry-After" not in response
