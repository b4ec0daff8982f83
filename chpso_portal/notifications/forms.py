from django import forms

from chpso_portal.forms import BootstrapMixin

from . import kinds


class EmailPreferencesForm(BootstrapMixin, forms.Form):
    def __init__(self, *args, initial_choices: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds.CONFIGURABLE:
            self.fields[kind.code] = forms.BooleanField(
                label=kind.label, required=False, initial=initial_choices.get(kind.code)
            )
