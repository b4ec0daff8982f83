"""The review queue's saved views: a safety lead names a filter and order and opens it later.

A saved view holds only the queue's own query string, rebuilt from the validated filter form,
so it can never carry anything else into the page. Each person keeps their own, per hospital.
"""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import SavedQueueView

MAX_SAVED_VIEWS = 20
MAX_NAME = 60
VIEWS_CACHE_SECONDS = 3600


def _views_key(user_id, hospital_id) -> str:
    return f"cases:saved-views:v1:{user_id}:{hospital_id}"


def saved_views_key(*, user, hospital) -> str:
    """The cache key of the person's saved views, for a page that reads it with others."""
    return _views_key(user.pk, hospital.pk)


def saved_views(*, user, hospital, cached=None):
    """The person's saved views in this hospital, by name. Kept in the cache, which
    saved_view_create and saved_view_delete clear (views change nowhere else): the queue is
    opened far more often than a view is saved. Whether the person may see the queue is
    decided before, on every request. `cached`: what the page already read from the cache
    (by key), so the views cost no round trip of their own."""
    key = _views_key(user.pk, hospital.pk)
    views = cache.get(key) if cached is None else cached.get(key)
    if views is None:
        views = list(SavedQueueView.objects.filter(user=user, hospital=hospital)
                     .only("public_id", "name", "query"))
        cache.set(key, views, VIEWS_CACHE_SECONDS)
    return views


def _forget_views(user_id, hospital_id) -> None:
    key = _views_key(user_id, hospital_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def saved_view_for_user(*, user, hospital, public_id) -> SavedQueueView | None:
    return SavedQueueView.objects.filter(user=user, hospital=hospital,
                                         public_id=public_id).first()


@transaction.atomic
def saved_view_create(*, user, hospital, name: str, query: str) -> SavedQueueView:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the view a name, for example \"Falls this month\"."})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": f"Keep the name to {MAX_NAME} characters or fewer."})
    mine = SavedQueueView.objects.select_for_update().filter(user=user, hospital=hospital)
    if mine.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"You already have a view named \"{name}\": choose "
                                       "another name, or delete that one first."})
    if mine.count() >= MAX_SAVED_VIEWS:
        raise ValidationError({"name": f"You can keep {MAX_SAVED_VIEWS} saved views: delete one "
                                       "you no longer use first."})
    view = SavedQueueView.objects.create(user=user, hospital=hospital, name=name, query=query)
    _forget_views(user.pk, hospital.pk)
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedQueueView, actor) -> None:
    if view.user_id != actor.pk:
        raise ValidationError("Only the person who saved a view can delete it.")
    view.delete()
    _forget_views(view.user_id, view.hospital_id)
