"""What the screening's form tests ask of a text, in one place: the words it found (of one
kind, or of any), whether it covers a phrase, and the texts it must leave quiet.

The tests of each form (test_deid_ages, test_deid_places, test_deid_care_places, ...) pin
their own texts and call these; the evaluation corpus measures, these pin.
"""

from chpso_portal.deidentify import screen
from chpso_portal.deidentify.evaluation import coverage
from chpso_portal.deidentify.findings import FindingKind


def found(text: str, *kinds: FindingKind) -> list[str]:
    """The words of the text's findings, of `kinds` only when any are given."""
    return [f.text for f in screen(text) if not kinds or f.kind in kinds]


def finds(text: str, words: str, *kinds: FindingKind) -> bool:
    """Whether a finding (of `kinds`, when given) holds `words`."""
    return any(words in found_words for found_words in found(text, *kinds))


def covers(text: str, words: str) -> bool:
    """Whether findings of any kind cover at least half of `words` where the text holds it,
    as the evaluation scores a mark."""
    start = text.index(words)
    return coverage(start, start + len(words), text, screen(text)) >= 0.5


def explain(text: str) -> list[tuple[str, str]]:
    """The findings as (kind, words), for a failing assertion's message."""
    return [(str(f.kind), f.text) for f in screen(text)]
