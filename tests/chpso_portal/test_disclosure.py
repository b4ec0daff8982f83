"""Small-cell suppression, complementary suppression and peer codes, rule by rule."""

import pytest

from chpso_portal.disclosure import (
    COUNT,
    FEWER_THAN,
    HIDDEN_COMPLEMENT,
    HIDDEN_SMALL_COUNT,
    HIDDEN_SMALL_DENOMINATOR,
    NO_DATA,
    PROPORTION,
    RATE,
    Row,
    compare,
)


def by_key(comparison):
    return {r.key: r for r in comparison.rows}


def test_a_small_denominator_hides_the_value_and_the_figures():
    rows = [Row("own", "Peer AAA", 3, 7, own=True, name="Mercy"),
            Row("b", "Peer BBB", 3, 7), Row("c", "Peer CCC", 40, 200),
            Row("d", "Peer DDD", 30, 100), Row("e", "Peer EEE", 20, 100)]
    result = by_key(compare(rows, multiplier=100))
    b = result["b"]
    assert b.value is None and b.hidden == HIDDEN_SMALL_DENOMINATOR and not b.plotted
    assert b.numerator == FEWER_THAN and b.denominator == FEWER_THAN
    # The viewer's own small cell is its own business: shown in full, by name.
    own = result["own"]
    assert own.value == pytest.approx(300 / 7) and own.numerator == "3"
    assert own.label == "Mercy"


def test_a_count_from_one_to_ten_is_fewer_than_eleven_and_its_value_is_hidden():
    rows = [Row("own", "Peer AAA", 50, 400, own=True),
            Row("b", "Peer BBB", 7, 4321), Row("c", "Peer CCC", 0, 300),
            Row("d", "Peer DDD", 11, 500), Row("e", "Peer EEE", 9, 600)]
    result = by_key(compare(rows, kind=RATE, multiplier=1000))
    assert result["e"].hidden == HIDDEN_SMALL_COUNT  # two hidden: no third needed
    b = result["b"]
    assert b.numerator == FEWER_THAN and b.value is None and b.hidden == HIDDEN_SMALL_COUNT
    assert b.denominator == "4,321"  # the count stays bounded: fewer than 11 of 4,321
    # Zero is not a small cell; 11 is the first count shown.
    assert result["c"].numerator == "0" and result["c"].value == 0
    assert result["d"].numerator == "11" and result["d"].value == pytest.approx(22)


def test_a_proportion_hides_a_small_complement_too():
    rows = [Row("own", "Peer AAA", 50, 100, own=True),
            Row("b", "Peer BBB", 95, 100),  # 5 without the bundle
            Row("c", "Peer CCC", 60, 100), Row("d", "Peer DDD", 70, 100)]
    result = by_key(compare(rows))
    assert result["b"].hidden == HIDDEN_SMALL_COUNT and result["b"].value is None
    assert result["b"].numerator == ""  # 95 of 100 would give the 5 back


def test_one_hidden_cell_takes_a_second_one_with_it():
    # Overall 0.1 of 2,000 = 200; shown counts 100 + 60 + 35 = 195: the hidden one would
    # be 5. So the smallest shown count of another hospital is hidden as well.
    rows = [Row("own", "Peer AAA", 100, 1000, own=True),
            Row("b", "Peer BBB", 5, 400), Row("c", "Peer CCC", 60, 300),
            Row("d", "Peer DDD", 35, 300)]
    comparison = compare(rows)
    result = by_key(comparison)
    assert comparison.overall == pytest.approx(0.1)
    assert result["b"].hidden == HIDDEN_SMALL_COUNT
    assert result["d"].hidden == HIDDEN_COMPLEMENT and result["d"].value is None
    assert result["d"].numerator == ""
    assert result["c"].value == pytest.approx(0.2)
    assert comparison.hidden_count == 2
    # Never the viewer's own cell: the viewer knows it, so it protects nothing.
    assert result["own"].value == pytest.approx(0.1)


def test_two_hidden_cells_need_no_third():
    rows = [Row("own", "Peer AAA", 100, 1000, own=True), Row("b", "Peer BBB", 5, 400),
            Row("c", "Peer CCC", 4, 300), Row("d", "Peer DDD", 35, 300)]
    result = by_key(compare(rows))
    assert result["d"].value == pytest.approx(35 / 300)


def test_fewer_than_three_hospitals_is_no_comparison():
    rows = [Row("own", "Peer AAA", 100, 1000, own=True), Row("b", "Peer BBB", 50, 400),
            Row("c", "Peer CCC", None, None)]
    comparison = compare(rows)
    assert comparison.withheld and comparison.overall is None
    result = by_key(comparison)
    assert result["b"].value is None and result["b"].numerator == ""
    assert result["c"].hidden == NO_DATA
    assert result["own"].value == pytest.approx(0.1)


def test_the_viewers_own_row_without_data():
    rows = [Row("own", "Peer AAA", None, None, own=True), Row("b", "Peer BBB", 50, 400),
            Row("c", "Peer CCC", 60, 300), Row("d", "Peer DDD", 70, 300)]
    own = by_key(compare(rows))["own"]
    assert own.hidden == NO_DATA and own.value is None


def test_counts_without_denominator():
    rows = [Row("own", "Peer AAA", 4, None, own=True), Row("b", "Peer BBB", 4, None),
            Row("c", "Peer CCC", 40, None), Row("d", "Peer DDD", 30, None)]
    rows = [Row(r.key, r.code, r.numerator, 0, r.own) for r in rows]
    result = by_key(compare(rows, kind=COUNT))
    assert result["b"].numerator == FEWER_THAN and result["b"].value is None
    assert result["own"].numerator == "4"


def test_labels_are_codes_unless_own_or_agreed_to_be_named():
    rows = [Row("own", "Peer AAA", 50, 100, own=True, name="Mercy"),
            Row("b", "Peer BBB", 60, 100, name="Valley"),
            Row("c", "Peer CCC", 70, 100, name="Sierra", named=True),
            Row("d", "Peer DDD", 80, 200, name="Coastal")]
    rows_out = compare(rows).rows
    assert [r.label for r in rows_out] == ["Mercy", "Peer BBB", "Peer DDD", "Sierra"]


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        compare([], kind="ranking")
    assert PROPORTION == "proportion"
