from django import forms

from cases.forms import ChoiceWithHelpRadio
from chpso_portal.forms import BootstrapMixin
from collaboratives.lessons.forms import STRENGTH_HELP
from collaboratives.models import ActionStrength

from .models import ActionStatus
from .selectors import SORTS, STATUS_FILTERS

DATE = forms.DateInput(attrs={"type": "date"})


def _owner_label(membership) -> str:
    return f"{membership.user.display_name} ({membership.get_job_title_display()})"


class ActionForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label="Action", max_length=200,
                            help_text="What will change, in one line.")
    description = forms.CharField(label="Details", required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ChoiceField(
        label="Owner", help_text="The member who sees it through.",
        error_messages={"invalid_choice": "Choose an active member of the hospital.",
                        "required": "Choose who owns the action."})
    due_date = forms.DateField(label="Due by", widget=DATE)
    strength = forms.ChoiceField(
        label="Action strength", choices=ActionStrength.choices,
        widget=ChoiceWithHelpRadio(help_texts=STRENGTH_HELP),
        help_text="Stronger actions change the system; weaker ones rely on people "
                  "remembering.",
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {str(m.public_id): m for m in members}
        self.fields["owner"].choices = [("", "Choose a member")] + [
            (key, _owner_label(m)) for key, m in self.members.items()]

    def clean_owner(self):
        membership = self.members.get(self.cleaned_data["owner"])
        if membership is None:
            raise forms.ValidationError("Choose an active member of the hospital.")
        return membership.user


class StatusForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(
        label="Progress", widget=forms.RadioSelect,
        choices=[(ActionStatus.OPEN, "Not started"), (ActionStatus.IN_PROGRESS, "In progress"),
                 (ActionStatus.DONE, "Done")])
    note = forms.CharField(label="What was done", required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="When you mark it done: what changed, and where to see "
                                     "it.")


class CancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="Why is it cancelled?", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ActionFilterForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(required=False, label="Status", choices=[
        ("", "Still to do"), (ActionStatus.OPEN, "Open"),
        (ActionStatus.IN_PROGRESS, "In progress"), (ActionStatus.DONE, "Done"),
        (ActionStatus.CANCELLED, "Cancelled"), ("all", "Any status")])
    owner = forms.ChoiceField(required=False, label="Owner")
    overdue = forms.BooleanField(required=False, label="Overdue only")
    sort = forms.ChoiceField(required=False, label="Sort", choices=[
        ("due", "Due date, earliest first"), ("-due", "Due date, latest first")])

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {str(m.public_id): m for m in members}
        self.fields["owner"].choices = [("", "Anyone")] + [
            (key, m.user.display_name) for key, m in self.members.items()]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        owner = self.members.get(data.get("owner") or "")
        return {
            "status": data.get("status") if data.get("status") in STATUS_FILTERS else "",
            "owner_id": owner.user_id if owner else None,
            "overdue": bool(data.get("overdue")),
            "sort": data.get("sort") if data.get("sort") in SORTS else "due",
        }
