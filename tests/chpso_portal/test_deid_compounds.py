"""Words of safety work that the dictionary lacks because they are closed up or hyphenated
from words it has ("Handover", "Sign-out", "Telesitter") are no people; names stay names."""

import pytest

from chpso_portal.deidentify import screen

from .deid_checks import found

WORK_WORDS = ["Handover", "Handovers", "Handoffs", "Signout", "Sign-out", "Readback",
              "Read-back", "Teachback", "Teach-back", "Walkthrough", "Telesitter",
              "Telesitters"]


@pytest.mark.parametrize("word", WORK_WORDS)
def test_a_closed_up_word_of_safety_work_is_no_person(word):
    assert screen(f"{word} was missed by the team on nights.") == []


@pytest.mark.parametrize(("text", "name"), [
    ("Smith-Jones was the sitter.", "Smith-Jones"),
    ("Underwood was the sitter on 4 North.", "Underwood"),
    ("Yellowhorse was the sitter on 4 North.", "Yellowhorse"),
    ("Pt Rainwater fell in the bathroom.", "Rainwater"),
])
def test_names_made_of_words_stay_names(text, name):
    assert name in found(text)
