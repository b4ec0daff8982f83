from django import forms

from chpso_portal.forms import BootstrapMixin


class ResourceForm(BootstrapMixin, forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    file = forms.FileField(required=False, help_text="PDF, Word, Excel, PowerPoint, CSV, "
                                                     "text, PNG or JPEG; at most 10 MB.")
    url = forms.URLField(label="Or a link", required=False, max_length=500,
                         assume_scheme="https")


class AnnouncementForm(BootstrapMixin, forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
