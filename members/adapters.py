from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.db import transaction

from chpso_portal.proxies import client_ip

from .models import Invitation, InvitationStatus

INVITATION_SESSION_KEY = "invitation_token"


def invitation_from_session(request) -> Invitation | None:
    token = request.session.get(INVITATION_SESSION_KEY)
    if not token:
        return None
    invitation = Invitation.objects.by_token(token).select_related("hospital").first()
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        return None
    return invitation


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is open only to someone holding a valid invitation."""

    def get_client_ip(self, request):
        # One reading of the visitor's address for sign-in limits, sessions and the audit log.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine the client's address.")
        return ip

    def is_open_for_signup(self, request):
        return invitation_from_session(request) is not None

    def clean_email(self, email):
        email = super().clean_email(email)
        request = getattr(self, "request", None)
        invitation = invitation_from_session(request) if request is not None else None
        if invitation is not None and invitation.email.lower() != email.lower():
            from django import forms

            raise forms.ValidationError(
                f"Sign up with the address the invitation was sent to ({invitation.email})."
            )
        return email

    @transaction.atomic
    def save_user(self, request, user, form, commit=True):
        from .services import invitation_accept

        user = super().save_user(request, user, form, commit=commit)
        invitation = invitation_from_session(request)
        if commit and invitation is not None:
            invitation_accept(invitation=invitation, user=user)
            request.session.pop(INVITATION_SESSION_KEY, None)
        return user
