"""Context that shows a finding of the detectors is no identifier after all.

The detectors read a word or a number with a few neighbours; some families of clinical
writing look like identifiers at that distance and only the wider context tells them apart:

- scores and fractions that look like a day of the month: "strength 2/5 in the L arm at
  0800, was 4/5 at 0400", "pain 8/10 at 0200, down to 3/10 at 0300", "Apgar charted as 8/9";
- eponyms before their medical word, read as a person or a town: "Barrett esophagus",
  "Cushing's syndrome", "Huntington chorea", "reverse Trendelenburg", and products of two
  words that name nobody ("Welch Allyn", "Sara Stedy", "Cheyne-Stokes");
- quality measures that look like a date: "SEP-1 bundle met".

Each rule is narrow on purpose: a title or a role before the word keeps it a name ("Dr.
Barrett", "nurse Foley"), and a word that introduces a date keeps a fraction a date ("fell on
4/5 at 0400"). Names the portal knows are never dropped (`screening._candidates`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .findings import FindingKind
from .lexical import PERSON_CUES

Span = tuple[FindingKind, int, int]

_DATA = Path(__file__).resolve().parent / "data" / "eponyms.txt"


@lru_cache(maxsize=1)
def _eponyms() -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """Words, phrases and medical head words of `data/eponyms.txt`."""
    sections: dict[str, list[str]] = {"words": [], "phrases": [], "heads": []}
    current = "words"
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        if current == "phrases":
            sections[current].append(line.lower())
        else:
            sections[current].extend(line.lower().split())
    return (
        frozenset(sections["words"]),
        tuple(sections["phrases"]),
        frozenset(sections["heads"]),
    )


# --- scores written as fractions ------------------------------------------------------------

_FRACTION = re.compile(r"([0-9]{1,2})/([0-9]{1,2})")
# Words that say a number is a score, a count out of a total or a strength grade.
_SCORE_WORDS = re.compile(
    r"(?i:\b(?:strength|str|grip|motor|power|pain|painful|gcs|glasgow|nihss|apgars?|braden"
    r"|morse|score|scores|scored|scale|rated|rates|rating|murmur|dtrs?|reflexes|mmt|rass"
    r"|ciwa|cows|flacc|cpot|vision|acuity|cultures?|sets?|bottles?|doses|tabs?|pulses?"
    r"|lymph\s+nodes|nodes|effaced|dilated|station|grade|graded)\b)"
)
# Words right before a fraction that make it a day whatever the sentence is about.
_DAY_CUE = re.compile(
    r"(?i:\b(?:on|dated|date|dob|d\.o\.b\.?|since|until|till|born|admitted|admit|discharged"
    r"|occurred|happened|fell|seen|visit|surgery|procedure|event|incident|of|from|by|before"
    r"|after|mon|tue|tues|wed|thu|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday)\W{0,3}$)"
)
_CLAUSE_END = re.compile(r"[.;!?\n]\s|\n")
_SCORE_DENOMINATORS = frozenset({2, 3, 4, 5, 6, 8, 9, 10, 15})


def _clause_before(text: str, start: int, limit: int = 80) -> str:
    before = text[max(0, start - limit) : start]
    ends = list(_CLAUSE_END.finditer(before))
    return before[ends[-1].end() :] if ends else before


def _is_score(text: str, start: int, end: int) -> bool:
    """A fraction read as a date that its sentence shows to be a score or a count."""
    match = _FRACTION.fullmatch(text, start, end)
    if match is None:
        return False
    numerator, denominator = int(match.group(1)), int(match.group(2))
    if numerator > denominator or denominator not in _SCORE_DENOMINATORS:
        return False
    if _DAY_CUE.search(text, max(0, start - 16), start):
        return False
    clause = _clause_before(text, start)
    if _SCORE_WORDS.search(clause):
        return True
    # Another fraction with the same total in the sentence, with another first number: "now
    # 7/10, was 4/10 at noon", "GCS 14/15 at 0100 then 12/15". Two days of one month share
    # the month ("3/4 and 3/5"), two scores share the total.
    window = text[max(0, start - 80) : min(len(text), end + 80)]
    sentence_start = max(0, start - 80)
    for other in _FRACTION.finditer(window):
        if sentence_start + other.start() == start:
            continue
        if int(other.group(2)) == denominator and int(other.group(1)) != numerator and int(
            other.group(1)
        ) <= denominator:
            between = text[min(start, sentence_start + other.start()) : max(
                end, sentence_start + other.end()
            )]
            if not _CLAUSE_END.search(between):
                return True
    return False


# Quality measures named like a month and a number ("SEP-1", "STK-4" is never a date anyway).
_MEASURE = re.compile(r"SEP-0?1")
_MEASURE_CONTEXT = re.compile(r"(?i:sepsis|bundle|measure|core|met\b|compliance|cms|abstract)")


# --- eponyms -------------------------------------------------------------------------------

_WORD_AFTER = re.compile(
    r"(?:['\u2019]s?)?[ ]+(?:[A-Za-z\-]+[ ]+)?([A-Za-z]+)"
)  # "'s syndrome", " Coma Scale", " esophagus"
_HEAD_AFTER = re.compile(r"(?:['\u2019]s?)?[ ]+([A-Za-z]+)")
_CLINICAL_BEFORE = frozenset(
    """
    hx h/o pmh dx known early advanced end-stage late-stage suspected probable possible
    r/o juvenile familial reverse modified steep positive negative pos neg
    """.split()
)
_WORD_BEFORE = re.compile(r"([A-Za-z/\-]+)[.:,]?[ ]+$")


def _eponym_phrase_covers(text: str, start: int, end: int) -> bool:
    """The span lies inside a product or eponym of several words ("Welch Allyn")."""
    _, phrases, _ = _eponyms()
    low = text.lower()
    window_start = max(0, start - 24)
    window = low[window_start : end + 24]
    for phrase in phrases:
        position = window.find(phrase)
        while position != -1:
            absolute = window_start + position
            if absolute <= start and end <= absolute + len(phrase):
                before = low[absolute - 1 : absolute] if absolute else ""
                after = low[absolute + len(phrase) : absolute + len(phrase) + 1]
                if not before.isalpha() and not after.isalpha():
                    return True
            position = window.find(phrase, position + 1)
    return False


def _is_eponym(text: str, start: int, end: int) -> bool:
    """A word of the eponym list used as one: a medical word after it or a clinical word
    before it, and no title or role before it."""
    words, _, heads = _eponyms()
    surface = text[start:end]
    key = surface.lower().replace("\u2019", "'")
    if key.endswith("'s"):
        key = key[:-2]
    key = key.rstrip("'")
    parts = key.split()
    if not parts or not all(part in words for part in parts):
        return False
    before = _WORD_BEFORE.search(text, max(0, start - 24), start)
    previous = before.group(1).lower() if before else ""
    if previous in PERSON_CUES or previous.rstrip(".") in PERSON_CUES:
        return False
    for pattern in (_HEAD_AFTER, _WORD_AFTER):
        following = pattern.match(text, end)
        if following is not None and following.group(1).lower() in heads:
            return True
    return previous in _CLINICAL_BEFORE


# --- entry point ---------------------------------------------------------------------------

_NAME_KINDS = frozenset({FindingKind.PERSON, FindingKind.PLACE, FindingKind.HOSPITAL})


def is_benign(text: str, span: Span) -> bool:
    kind, start, end = span
    if kind == FindingKind.DATE:
        if _is_score(text, start, end):
            return True
        if _MEASURE.fullmatch(text, start, end) and _MEASURE_CONTEXT.search(text):
            return True
        return False
    if kind in _NAME_KINDS:
        return _eponym_phrase_covers(text, start, end) or _is_eponym(text, start, end)
    return False


def drop_benign(text: str, spans: list[Span], keep: frozenset[Span] = frozenset()) -> list[Span]:
    """`spans` without those the context shows to be no identifier; `keep` always stays."""
    return [span for span in spans if span in keep or not is_benign(text, span)]
