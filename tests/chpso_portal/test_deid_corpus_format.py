"""The de-identification corpus parses and is as big as issue 9 asks (deid_corpus/README.md)."""

from collections import Counter

import pytest

from .deid_corpus_format import (
    CORPUS_DIR,
    KINDS,
    CorpusFormatError,
    load_corpus,
    parse_file_text,
    parse_text,
)

MINIMUM_PER_KIND = {
    "name": 110,
    "facility": 70,
    "place": 70,
    "date": 70,
    "phone": 30,
    "age": 25,
    "serial": 25,
    "id": 40,
}
MINIMUM_MARKS = 520
MINIMUM_CLEAN_TEXTS = 160


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS_DIR)


def split_of(text):
    return text.source.split("/", 1)[0]


# --- The parser --------------------------------------------------------------------------


def test_marks_are_stripped_and_point_at_their_surface():
    text = parse_text("pt [[name|john baker]] fell in room 4 on [[date|2/3]]")
    assert text.text == "pt john baker fell in room 4 on 2/3"
    assert text.marks == [("name", 3, 13), ("date", 32, 35)]
    assert text.surfaces() == [("name", "john baker"), ("date", "2/3")]
    assert not text.is_clean


def test_a_text_without_marks_is_clean():
    assert parse_text("Braden 12, Foley in place, 120/80.").is_clean


def test_files_split_on_separator_lines_after_header_comments():
    content = (
        "# a comment\n# another\n\nfirst [[age|93 yo]]\nsecond line\n---\n# not a comment\n---\n"
    )
    texts = parse_file_text(content, source="x.txt")
    assert [t.text for t in texts] == ["first 93 yo\nsecond line", "# not a comment"]
    assert [(t.source, t.index) for t in texts] == [("x.txt", 0), ("x.txt", 1)]


@pytest.mark.parametrize(
    "raw",
    [
        "seen by [[person|Ann Lee]]",
        "seen by [[name|]]",
        "seen by [[name| Ann]]",
        "seen by [[name|Dr. [[name|Ann Lee]]]]",
        "seen by [[name|Ann Lee]",
        "seen by Ann Lee]]",
    ],
)
def test_broken_marks_are_refused(raw):
    with pytest.raises(CorpusFormatError):
        parse_text(raw, source="bad.txt")


# --- The corpus --------------------------------------------------------------------------


def test_every_file_parses_and_marks_are_sound(corpus):
    assert {split_of(t) for t in corpus} == {"dev", "holdout"}
    for text in corpus:
        for kind, start, end in text.marks:
            assert kind in KINDS
            assert 0 <= start < end <= len(text.text)
            assert text.text[start:end].strip()
        spans = sorted((start, end) for _, start, end in text.marks)
        for (_, first_end), (second_start, _) in zip(spans, spans[1:], strict=False):
            assert first_end <= second_start, f"{text.source} text {text.index}: overlapping marks"
        assert "[[" not in text.text and "]]" not in text.text


def test_no_text_appears_twice(corpus):
    counts = Counter(text.text.strip().lower() for text in corpus)
    assert [text for text, n in counts.items() if n > 1] == []


def test_the_corpus_holds_the_minimums_of_issue_9(corpus):
    per_kind = Counter(kind for text in corpus for kind, _, _ in text.marks)
    assert sum(per_kind.values()) >= MINIMUM_MARKS, per_kind
    for kind, minimum in MINIMUM_PER_KIND.items():
        assert per_kind[kind] >= minimum, (kind, per_kind[kind])
    assert sum(1 for text in corpus if text.is_clean) >= MINIMUM_CLEAN_TEXTS


def test_every_kind_and_clean_texts_appear_in_both_splits(corpus):
    for split in ("dev", "holdout"):
        texts = [t for t in corpus if split_of(t) == split]
        kinds = {kind for t in texts for kind, _, _ in t.marks}
        assert kinds == set(KINDS), (split, set(KINDS) - kinds)
        assert sum(1 for t in texts if t.is_clean) >= 20, split


def test_dev_holds_about_sixty_percent(corpus):
    marks = Counter(split_of(t) for t in corpus for _ in t.marks)
    clean = Counter(split_of(t) for t in corpus if t.is_clean)
    for counts in (marks, clean):
        share = counts["dev"] / (counts["dev"] + counts["holdout"])
        assert 0.5 <= share <= 0.7, counts
