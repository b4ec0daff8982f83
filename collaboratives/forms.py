"""Forms for sessions. They check shapes only; the services enforce the ground rules.

Choices name objects by their public identifiers (or e-mail addresses), never by primary keys.
"""

from django import forms
from django.contrib.auth import get_user_model

from cases.models import IncidentReport, ReportStatus
from cases.taxonomy import CONTRIBUTING_FACTORS, EventCategory
from chpso_portal.forms import BootstrapMixin
from members.models import Contract, Hospital, Membership
from members.roles import PsoRole

from .models import TIME_ZONES, CollaborativeSession, NominationStatus

SESSION_FIELDS = ["title", "focus_categories", "theme", "date", "start_time", "time_zone",
                  "duration_minutes", "location", "meeting_url", "nomination_deadline",
                  "max_cases_per_hospital", "description"]


class SessionForm(BootstrapMixin, forms.Form):
    title = forms.CharField(max_length=200)
    focus_categories = forms.MultipleChoiceField(
        label="Focus: event categories", choices=EventCategory.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    theme = forms.CharField(label="or a theme", max_length=200, required=False,
                            help_text="For example \"handovers between units\".")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    time_zone = forms.ChoiceField(choices=TIME_ZONES)
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=15,
                                          max_value=8 * 60, initial=90)
    location = forms.CharField(label="Place", max_length=300,
                               help_text="Where people meet, or \"Video call\".")
    meeting_url = forms.URLField(
        label="Meeting link", required=False, max_length=500, assume_scheme="https",
        help_text="The video-call address. Participants see it on the session page and in the "
                  "calendar file.")
    nomination_deadline = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    max_cases_per_hospital = forms.TypedChoiceField(
        label="Most cases each hospital may bring", choices=[(n, n) for n in (1, 2, 3)],
        coerce=int, initial=3,
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  help_text="A few lines for the invitation.")

    def clean(self):
        data = super().clean()
        if not data.get("focus_categories") and not (data.get("theme") or "").strip():
            self.add_error("theme", "Choose at least one event category or write a theme.")
        return data

    @classmethod
    def initial_for(cls, session: CollaborativeSession) -> dict:
        return {name: getattr(session, name) for name in SESSION_FIELDS}


class InviteHospitalsForm(BootstrapMixin, forms.Form):
    hospitals = forms.ModelMultipleChoiceField(
        queryset=Hospital.objects.none(), to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        help_text="Only hospitals whose PSO contract is in force on the session date.",
    )

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospitals"].queryset = (
            Hospital.objects.filter(
                pk__in=Contract.objects.active_on(session.date).values("hospital_id"))
            .exclude(session_invitations__session=session)
            .order_by("name")
        )
        self.fields["hospitals"].label_from_instance = lambda h: f"{h.name} ({h.city}, {h.state})"


class GuestForm(BootstrapMixin, forms.Form):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=150)
    expertise = forms.CharField(max_length=150, required=False,
                                help_text="For example \"human factors\".")


class AddFacilitatorForm(BootstrapMixin, forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.none(),
                                  to_field_name="email", label="Co-facilitator")

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model().objects.filter(
                is_active=True, pso_role__in=[PsoRole.FACILITATOR, PsoRole.COORDINATOR])
            .exclude(facilitated_sessions=session)
            .order_by("full_name", "email")
        )
        self.fields["user"].label_from_instance = lambda u: f"{u.display_name} ({u.email})"


class CancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(max_length=300, label="Why is the session cancelled?",
                             help_text="Everyone invited is told.")


def _attendee_field(hospital):
    field = forms.ModelMultipleChoiceField(
        queryset=Membership.objects.active().filter(hospital=hospital)
        .select_related("user").order_by("user__full_name", "user__email"),
        to_field_name="public_id", widget=forms.CheckboxSelectMultiple, required=False,
        label="Who will attend",
        help_text="Each attendee accepts the ground rules before opening the case materials.",
    )
    field.label_from_instance = (
        lambda m: f"{m.user.display_name} ({m.get_job_title_display()})")
    return field


class AnswerForm(BootstrapMixin, forms.Form):
    answer = forms.ChoiceField(
        choices=[("accept", "Accept: our hospital takes part"),
                 ("decline", "Decline")],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"] = _attendee_field(hospital)

    def clean(self):
        data = super().clean()
        if data.get("answer") == "accept" and not data.get("attendees"):
            self.add_error("attendees", "Name at least one person who will attend.")
        return data


class AttendeesForm(BootstrapMixin, forms.Form):
    def __init__(self, *args, hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"] = _attendee_field(hospital)


class NominationForm(BootstrapMixin, forms.Form):
    report = forms.ModelChoiceField(
        queryset=IncidentReport.objects.none(), to_field_name="public_id",
        label="Report", help_text="Your hospital's reports sent to the PSO or in review.",
    )
    summary = forms.CharField(
        label="Case summary for the meeting", widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What happened and which parts of the system let it happen. No names of "
                  "people, the hospital, units or places, and no dates finer than the year.",
    )

    def __init__(self, *args, hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].queryset = (
            IncidentReport.objects.filter(
                hospital=hospital, status__in=[ReportStatus.SENT, ReportStatus.IN_REVIEW])
            .order_by("-submitted_at")
        )
        self.fields["report"].label_from_instance = (
            lambda r: f"{r.reference}: {r.get_category_display()} · "
                      f"{r.get_status_display()}"
                      f"{' · systems issue' if r.systems_issue else ''}")


class AttestForm(BootstrapMixin, forms.Form):
    accept = forms.BooleanField(
        label="I accept the ground rules and the confidentiality terms above.",
        error_messages={"required": "Tick the box to accept the ground rules."},
    )


class DecideForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("return", "Return")])
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              label="Comment for the hospital")


class CommentForm(BootstrapMixin, forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}),
                           label="Comment for the hospital")


class NoteForm(BootstrapMixin, forms.Form):
    nomination = forms.ChoiceField(required=False, label="Case")
    systems_factors = forms.MultipleChoiceField(
        choices=[(code, label) for code, label, _ in CONTRIBUTING_FACTORS], required=False,
        widget=forms.CheckboxSelectMultiple, label="Systems factors discussed",
    )
    observations = forms.CharField(
        label="What the group saw in the system", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Systems, not people: no names of providers, hospitals or places.",
    )
    improvement_ideas = forms.CharField(label="Ideas for improvement", required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = {str(n.public_id): n for n in session.nominations.filter(
            status=NominationStatus.ACCEPTED)}
        self.fields["nomination"].choices = [("", "The session as a whole")] + [
            (key, n.label) for key, n in self.cases.items()]

    def clean_nomination(self):
        return self.cases.get(self.cleaned_data.get("nomination") or "")
