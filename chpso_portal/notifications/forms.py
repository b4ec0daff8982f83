from django import forms

from chpso_portal.forms import BootstrapMixin

from . import kinds


class EmailPreferencesForm(BootstrapMixin, forms.Form):
    def __init__(self, *args, initial_choices: dict[str, bool], user=None, **kwargs):
        super().__init__(*args, **kwargs)
        offered = kinds.CONFIGURABLE if user is None else kinds.configurable_for(user)
        for kind in offered:
            self.fields[kind.code] = forms.BooleanField(
                label=kind.label, required=False, initial=initial_choices.get(kind.code)
            )
