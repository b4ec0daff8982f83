import functools
import time

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe

from chpso_portal.forms import BootstrapMixin

from .models import IncidentReport, ReportStatus
from .taxonomy import (
    EVENT_TYPE_HELP,
    HARM_HELP,
    EventCategory,
    EventType,
    HarmLevel,
    LocationType,
    Preventability,
    factors_by_group,
)


class ChoiceWithHelpRadio(forms.RadioSelect):
    """Radio buttons that show each choice's one-line explanation beside it."""

    template_name = "cases/widgets/radio_with_help.html"
    own_markup = True  # members/_field.html renders it as it is, inside its fieldset

    def __init__(self, *args, help_texts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.help_texts = help_texts or {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["help_texts"] = {str(k): v for k, v in self.help_texts.items()}
        return context


HIDDEN_REPORTER_HELP = (
    "Your name is then shown to no one who reads or reviews the report: not to your hospital's "
    "safety lead, not to the PSO. The audit log records what you do on this report under a "
    "pseudonym, without your name or address. The portal keeps the link between you and the "
    "report for your hospital only: your hospital's safety lead can look it up only when the "
    "law requires it, must give the reason, which is recorded, and you are told."
)


class UnitSelect(forms.Select):
    """The hospital's units, each option carrying its kind of location, which the form's
    script copies into "Where" when the reporter chooses the unit."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-location-type"] = instance.location_type
        return option


class ReportForm(BootstrapMixin, forms.ModelForm):
    confirm_screening = forms.BooleanField(
        required=False,
        label="I checked the highlighted words: none of them identifies a patient or a "
              "colleague.",
    )

    class Meta:
        model = IncidentReport
        fields = ["event_type", "category", "event_date", "event_time", "discovered_date",
                  "unit", "location_type", "location_detail", "narrative", "harm_level",
                  "harm_duration", "medication_category", "near_miss_recovery",
                  "reporter_hidden"]
        widgets = {
            "event_type": ChoiceWithHelpRadio(help_texts=EVENT_TYPE_HELP),
            "harm_level": ChoiceWithHelpRadio(help_texts=HARM_HELP),
            "event_date": forms.DateInput(attrs={"type": "date"}),
            "discovered_date": forms.DateInput(attrs={"type": "date"}),
            "event_time": forms.TimeInput(attrs={"type": "time"}),
            "narrative": forms.Textarea(attrs={"rows": 5}),
            "near_miss_recovery": forms.Textarea(attrs={"rows": 2}),
            "unit": UnitSelect,
        }
        help_texts = {
            "narrative": "In your own words. Do not write patient names, record numbers or "
                         "birth dates, or colleagues' names: describe roles instead "
                         "(\"the night nurse\", \"the covering physician\").",
            "event_date": "Leave empty if unknown.",
            "reporter_hidden": HIDDEN_REPORTER_HELP,
        }

    def __init__(self, *args, hospital=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_unit(hospital)
        self.fields["event_type"].choices = EventType.choices
        self.fields["harm_level"].choices = HarmLevel.choices
        # Required for one event type only: the service checks it, the label says when.
        self.fields["harm_level"].required = False
        self.fields["harm_level"].required_note = "required for incidents"
        self.fields["near_miss_recovery"].required_note = "required for near misses"
        for name in ("category", "location_type", "harm_duration", "medication_category"):
            field = self.fields[name]
            field.choices = [("", "Choose...")] + [c for c in field.choices if c[0] != ""]

    def _init_unit(self, hospital):
        """The hospital's units in use (and the one a draft already names); without any, the
        question is not asked."""
        from django.db.models import Q

        from .models import HospitalUnit

        current = self.instance.unit_id if self.instance and self.instance.pk else None
        units = list(HospitalUnit.objects.filter(hospital=hospital).filter(
            Q(active=True) | Q(pk=current)).order_by("name")) if hospital is not None else []
        if not units:
            del self.fields["unit"]
            return
        field = self.fields["unit"]
        field.queryset = HospitalUnit.objects.filter(pk__in=[u.pk for u in units])
        field.label = "Unit"
        field.empty_label = "Not listed, or not sure: describe it below"
        field.help_text = ("Choosing a unit fills in \"Where\". If the place is not listed, "
                           "leave this and say where in your own words.")
        # "Where" may be left to the unit: clean() fills it in from the unit chosen.
        self.fields["location_type"].required = False
        self.fields["location_type"].required_note = "required unless you choose a unit"

    def clean(self):
        data = super().clean()
        unit = data.get("unit")
        if unit is not None and not data.get("location_type"):
            data["location_type"] = unit.location_type
            self.instance.location_type = unit.location_type
        if not data.get("location_type") and "location_type" not in self.errors:
            self.add_error("location_type", "Choose where it happened, or choose a unit.")
        return data


class YesNoUnknownSelect(forms.NullBooleanSelect):
    """A yes / no / not-known select that shows the saved answer (True, False or None)."""

    def __init__(self, *args, unknown_label="Unknown", **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = [("unknown", unknown_label), ("true", "Yes"), ("false", "No")]


class ReviewForm(BootstrapMixin, forms.Form):
    factors = forms.MultipleChoiceField(
        label="Contributing factors", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(group, choices) for group, choices in factors_by_group().items()],
    )
    systems_issue = forms.NullBooleanField(
        label="Is this a systems issue?",
        widget=YesNoUnknownSelect(unknown_label="Not decided"),
    )
    preventability = forms.ChoiceField(
        required=False, choices=[("", "Not assessed")] + Preventability.choices
    )
    handover_involved = forms.NullBooleanField(
        label="Was a handover involved?",
        widget=YesNoUnknownSelect(),
    )
    pso_summary = forms.CharField(
        label="Summary for the PSO", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the PSO will read. Describe roles, not people.",
    )
    pso_summary.required_note = "needed before sending to the PSO"
    feedback = forms.CharField(
        label="Feedback to the reporter", required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The reporter sees this on \"My reports\" and is notified.",
    )


class WithdrawForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}),
                             label="Why is the report withdrawn from the patient safety "
                                   "evaluation system?")


class CommitForm(BootstrapMixin, forms.Form):
    send_by = forms.DateField(label="Send to the PSO by",
                              widget=forms.DateInput(attrs={"type": "date"}))


class AddendumForm(BootstrapMixin, forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Addendum")


class ReportMessageForm(BootstrapMixin, forms.Form):
    """A message in a report's conversation. Its length is checked by the service, not by a
    maxlength attribute that would cut a pasted text short without a word."""

    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"required": "Write your message."})

    def __init__(self, *args, side: str = "reporter", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["message"]
        if side == "reporter":
            field.label = "Answer or add information"
            field.help_text = ("Your safety team reads it with the report. Describe roles, not "
                               "names (\"the night nurse\").")
        else:
            field.label = "Write to the reporter"
            field.help_text = "Ask a question or answer one. The reporter is notified."


class FastSelect(forms.Select):
    """A select rendered in Python: list pages show filters with hundreds of options (every
    member hospital), and the template renderer costs one template per option."""

    # The options already rendered (none selected), when the caller keeps them: see
    # PsoFilterForm, whose list of every member hospital is rendered once per cache period.
    rendered_options: str | None = None

    @staticmethod
    def render_options(choices) -> str:
        return "".join(f'<option value="{escape(str(v))}">{escape(str(label))}</option>'
                       for v, label in choices)

    def render(self, name, value, attrs=None, renderer=None):
        current = escape("" if value is None else str(value))
        attrs = self.build_attrs(self.attrs, attrs)
        options = self.rendered_options or _options_of(tuple(self.choices))
        options = options.replace(f'<option value="{current}">',
                                  f'<option value="{current}" selected>', 1)
        return mark_safe(f'<select name="{escape(name)}"{flatatt(attrs)}>{options}</select>')


def _quick_copy(field, memo):
    """What Field.__deepcopy__ makes (the field and its widget copied, their attrs, error
    messages and validators copied, anything else shared), made directly: a list page copies
    its filter form's fields on every request, and the copy module's general machinery cost
    more than the copies themselves. A choice list is shared as well: the lists are never
    changed in place, only replaced."""
    result = object.__new__(type(field))
    result.__dict__ = field.__dict__.copy()
    widget = object.__new__(type(field.widget))
    widget.__dict__ = field.widget.__dict__.copy()
    widget.attrs = field.widget.attrs.copy()
    result.widget = widget
    result.error_messages = field.error_messages.copy()
    result.validators = field.validators[:]
    memo[id(field)] = result
    return result


class FilterChoiceField(forms.ChoiceField):
    """A filter's choices, shared by every copy of the form rather than deep-copied into each
    (Django copies a form's fields for each request; see _quick_copy)."""

    __deepcopy__ = _quick_copy


class FilterTypedChoiceField(forms.TypedChoiceField):
    """FilterChoiceField with a type."""

    __deepcopy__ = _quick_copy


class FilterCharField(forms.CharField):
    """A filter's text field, copied for each request by _quick_copy."""

    __deepcopy__ = _quick_copy


class FilterDateField(forms.DateField):
    """A filter's date field, copied for each request by _quick_copy."""

    __deepcopy__ = _quick_copy


@functools.lru_cache(maxsize=64)
def _options_of(choices: tuple) -> str:
    """The filters' fixed lists (statuses, categories...) are rendered once per process."""
    return FastSelect.render_options(choices)


# The filters' fields as HTML, by form and values (see FilterFieldsMixin.fields_html).
_FIELDS_HTML: dict = {}
_FIELDS_HTML_MAX = 256


class FilterFieldsMixin:
    """A list page's filter fields rendered as HTML once per process for each set of values:
    the lists are opened again and again with the same few filters (most often none), and
    building the same nine widgets on every request was a measured share of a list's time.
    A form with errors is rendered afresh (its widgets say which fields are invalid)."""

    def fields_cache_extra(self):
        """Whatever else the fields' HTML depends on (a list of options that can change)."""
        return None

    def fields_html(self) -> str:
        data = self.data if self.is_bound else {}
        if self.is_bound and (self.errors or any(
                data.get(name) for name, field in self.fields.items()
                if not isinstance(field, forms.ChoiceField))):
            # Rendered afresh: a form with errors, or typed text (a search), which would make
            # one kept copy per search and hold what was searched for in the process.
            return self._render_fields()
        key = (type(self), self.is_bound, tuple(data.get(name) for name in self.fields),
               self.fields_cache_extra())
        html = _FIELDS_HTML.get(key)
        if html is None:
            html = self._render_fields()
            if len(_FIELDS_HTML) >= _FIELDS_HTML_MAX:
                _FIELDS_HTML.clear()
            _FIELDS_HTML[key] = html
        return html

    # Each field's column classes, and the label's: a form may lay its fields out otherwise.
    field_columns: dict = {}
    label_class = "form-label small"

    def _render_fields(self) -> str:
        return mark_safe("".join(
            f'<div class="{self.field_columns.get(field.name, "col-6 col-md-3")}">'
            f'<label class="{self.label_class}" for="{escape(field.id_for_label)}">'
            f'{escape(field.label)}</label>{field}</div>'
            for field in self))


class ReportFilterForm(FilterFieldsMixin, BootstrapMixin, forms.Form):
    q = FilterCharField(required=False, label="Search",
                        widget=forms.TextInput(attrs={"placeholder": "Reference or words"}))
    status = FilterChoiceField(required=False, widget=FastSelect,
                               choices=[("action", "Needs action"), ("all", "All statuses")] + [
                                   c for c in ReportStatus.choices if c[0] != "draft"])
    category = FilterChoiceField(required=False, widget=FastSelect,
                                 choices=[("", "Any category")] + EventCategory.choices)
    harm = FilterChoiceField(required=False, widget=FastSelect,
                             choices=[("", "Any harm")] + HarmLevel.choices)
    unit = FilterChoiceField(required=False, label="Unit", widget=FastSelect,
                             choices=[("", "Any unit")] + LocationType.choices)
    date_from = FilterDateField(required=False, label="From",
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = FilterDateField(required=False, label="To",
                              widget=forms.DateInput(attrs={"type": "date"}))
    sort = FilterChoiceField(required=False, label="Order", widget=FastSelect, choices=[
        ("newest", "Newest first"), ("oldest", "Oldest first"),
        ("event", "Event date, latest first"), ("event_oldest", "Event date, earliest first"),
        ("harm", "Most harm first"), ("harm_desc", "Least harm first"),
        ("category", "Category, A to Z"), ("category_desc", "Category, Z to A"),
        ("status", "Status, A to Z"), ("status_desc", "Status, Z to A"),
        ("reference", "Reference")])

    def __init__(self, data=None, *args, **kwargs):
        # An order the list does not know (an old link, a typed address) is dropped rather
        # than making the whole filter invalid.
        if data is not None and data.get("sort"):
            known = {value for value, _ in self.base_fields["sort"].choices}
            if data.get("sort") not in known:
                data = data.copy()
                data.pop("sort")
        super().__init__(data, *args, **kwargs)

    def canonical_query(self) -> str:
        """The filter as a query string of known parameters only, in a fixed order."""
        from urllib.parse import urlencode

        values = self.cleaned_data if self.is_valid() else {}
        pairs = []
        for name in self.fields:
            value = values.get(name)
            if value in (None, ""):
                continue
            pairs.append((name, value.isoformat() if hasattr(value, "isoformat") else value))
        return urlencode(pairs)


class SavedViewForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="Save this view as", max_length=60,
                           help_text="The filters and order above, kept for you under this "
                                     "name.",
                           widget=forms.TextInput(attrs={"placeholder": "Falls this month"}))


HOSPITAL_CHOICES_SECONDS = 300
# (until, choices, rendered options, ids): the member hospitals as this process last read them.
_hospital_choices: tuple | None = None


def hospital_filter_choices():
    """Member hospitals for the PSO's filter, their options rendered and the set of their ids,
    kept in the process for five minutes: the list changes rarely and the PSO list is opened
    often. Reading it from the shared cache cost a round trip and the unpickling of every
    hospital on each request; each process now reads the database once in five minutes, so a
    new member hospital still shows within five minutes everywhere, and at once in the process
    that saved it (forget_hospital_choices)."""
    global _hospital_choices

    kept = _hospital_choices
    if kept is None or time.monotonic() >= kept[0]:
        from members.models import Hospital

        choices = [("", "Any hospital")] + [
            (str(public_id), f"{name} ({city}, {state})") for public_id, name, city, state in
            Hospital.objects.exclude(status="applicant").order_by("name")
            .values_list("public_id", "name", "city", "state")]
        kept = _hospital_choices = (
            time.monotonic() + HOSPITAL_CHOICES_SECONDS, choices,
            FastSelect.render_options(choices),
            frozenset(value for value, _ in choices if value))
    return kept[1:]


def forget_hospital_choices(**kwargs) -> None:
    """Connected to a hospital's save and delete (cases.apps)."""
    global _hospital_choices
    _hospital_choices = None


class PsoFilterForm(ReportFilterForm):
    # A plain field with the options on the widget: a ChoiceField would copy and normalise the
    # list of every member hospital on each request.
    hospital = FilterCharField(required=False, widget=FastSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _, rendered, self._hospital_ids = hospital_filter_choices()
        # The options are written from the list kept with it; the widget's own choices stay
        # empty (setting them would normalise the list of every member hospital again).
        self.fields["hospital"].widget.rendered_options = rendered
        del self.fields["status"]
        self.fields["sort"].choices = [("newest", "Newest first"), ("oldest", "Oldest first")]
        if self.is_bound and self.data.get("sort") not in ("", None, "newest", "oldest"):
            self.data = self.data.copy()
            self.data.pop("sort")

    def fields_cache_extra(self):
        rendered = self.fields["hospital"].widget.rendered_options or ""
        return len(rendered), hash(rendered)

    def clean_hospital(self):
        value = self.cleaned_data["hospital"]
        if value and value not in self._hospital_ids:
            raise forms.ValidationError("Choose a member hospital.")
        return value


class RevealReporterForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label="Why does the law require knowing who filed this report?",
        widget=forms.Textarea(attrs={"rows": 3}), max_length=500,
        help_text="For example the court order or the request you are answering. The reason is "
                  "recorded in the audit log and sent to the reporter.",
    )

