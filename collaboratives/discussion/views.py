"""The members' discussion area of a learning collaborative."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from chpso_portal import access
from chpso_portal.audit.services import audit_denied
from chpso_portal.forms import add_service_errors

from ..programmes.access import collaborative_for_viewer
from . import services
from .forms import HideForm, ReplyForm, SearchForm, ThreadForm
from .models import Post, Subscription, Thread, ThreadCategory
from .selectors import author_label

T = "collaboratives/learning/"


def _thread_for_viewer(request, public_id):
    thread = Thread.objects.filter(public_id=public_id).select_related("collaborative").first()
    if thread is None:
        raise Http404
    collaborative, place = collaborative_for_viewer(request, thread.collaborative.public_id)
    if thread.hidden_at and not place.coaches:
        raise Http404
    return thread, collaborative, place


@access.learning(access.LC_MEMBER)
def lc_threads(request, public_id):
    collaborative, place = collaborative_for_viewer(request, public_id)
    search = SearchForm(request.GET or None)
    threads = collaborative.threads.all()
    if not place.coaches:
        threads = threads.filter(hidden_at__isnull=True)
    if search.is_valid():
        if search.cleaned_data["category"]:
            threads = threads.filter(category=search.cleaned_data["category"])
        for word in search.cleaned_data["q"].lower().split()[:5]:
            threads = threads.filter(search_text__contains=word)
    page = Paginator(threads.order_by("-last_post_at", "-id"), 25).get_page(
        request.GET.get("page"))
    return render(request, T + "threads.html", {
        "collaborative": collaborative, "place": place, "page": page, "search": search,
        "categories": ThreadCategory.choices})


@access.learning(access.LC_MEMBER, methods=("GET", "POST"))
def lc_thread_new(request, public_id):
    collaborative, place = collaborative_for_viewer(request, public_id)
    form = ThreadForm(request.POST or None)
    findings = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            thread = services.thread_create(collaborative=collaborative, place=place,
                                            actor=request.user, title=data["title"],
                                            category=data["category"], body=data["body"],
                                            posted=request.POST)
        except ValidationError as exc:
            add_service_errors(form, exc)
            findings, _ = services.screening([("Title", data["title"]), ("Post", data["body"])],
                                             request.POST)
        else:
            messages.success(request, "Thread started.")
            return redirect("lc-thread", public_id=thread.public_id)
    return render(request, T + "thread_form.html", {
        "collaborative": collaborative, "form": form, "findings": findings})


@access.learning(access.LC_MEMBER)
def lc_thread(request, public_id):
    thread, collaborative, place = _thread_for_viewer(request, public_id)
    return _render_thread(request, thread, collaborative, place)


def _render_thread(request, thread, collaborative, place, reply_form=None, findings=()):
    posts = list(thread.posts.select_related("author", "author_team__hospital",
                                             "author_team__peer_code", "hidden_by"))
    for post in posts:
        post.label = author_label(author=post.author, team=post.author_team,
                                  collaborative=collaborative, place=place)
    return render(request, T + "thread.html", {
        "thread": thread, "collaborative": collaborative, "place": place, "posts": posts,
        "reply_form": reply_form or ReplyForm(), "findings": findings,
        "subscribed": Subscription.objects.filter(thread=thread, user=request.user).exists(),
        "hide_form": HideForm() if place.coaches else None})


@access.learning(access.LC_MEMBER, methods=("POST",))
def lc_thread_reply(request, public_id):
    thread, collaborative, place = _thread_for_viewer(request, public_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            post = services.reply(thread=thread, place=place, actor=request.user,
                                  body=form.cleaned_data["body"], posted=request.POST)
        except ValidationError as exc:
            add_service_errors(form, exc)
            findings, _ = services.screening([("Reply", form.cleaned_data["body"])],
                                             request.POST)
            return _render_thread(request, thread, collaborative, place, reply_form=form,
                                  findings=findings)
        messages.success(request, "Reply posted.")
        return redirect(f"/learning/threads/{thread.public_id}/#post-{post.public_id}")
    messages.error(request, "Write the reply.")
    return redirect("lc-thread", public_id=thread.public_id)


@access.learning(access.LC_MEMBER, methods=("POST",))
def lc_thread_subscribe(request, public_id):
    thread, _, place = _thread_for_viewer(request, public_id)
    on = request.POST.get("on") == "1"
    services.subscribe(thread=thread, place=place, actor=request.user, on=on)
    messages.success(request, "You follow this thread." if on else "You no longer follow it.")
    return redirect("lc-thread", public_id=thread.public_id)


@access.learning(access.LC_FACULTY, methods=("POST",))
def lc_post_hide(request, public_id):
    post = Post.objects.filter(public_id=public_id).select_related("thread__collaborative") \
        .first()
    if post is None:
        raise Http404
    _, place = collaborative_for_viewer(request, post.thread.collaborative.public_id)
    if not place.coaches:
        audit_denied(actor=request.user, summary=f"Moderation: {request.path}")
        raise PermissionDenied("Only faculty moderate the discussion.")
    form = HideForm(request.POST)
    if form.is_valid():
        try:
            services.post_hide(post=post, place=place, actor=request.user,
                               reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Post hidden; the text is kept.")
    else:
        messages.error(request, "Say why the post is hidden.")
    return redirect("lc-thread", public_id=post.thread.public_id)
