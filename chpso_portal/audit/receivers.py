"""Sign-in events come from Django and allauth signals; this is the only place they are heard."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditAction, AuditOutcome
from .services import audit_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditAction.LOGIN, summary="Signed in")


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AuditAction.LOGOUT, summary="Signed out")


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    # Record the address tried, never the password; link the account when it exists.
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    audit_record(
        actor=user,
        action=AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.FAILURE,
        summary="Failed sign-in",
        detail={"email": email},
    )
