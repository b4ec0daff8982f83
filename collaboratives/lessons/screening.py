"""De-identification of lesson text against the nonidentification standard (42 CFR 3.212).

Every text of a lesson is screened with the names the portal knows and the identifier
patterns: providers, reporters, hospitals, places below state level, dates finer than the year.
A finding is resolved when the text is fixed or the author dismissed it with a reason; the same
(kind, text) dismissed once counts wherever it appears in the lesson.
"""

import hashlib
from collections.abc import Mapping

from cases.screening import known_identifiers
from chpso_portal.deidentify import Finding, screen

from ..models import Lesson


def lesson_texts(*, title="", what_happened="", systems_issues="", what_helped="",
                 actions=()) -> list[tuple[str, str]]:
    texts = [("Title", title), ("What happened", what_happened),
             ("Systems issues", systems_issues), ("What helped", what_helped)]
    texts += [(f"Action {number}", text) for number, (text, _) in enumerate(actions, start=1)]
    return [(label, text) for label, text in texts if text]


def texts_of(lesson: Lesson) -> list[tuple[str, str]]:
    return lesson_texts(title=lesson.title, what_happened=lesson.what_happened,
                        systems_issues=lesson.systems_issues, what_helped=lesson.what_helped,
                        actions=[(a.text, a.strength) for a in lesson.actions.all()])


def _kind(finding: Finding) -> str:
    return str(getattr(finding.kind, "value", finding.kind))


def screen_texts(texts: list[tuple[str, str]]) -> list[tuple[str, Finding]]:
    known = known_identifiers()
    return [(label, finding) for label, text in texts for finding in screen(text, known)]


def _dismissed_keys(dismissed: list[dict]) -> set[tuple[str, str]]:
    return {(d.get("kind"), d.get("text")) for d in dismissed or () if d.get("reason")}


def unresolved_findings(lesson: Lesson) -> list[tuple[str, Finding]]:
    keys = _dismissed_keys(lesson.dismissed_findings)
    return [(label, finding) for label, finding in screen_texts(texts_of(lesson))
            if (_kind(finding), finding.text) not in keys]


def finding_key(kind: str, text: str) -> str:
    return hashlib.sha256(f"{kind}\x00{text}".encode()).hexdigest()[:12]


def finding_rows(texts: list[tuple[str, str]], *, posted: Mapping | None = None,
                 saved: list[dict] | None = None) -> tuple[list[dict], list[dict]]:
    """One row per distinct (kind, text) for the form, and the dismissals that apply.

    A reason comes from the form (`dismiss-<key>`) when posted, else from the lesson's saved
    dismissals, so an author editing a returned lesson keeps their earlier reasons.
    """
    saved_reasons = {(d.get("kind"), d.get("text")): d.get("reason", "") for d in saved or ()}
    rows, dismissed, seen = [], [], set()
    for label, finding in screen_texts(texts):
        kind = _kind(finding)
        key = finding_key(kind, finding.text)
        if key in seen:
            continue
        seen.add(key)
        if posted is not None:
            reason = (posted.get(f"dismiss-{key}") or "").strip()[:300]
        else:
            reason = saved_reasons.get((kind, finding.text), "")
        rows.append({"key": key, "kind": kind, "text": finding.text, "where": label,
                     "explanation": finding.explanation, "reason": reason})
        if reason:
            dismissed.append({"kind": kind, "text": finding.text, "reason": reason})
    return rows, dismissed
