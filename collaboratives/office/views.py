"""The virtual office: resources and announcements of a learning collaborative."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from chpso_portal import access
from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.forms import add_service_errors

from ..discussion.services import screening
from ..programmes.access import collaborative_for_viewer
from ..programmes.selectors import team_label
from . import services
from .forms import AnnouncementForm, ResourceForm
from .models import Resource

T = "collaboratives/learning/"


@access.learning(access.LC_MEMBER, methods=("GET", "POST"))
def lc_office(request, public_id):
    collaborative, place = collaborative_for_viewer(request, public_id)
    may_share = place.coaches or place.works_on_team
    form = ResourceForm(request.POST or None, request.FILES or None) if may_share else None
    findings = []
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.resource_add(collaborative=collaborative, place=place,
                                      actor=request.user, title=data["title"],
                                      description=data["description"], upload=data["file"],
                                      url=data["url"] or "", posted=request.POST)
            except ValidationError as exc:
                add_service_errors(form, exc)
                if not place.coaches:
                    findings, _ = screening([("Title", data["title"]),
                                             ("Description", data["description"])],
                                            request.POST)
            else:
                messages.success(request, "Resource shared.")
                return redirect("lc-office", public_id=collaborative.public_id)
    resources = list(collaborative.resources.filter(removed_at__isnull=True)
                     .select_related("team__hospital", "team__peer_code"))
    for resource in resources:
        resource.shared_by = ("Faculty" if resource.team is None else team_label(
            resource.team, collaborative=collaborative, viewer_team_id=place.team_id,
            faculty=place.coaches))
    return render(request, T + "office.html", {
        "collaborative": collaborative, "place": place, "resources": resources, "form": form,
        "findings": findings,
        "announcements": list(collaborative.announcements.select_related("author")[:20]),
        "announcement_form": AnnouncementForm() if place.coaches else None})


def _resource(request, public_id):
    resource = Resource.objects.filter(public_id=public_id, removed_at__isnull=True) \
        .select_related("collaborative").first()
    if resource is None:
        raise Http404
    _, place = collaborative_for_viewer(request, resource.collaborative.public_id)
    return resource, place


@access.learning(access.LC_MEMBER)
def lc_resource_download(request, public_id):
    resource, _ = _resource(request, public_id)
    if resource.kind != "file":
        return redirect(resource.url)
    audit_record(actor=request.user, action=AuditAction.DOWNLOAD, obj=resource,
                 summary="Resource downloaded")
    # Named after the title, never the uploaded file's own name, which may name a hospital.
    extension = resource.file.name.rsplit(".", 1)[-1]
    name = (re.sub(r"[^A-Za-z0-9]+", "-", resource.title).strip("-").lower()[:80]
            or "resource") + f".{extension}"
    response = FileResponse(resource.file.open("rb"), as_attachment=True, filename=name,
                            content_type=resource.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@access.learning(access.LC_MEMBER, methods=("POST",))
def lc_resource_remove(request, public_id):
    resource, place = _resource(request, public_id)
    try:
        services.resource_remove(resource=resource, place=place, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Resource removed.")
    return redirect("lc-office", public_id=resource.collaborative.public_id)


@access.learning(access.LC_FACULTY, methods=("POST",))
def lc_announce(request, public_id):
    collaborative, place = collaborative_for_viewer(request, public_id, audience="faculty")
    form = AnnouncementForm(request.POST)
    if form.is_valid():
        try:
            services.announcement_post(collaborative=collaborative, place=place,
                                       actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Announcement posted; everyone was told.")
    else:
        messages.error(request, "Give the announcement a title and a text.")
    return redirect("lc-office", public_id=collaborative.public_id)
