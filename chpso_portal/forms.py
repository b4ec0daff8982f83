from django import forms

from .text import multi_line, one_line, sensible_date


def refuse_control_characters(form) -> None:
    """Every text field of the form refuses control characters: one-line fields all of them
    (a line break would break an email header or a calendar line), text areas all but tab and
    line breaks. Every date lies between 1900 and 2100 (9999-12-31 breaks date arithmetic and
    calendar files). Used by every form of the portal, the admin's and sign-up's included."""
    for field in form.fields.values():
        if isinstance(field, forms.DateField | forms.DateTimeField):
            if sensible_date not in field.validators:
                field.validators.append(sensible_date)
            continue
        if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
            continue  # passwords are never shown, mailed or stored as text
        validator = multi_line if isinstance(field.widget, forms.Textarea) else one_line
        if validator not in field.validators:
            field.validators.append(validator)


class SafeTextMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)


def harden_admin_forms(site) -> None:
    """The admin's add and change forms refuse control characters too, for every registered
    model, the libraries' included."""
    for model_admin in site._registry.values():
        if getattr(model_admin, "_safe_text", False):
            continue
        original = model_admin.get_form

        def get_form(request, obj=None, change=False, _original=original, **kwargs):
            form = _original(request, obj, change=change, **kwargs)
            return type(form.__name__, (SafeTextMixin, form), {"__module__": form.__module__})

        model_admin.get_form = get_form
        model_admin._safe_text = True


class BootstrapMixin(SafeTextMixin):
    """Gives widgets Bootstrap's classes, so templates stay plain; text fields refuse control
    characters (SafeTextMixin)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


def add_service_errors(form, exc) -> None:
    """Show a service's ValidationError on the form: on its field when it names one the form
    has, otherwise above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
