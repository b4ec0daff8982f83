"""Writes in the virtual office: resources (private files or links) and announcements.

A file is checked before it is stored (chpso_portal.uploads): its extension is one of
RESOURCE_TYPES, its size at most RESOURCE_MAX_BYTES, and its content is that type. It is
written again without the details of who made it (a photo's location and camera, a document's
author, company and comments' authors: teams of other hospitals read it), stored under a random
name in the private storage and reached only through the access-checked download view.
"""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.notifications import kinds
from chpso_portal.notifications.services import notify
from chpso_portal.uploads import check_upload, cleaned

from .models import RESOURCE_MAX_BYTES, RESOURCE_TYPES, Announcement, Resource, ResourceKind


def check_file(upload) -> tuple[str, bytes]:
    """-> (content type, the content to store without who made it), or a ValidationError
    saying what is wrong."""
    file_type = check_upload(upload, allowed=list(RESOURCE_TYPES), max_bytes=RESOURCE_MAX_BYTES)
    content, _ = cleaned(upload, file_type)
    if len(content) > RESOURCE_MAX_BYTES:
        raise ValidationError({"file": "Written again without its author's details, the file "
                                       f"is larger than {RESOURCE_MAX_BYTES // (1024 * 1024)} "
                                       "MB."})
    return file_type.content_type, content


def _may_share(place) -> None:
    if place is None or not (place.coaches or place.works_on_team):
        raise ValidationError("Faculty and team members share resources.")


@transaction.atomic
def resource_add(*, collaborative, place, actor, title: str, description: str = "",
                 upload=None, url: str = "", posted=None) -> Resource:
    """A team's title and description reach the other teams: they are screened for
    identifiers like a post (each finding fixed or dismissed with a reason)."""
    from ..discussion.services import _screened

    _may_share(place)
    title = title.strip()[:200]
    if not title:
        raise ValidationError({"title": "Give the resource a title."})
    if not place.coaches:
        _screened(actor, [("Title", title), ("Description", description)], posted)
    if bool(upload) == bool(url.strip()):
        raise ValidationError("Upload a file or give a link, not both.")
    team = None if place.coaches and not place.member else place.team
    resource = Resource(collaborative=collaborative, team=team, title=title,
                        description=description.strip(), uploaded_by=actor)
    if upload:
        content_type, content = check_file(upload)
        resource.kind = ResourceKind.FILE
        resource.original_name = (upload.name or "file").rsplit("/", 1)[-1][:200]
        resource.content_type = content_type
        resource.size = len(content)
        resource.file.save(resource.original_name, ContentFile(content), save=False)
    else:
        if not url.strip().lower().startswith(("https://", "http://")):
            raise ValidationError({"url": "Give a web link (https://...)."})
        resource.kind = ResourceKind.LINK
        resource.url = url.strip()
    resource.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=resource,
                 summary=f"Resource shared: {resource.get_kind_display()}")
    return resource


@transaction.atomic
def resource_remove(*, resource, place, actor) -> None:
    if not (place.coaches or resource.uploaded_by_id == actor.pk):
        raise ValidationError("Faculty or the person who shared it remove a resource.")
    resource.removed_at, resource.removed_by = timezone.now(), actor
    resource.save(update_fields=["removed_at", "removed_by"])
    audit_record(actor=actor, action=AuditAction.DEACTIVATE, obj=resource,
                 summary="Resource removed")


@transaction.atomic
def announcement_post(*, collaborative, place, actor, title: str, body: str) -> Announcement:
    from ..programmes.services import enrolled_team_people, faculty_people

    if place is None or not place.coaches:
        raise ValidationError("Announcements come from the faculty.")
    if not title.strip() or not body.strip():
        raise ValidationError("Give the announcement a title and a text.")
    announcement = Announcement.objects.create(collaborative=collaborative,
                                               title=title.strip()[:200], body=body.strip(),
                                               author=actor)
    audit_record(actor=actor, action=AuditAction.PUBLISH, obj=announcement,
                 summary="Announcement posted")
    notify(kind=kinds.LC_ANNOUNCEMENT, event_key=f"lc-announcement:{announcement.pk}",
           recipients=list(enrolled_team_people(collaborative))
           + list(faculty_people(collaborative).exclude(pk=actor.pk)),
           title=f"{collaborative.name}: {announcement.title}", body=announcement.body[:500],
           link=reverse("lc-office", args=[collaborative.public_id]))
    return announcement
