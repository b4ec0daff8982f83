from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from chpso_portal.forms import BootstrapMixin, SafeTextMixin
from members.models import Membership
from members.roles import PsoRole

from ..measures.models import Measure
from .models import SKILL_AREAS, EventKind, LearningCollaborative, SkillLevel, TeamRole

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def faculty_choices():
    return get_user_model().objects.filter(
        is_active=True, pso_role__in=[PsoRole.COORDINATOR, PsoRole.FACILITATOR]
    ).order_by("full_name", "email")


class CharterForm(BootstrapMixin, forms.ModelForm):
    faculty = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The facilitators who coach the teams.")
    change_summary = forms.CharField(
        label="What changed (told to the enrolled teams)", max_length=500, required=False)

    class Meta:
        model = LearningCollaborative
        fields = ["name", "topic", "aim_statement", "aim_by", "scope", "teams_named",
                  "starts_on", "ends_on", "report_due_day", "reminder_days_before", "time_zone"]
        widgets = {"aim_by": DATE, "starts_on": DATE, "ends_on": DATE,
                   "aim_statement": forms.Textarea(attrs={"rows": 3}),
                   "scope": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, editing=False, may_name_faculty=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["faculty"].queryset = faculty_choices()
        if not may_name_faculty:
            del self.fields["faculty"]
        if not editing:
            del self.fields["change_summary"]
        if self.instance.pk and "faculty" in self.fields:
            self.initial["faculty"] = list(self.instance.faculty.values_list("pk", flat=True))

    def charter_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ChangeIdeaForm(BootstrapMixin, forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    source = forms.CharField(label="Evidence source", max_length=300, required=False)


class MeasureForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Measure
        fields = ["name", "short_name", "type", "kind", "numerator_definition",
                  "denominator_definition", "rate_multiplier", "unit", "data_source",
                  "sampling", "target_value", "direction", "baseline_start", "baseline_end"]
        widgets = {"numerator_definition": forms.Textarea(attrs={"rows": 2}),
                   "denominator_definition": forms.Textarea(attrs={"rows": 2}),
                   "baseline_start": DATE, "baseline_end": DATE}


class EventForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(choices=EventKind.choices)
    title = forms.CharField(max_length=200)
    starts_at = forms.DateTimeField(widget=DATETIME, label="Starts")
    ends_at = forms.DateTimeField(widget=DATETIME, label="Ends")
    location = forms.CharField(label="Place or meeting link", max_length=300, required=False)
    agenda = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class InviteTeamForm(BootstrapMixin, forms.Form):
    hospital = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, hospitals=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].queryset = hospitals


class EnrolForm(BootstrapMixin, forms.Form):
    sponsor = forms.ModelChoiceField(queryset=None, label="Senior sponsor")
    team_lead = forms.ModelChoiceField(queryset=None, label="Team lead")
    focus_units = forms.CharField(label="Units taking part", max_length=300, required=False)

    def __init__(self, *args, hospital=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = get_user_model().objects.filter(
            memberships__hospital=hospital, memberships__is_active=True, is_active=True
        ).order_by("full_name", "email")
        self.fields["sponsor"].queryset = people
        self.fields["team_lead"].queryset = people
        for name in ("sponsor", "team_lead"):
            self.fields[name].label_from_instance = lambda u: u.display_name


class DecideForm(SafeTextMixin, forms.Form):
    accept = forms.TypedChoiceField(choices=[("yes", "Accept"), ("no", "Decline")],
                                    coerce=lambda v: v == "yes")


class TeamMemberForm(BootstrapMixin, forms.Form):
    membership = forms.ModelChoiceField(queryset=None, label="Member of your hospital")
    role = forms.ChoiceField(choices=[c for c in TeamRole.choices
                                      if c[0] != TeamRole.PATIENT_PARTNER], label="Team role")

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = (
            Membership.objects.active().filter(hospital=team.hospital)
            .exclude(user__team_memberships__team=team,
                     user__team_memberships__removed_at__isnull=True)
            .select_related("user").order_by("user__full_name", "user__email"))
        self.fields["membership"].label_from_instance = lambda m: m.user.display_name


class PartnerForm(BootstrapMixin, forms.Form):
    full_name = forms.CharField(max_length=150, label="Name")
    email = forms.EmailField()


class SkillsForm(BootstrapMixin, forms.Form):
    wants_help_with = forms.CharField(label="What I would like help with", required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field, label in reversed(SKILL_AREAS):
            self.fields[field] = forms.TypedChoiceField(
                label=label, choices=SkillLevel.choices, coerce=int, widget=forms.RadioSelect)
        order = [f for f, _ in SKILL_AREAS] + ["wants_help_with"]
        self.order_fields(order)


class SpreadForm(BootstrapMixin, forms.Form):
    cycle = forms.ModelChoiceField(queryset=None, required=False,
                                   label="Adopted cycle it came from")
    change = forms.CharField(label="The change", max_length=300)
    spread_to = forms.CharField(label="Where it has been spread (unit, service, site)",
                                max_length=300)
    spread_on = forms.DateField(widget=DATE, initial=timezone.localdate)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = team.pdsa_cycles.filter(decision="adopt")
        self.fields["cycle"].label_from_instance = lambda c: f"{c.number}. {c.title}"
