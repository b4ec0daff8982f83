"""The virtual office of a learning collaborative: resources and announcements.

A resource is a file kept in the private storage (downloaded only through an access-checked
view, under a random stored name) or a link. Type and size are checked by the service that
stores it; the original file name is kept for the download only.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from chpso_portal.uploads import TYPES
from members.models import private_storage

from ..programmes.models import LearningCollaborative, Team

RESOURCE_MAX_BYTES = 10 * 1024 * 1024
RESOURCE_TYPES = {extension: TYPES[extension].content_type for extension in (
    "pdf", "docx", "xlsx", "pptx", "csv", "txt", "png", "jpg")}


def resource_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"collaboratives/resources/{uuid.uuid4().hex}.{extension}"


class ResourceKind(models.TextChoices):
    FILE = "file", "Document"
    LINK = "link", "Link"


class Resource(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    collaborative = models.ForeignKey(LearningCollaborative, on_delete=models.CASCADE,
                                      related_name="resources")
    # Empty when faculty shared it; otherwise the team that did.
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="resources")
    kind = models.CharField(max_length=4, choices=ResourceKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    file = models.FileField(storage=private_storage, upload_to=resource_path, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="file", url="") & ~Q(file="")
                | Q(kind="link", file="") & ~Q(url=""),
                name="resource_file_or_link"),
            models.CheckConstraint(condition=Q(size__isnull=True) | Q(size__lte=RESOURCE_MAX_BYTES),
                                   name="resource_size_limit"),
        ]
        indexes = [models.Index(fields=["collaborative", "removed_at", "-created_at"],
                                name="resource_list")]

    def __str__(self):
        return self.title


class Announcement(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    collaborative = models.ForeignKey(LearningCollaborative, on_delete=models.CASCADE,
                                      related_name="announcements")
    title = models.CharField(max_length=200)
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["collaborative", "-published_at"],
                                name="announcement_list")]

    def __str__(self):
        return self.title
