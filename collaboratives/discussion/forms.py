from django import forms

from chpso_portal.forms import BootstrapMixin, SafeTextMixin

from .models import ThreadCategory


class ThreadForm(BootstrapMixin, forms.Form):
    category = forms.ChoiceField(choices=ThreadCategory.choices)
    title = forms.CharField(max_length=200)
    body = forms.CharField(label="First post", max_length=8000,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="Plain text. Leave out names of patients, staff and "
                                     "hospitals: every post is screened before others read it.")


class ReplyForm(BootstrapMixin, forms.Form):
    body = forms.CharField(label="Your reply", max_length=8000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class HideForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="Why hide this post", max_length=300)


class SearchForm(SafeTextMixin, forms.Form):
    q = forms.CharField(required=False, max_length=100)
    category = forms.ChoiceField(choices=[("", "All")] + ThreadCategory.choices,
                                 required=False)
