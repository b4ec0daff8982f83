"""De-identification of lesson text against the nonidentification standard (42 CFR 3.212).

Every text of a lesson is screened with the names the portal knows and the identifier
patterns: providers, reporters, hospitals, places below state level, dates finer than the year.
A finding is resolved when the text is fixed or the author dismissed it with a reason; the same
(kind, text) dismissed once counts wherever it appears in the lesson.
"""

import hashlib
from collections.abc import Mapping

from cases.screening import ScreenedText, known_identifiers
from chpso_portal.deidentify import Finding, FindingKind, KnownIdentifiers, screen

from ..models import Lesson, NominationStatus

# Words that name no hospital in particular: "Mercy General Hospital" is also written "Mercy
# General" or "Mercy", but "General" or "Hospital" alone identify nothing.
GENERIC_NAME_WORDS = frozenset(
    "hospital hospitals medical center centre health healthcare regional community general "
    "memorial university clinic clinics system of the and at saint st".split())
_KNOWN_KINDS = {FindingKind.NAME, FindingKind.HOSPITAL, FindingKind.PLACE, FindingKind.UNIT}


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


def hospital_name_variants(name: str) -> set[str]:
    """The ways a hospital's name is shortened in text: its trailing generic words dropped one
    by one ("Mercy General Hospital", "Mercy General", "Mercy"). A word from the middle of a
    name is not taken on its own: "Good" of "Good Samaritan" would flag every "good"."""
    words = name.split()
    variants = {name}
    while words and words[-1].lower().strip(".,") in GENERIC_NAME_WORDS:
        words.pop()
        if words:
            variants.add(" ".join(words))
    return variants


def origin_identifiers(*, session=None, sent_report=None) -> KnownIdentifiers:
    """What the origin itself could be recognised by: the hospitals (every one that presented
    a case, for a session), their shortened names and cities, and the report's reference."""
    hospitals, references = [], []
    if sent_report is not None:
        hospitals.append(sent_report.hospital)
        references.append(sent_report.report.reference)
    if session is not None:
        cases = session.nominations.filter(status=NominationStatus.ACCEPTED).select_related(
            "session_hospital__hospital", "report")
        for case in cases:
            hospitals.append(case.session_hospital.hospital)
            references.append(case.report.reference)
    names = set()
    for hospital in hospitals:
        names |= hospital_name_variants(hospital.name)
    return KnownIdentifiers(
        hospital_names=tuple(sorted(names | {ref for ref in references if ref})),
        places=tuple(sorted({hospital.city for hospital in hospitals if hospital.city})))


def lesson_origin_identifiers(lesson: Lesson) -> KnownIdentifiers:
    origin = getattr(lesson, "origin", None)
    if origin is None:
        return KnownIdentifiers()
    return origin_identifiers(session=origin.session, sent_report=origin.sent_report)


def _screen(text: str, known: KnownIdentifiers, extra: KnownIdentifiers) -> list[Finding]:
    findings = screen(text, known)
    if extra:
        # The origin's own names, screened apart so the portal-wide matcher stays cached;
        # only what the first pass did not already cover is added.
        taken = [(finding.start, finding.end) for finding in findings]
        findings += [finding for finding in screen(text, extra)
                     if finding.kind in _KNOWN_KINDS
                     and not any(start < finding.end and finding.start < end
                                 for start, end in taken)]
        findings.sort(key=lambda finding: finding.start)
    return findings


def screen_texts(texts: list[tuple[str, str]],
                 extra: KnownIdentifiers | None = None) -> list[tuple[str, Finding]]:
    known = known_identifiers()
    extra = extra or KnownIdentifiers()
    return [(label, finding) for label, text in texts
            for finding in _screen(text, known, extra)]


def in_context(texts: list[tuple[str, str]],
               extra: KnownIdentifiers | None = None) -> list[ScreenedText]:
    """The texts with findings, each with them, for `{% findings_in_context %}`."""
    known = known_identifiers()
    extra = extra or KnownIdentifiers()
    return [ScreenedText(name=label, label=label, text=text, findings=tuple(found))
            for label, text in texts if (found := _screen(text, known, extra))]


def _dismissed_keys(dismissed: list[dict]) -> set[tuple[str, str]]:
    return {(d.get("kind"), d.get("text")) for d in dismissed or () if d.get("reason")}


def unresolved_findings(lesson: Lesson) -> list[tuple[str, Finding]]:
    keys = _dismissed_keys(lesson.dismissed_findings)
    return [(label, finding)
            for label, finding in screen_texts(texts_of(lesson), lesson_origin_identifiers(lesson))
            if (_kind(finding), finding.text) not in keys]


def finding_key(kind: str, text: str) -> str:
    return hashlib.sha256(f"{kind}\x00{text}".encode()).hexdigest()[:12]


def finding_rows(texts: list[tuple[str, str]], *, posted: Mapping | None = None,
                 saved: list[dict] | None = None,
                 extra: KnownIdentifiers | None = None) -> tuple[list[dict], list[dict]]:
    """One row per distinct (kind, text) for the form, and the dismissals that apply.

    A reason comes from the form (`dismiss-<key>`) when the form carried that field, else from
    the lesson's saved dismissals, so an author editing a returned lesson, or a form shown
    again after an error, keeps the earlier reasons.
    """
    saved_reasons = {(d.get("kind"), d.get("text")): d.get("reason", "") for d in saved or ()}
    rows, dismissed, seen = [], [], set()
    for label, finding in screen_texts(texts, extra):
        kind = _kind(finding)
        key = finding_key(kind, finding.text)
        if key in seen:
            continue
        seen.add(key)
        if posted is not None and f"dismiss-{key}" in posted:
            reason = (posted.get(f"dismiss-{key}") or "").strip()[:300]
        else:
            reason = saved_reasons.get((kind, finding.text), "")
        rows.append({"key": key, "kind": kind, "text": finding.text, "where": label,
                     "explanation": finding.explanation, "reason": reason})
        if reason:
            dismissed.append({"kind": kind, "text": finding.text, "reason": reason})
    return rows, dismissed
