"""Screen free text for identifiers before it leaves a hospital (DESIGN.md section 7).

Screening only points; it never rewrites the text. A reviewer fixes or dismisses each finding,
and automated rules miss names, so that human step stays mandatory. Results are deterministic
for a given text and set of known identifiers, so a dismissal recorded against a finding can
be matched to the same finding when the text is screened again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .benign import drop_benign
from .findings import EXPLANATIONS, RANK, Finding, FindingKind, KnownIdentifiers
from .known import build_matcher
from .lexical import detect as detect_by_word_lists
from .lexical import forget as forget_reader
from .lexical import repeated_names
from .patterns import DETECTORS, Span, ages_beside_names, echoed_codes
from .patterns import forget as forget_lower_case

_NO_KNOWN = KnownIdentifiers()


def _candidates(text: str, known: KnownIdentifiers) -> tuple[list[Span], frozenset[Span]]:
    """Every detector's spans, and those of the names the portal knows (see `_merge`)."""
    spans: list[Span] = []
    known_spans: frozenset[Span] = frozenset()
    matcher = build_matcher(known) if known else None
    if matcher is not None:
        known_spans = frozenset(matcher.finditer(text))
        spans.extend(known_spans)
    for detect in DETECTORS:
        spans.extend(detect(text))
    spans.extend(detect_by_word_lists(text))
    spans = drop_benign(text, spans, known_spans)
    # A name found once is a name wherever else the text writes it.
    spans.extend(drop_benign(text, repeated_names(text, spans)))
    # An age beside a person's name: "Ruthanne Begay, 99," or "Mr. Okafor (94)".
    spans.extend(list(ages_beside_names(text, spans)))
    # A code of the shape of a record number found: "E-2025-7741 instead of E-2025-7714".
    spans.extend(drop_benign(text, list(echoed_codes(text, spans))))
    return spans, known_spans


def _merge(spans: list[Span], known_spans: frozenset[Span] = frozenset()) -> list[Span]:
    """Collapse overlapping spans into one finding each.

    The merged finding covers the union of the overlapping spans, so fixing it removes every
    piece; its kind is that of the longest span, ties going to the more specific kind
    (`findings.PRIORITY`), and before that to a name the portal knows over a guess from the
    word lists (`known_spans`), so a registered unit "Sutter Wing" stays a unit although
    "Sutter" is also a health system. So "Dr. Maria Lopez", where Maria Lopez is a known
    person, is one TITLE_NAME finding covering the title and the name, and its advice (keep
    the role, drop the name) is the right fix.
    """
    merged: list[Span] = []
    cluster_start = cluster_end = -1
    best: Span | None = None
    for span in sorted(spans, key=lambda s: (s[1], -s[2])):
        kind, start, end = span
        if best is not None and start < cluster_end:
            cluster_end = max(cluster_end, end)
            if (end - start, span in known_spans, -RANK[kind]) > (
                best[2] - best[1],
                best in known_spans,
                -RANK[best[0]],
            ):
                best = span
            continue
        if best is not None:
            merged.append((best[0], cluster_start, cluster_end))
        cluster_start, cluster_end, best = start, end, span
    if best is not None:
        merged.append((best[0], cluster_start, cluster_end))
    return merged


def screen(text: str, known: KnownIdentifiers = _NO_KNOWN) -> list[Finding]:
    """Find what in `text` could identify a patient, provider, hospital or place.

    Returns findings sorted by position, none overlapping. Non-text input is treated as
    text (None as empty) so that screening a form field can never crash a save.
    """
    if text is None:
        return []
    if not isinstance(text, str):
        text = str(text)
    if not isinstance(known, KnownIdentifiers):
        known = _NO_KNOWN
    if not text:
        return []
    try:
        candidates = _candidates(text, known)
    finally:
        # The text is confidential: nothing of it stays in the process once screened.
        forget_reader()
        forget_lower_case()
    return [
        Finding(
            kind=FindingKind(kind),
            start=start,
            end=end,
            text=text[start:end],
            explanation=EXPLANATIONS[kind],
        )
        for kind, start, end in _merge(*candidates)
    ]


def summarize(findings: Iterable[Finding]) -> dict[str, int]:
    """Counts by kind value, for badges such as "3 dates, 1 name" on a review page."""
    counts = Counter(str(FindingKind(finding.kind).value) for finding in findings)
    return {kind.value: counts[kind.value] for kind in FindingKind if counts[kind.value]}
