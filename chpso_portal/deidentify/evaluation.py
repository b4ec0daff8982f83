"""Measure the screening against a hand-marked corpus (issue 9; `manage.py deid_evaluate`).

Scoring rule:

- A marked identifier is *found* when the findings of `screen(text, KnownIdentifiers())`
  cover at least half of its non-space characters. The kind of the finding does not matter:
  a reviewer who sees "Kaiser Roseville" highlighted fixes it whether it was called a hospital
  or a place.
- Recall of a kind is found marks / all marks of that kind; overall recall counts every mark.
- A clean text (one without marks) is a *false alarm* when screening it yields any finding
  at all; the false-alarm rate is flagged clean texts / clean texts.
- Screening runs with empty known identifiers: the corpus measures what the portal has never
  seen. Matching of known names is tested on its own (tests/chpso_portal/test_deidentify.py).

Thresholds (issue 9, "Done means"): recall at least 0.95 overall and at least 0.90 for each
of names, facilities, places and dates; at most 10% of clean texts flagged.

Kept free of Django so that the test and the command share it. The corpus is read with
`tests/chpso_portal/deid_corpus_format.py`; anything with `text` and `marks` (a list of
(kind, start, end)) and `source` will do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .findings import Finding, KnownIdentifiers
from .screening import screen

MIN_OVERALL_RECALL = 0.95
MIN_KIND_RECALL = 0.90
KINDS_WITH_OWN_THRESHOLD = ("name", "facility", "place", "date")
MAX_CLEAN_FLAGGED = 0.10


@dataclass
class Miss:
    source: str
    index: int
    kind: str
    surface: str
    context: str
    covered: float


@dataclass
class FalseAlarm:
    source: str
    index: int
    findings: list[tuple[str, str]]
    context: str


@dataclass
class Score:
    marks: Counter = field(default_factory=Counter)
    found: Counter = field(default_factory=Counter)
    clean_texts: int = 0
    clean_flagged: int = 0
    texts: int = 0
    extra_findings: int = 0  # findings on marked texts that touch no mark
    misses: list[Miss] = field(default_factory=list)
    false_alarms: list[FalseAlarm] = field(default_factory=list)

    def recall(self, kind: str | None = None) -> float | None:
        total = sum(self.marks.values()) if kind is None else self.marks[kind]
        hits = sum(self.found.values()) if kind is None else self.found[kind]
        return hits / total if total else None

    @property
    def clean_flagged_share(self) -> float | None:
        return self.clean_flagged / self.clean_texts if self.clean_texts else None

    def failures(self) -> list[str]:
        """Which thresholds this score misses, in words; empty when it passes."""
        problems = []
        overall = self.recall()
        if overall is None or overall < MIN_OVERALL_RECALL:
            problems.append(f"overall recall {_fmt(overall)} < {MIN_OVERALL_RECALL}")
        for kind in KINDS_WITH_OWN_THRESHOLD:
            recall = self.recall(kind)
            if recall is None or recall < MIN_KIND_RECALL:
                problems.append(f"{kind} recall {_fmt(recall)} < {MIN_KIND_RECALL}")
        share = self.clean_flagged_share
        if share is None or share > MAX_CLEAN_FLAGGED:
            problems.append(f"clean texts flagged {_fmt(share)} > {MAX_CLEAN_FLAGGED}")
        return problems


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def coverage(start: int, end: int, text: str, findings: list[Finding]) -> float:
    """Share of the non-space characters of text[start:end] inside some finding."""
    wanted = [i for i in range(start, end) if not text[i].isspace()]
    if not wanted:
        return 1.0
    covered = 0
    for i in wanted:
        if any(f.start <= i < f.end for f in findings):
            covered += 1
    return covered / len(wanted)


def _context(text: str, start: int, end: int, width: int = 50) -> str:
    left = max(0, start - width)
    right = min(len(text), end + width)
    snippet = text[left:start] + "[[" + text[start:end] + "]]" + text[end:right]
    return " ".join(snippet.split())


def evaluate(texts: Iterable, *, known: KnownIdentifiers | None = None) -> Score:
    """Score the screening on `texts` (see the module docstring for the rule)."""
    known = known if known is not None else KnownIdentifiers()
    score = Score()
    for item in texts:
        text, marks = item.text, item.marks
        source, index = getattr(item, "source", ""), getattr(item, "index", 0)
        findings = screen(text, known)
        score.texts += 1
        if not marks:
            score.clean_texts += 1
            if findings:
                score.clean_flagged += 1
                score.false_alarms.append(
                    FalseAlarm(
                        source=source,
                        index=index,
                        findings=[(str(f.kind), f.text) for f in findings],
                        context=" ".join(text.split())[:300],
                    )
                )
            continue
        for kind, start, end in marks:
            score.marks[kind] += 1
            covered = coverage(start, end, text, findings)
            if covered >= 0.5:
                score.found[kind] += 1
            else:
                score.misses.append(
                    Miss(
                        source=source,
                        index=index,
                        kind=kind,
                        surface=text[start:end],
                        context=_context(text, start, end),
                        covered=covered,
                    )
                )
        for finding in findings:
            if not any(finding.start < end and start < finding.end for _, start, end in marks):
                score.extra_findings += 1
    return score


def report(score: Score, title: str) -> str:
    """A plain-text table of one score."""
    lines = [f"{title}: {score.texts} texts, {sum(score.marks.values())} marks, "
             f"{score.clean_texts} clean"]
    lines.append(f"  {'kind':<10} {'found':>6} {'marks':>6} {'recall':>7}")
    for kind in sorted(score.marks, key=lambda k: (-score.marks[k], k)):
        lines.append(
            f"  {kind:<10} {score.found[kind]:>6} {score.marks[kind]:>6} "
            f"{_fmt(score.recall(kind)):>7}"
        )
    lines.append(
        f"  {'overall':<10} {sum(score.found.values()):>6} {sum(score.marks.values()):>6} "
        f"{_fmt(score.recall()):>7}"
    )
    lines.append(
        f"  clean texts flagged: {score.clean_flagged}/{score.clean_texts} "
        f"({_fmt(score.clean_flagged_share)})"
    )
    lines.append(f"  findings on marked texts that touch no mark: {score.extra_findings}")
    failures = score.failures()
    lines.append("  thresholds: " + ("met" if not failures else "MISSED: " + "; ".join(failures)))
    return "\n".join(lines)
