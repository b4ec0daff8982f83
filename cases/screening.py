"""Screening of text that crosses a boundary, with the names the portal knows (DESIGN.md 7).

One helper for every form and page that screens text: `screen_texts` screens named texts and
keeps each text with its findings, so that a page can show every finding in its context
(`{% findings_in_context %}` in chpso_portal/templatetags/screening.py); `finding_rows` turns
them into one row per distinct (kind, words) with the reason a reviewer gave to dismiss it;
`unresolved` says which findings are neither fixed nor dismissed. A dismissal is recorded by
kind and words, so it holds wherever the same words appear and survives an edit elsewhere.
"""

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.cache import cache

CACHE_KEY = "deidentify:known-identifiers:v1"
CACHE_SECONDS = 300
REASON_MAX_LENGTH = 300


def known_identifiers():
    """Names of every member, every hospital and its city. Cached for a few minutes."""
    from chpso_portal.deidentify import KnownIdentifiers

    known = cache.get(CACHE_KEY)
    if known is None:
        from members.models import Hospital, User

        people = tuple(
            name for name in User.objects.exclude(full_name="").values_list("full_name", flat=True)
            if len(name.split()) >= 2
        )
        hospitals = list(Hospital.objects.values_list("name", "city"))
        from .services import hospital_prefix

        hospital_names = tuple(
            {name for name, _ in hospitals}
            | {hospital_prefix(Hospital(name=name)) for name, _ in hospitals
               if len(hospital_prefix(Hospital(name=name))) >= 3}
        )
        places = tuple({city for _, city in hospitals if city})
        known = KnownIdentifiers(person_names=people, hospital_names=hospital_names,
                                 places=places)
        cache.set(CACHE_KEY, known, CACHE_SECONDS)
    return known


def kind_of(finding) -> str:
    """A finding's kind as its plain value ("name"), whether it holds the enum or a string."""
    return str(getattr(finding.kind, "value", finding.kind))


def finding_key(kind: str, text: str) -> str:
    """A short stable key for (kind, words): the name of the form field holding its reason."""
    return hashlib.sha256(f"{kind}\x00{text}".encode()).hexdigest()[:12]


@dataclass(frozen=True)
class ScreenedText:
    """One text as it was screened: its field name, the label a reader knows it by, the text
    itself and what was found in it (positions index into `text`)."""

    name: str
    label: str
    text: str
    findings: tuple = field(default_factory=tuple)


def screen_texts(texts: Iterable[tuple[str, str, str]], known=None) -> list[ScreenedText]:
    """Screen (name, label, text) triples; returns only the texts with findings, in order.

    `known` defaults to the names the portal knows (`known_identifiers`).
    """
    from chpso_portal.deidentify import screen

    if known is None:
        known = known_identifiers()
    screened = []
    for name, label, text in texts:
        if text and (findings := screen(str(text), known)):
            screened.append(ScreenedText(name=name, label=label, text=str(text),
                                         findings=tuple(findings)))
    return screened


def screen_form_fields(data: Mapping, form, fields: Iterable[str]) -> list[ScreenedText]:
    """Screen the named fields of a form's data, each labelled as the form labels it."""
    return screen_texts((name, str(form.fields[name].label or name), data.get(name) or "")
                        for name in fields)


def screen_fields(data: dict, fields: list[str]) -> dict[str, list]:
    """Findings per field name, only for fields that have any."""
    return {item.name: list(item.findings)
            for item in screen_texts((name, name, data.get(name) or "") for name in fields)}


def _reasons(dismissed: Iterable[Mapping] | None) -> dict[tuple[str, str], str]:
    return {(d.get("kind"), d.get("text")): d.get("reason", "") for d in dismissed or ()
            if d.get("reason")}


# What replaces a finding in the copy sent to the PSO when the reviewer chooses to replace it
# rather than keep it: the kind in brackets, so the PSO still reads what sort of word it was.
PLACEHOLDERS = {
    "person": "[name]", "name": "[name]", "title_name": "[name]",
    "hospital": "[facility]", "facility": "[facility]", "unit": "[unit]",
    "place": "[place]", "date": "[date]", "phone": "[phone]", "email": "[email]",
    "url": "[web address]", "ip_address": "[IP address]", "age_over_89": "[age over 89]",
}


def placeholder(kind: str) -> str:
    return PLACEHOLDERS.get(kind, "[number]")


def replaced_reason(kind: str) -> str:
    """The reason recorded for a finding replaced in the copy sent."""
    return f"Replaced with {placeholder(kind)} in the copy sent to the PSO."


def replaced_text(text: str, findings: Iterable, replaced: Iterable[tuple[str, str]]) -> str:
    """`text` with each finding whose (kind, words) is in `replaced` swapped for its
    placeholder ("pt [name] fell"); other words stay as they are."""
    wanted = set(replaced)
    parts, position = [], 0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        kind = kind_of(finding)
        if (kind, finding.text) not in wanted or finding.start < position:
            continue
        if text[finding.start:finding.end] != finding.text:
            continue
        parts.append(text[position:finding.start])
        parts.append(placeholder(kind))
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def replaced_findings(saved: Iterable[Mapping] | None) -> set[tuple[str, str]]:
    """(kind, words) of the recorded findings that are replaced in the copy sent."""
    return {(d.get("kind"), d.get("text")) for d in saved or () if d.get("replace")}


def finding_rows(screened: Iterable[ScreenedText], *, posted: Mapping | None = None,
                 saved: Iterable[Mapping] | None = None,
                 replaceable: bool = False) -> tuple[list[dict], list[dict]]:
    """One row per distinct (kind, words) for a fix-or-dismiss form, and the dismissals.

    A row carries `key` (the reason's field is `dismiss-<key>`), `kind`, `text`, `where` (the
    labels of the texts it is in), `explanation` and `reason`. The reason comes from the posted
    form when it carried that field, else from the saved dismissals, so a form shown again
    keeps every reason typed. `dismissed` lists {kind, text, reason} for the rows with one.

    With `replaceable`, a row may also be replaced by its placeholder in the copy sent (a
    checkbox `replace-<key>`, or `replace` in the saved dismissals): the row carries `replace`
    and `placeholder`, and its dismissal {kind, text, reason, replace: True} gives
    `replaced_reason` as its reason.
    """
    saved_reasons = _reasons(saved)
    saved_replaced = replaced_findings(saved) if replaceable else set()
    rows: dict[str, dict] = {}
    for item in screened:
        for finding in item.findings:
            kind = kind_of(finding)
            key = finding_key(kind, finding.text)
            if key in rows:
                if item.label not in rows[key]["where"]:
                    rows[key]["where"].append(item.label)
                continue
            if posted is not None and f"dismiss-{key}" in posted:
                reason = (posted.get(f"dismiss-{key}") or "").strip()[:REASON_MAX_LENGTH]
            elif (kind, finding.text) in saved_replaced:
                reason = ""
            else:
                reason = saved_reasons.get((kind, finding.text), "")
            if not replaceable:
                replace = False
            elif posted is not None and f"dismiss-{key}" in posted:
                replace = bool(posted.get(f"replace-{key}"))
            else:
                replace = (kind, finding.text) in saved_replaced
            rows[key] = {"key": key, "kind": kind, "text": finding.text, "where": [item.label],
                         "explanation": finding.explanation, "reason": reason,
                         "replace": replace, "placeholder": placeholder(kind)}
    dismissed = []
    for row in rows.values():
        if row["replace"]:
            dismissed.append({"kind": row["kind"], "text": row["text"],
                              "reason": replaced_reason(row["kind"]), "replace": True})
        elif row["reason"]:
            dismissed.append({"kind": row["kind"], "text": row["text"], "reason": row["reason"]})
    return list(rows.values()), dismissed


def unresolved(screened: Iterable[ScreenedText],
               dismissed: Iterable[Mapping] | None) -> list[tuple[str, object]]:
    """(label, finding) for every finding neither fixed nor dismissed with a reason."""
    reasons = _reasons(dismissed)
    return [(item.label, finding) for item in screened for finding in item.findings
            if (kind_of(finding), finding.text) not in reasons]


def listed(findings: Iterable[tuple[str, object]], limit: int = 5) -> str:
    """"'Dr. Okafor' (What happened); ..." for a message naming what is still unresolved."""
    findings = list(findings)
    text = "; ".join(f"'{finding.text}' ({label})" for label, finding in findings[:limit])
    if len(findings) > limit:
        text += f"; and {len(findings) - limit} more"
    return text
