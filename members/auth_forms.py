"""The account forms as this portal shows them."""

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import LoginForm
from django import forms

from chpso_portal.forms import SafeTextMixin


class PortalLoginForm(SafeTextMixin, LoginForm):
    """Sign-in without the reset link inside the password's help text: the page has its own
    "Forgot your password?" link below the form, once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""
        self.fields["login"].widget.attrs.pop("placeholder", None)


class AddEmailForm(SafeTextMixin, AllauthAddEmailForm):
    """A second address is only a step in changing one's own address (ACCOUNT_CHANGE_EMAIL):
    it is confirmed by a link sent to it, then replaces the old one. An address that has a
    pending invitation belongs to the person invited, and nobody else may claim it."""

    def clean_email(self):
        from .models import Invitation

        email = super().clean_email()
        if Invitation.objects.pending().filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "This address has a pending invitation to the portal. Only the person invited "
                "can use it, with the link in their invitation.")
        return email
