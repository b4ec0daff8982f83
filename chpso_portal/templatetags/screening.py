"""Showing de-identification findings where they are: `{% load screening %}`.

    {% findings_in_context text findings %}
    {% findings_in_context text findings label="What happened" %}
    {% findings_in_context text findings with_list=False %}  (the page lists them itself)

renders `text` escaped, line breaks kept, with each finding wrapped in
`<mark class="finding" data-kind="...">` and followed by visually hidden words naming its kind
("possible identifier: a person's name"), so a screen reader hears it and the highlight does
not rest on colour alone (a numbered marker links it to the list); then the list "We found:
'john baker' (a person's name): <what to do>", one entry per distinct (kind, words).

`findings` is what `chpso_portal.deidentify.screen(text, ...)` returned for that same text
(objects with kind, start, end, text and explanation); a finding whose position does not match
the text is listed but not highlighted. `cases.screening.screen_texts` screens several fields
at once and keeps each text with its findings:

    {% for item in screened %}
      {% findings_in_context item.text item.findings label=item.label %}
    {% endfor %}

The tag only shows; fixing or dismissing a finding with a reason is the page's form (see
`cases.screening.finding_rows` and templates/screening/_dismiss.html).
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# What each kind is, in words a reporter knows. Kinds added to the screener later fall back to
# their value with spaces.
KIND_LABELS = {
    "name": "a person's name",
    "person": "a person's name",
    "hospital": "a hospital or other facility",
    "facility": "a hospital or other facility",
    "place": "a place smaller than a state",
    "unit": "a named unit",
    "date": "a date finer than the year",
    "phone": "a phone number",
    "email": "an email address",
    "url": "a web address",
    "ip_address": "an IP address",
    "ssn": "a Social Security number",
    "npi": "a provider number (NPI)",
    "dea": "a DEA number",
    "long_number": "a record, account or other long number",
    "age_over_89": "an age over 89",
    "title_name": "a title and a name",
}


def kind_label(kind) -> str:
    kind = str(getattr(kind, "value", kind))
    return KIND_LABELS.get(kind, kind.replace("_", " "))


register.filter("kind_label", kind_label)


def _entries(findings) -> tuple[list[dict], dict[tuple[str, str], int]]:
    """One numbered entry per distinct (kind, words), in order of first appearance."""
    entries, numbers = [], {}
    for finding in findings:
        kind = str(getattr(finding.kind, "value", finding.kind))
        if (kind, finding.text) in numbers:
            continue
        numbers[(kind, finding.text)] = len(entries) + 1
        entries.append({"number": len(entries) + 1, "kind": kind, "label": kind_label(kind),
                        "text": finding.text, "explanation": finding.explanation})
    return entries, numbers


def highlight(text, findings) -> str:
    """`text` escaped, each finding in a <mark> with its kind in visually hidden words."""
    text = "" if text is None else str(text)
    _, numbers = _entries(findings)
    parts, position = [], 0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        start, end = finding.start, finding.end
        if start < position or end > len(text) or text[start:end] != finding.text:
            continue  # overlapping, or screened from another text: listed, not highlighted
        kind = str(getattr(finding.kind, "value", finding.kind))
        parts.append(format_html("{}", text[position:start]))
        parts.append(format_html(
            '<mark class="finding" data-kind="{}">{}<span class="visually-hidden"> (possible '
            'identifier: {})</span></mark><sup class="finding-number" aria-hidden="true">{}'
            "</sup>",
            kind, finding.text, kind_label(kind), numbers[(kind, finding.text)]))
        position = end
    parts.append(format_html("{}", text[position:]))
    return mark_safe("".join(parts))


@register.simple_tag
def findings_in_context(text, findings, label="", with_list=True):
    """The text with its findings highlighted, and the list of what was found (see above)."""
    findings = list(findings or ())
    if not findings:
        return ""
    entries, _ = _entries(findings)
    heading = format_html('<p class="small fw-semibold mb-1">{}</p>', label) if label else ""
    if not with_list:
        return format_html(
            '<div class="findings-in-context mb-2" data-testid="findings-in-context">{}'
            '<p class="findings-text border rounded bg-body p-2 mb-1">{}</p></div>',
            heading, highlight(text, findings))
    items = format_html_join(
        "", '<li><span class="finding-number" aria-hidden="true">{}.</span> '
            '<q><mark class="p-0">{}</mark></q> ({}): {}</li>',
        ((e["number"], e["text"], e["label"], e["explanation"]) for e in entries))
    return format_html(
        '<div class="findings-in-context mb-2" data-testid="findings-in-context">{}'
        '<p class="findings-text border rounded bg-body p-2 mb-1">{}</p>'
        '<p class="small mb-0">We found:</p>'
        '<ul class="findings-list list-unstyled small mb-0">{}</ul></div>',
        heading, highlight(text, findings), items)
