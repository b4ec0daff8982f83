"""Dates read the same in a page and in the message about it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.template import Context, Template

from chpso_portal.text import day, day_and_month, day_and_time


def test_a_date_in_a_message_reads_as_it_does_in_a_page():
    value = date(2026, 3, 3)
    page = Template('{{ value|date:"M j, Y" }}').render(Context({"value": value}))
    assert day(value) == page == "Mar 3, 2026"
    assert day_and_month(value) == "Mar 3"


def test_a_moment_is_written_in_the_portals_time_zone(settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    moment = datetime(2026, 3, 3, 20, 30, tzinfo=ZoneInfo("UTC"))
    assert day_and_time(moment) == "Mar 3, 2026 12:30"
    assert day(moment) == "Mar 3, 2026"
