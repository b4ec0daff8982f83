"""The report lists read what they keep in the cache in one round trip: the read markers of the
rows someone else wrote on, and the queue's saved views with them."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from cases import queue
from cases.conversation import report_message_post
from cases.models import MessageSide
from tests.factories import ReportFactory


@pytest.fixture
def reads(monkeypatch):
    """Every key the page asked the cache for, one list per call."""
    calls, inside = [], []
    get, get_many = cache.get, cache.get_many

    def spy_get(key, *args, **kwargs):
        if not inside:  # a cache without a get_many of its own reads key by key
            calls.append([key])
        return get(key, *args, **kwargs)

    def spy_get_many(keys, *args, **kwargs):
        calls.append(list(keys))
        inside.append(True)
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(cache, "get", spy_get)
    monkeypatch.setattr(cache, "get_many", spy_get_many)
    return calls


def own(calls, *fragments):
    return [keys for keys in calls if any(f in key for key in keys for f in fragments)]


def test_rows_nobody_else_wrote_on_need_no_marker(world, client_for, reads):
    for _ in range(3):
        ReportFactory(hospital=world.hospital, reporter=world.staff)
    client = client_for(world.staff)
    client.get(reverse("my-reports"))
    reads.clear()
    response = client.get(reverse("my-reports"))
    assert [r.new_messages for r in response.context["page"]] == [0, 0, 0]
    assert own(reads, "conversation-read:") == []


def test_the_queue_reads_its_markers_and_saved_views_in_one_call(world, client_for, reads):
    talked = [ReportFactory(hospital=world.hospital, reporter=world.staff) for _ in range(2)]
    ReportFactory(hospital=world.hospital, reporter=world.staff, category="fall")
    for report in talked:
        report_message_post(report=report, author=world.staff, side=MessageSide.REPORTER,
                            text="One more thing.")
    queue.saved_view_create(user=world.lead, hospital=world.hospital, name="Falls",
                            query="status=all&category=fall")
    client = client_for(world.lead)
    client.get(reverse("review-queue"))
    reads.clear()
    response = client.get(reverse("review-queue"))
    views_key = queue.saved_views_key(user=world.lead, hospital=world.hospital)
    (keys,) = own(reads, "conversation-read:", "cases:saved-views:")
    assert views_key in keys
    assert sorted(k for k in keys if k != views_key) == sorted(
        f"conversation-read:{r.pk}:{world.lead.pk}" for r in talked)
    assert sorted(r.new_messages for r in response.context["page"]) == [0, 1, 1]
    assert [v.name for v in response.context["saved_views"]] == ["Falls"]
    # When nobody else wrote on any row shown: one call still, the views' key alone.
    reads.clear()
    response = client.get(reverse("review-queue"), {"category": "fall"})
    assert [r.new_messages for r in response.context["page"]] == [0]
    assert own(reads, "conversation-read:", "cases:saved-views:") == [[views_key]]
    assert [v.name for v in response.context["saved_views"]] == ["Falls"]
