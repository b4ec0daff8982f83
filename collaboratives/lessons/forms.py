"""Forms for lessons. They check shapes; the services enforce the rules."""

import uuid

from django import forms

from cases.forms import (
    FastSelect,
    FilterCharField,
    FilterChoiceField,
    FilterFieldsMixin,
    FilterTypedChoiceField,
)
from cases.taxonomy import FACTOR_LABELS, EventCategory, factors_by_group
from chpso_portal.forms import BootstrapMixin
from members.roles import Scope

from ..models import (
    LESSON_SOURCE_STATUSES,
    ActionStrength,
    CollaborativeSession,
    HarmBand,
)
from . import selectors
from .services import COMMENT_MAX_LENGTH, MAX_ACTIONS, REASON_MAX_LENGTH

STRENGTH_HELP = {
    ActionStrength.STRONGER: "Architectural or physical changes, forcing functions, simplifying "
                             "or standardising a process or equipment, tangible leadership "
                             "involvement.",
    ActionStrength.INTERMEDIATE: "Redundancy, staffing or workload, software enhancements, "
                                 "removing look-alikes and sound-alikes, checklists and "
                                 "cognitive aids, standard communication tools, simulation.",
    ActionStrength.WEAKER: "Double checks, warnings, a new procedure, memo or policy, training "
                           "alone.",
}


class LessonForm(BootstrapMixin, forms.Form):
    title = forms.CharField(max_length=200)
    what_happened = forms.CharField(
        label="What happened", widget=forms.Textarea(attrs={"rows": 5}),
        help_text="In general terms: no names of people, hospitals, units or places below the "
                  "state, and no dates finer than the year.")
    systems_issues = forms.CharField(label="The systems issues",
                                     widget=forms.Textarea(attrs={"rows": 4}))
    contributing_factors = forms.MultipleChoiceField(
        label="Contributing factors", widget=forms.CheckboxSelectMultiple,
        choices=[(group, choices) for group, choices in factors_by_group().items()])
    what_helped = forms.CharField(label="What helped", required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    categories = forms.MultipleChoiceField(label="Event categories",
                                           choices=EventCategory.choices,
                                           widget=forms.CheckboxSelectMultiple)
    harm_band = forms.ChoiceField(label="Harm", choices=HarmBand.choices, widget=forms.RadioSelect)

    def __init__(self, *args, action_rows: int = 3, **kwargs):
        super().__init__(*args, **kwargs)
        self.action_rows = max(1, min(action_rows, MAX_ACTIONS))
        for number in range(1, self.action_rows + 1):
            self.fields[f"action_{number}_text"] = forms.CharField(
                label=f"Recommended action {number}", required=False,
                widget=forms.Textarea(attrs={"rows": 2}))
            self.fields[f"action_{number}_strength"] = forms.ChoiceField(
                label="Strength", required=False,
                choices=[("", "Choose\u2026"), *ActionStrength.choices])
        # BootstrapMixin styled the fields that existed when it ran; style the added ones too.
        for number in range(1, self.action_rows + 1):
            self.fields[f"action_{number}_text"].widget.attrs["class"] = "form-control"
            self.fields[f"action_{number}_strength"].widget.attrs["class"] = "form-select"

    def clean(self):
        data = super().clean()
        actions = []
        for number in range(1, self.action_rows + 1):
            text = (data.get(f"action_{number}_text") or "").strip()
            strength = data.get(f"action_{number}_strength") or ""
            if text and not strength:
                self.add_error(f"action_{number}_strength", "Choose how strong this action is.")
            elif strength and not text:
                self.add_error(f"action_{number}_text", "Describe the action, or clear its "
                                                        "strength.")
            elif text:
                actions.append((text, strength))
        if not actions and not self.errors:
            self.add_error("action_1_text", "Recommend at least one action.")
        data["actions"] = actions
        return data

    @property
    def action_fields(self):
        return [(self[f"action_{n}_text"], self[f"action_{n}_strength"])
                for n in range(1, self.action_rows + 1)]

    def content(self) -> dict:
        data = self.cleaned_data
        return {"title": data["title"], "what_happened": data["what_happened"],
                "systems_issues": data["systems_issues"], "what_helped": data["what_helped"],
                "harm_band": data["harm_band"], "categories": data["categories"],
                "factors": data["contributing_factors"], "actions": data["actions"]}

    @staticmethod
    def initial_for(lesson) -> dict:
        initial = {"title": lesson.title, "what_happened": lesson.what_happened,
                   "systems_issues": lesson.systems_issues, "what_helped": lesson.what_helped,
                   "harm_band": lesson.harm_band,
                   "categories": [c.category for c in lesson.categories.all()],
                   "contributing_factors": [f.pk for f in lesson.contributing_factors.all()]}
        for number, action in enumerate(lesson.actions.all(), start=1):
            initial[f"action_{number}_text"] = action.text
            initial[f"action_{number}_strength"] = action.strength
        return initial


class OriginForm(BootstrapMixin, forms.Form):
    """Where a new lesson comes from: one of the author's sessions, or a report sent to the PSO."""

    session = forms.ChoiceField(label="From a session", required=False)
    report = forms.CharField(required=False, widget=forms.HiddenInput)
    report_reference = forms.CharField(
        label="or from a report sent to the PSO", required=False, max_length=24,
        help_text="Its reference number, for example MGH-2026-0042.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        sessions = CollaborativeSession.objects.filter(status__in=LESSON_SOURCE_STATUSES)
        if Scope.SESSIONS_ALL not in user.pso_scopes:
            sessions = sessions.filter(facilitators=user)
        self.sessions = {str(s.public_id): s for s in sessions.order_by("-date")[:200]}
        self.fields["session"].choices = [("", "\u2014")] + [
            (key, f"{s.title} ({s.date:%B %Y})") for key, s in self.sessions.items()]

    def clean_session(self):
        key = self.cleaned_data.get("session") or ""
        return self.sessions.get(key) if key else None

    def clean_report_reference(self):
        reference = (self.cleaned_data.get("report_reference") or "").strip().upper()
        if not reference:
            return None
        reports = selectors.reports_to_draft_from(user=self.user).select_related("sent_copy")
        chosen = self.data.get("report") or ""
        if chosen and is_uuid(chosen):  # opened from the report's own page
            reports = reports.filter(public_id=chosen)
        found = list(reports.filter(reference=reference)[:2])
        # The same message whether the report does not exist or is not the user's to use.
        if not found:
            raise forms.ValidationError("None of the reports you can draft from has this "
                                        "reference.")
        if len(found) > 1:
            raise forms.ValidationError("More than one sent report has this reference; open "
                                        "the report and draft the lesson from its page.")
        return found[0].sent_copy

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("session") is None and data.get(
                "report_reference") is None:
            raise forms.ValidationError("Choose the session or give the report's reference "
                                        "the lesson comes from.")
        return data


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


class ReviewForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(label="Decision",
                                 choices=[("publish", "Publish to member hospitals"),
                                          ("return", "Return to the author with comments")],
                                 widget=forms.RadioSelect)
    comments = forms.CharField(label="Comments", required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 3}))
    # The revision the reviewer read: a lesson edited since then is not published unread.
    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput,
                                  error_messages={"required": "Open the lesson again and "
                                                              "review what it says now."})


class WithdrawForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="Reason", max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Kept in the audit log; members are not told why.")


class LessonCommentForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label="Your comment to the PSO", max_length=COMMENT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Only the PSO reads it.")


class LibraryFilterForm(FilterFieldsMixin, forms.Form):
    """Search and filters of the library. The selects are rendered in Python (FastSelect), as
    on the report lists: one template per option would cost more than the page's query; and
    the fields' HTML is kept per process for each set of chosen values (FilterFieldsMixin)."""

    field_columns = {"q": "col-12 col-md-4", "category": "col-6 col-md-2",
                     "factor": "col-6 col-md-2", "strength": "col-6 col-md-2",
                     "year": "col-6 col-md-1"}
    label_class = "form-label small mb-0"

    q = FilterCharField(required=False, max_length=200, label="Search",
                        widget=forms.TextInput(attrs={
                            "type": "search", "class": "form-control",
                            "placeholder": "Words in the title or text"}))
    category = FilterChoiceField(required=False, label="Category", widget=FastSelect(
        attrs={"class": "form-select"}), choices=[("", "Any category"), *EventCategory.choices])
    factor = FilterChoiceField(required=False, label="Contributing factor", widget=FastSelect(
        attrs={"class": "form-select"}), choices=[("", "Any contributing factor"),
                                                  *FACTOR_LABELS.items()])
    strength = FilterChoiceField(required=False, label="Action strength", widget=FastSelect(
        attrs={"class": "form-select"}), choices=[("", "Any action strength"),
                                                  *ActionStrength.choices])
    year = FilterTypedChoiceField(required=False, label="Year", coerce=int, empty_value=None,
                                  widget=FastSelect(attrs={"class": "form-select"}))

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.years = tuple(years)
        self.fields["year"].choices = [("", "Any"), *((year, year) for year in self.years)]

    def fields_cache_extra(self):
        return self.years  # the year filter's options

    def filters(self) -> dict:
        """The filters that were understood. One that was not is left out (the page names it),
        and the others still apply: cleaned_data holds only the fields that were valid."""
        self.is_valid()
        return {key: value for key, value in getattr(self, "cleaned_data", {}).items() if value}
