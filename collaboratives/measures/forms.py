from django import forms

from chpso_portal.forms import BootstrapMixin, SafeTextMixin

from .models import PROGRESS_SCALE, MeasureKind


class MonthlyReportForm(BootstrapMixin, forms.Form):
    """The month's figures for every measure, the narrative and the progress score. Fields of
    a measure are named `<short_name>-numerator` and so on."""

    what_we_tested = forms.CharField(label="What we tested", required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    what_we_learned = forms.CharField(label="What we learned", required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    what_is_next = forms.CharField(label="What is next", required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    progress_score = forms.TypedChoiceField(
        label="IHI progress score", required=False, empty_value=None,
        choices=[("", "Choose")] + [(str(score), label) for score, label in PROGRESS_SCALE],
        coerce=lambda v: next(s for s, _ in PROGRESS_SCALE if str(s) == v))
    correction_reason = forms.CharField(label="Why is a submitted month corrected?",
                                        max_length=300, required=False)

    def __init__(self, *args, measures=(), current=None, report=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.measures = list(measures)
        current = current or {}
        if report is not None and not self.is_bound:
            for field in ("what_we_tested", "what_we_learned", "what_is_next"):
                self.initial[field] = getattr(report, field)
            if report.progress_score is not None:
                self.initial["progress_score"] = str(report.progress_score)
        if report is None or not report.is_submitted:
            del self.fields["correction_reason"]
        for measure in self.measures:
            prefix = measure.short_name
            value = current.get(measure.pk)
            if measure.kind in (MeasureKind.PROPORTION, MeasureKind.RATE):
                self.fields[f"{prefix}-numerator"] = forms.DecimalField(
                    label=f"Numerator: {measure.numerator_definition}", required=False,
                    min_value=0, max_digits=14, decimal_places=4)
                self.fields[f"{prefix}-denominator"] = forms.DecimalField(
                    label=f"Denominator: {measure.denominator_definition}", required=False,
                    min_value=0, max_digits=14, decimal_places=4)
            elif measure.kind == MeasureKind.COUNT:
                self.fields[f"{prefix}-numerator"] = forms.DecimalField(
                    label=f"Count: {measure.numerator_definition}", required=False,
                    min_value=0, max_digits=14, decimal_places=0)
            else:
                self.fields[f"{prefix}-value"] = forms.DecimalField(
                    label=f"Value ({measure.unit or 'as defined'})", required=False,
                    max_digits=14, decimal_places=4)
            self.fields[f"{prefix}-not_collected_reason"] = forms.CharField(
                label="Not collected this month because", max_length=300, required=False)
            if value is not None and not self.is_bound:
                for part in ("numerator", "denominator", "value"):
                    if f"{prefix}-{part}" in self.fields:
                        number = getattr(value, part)
                        self.initial[f"{prefix}-{part}"] = (
                            number.normalize() if number is not None else None)
                self.initial[f"{prefix}-not_collected_reason"] = value.not_collected_reason

    def measure_rows(self):
        """(measure, its bound fields) for the template."""
        for measure in self.measures:
            prefix = measure.short_name
            yield measure, [self[name] for name in self.fields if name.startswith(prefix + "-")]

    def values(self) -> dict:
        """{measure: figures} for the measures the form has anything for."""
        out = {}
        for measure in self.measures:
            prefix = measure.short_name
            get = self.cleaned_data.get
            reason = (get(f"{prefix}-not_collected_reason") or "").strip()
            figures = {"numerator": get(f"{prefix}-numerator"),
                       "denominator": get(f"{prefix}-denominator"),
                       "value": get(f"{prefix}-value")}
            if reason:
                out[measure] = {"not_collected": True, "not_collected_reason": reason}
            elif any(v is not None for v in figures.values()):
                out[measure] = {**figures, "not_collected": False}
        return out


class UploadForm(SafeTextMixin, forms.Form):
    file = forms.FileField(label="CSV file")
