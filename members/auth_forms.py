"""The account forms as this portal shows them."""

from allauth.account.forms import LoginForm


class PortalLoginForm(LoginForm):
    """Sign-in without the reset link inside the password's help text: the page has its own
    "Forgot your password?" link below the form, once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""
        self.fields["login"].widget.attrs.pop("placeholder", None)
