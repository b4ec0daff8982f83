from django import forms

from chpso_portal.forms import BootstrapMixin

from ..programmes.forms import DATE
from .models import PdsaCycle


class CycleForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = PdsaCycle
        fields = ["title", "change_idea", "own_idea", "follows", "measures", "objective",
                  "question", "prediction", "plan_who", "plan_where", "plan_when",
                  "data_to_collect", "started_on", "do_notes", "study_notes", "decision",
                  "act_notes", "completed_on"]
        widgets = {
            "objective": forms.Textarea(attrs={"rows": 2}),
            "question": forms.Textarea(attrs={"rows": 2}),
            "prediction": forms.Textarea(attrs={"rows": 2}),
            "data_to_collect": forms.Textarea(attrs={"rows": 2}),
            "do_notes": forms.Textarea(attrs={"rows": 3}),
            "study_notes": forms.Textarea(attrs={"rows": 3}),
            "act_notes": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.CheckboxSelectMultiple,
            "started_on": DATE, "completed_on": DATE,
        }

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        collaborative = team.collaborative
        self.fields["change_idea"].queryset = collaborative.change_ideas.filter(is_active=True)
        self.fields["change_idea"].required = False
        self.fields["measures"].queryset = collaborative.measures.filter(is_active=True)
        self.fields["measures"].required = False
        follows = team.pdsa_cycles.order_by("-number")
        if self.instance.pk:
            follows = follows.filter(number__lt=self.instance.number)
        self.fields["follows"].queryset = follows
        self.fields["follows"].label_from_instance = lambda c: f"{c.number}. {c.title}"
        self.fields["follows"].label = "Builds on cycle"

    def _post_clean(self):
        # The service validates and saves; the form only collects.
        pass

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["measures"] = list(data.get("measures") or [])
        return data


class CommentForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label="Comment to the team", max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label="Private coaching note (faculty only)", max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))
