"""The screening measured on the marked corpus (issue 9): the thresholds of "Done means".

The scoring rule is in chpso_portal/deidentify/evaluation.py; `manage.py deid_evaluate`
prints the same figures per kind, per split, with the misses.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from chpso_portal.deidentify import Finding
from chpso_portal.deidentify.evaluation import (
    MAX_CLEAN_FLAGGED,
    MIN_KIND_RECALL,
    MIN_OVERALL_RECALL,
    coverage,
    evaluate,
)
from chpso_portal.deidentify.screening import screen
from tests.chpso_portal.deid_corpus_format import CORPUS_DIR, load_corpus, parse_text


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS_DIR)


def test_whole_corpus_meets_the_thresholds(corpus):
    score = evaluate(corpus)
    assert sum(score.marks.values()) >= 500 and score.clean_texts >= 150
    print(
        "\n"
        + ", ".join(f"{kind} {score.recall(kind):.3f}" for kind in sorted(score.marks))
        + f"; overall {score.recall():.3f}; clean flagged {score.clean_flagged_share:.3f}"
    )
    assert score.recall() >= MIN_OVERALL_RECALL
    for kind in ("name", "facility", "place", "date"):
        assert score.recall(kind) >= MIN_KIND_RECALL, kind
    assert score.clean_flagged_share <= MAX_CLEAN_FLAGGED
    assert score.failures() == []


def test_screening_runs_with_nothing_known(corpus, monkeypatch):
    # The corpus measures what the portal has never seen: no known names are passed.
    seen = []

    def spy(text, known):
        seen.append(known)
        return screen(text, known)

    monkeypatch.setattr("chpso_portal.deidentify.evaluation.screen", spy)
    evaluate(corpus[:5])
    assert seen and all(not known for known in seen)


def test_scoring_rule_half_of_the_non_space_characters(monkeypatch):
    text = parse_text("pt [[name|Maria del Carmen Lopez]] fell")
    ((_, start, end),) = text.marks
    # 19 non-space characters: "Maria del C" covers 9 of them, "Maria del Ca" 10.
    assert coverage(start, end, text.text, []) == 0

    def finding_up_to(length):
        return [Finding(kind="person", start=start, end=start + length, text="", explanation="")]

    assert coverage(start, end, text.text, finding_up_to(11)) == 9 / 19
    assert coverage(start, end, text.text, finding_up_to(12)) == 10 / 19
    for length, found in ((11, 0), (12, 1)):
        monkeypatch.setattr(
            "chpso_portal.deidentify.evaluation.screen",
            lambda text_, known, length=length: finding_up_to(length),
        )
        assert evaluate([text]).found["name"] == found


def test_a_finding_on_a_clean_text_is_a_false_alarm():
    clean = parse_text("Pt seen by Dr. Okafor on 3/14.")  # no marks: clean by the format
    score = evaluate([clean])
    assert score.clean_texts == 1 and score.clean_flagged == 1
    assert score.failures()  # no marks at all cannot meet a recall threshold


def test_a_miss_is_reported_with_its_context():
    text = parse_text("The event happened near the [[place|Quuxville]] depot.")
    score = evaluate([text])
    assert score.marks["place"] == 1
    if score.found["place"] == 0:
        assert score.misses[0].surface == "Quuxville"
        assert "[[Quuxville]]" in score.misses[0].context


def test_command_prints_recall_per_kind_and_checks(settings):
    out = StringIO()
    call_command("deid_evaluate", "--check", stdout=out)
    report = out.getvalue()
    for needle in ("deid_corpus/dev", "deid_corpus/holdout", "deid_corpus (all)", "name",
                   "facility", "place", "date", "clean texts flagged", "thresholds: met"):
        assert needle in report


def test_command_hides_holdout_misses(settings):
    out = StringIO()
    call_command("deid_evaluate", "--show-misses", stdout=out)
    report = out.getvalue()
    misses = report.split("Misses:", 1)[1]
    assert "holdout/" not in misses


def test_command_check_fails_below_the_thresholds(tmp_path):
    corpus = tmp_path / "tiny.txt"
    corpus.write_text("Seen at [[facility|Quuxville Infirmary Annex]].\n---\nBP 120/80.\n")
    with pytest.raises(CommandError):
        call_command("deid_evaluate", "--corpus", str(corpus), "--check", stdout=StringIO())
