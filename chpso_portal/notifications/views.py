from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from chpso_portal import access

from . import selectors, services
from .forms import EmailPreferencesForm


@access.account()
def notification_list(request):
    page = Paginator(selectors.notifications_for(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


@access.account(methods=("POST",))
def notification_open(request, public_id):
    """Marks the notification read, then follows its link. A POST (from the list's buttons):
    following a link or prefetching a page must not change what the user has read."""
    notification = get_object_or_404(
        selectors.notifications_for(user=request.user), public_id=public_id
    )
    services.notification_mark_read(user=request.user, notification=notification)
    if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("notification-list")


@access.account(methods=("POST",))
def notification_read_all(request):
    count = services.notification_mark_read(user=request.user)
    messages.success(request, f"Marked {count} notification(s) as read.")
    return redirect("notification-list")


@access.account(methods=("GET", "POST"))
def email_preferences(request):
    form = EmailPreferencesForm(
        request.POST or None, initial_choices=selectors.email_choices_for(user=request.user),
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        services.email_preferences_save(user=request.user, choices=form.cleaned_data)
        messages.success(request, "Your email choices are saved.")
        return redirect("notification-preferences")
    return render(request, "notifications/preferences.html", {"form": form})
