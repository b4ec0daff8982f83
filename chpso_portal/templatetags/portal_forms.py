"""Form errors as people can find them: one summary at the top of a form, linking to each field.

Registered as a template builtin (settings.TEMPLATES), so every template can write
`{% error_summary form %}` without loading anything.
"""

from django import template

register = template.Library()


def field_anchor(bound_field) -> str:
    """The id of the element a link to the field should land on: the input itself, or the
    first choice of a group of radio buttons or checkboxes."""
    if not bound_field.auto_id:
        return ""
    if bound_field.use_fieldset and getattr(bound_field.field, "choices", None):
        return f"{bound_field.auto_id}_0"
    return bound_field.auto_id


def summary_rows(*forms) -> list[dict]:
    rows = []
    for form in forms:
        if form is None or not form.is_bound or not form.errors:
            continue
        for message in form.non_field_errors():
            rows.append({"anchor": "", "label": "", "message": message})
        for name, field in form.fields.items():
            bound = form[name]
            if bound.is_hidden:
                continue
            for message in bound.errors:
                rows.append({"anchor": field_anchor(bound), "label": field.label or name,
                             "message": message})
    return rows


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms):
    """The errors of one or more forms, non-field errors first, in the order of the fields."""
    return {"rows": summary_rows(*forms)}


@register.filter
def bootstrap(bound_field):
    """The field's widget with Bootstrap's class, for forms that do not set it themselves (the
    account forms): `{{ field|bootstrap }}`. Django adds aria-invalid and aria-describedby."""
    from django import forms

    widget = bound_field.field.widget
    if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    existing = widget.attrs.get("class", "")
    if css in existing.split():
        return bound_field.as_widget()
    return bound_field.as_widget(attrs={"class": f"{existing} {css}".strip()})
