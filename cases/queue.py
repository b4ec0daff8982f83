"""The review queue's saved views: a safety lead names a filter and order and opens it later.

A saved view holds only the queue's own query string, rebuilt from the validated filter form,
so it can never carry anything else into the page. Each person keeps their own, per hospital.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import SavedQueueView

MAX_SAVED_VIEWS = 20
MAX_NAME = 60


def saved_views(*, user, hospital):
    return list(SavedQueueView.objects.filter(user=user, hospital=hospital)
                .only("public_id", "name", "query"))


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
    return SavedQueueView.objects.create(user=user, hospital=hospital, name=name, query=query)


@transaction.atomic
def saved_view_delete(*, view: SavedQueueView, actor) -> None:
    if view.user_id != actor.pk:
        raise ValidationError("Only the person who saved a view can delete it.")
    view.delete()
