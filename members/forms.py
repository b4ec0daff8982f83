from django import forms

from chpso_portal.forms import BootstrapMixin, SafeTextMixin

from .choices import JobTitle
from .models import Hospital
from .roles import HospitalRole


class SignupDetailsForm(SafeTextMixin, forms.Form):
    """Extra fields on allauth's sign-up form."""

    full_name = forms.CharField(max_length=150, label="Your full name")

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])


class HospitalApplicationForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Hospital
        fields = ["name", "city", "state", "ccn", "bed_size",
                  "contact_name", "contact_title", "contact_email"]
        labels = {
            "name": "Hospital name",
            "ccn": "CMS certification number",
            "contact_name": "Your name",
            "contact_title": "Your job title",
            "contact_email": "Your work email",
        }
        help_texts = {
            "ccn": "Six characters, for example 050123. Leave empty if you do not know it.",
            "contact_email": "We send the invitation to create your account to this address "
                             "once the PSO contract is signed.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", "Choose a state")] + list(
            self.fields["state"].choices
        )[1:]
        self.fields["bed_size"].choices = [("", "Choose the number of beds")] + list(
            self.fields["bed_size"].choices
        )[1:]

    def clean_ccn(self):
        ccn = (self.cleaned_data.get("ccn") or "").strip().upper()
        return ccn or None

    def validate_unique(self):
        # The two duplicate checks below give a clearer message than the model's constraints.
        pass

    def clean(self):
        cleaned = super().clean()
        ccn, name, state = cleaned.get("ccn"), cleaned.get("name"), cleaned.get("state")
        if ccn and Hospital.objects.filter(ccn=ccn).exists():
            self.add_error(
                "ccn",
                "A hospital with this CMS certification number has already applied or is a "
                "member. If this is your hospital, contact the PSO instead of applying again.",
            )
        same_name = Hospital.objects.filter(name__iexact=(name or "").strip(), state=state)
        if name and state and same_name.exists():
            self.add_error(
                "name",
                "A hospital with this name in this state has already applied or is a member. "
                "If this is your hospital, contact the PSO instead of applying again.",
            )
        return cleaned


class InvitationForm(BootstrapMixin, forms.Form):
    email = forms.EmailField(label="Work email")
    role = forms.ChoiceField(choices=HospitalRole.choices, initial=HospitalRole.STAFF)
    # No default: a preselected "Chief executive officer" was kept by mistake.
    job_title = forms.ChoiceField(choices=[("", "Choose a job title")] + JobTitle.choices)


class MembershipForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(choices=HospitalRole.choices)
    job_title = forms.ChoiceField(choices=JobTitle.choices)
