"""Each form of identifier named in issue 9, found by the screening with nothing known.

`deid_forms.txt` holds short texts written for these tests (not the evaluation corpus, which
measures; this file pins): unknown names in lower case, "LAST, FIRST", initials, relatives,
labels and sign-offs; facilities full and short; towns, streets, intersections, ZIP codes and
named places; dates without a year, in words and with weekdays; extensions; serials; ages in
words; and clean texts full of clinical words that must stay quiet.
"""

from pathlib import Path

import pytest

from chpso_portal.deidentify import KnownIdentifiers, screen
from chpso_portal.deidentify.evaluation import coverage
from tests.chpso_portal.deid_corpus_format import load_corpus

TEXTS = load_corpus(Path(__file__).resolve().parent / "deid_forms.txt")


def test_the_file_holds_marked_and_clean_texts():
    assert sum(len(text.marks) for text in TEXTS) >= 100
    assert sum(1 for text in TEXTS if text.is_clean) >= 30


@pytest.mark.parametrize("text", TEXTS, ids=[f"{t.index:03d}" for t in TEXTS])
def test_form_is_found_or_left_alone(text):
    findings = screen(text.text, KnownIdentifiers())
    if text.is_clean:
        assert [(str(f.kind), f.text) for f in findings] == []
    for kind, start, end in text.marks:
        assert coverage(start, end, text.text, findings) >= 0.5, (kind, text.text[start:end])
