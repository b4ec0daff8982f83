"""The chart engine against worked examples whose figures are computed by hand here.

Every expected limit is written out from the formula with the example's own numbers
(reference/domain.md sections 6 and 8), never read back from the engine.
"""

import math

import pytest

from chpso_portal.charts import rules
from chpso_portal.charts.engine import (
    ANHOEJ,
    MISSING,
    P_PRIME,
    RUN,
    U_PRIME,
    ZERO_DENOMINATOR,
    Annotation,
    C,
    I,
    P,
    Period,
    U,
    build,
)
from chpso_portal.charts.funnel import (
    BEYOND_95,
    BEYOND_998,
    RATE,
    WITHIN,
    Unit,
    funnel,
    positive_deviants,
)
from chpso_portal.charts.rules import CONCERN, DOWN, IMPROVEMENT, UNUSUAL, UP


def values(*numbers):
    return [Period(f"M{i + 1:02d}", value=v) for i, v in enumerate(numbers)]


def ratios(*pairs):
    return [Period(f"M{i + 1:02d}", numerator=n, denominator=d) if n is not None
            else Period(f"M{i + 1:02d}") for i, (n, d) in enumerate(pairs)]


def found(chart, rule):
    return [s for s in chart.signals if s.rule == rule]


# --- Run charts ---------------------------------------------------------------------------

SHIFTED = [10, 12, 11, 13, 12, 14, 5, 6, 4, 5, 6, 4]


def test_run_chart_median_shift_and_too_few_runs():
    chart = build(RUN, values(*SHIFTED), better=DOWN)
    # Sorted: 4 4 5 5 6 6 | 10 11 12 12 13 14 -> median (6 + 10) / 2 = 8.
    assert chart.points[0].centre == 8
    shifts = found(chart, rules.SHIFT)
    assert [(s.indexes, s.direction, s.reading) for s in shifts] == [
        ((0, 1, 2, 3, 4, 5), UP, CONCERN),
        ((6, 7, 8, 9, 10, 11), DOWN, IMPROVEMENT),
    ]
    # 12 useful points split 6/6: P(R=2) = 2/924, P(R=3) = 2*C(5,1)/924 = 10/924,
    # P(R=4) = 2*C(5,1)^2/924 = 50/924. P(R<=3) = 0.013 <= 2.5% < P(R<=4) = 0.067, so the
    # fewest runs that are not a signal is 4; two runs is too few.
    assert 12 / 924 <= 0.025 < 62 / 924
    assert rules.runs_limits(12) == (4, 10)
    [few] = found(chart, rules.TOO_FEW_RUNS)
    assert few.detail["runs"] == 2 and few.reading == UNUSUAL
    assert not found(chart, rules.TREND) and not found(chart, rules.ASTRONOMICAL)
    assert chart.improvement_since() == "M07"
    assert "Improvement since M07" in chart.summary()


def test_direction_of_improvement_turns_the_reading_round():
    chart = build(RUN, values(*SHIFTED), better=UP)
    assert [s.reading for s in found(chart, rules.SHIFT)] == [IMPROVEMENT, CONCERN]
    assert chart.improvement_since() is None  # a concern follows the improvement
    neutral = build(RUN, values(*SHIFTED))
    assert {s.reading for s in neutral.signals} == {UNUSUAL}


def test_five_points_short_of_a_shift_is_no_shift():
    chart = build(RUN, values(10, 12, 11, 13, 12, 14, 4, 5, 6, 4, 5, 13))
    # Median (10 + 11) / 2 = 10.5: runs of 1, 5, 5 and 1 points.
    assert chart.points[0].centre == 10.5
    assert not found(chart, rules.SHIFT)


def test_too_many_runs_against_the_table():
    # 12 alternating points: 12 runs. P(R=12) = 2/924, P(R=11) = 10/924, P(R=10) = 50/924:
    # P(R>=11) = 0.013 <= 2.5% < P(R>=10) = 0.067, so more than 10 runs is a signal.
    chart = build(RUN, values(*[1, 9] * 6))
    [many] = found(chart, rules.TOO_MANY_RUNS)
    assert many.detail == {"runs": 12, "useful": 12, "lower": 4, "upper": 10}


def test_runs_table_for_ten_points_by_hand():
    # 5 above, 5 below: C(10,5) = 252 arrangements; 2 with two runs, 2*C(4,1) = 8 with three.
    # P(R<=2) = 0.008, P(R<=3) = 0.040: fewer than 3 runs is too few; by symmetry more than 9.
    p = rules.runs_distribution(5, 5)
    assert p[2] == pytest.approx(2 / 252) and p[3] == pytest.approx(8 / 252)
    assert sum(p) == pytest.approx(1)
    assert rules.runs_limits(10) == (3, 9)


def test_trend_counts_equal_neighbours_once():
    # 1 2 2 3 4: four different values rising, not five.
    assert not found(build(RUN, values(9, 1, 2, 2, 3, 4, 0, 9, 0, 9)), rules.TREND)
    chart = build(RUN, values(9, 1, 2, 2, 3, 4, 5, 0, 9, 0), better=UP)
    [trend] = found(chart, rules.TREND)
    assert trend.indexes == (1, 2, 3, 4, 5, 6) and trend.direction == UP
    assert trend.detail["length"] == 5 and trend.reading == IMPROVEMENT


def test_falling_trend():
    [trend] = found(build(RUN, values(3, 9, 8, 7, 6, 5, 4, 9)), rules.TREND)
    assert trend.indexes == (1, 2, 3, 4, 5, 6) and trend.direction == DOWN


def test_astronomical_point():
    chart = build(RUN, values(5, 6, 5, 7, 6, 5, 6, 30, 5, 6, 7, 6), better=DOWN)
    # Median 6; moving ranges 1 1 2 1 1 1 24 25 1 1 1 -> median 1, reach 3.14; 30 is 24 away
    # and clear of every other point (7) by more than one moving range.
    [point] = found(chart, rules.ASTRONOMICAL)
    assert point.indexes == (7,) and point.direction == UP and point.reading == CONCERN
    # The top of a shifted stretch is not an astronomical point.
    assert not found(build(RUN, values(*SHIFTED)), rules.ASTRONOMICAL)


def test_points_on_the_median_neither_add_to_nor_break_a_run():
    # Median of these 13 values is 5; the 5s are skipped.
    series = [9, 8, 9, 5, 8, 9, 8, 1, 2, 1, 2, 1, 5]
    chart = build(RUN, values(*series))
    assert chart.points[0].centre == 5
    up = [s for s in found(chart, rules.SHIFT) if s.direction == UP]
    assert up and up[0].indexes == (0, 1, 2, 4, 5, 6)


def test_anhoej_rules():
    # 12 useful points: longest run allowed round(log2(12) + 3) = round(6.58) = 7;
    # fewest crossings: Binomial(11, 0.5) CDF 1/2048, 12/2048, 67/2048 = 0.033, 232/2048 =
    # 0.113 -> 5th percentile 3. SHIFTED has 1 crossing and runs of 6.
    assert rules.anhoej_longest_run_limit(12) == 7
    assert rules.anhoej_min_crossings(12) == 3
    chart = build(RUN, values(*SHIFTED), rule_set=ANHOEJ, better=DOWN)
    assert [s.rule for s in chart.signals] == [rules.FEW_CROSSINGS]
    assert chart.signals[0].detail["crossings"] == 1
    # 20 points, median 5, runs of 1 1 1 1 8 8: limit round(log2(20) + 3) = round(7.32) = 7.
    long_run = [9, 1, 9, 1] + [9] * 8 + [1] * 8
    assert rules.anhoej_longest_run_limit(20) == 7
    chart = build(RUN, values(*long_run), rule_set=ANHOEJ, better=DOWN)
    up, down = found(chart, rules.LONGEST_RUN)
    assert up.indexes == tuple(range(4, 12)) and up.reading == CONCERN
    assert down.indexes == tuple(range(12, 20)) and down.reading == IMPROVEMENT
    # 5 crossings; Binomial(19, 0.5): P(X<=5) = 16664/524288 = 0.032, P(X<=6) = 0.084 -> 6.
    assert rules.anhoej_min_crossings(20) == 6
    assert found(chart, rules.FEW_CROSSINGS)[0].detail["crossings"] == 5


def test_missing_month_is_skipped_not_a_break():
    series = [9, 8, 9, 8, 9, 8, 2, 3, 2, None, 3, 2, 3]
    periods = [Period(f"M{i + 1:02d}", value=v) for i, v in enumerate(series)]
    chart = build(RUN, periods, better=DOWN)
    # 12 values: 2 2 2 3 3 3 | 8 8 8 9 9 9 -> median 5.5.
    assert chart.points[0].centre == 5.5
    assert chart.points[9].value is None and chart.points[9].missing == MISSING
    down = [s for s in found(chart, rules.SHIFT) if s.direction == DOWN]
    assert down[0].indexes == (6, 7, 8, 10, 11, 12)


def test_fewer_than_ten_points_skip_the_runs_rule_and_say_so():
    chart = build(RUN, values(1, 9, 1, 9, 1, 9, 1, 9))
    assert not found(chart, rules.TOO_MANY_RUNS)
    assert any("runs rule needs 10" in note for note in chart.notes)


def test_all_points_equal():
    chart = build(RUN, values(*[5] * 12))
    assert chart.points[0].centre == 5 and chart.signals == []
    assert any("every point is the same" in note for note in chart.notes)
    i_chart = build(I, values(*[5] * 12))
    assert (i_chart.points[3].lower, i_chart.points[3].upper) == (5, 5)
    assert i_chart.signals == []
    p_chart = build(P, ratios(*[(3, 30)] * 12))
    assert p_chart.signals == [] and p_chart.points[0].centre == pytest.approx(0.1)


# --- Control charts -----------------------------------------------------------------------


def test_p_chart_limits_vary_with_each_denominator():
    chart = build(P, ratios((8, 100), (44, 400), (3, 25), (0, 0), (None, None), (45, 475)),
                  multiplier=100)
    # Pooled p = (8 + 44 + 3 + 45) / (100 + 400 + 25 + 475) = 100 / 1000 = 0.1.
    assert chart.points[0].centre == pytest.approx(10)
    # n = 100: sigma = sqrt(0.1 * 0.9 / 100) = 0.03 -> 0.01 to 0.19, in percent 1 to 19.
    assert chart.points[0].lower == pytest.approx(1)
    assert chart.points[0].upper == pytest.approx(19)
    # n = 400: sigma = 0.015 -> 5.5% to 14.5%.
    assert (chart.points[1].lower, chart.points[1].upper) == (pytest.approx(5.5),
                                                              pytest.approx(14.5))
    # n = 25: sigma = 0.06 -> 0.1 - 0.18 < 0, set to 0; upper 28%.
    assert chart.points[2].lower == 0 and chart.points[2].upper == pytest.approx(28)
    # Denominator 0 and missing month: kept on the axis with no value and the reason.
    assert chart.points[3].value is None and chart.points[3].missing == ZERO_DENOMINATOR
    assert chart.points[4].value is None and chart.points[4].missing == MISSING
    assert chart.points[3].upper is None
    assert any("denominator of 0" in note for note in chart.notes)
    # Six points: limits are provisional.
    assert any("provisional" in note for note in chart.notes)


def test_p_chart_upper_limit_stops_at_100_percent():
    chart = build(P, ratios((9, 10), (8, 10), (10, 10)), multiplier=100)
    # p = 0.9, n = 10: sigma = sqrt(0.09 / 10) = 0.0949, upper 0.9 + 0.285 > 1.
    assert chart.points[0].upper == 100
    assert chart.points[0].lower == pytest.approx(100 * (0.9 - 3 * math.sqrt(0.09 / 10)))


def test_u_chart_per_thousand_patient_days():
    chart = build(U, ratios((6, 2000), (2, 1000), (4, 1000)), multiplier=1000)
    # u = 12 / 4000 = 0.003 -> 3 per 1,000.
    assert chart.points[0].centre == pytest.approx(3)
    # n = 2000: sigma = sqrt(0.003 / 2000) = 0.0012247; upper 0.003 + 0.0036742 = 6.674.
    assert chart.points[0].upper == pytest.approx(6.6742, abs=1e-3)
    assert chart.points[0].lower == 0  # 0.003 - 0.0036742 < 0
    # n = 1000: sigma = sqrt(0.003 / 1000) = 0.0017321; upper 8.196.
    assert chart.points[1].upper == pytest.approx(8.1962, abs=1e-3)


def test_c_chart_negative_lower_limit_set_to_zero():
    chart = build(C, values(4, 6, 5, 3, 2, 4))
    # Mean 24 / 6 = 4, sigma sqrt(4) = 2: 4 - 6 = -2 -> 0, upper 10.
    assert chart.points[0].centre == 4
    assert (chart.points[0].lower, chart.points[0].upper) == (0, 10)
    assert chart.signals == []
    beyond = build(C, values(4, 6, 5, 3, 2, 4, 11), baseline=6)
    [out] = found(beyond, rules.OUTSIDE)
    assert out.indexes == (6,) and out.direction == UP


def test_i_chart_with_moving_range():
    chart = build(I, values(10, 12, 11, 15, 12), lower_bound=None)
    # Mean 60 / 5 = 12; moving ranges 2 1 4 3 -> mean 2.5; limits 12 +- 2.66 * 2.5.
    assert chart.points[0].centre == 12
    assert chart.points[0].upper == pytest.approx(18.65)
    assert chart.points[0].lower == pytest.approx(5.35)
    mr = chart.moving_range.points
    assert [m for _, m, _, _ in mr] == [None, 2, 1, 4, 3]
    assert mr[1][2] == 2.5 and mr[1][3] == pytest.approx(3.267 * 2.5)


def test_i_chart_lower_limit_kept_negative_when_asked():
    chart = build(I, values(1, 5, 1, 5), lower_bound=None)
    # Mean 3, mR 4 -> 3 - 10.64 = -7.64.
    assert chart.points[0].lower == pytest.approx(3 - 2.66 * 4)
    assert build(I, values(1, 5, 1, 5)).points[0].lower == 0


def test_laney_p_prime_widens_limits_for_huge_denominators():
    series = ratios((1000, 10000), (1100, 10000), (900, 10000), (1000, 10000))
    # p = 4000 / 40000 = 0.1, s = sqrt(0.1 * 0.9 / 10000) = 0.003.
    p_chart = build(P, series)
    assert p_chart.points[1].upper == pytest.approx(0.109)
    assert [s.indexes for s in found(p_chart, rules.OUTSIDE)] == [(1,), (2,)]
    # z = 0, 3.333, -3.333, 0; moving ranges 3.333, 6.667, 3.333 -> mean 4.444;
    # sigma_z = 4.444 / 1.128 = 3.9401; limits 0.1 +- 3 * 0.003 * 3.9401 = 0.1 +- 0.03546.
    laney = build(P_PRIME, series)
    sigma_z = (40 / 9) / 1.128
    assert laney.points[1].upper == pytest.approx(0.1 + 3 * 0.003 * sigma_z)
    assert laney.points[1].upper == pytest.approx(0.13546, abs=1e-5)
    assert not found(laney, rules.OUTSIDE)


def test_laney_u_prime():
    series = ratios((30, 10000), (40, 10000), (20, 10000), (30, 10000))
    # u = 120 / 40000 = 0.003, s = sqrt(0.003 / 10000) = 0.00054772;
    # z = 0, 1.8257, -1.8257, 0 -> mean moving range 7.3030 / 3 = 2.4343; sigma_z = 2.1581.
    chart = build(U_PRIME, series, multiplier=1000)
    s = math.sqrt(0.003 / 10000)
    z1 = 0.001 / s
    sigma_z = (4 * z1 / 3) / 1.128
    assert chart.points[0].upper == pytest.approx(1000 * (0.003 + 3 * s * sigma_z))


def test_control_chart_shift_needs_eight_points():
    seven = build(C, values(5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 4, 4, 4, 4, 4, 4, 4))
    # Mean (4*5 + 7*6 + 7*4) / 18 = 90 / 18 = 5: seven above, seven below: no shift.
    assert seven.points[0].centre == 5 and not found(seven, rules.SHIFT)
    eight = build(C, values(5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 4, 4, 4, 4, 4, 4, 4, 4, 5))
    # Mean (4*5 + 8*6 + 8*4) / 20 = 100 / 20 = 5.
    assert [s.indexes for s in found(eight, rules.SHIFT)] == [tuple(range(3, 11)),
                                                              tuple(range(11, 19))]


def test_two_of_three_beyond_two_sigma():
    # C chart: mean 16 on the baseline, sigma 4: 2 sigma = 8 -> beyond 24 or below 8.
    chart = build(C, values(16, 14, 18, 16, 15, 17, 16, 16, 25, 20, 26), baseline=8)
    assert chart.points[0].centre == 16 and chart.points[0].sigma == 4
    [signal] = found(chart, rules.TWO_OF_THREE)
    assert signal.indexes == (8, 10) and signal.direction == UP


# --- Phases, baseline, target, annotations ------------------------------------------------


def test_phases_each_get_their_own_centre_and_frozen_baseline():
    series = [10, 12, 11, 13, 12, 14, 5, 6, 4, 5, 6, 4]
    chart = build(I, values(*series), phase_starts=[6], phase_labels=["Before", "After bundle"])
    assert [ph.label for ph in chart.phases] == ["Before", "After bundle"]
    # Phase 1: mean 72 / 6 = 12, moving ranges 2 1 2 1 2 -> 1.6; phase 2: mean 30 / 6 = 5,
    # moving ranges 1 2 1 1 2 -> 1.4.
    assert chart.points[0].centre == 12 and chart.points[6].centre == 5
    assert chart.points[0].upper == pytest.approx(12 + 2.66 * 1.6)
    assert chart.points[6].upper == pytest.approx(5 + 2.66 * 1.4)
    assert chart.moving_range.points[6][1] is None  # no moving range across the change
    assert chart.points[7].phase == 1


def test_limits_frozen_on_the_baseline_reveal_the_change():
    series = [10, 12, 11, 13, 12, 14, 5, 6, 4, 5, 6, 4]
    chart = build(I, values(*series), baseline=6, better=DOWN)
    assert chart.phases[0].frozen and chart.phases[0].baseline_points == 6
    assert [p.baseline for p in chart.points] == [True] * 6 + [False] * 6
    # Frozen limits 12 +- 2.66 * 1.6 = 7.744 to 16.256: every later point is below.
    assert chart.points[11].lower == pytest.approx(12 - 2.66 * 1.6)
    below = [s for s in found(chart, rules.OUTSIDE) if s.direction == DOWN]
    assert [s.indexes[0] for s in below] == [6, 7, 8, 9, 10, 11]
    assert {s.reading for s in below} == {IMPROVEMENT}
    assert chart.improvement_since() == "M07"


def test_target_and_annotations_are_carried():
    notes = [Annotation("M03", "PDSA 1: huddle", "pdsa"), Annotation("M99", "not a month")]
    chart = build(RUN, values(*SHIFTED), target=5, annotations=notes)
    assert chart.target == 5
    assert [a.text for a in chart.points[2].annotations] == ["PDSA 1: huddle"]
    assert sum(len(p.annotations) for p in chart.points) == 1


def test_no_data_at_all():
    chart = build(P, ratios((None, None), (0, 0)))
    assert chart.summary() == "No data yet."
    assert chart.signals == [] and chart.points[0].centre is None


def test_unknown_kind_or_direction_is_refused():
    with pytest.raises(ValueError):
        build("x", [])
    with pytest.raises(ValueError):
        build(RUN, [], better="sideways")


# --- Funnel plots -------------------------------------------------------------------------


def test_funnel_limits_and_bands():
    units = [Unit("A", 2, 100), Unit("B", 20, 200), Unit("C", 38, 200), Unit("D", 40, 500),
             Unit("E", 0, 0)]
    plot = funnel(units, multiplier=100, better=DOWN)
    # p0 = 100 / 1000 = 0.1.
    assert plot.target == pytest.approx(10)
    by_key = {p.key: p for p in plot.points}
    # n = 100: sd 0.03; 95% 0.1 +- 0.0588 (0.0412), 99.8% 0.1 +- 0.0927 (0.0073).
    # A = 0.02: below the 95% limit, inside 99.8%.
    assert by_key["A"].band == BEYOND_95 and by_key["A"].side == DOWN
    assert not by_key["A"].better_side_998
    # n = 200: sd 0.021213; 99.8% upper 0.1 + 3.09 * 0.021213 = 0.16555. C = 0.19: beyond,
    # on the worse side.
    assert by_key["C"].band == BEYOND_998 and by_key["C"].side == UP
    assert not by_key["C"].better_side_998
    assert by_key["B"].band == WITHIN and by_key["D"].band == WITHIN
    assert by_key["E"].value is None
    low998, low95, high95, high998 = plot.limits_at(100)
    assert low95 == pytest.approx(100 * (0.1 - 1.959964 * 0.03))
    assert high998 == pytest.approx(100 * (0.1 + 3.090232 * 0.03))
    assert plot.curve[0][0] < 100 and plot.curve[-1][0] > 500


def test_funnel_for_rates():
    plot = funnel([Unit("A", 4, 1000), Unit("B", 2, 1000)], kind=RATE, multiplier=1000)
    # r0 = 6 / 2000 = 0.003; n = 1000: sd sqrt(0.003 / 1000) = 0.0017321, lower 95% < 0 -> 0.
    low998, low95, high95, high998 = plot.limits_at(1000)
    assert low95 == 0 and high95 == pytest.approx(1000 * (0.003 + 1.959964 * 0.0017321),
                                                   abs=1e-3)


def test_positive_deviance_needs_three_months_on_the_better_side():
    def month(good_value):
        return funnel([Unit("good", good_value, 1000), Unit("x", 100, 1000),
                       Unit("y", 110, 1000), Unit("z", 90, 1000)], better=DOWN)

    # 20/1000 against p0 = 320/4000 = 0.08, n = 1000: lower 99.8% 0.08 - 3.09 * 0.00858
    # = 0.0535: beyond on the better side. 80/1000 is not.
    assert month(20).points[0].better_side_998
    assert positive_deviants([("M1", month(20)), ("M2", month(20))]) == {}
    runs = [("M1", month(20)), ("M2", month(80)), ("M3", month(20)), ("M4", month(20)),
            ("M5", month(20))]
    assert positive_deviants(runs) == {"good": ["M3", "M4", "M5"]}


def test_the_engine_is_plain_python():
    """Views, exports and the PDF share the engine; it must not reach for the web layer."""
    import ast
    from pathlib import Path

    import chpso_portal.charts as package

    for source in Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] == "django" for n in names), source.name
