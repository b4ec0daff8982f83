"""Sign-in events come from Django and allauth signals; this is the only place they are heard.

Also heard here: second factors set up, renewed, removed or failed, and changes of email
address and password, whoever makes them (the person, or an admin for them).
"""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
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


# --- Second factor (allauth.mfa) -----------------------------------------------------------

_FACTOR_NAMES = {"totp": "authenticator app (TOTP)", "recovery_codes": "recovery codes",
                 "webauthn": "security key"}


def _factor(authenticator) -> str:
    return _FACTOR_NAMES.get(authenticator.type, authenticator.type)


def _acting(request, user):
    acting = getattr(request, "user", None) if request is not None else None
    return acting if acting is not None and acting.is_authenticated else user


@receiver(mfa_signals.authenticator_added, dispatch_uid="audit_mfa_added")
def _mfa_added(sender, request, user, authenticator, **kwargs):
    audit_record(actor=_acting(request, user), action=AuditAction.CREATE, obj=authenticator,
                 object_type="mfa.authenticator",
                 summary=f"Second factor set up: {_factor(authenticator)} for {user.email}",
                 detail={"user": user.email, "type": authenticator.type})


@receiver(mfa_signals.authenticator_removed, dispatch_uid="audit_mfa_removed")
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    audit_record(actor=_acting(request, user), action=AuditAction.REVOKE,
                 object_type="mfa.authenticator", object_id=str(authenticator.pk or ""),
                 summary=f"Second factor removed: {_factor(authenticator)} of {user.email}",
                 detail={"user": user.email, "type": authenticator.type})


@receiver(mfa_signals.authenticator_reset, dispatch_uid="audit_mfa_reset")
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    audit_record(actor=_acting(request, user), action=AuditAction.UPDATE, obj=authenticator,
                 object_type="mfa.authenticator",
                 summary=f"Second factor renewed: {_factor(authenticator)} of {user.email}",
                 detail={"user": user.email, "type": authenticator.type})


@receiver(mfa_signals.authentication_failed, dispatch_uid="audit_mfa_failed")
def _mfa_failed(sender, request, user, authenticator, **kwargs):
    # The password was right (or the user is signed in and reauthenticating): link the account.
    audit_record(actor=user, action=AuditAction.LOGIN_FAILED, outcome=AuditOutcome.FAILURE,
                 object_type="mfa.authenticator", object_id=str(authenticator.pk or ""),
                 summary=f"Wrong second-factor code ({_factor(authenticator)})",
                 detail={"email": user.email,
                         "reauthentication": bool(kwargs.get("reauthentication"))})


# --- Email addresses and passwords (allauth.account) -------------------------------------


@receiver(account_signals.email_added, dispatch_uid="audit_email_added")
def _email_added(sender, request, user, email_address, **kwargs):
    audit_record(actor=_acting(request, user), action=AuditAction.CREATE,
                 object_type="account.emailaddress", object_id=str(email_address.pk),
                 summary=f"Email address {email_address.email} added to {user.email}",
                 detail={"user": user.email, "email": email_address.email})


@receiver(account_signals.email_removed, dispatch_uid="audit_email_removed")
def _email_removed(sender, request, user, email_address, **kwargs):
    audit_record(actor=_acting(request, user), action=AuditAction.REVOKE,
                 object_type="account.emailaddress", object_id=str(email_address.pk or ""),
                 summary=f"Email address {email_address.email} removed from {user.email}",
                 detail={"user": user.email, "email": email_address.email})


@receiver(account_signals.email_confirmed, dispatch_uid="audit_email_confirmed")
def _email_confirmed(sender, request, email_address, **kwargs):
    user = email_address.user
    audit_record(actor=_acting(request, user), action=AuditAction.UPDATE,
                 object_type="account.emailaddress", object_id=str(email_address.pk),
                 summary=f"Email address {email_address.email} confirmed",
                 detail={"user": user.email, "email": email_address.email})


@receiver(account_signals.email_changed, dispatch_uid="audit_email_changed")
def _email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    old = from_email_address.email if from_email_address else ""
    audit_record(actor=_acting(request, user), action=AuditAction.UPDATE, obj=user,
                 summary=f"Primary email changed from {old or 'none'} to "
                         f"{to_email_address.email}",
                 detail={"from": old, "to": to_email_address.email})


def _password(summary):
    def receive(sender, request, user, **kwargs):
        audit_record(actor=_acting(request, user), action=AuditAction.UPDATE, obj=user,
                     summary=f"{summary} for {user.email}", detail={"user": user.email})
    return receive


account_signals.password_changed.connect(_password("Password changed"), weak=False,
                                         dispatch_uid="audit_password_changed")
account_signals.password_set.connect(_password("Password set"), weak=False,
                                     dispatch_uid="audit_password_set")
account_signals.password_reset.connect(_password("Password reset by email link"), weak=False,
                                       dispatch_uid="audit_password_reset")
