from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_ratelimit.core import is_ratelimited

from chpso_portal import access
from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_denied, audit_record
from chpso_portal.forms import add_service_errors

from . import selectors, services
from .access import invitation_for_manager, membership_for_manager
from .adapters import INVITATION_SESSION_KEY
from .forms import HospitalApplicationForm, InvitationForm, MembershipForm
from .middleware import ACTING_SESSION_KEY
from .models import Contract, Invitation, InvitationStatus
from .roles import Scope


@access.public()
def front(request):
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "members/front.html")


@access.account()
def home(request):
    user = request.user
    if Scope.PSO_DASHBOARD in user.pso_scopes:
        return render(request, "members/home_pso.html", _pso_home(user))
    membership = request.acting.membership
    if membership is None:
        guest_of = list(user.guest_sessions.filter(access_until__gte=timezone.localdate())
                        .select_related("session").order_by("session__date"))
        return render(request, "members/home_guest.html", {"guest_of": guest_of})
    hospital = membership.hospital
    context = {
        "membership": membership,
        "hospital": hospital,
        "contract": hospital.contract_on(),
    }
    if not hospital.has_active_contract:
        return render(request, "members/contract_inactive.html", context)
    # The counts first, in one query: the lists below are read only when they have rows.
    facts = selectors.home_facts(membership=membership)
    context["has_open_actions"] = facts["has_open_actions"]
    if Scope.MEMBERS_MANAGE in membership.scopes:
        context["invitations"] = list(
            selectors.hospital_open_invitations(hospital=hospital).filter(
                pk__in=Invitation.objects.pending(now=facts["now"]).values("pk")
            )[:20]
        ) if facts["has_pending_invitations"] else []
        context["member_count"] = facts["member_count"]
    if Scope.LESSONS_READ in membership.scopes:
        from collaboratives.lessons import selectors as lesson_selectors

        context["latest_lessons"] = lesson_selectors.latest_published(3)
    return render(request, "members/home_hospital.html", context)


def _pso_home(user) -> dict:
    """The PSO home's short lists, by the user's scopes. Whether each has rows is read in one
    statement first (most are empty on most days); only the lists with rows are then read,
    and only the columns the page shows: building the select lists of whole hospitals and
    contracts took longer than running the queries."""
    lists = {}
    if Scope.HOSPITALS_MANAGE in user.pso_scopes:
        lists["applications"] = (selectors.applications_waiting().only(
            "name", "city", "state", "applied_at"), 20)
        lists["expiring"] = (selectors.contracts_expiring().only(
            "expires_on", "hospital__name"), 20)
    if Scope.SESSIONS_FACILITATE in user.pso_scopes:
        from collaboratives.models import CollaborativeSession, SessionStatus

        lists["sessions"] = (
            CollaborativeSession.objects.filter(facilitators=user,
                                                date__gte=timezone.localdate())
            .exclude(status=SessionStatus.CANCELLED).order_by("date", "start_time")
            .only("public_id", "title", "date", "status"), 5)
    if Scope.LESSONS_DRAFT in user.pso_scopes:
        from collaboratives.lessons import selectors as lesson_selectors
        from collaboratives.models import Lesson, LessonStatus

        lists["lessons_waiting"] = (lesson_selectors.waiting_for_review(user=user)
                                    .only("public_id", "title", "submitted_at"), 10)
        lists["lesson_drafts"] = (
            Lesson.objects.filter(created_by=user, status__in=[
                LessonStatus.DRAFT, LessonStatus.RETURNED]).order_by("-updated_at")
            .only("public_id", "title", "status"), 10)
    found = selectors.which_have_rows({name: queryset for name, (queryset, _) in lists.items()})
    context = {"scopes": user.pso_scopes}
    for name, (queryset, count) in lists.items():
        context[name] = list(queryset[:count]) if found[name] else []
    return context


@access.public(methods=("GET", "POST"))
def hospital_register(request):
    form = HospitalApplicationForm(request.POST or None)
    if request.method == "POST":
        if is_ratelimited(request, group="hospital-register", key="ip",
                          rate=settings.REGISTRATION_RATE, method="POST", increment=True):
            form.add_error(None, "Too many applications were sent from your network. "
                                 "Please try again in an hour, or contact the PSO.")
            return render(request, "members/register.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                hospital = services.hospital_apply(**form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                request.session["applied_hospital"] = hospital.name
                return redirect("hospital-register-done")
    return render(request, "members/register.html", {"form": form})


@access.public()
def hospital_register_done(request):
    name = request.session.get("applied_hospital")
    if not name:
        return redirect("hospital-register")
    return render(request, "members/register_done.html", {"hospital_name": name})


@access.public(methods=("GET", "POST"))
def invitation_accept(request, token):
    invitation = Invitation.objects.by_token(token).select_related("hospital").first()
    if invitation is None:
        raise Http404
    status = invitation.status
    context = {"invitation": invitation, "status": status}
    if status != InvitationStatus.PENDING:
        return render(request, "members/invitation.html", context, status=410)
    user = request.user
    if user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            context["wrong_account"] = True
            return render(request, "members/invitation.html", context, status=403)
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=user)
            except ValidationError as exc:
                context["error"] = " ".join(exc.messages)
                return render(request, "members/invitation.html", context, status=409)
            request.session[ACTING_SESSION_KEY] = str(invitation.hospital.public_id)
            messages.success(request, f"You are now a member of {invitation.hospital.name}.")
            return redirect("home")
        return render(request, "members/invitation.html", context)
    if get_user_model().objects.filter(email__iexact=invitation.email).exists():
        # An existing account (a member of another hospital): sign in, then accept.
        context["sign_in_url"] = reverse("account_login") + "?" + urlencode({"next": request.path})
        return render(request, "members/invitation.html", context)
    if request.method != "POST":
        # Opening the link changes nothing (mail scanners open links too): the button posts.
        context["sign_up"] = True
        return render(request, "members/invitation.html", context)
    request.session[INVITATION_SESSION_KEY] = token
    from allauth.account.adapter import get_adapter

    # The link came to this address, so the address counts as verified.
    get_adapter(request).stash_verified_email(request, invitation.email)
    return redirect(reverse("account_signup") + "?" + urlencode({"email": invitation.email}))


@access.account(methods=("POST",))
def switch_hospital(request):
    wanted = request.POST.get("hospital", "")
    for membership in request.acting.memberships:
        if str(membership.hospital.public_id) == wanted:
            request.session[ACTING_SESSION_KEY] = wanted
            messages.info(request, f"You are now acting for {membership.hospital.name}.")
            break
    else:
        audit_denied(actor=request.user, summary="Tried to act for a hospital they do not "
                                                 "belong to",
                     detail={"hospital": wanted[:64]})
        messages.error(request, "You are not a member of that hospital.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("home")
    return redirect(next_url)


@access.hospital(Scope.MEMBERS_VIEW)
def member_list(request):
    hospital = request.hospital
    page = Paginator(selectors.hospital_members(hospital=hospital), 50).get_page(
        request.GET.get("page")
    )
    invitations = selectors.hospital_open_invitations(hospital=hospital)
    return render(request, "members/member_list.html", {
        "page": page,
        "invitations": invitations,
        "can_manage": Scope.MEMBERS_MANAGE in request.membership.scopes,
    })


@access.hospital(Scope.MEMBERS_MANAGE, methods=("GET", "POST"))
def member_invite(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                hospital=request.hospital, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}. "
                                      f"It is valid for {settings.INVITATION_VALID_DAYS} days.")
            return redirect("member-list")
    return render(request, "members/member_invite.html", {"form": form})


@access.hospital(Scope.MEMBERS_MANAGE, methods=("GET", "POST"), object_scoped=True)
def member_edit(request, public_id):
    membership = membership_for_manager(request, public_id)
    form = MembershipForm(
        request.POST or None,
        initial={"role": membership.role, "job_title": membership.job_title},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(membership=membership, actor=request.user,
                                       **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Saved the changes for {membership.user.display_name}.")
            return redirect("member-list")
    return render(request, "members/member_edit.html", {"form": form, "member": membership})


@access.hospital(Scope.MEMBERS_MANAGE, methods=("GET", "POST"), object_scoped=True)
def member_deactivate(request, public_id):
    """GET says what deactivating does and asks; POST deactivates."""
    membership = membership_for_manager(request, public_id)
    if request.method != "POST":  # GET and HEAD only ask
        if not membership.is_active:
            return redirect("member-list")
        return render(request, "members/member_deactivate.html", {"member": membership})
    try:
        services.membership_deactivate(membership=membership, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{membership.user.display_name} was deactivated and "
                                  "signed out everywhere. You can reactivate them from this "
                                  "list.")
    return redirect("member-list")


@access.hospital(Scope.MEMBERS_MANAGE, methods=("POST",), object_scoped=True)
def member_reactivate(request, public_id):
    membership = membership_for_manager(request, public_id)
    try:
        services.membership_reactivate(membership=membership, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{membership.user.display_name} is active again, as "
                                  f"{membership.get_role_display().lower()}.")
    return redirect("member-list")


@access.hospital(Scope.MEMBERS_MANAGE, methods=("POST",), object_scoped=True)
def invitation_resend(request, public_id):
    invitation = invitation_for_manager(request, public_id)
    try:
        services.invitation_resend(invitation=invitation, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Invitation sent again to {invitation.email}.")
    return redirect("member-list")


@access.hospital(Scope.MEMBERS_MANAGE, methods=("POST",), object_scoped=True)
def invitation_revoke(request, public_id):
    invitation = invitation_for_manager(request, public_id)
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Invitation to {invitation.email} revoked.")
    return redirect("member-list")


@access.pso(Scope.CONTRACTS_MANAGE)
def contract_document(request, public_id):
    contract = get_object_or_404(Contract.objects.select_related("hospital"), public_id=public_id)
    if not contract.document:
        raise Http404
    audit_record(actor=request.user, action=AuditAction.DOWNLOAD, obj=contract,
                 hospital=contract.hospital, summary="Downloaded the signed contract")
    response = FileResponse(
        contract.document.open("rb"), as_attachment=True,
        filename=f"pso-contract-{contract.public_id}.pdf", content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


