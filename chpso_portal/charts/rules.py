"""The rules that tell a signal from noise on run charts and control charts.

Each rule takes the points of one phase as (index, value) pairs in time order, missing points
already left out (a missing month neither breaks nor extends a run), and returns the signals it
finds. Sources: Perla, Provost & Murray, "The run chart" (BMJ Qual Saf 2011) for the run-chart
rules; Anhoej & Olesen (PLoS ONE 2014) for the Anhoej rules; Provost & Murray, "The Health Care
Data Guide" (2011) for the control-chart rules. reference/domain.md section 6 has the summary.
"""

import math
from dataclasses import dataclass, field
from functools import lru_cache

UP, DOWN = "up", "down"
IMPROVEMENT, CONCERN, UNUSUAL = "improvement", "concern", "unusual"

# Rule names, as stored on points and signals, and how a sentence names them.
SHIFT = "shift"
TREND = "trend"
TOO_FEW_RUNS = "too_few_runs"
TOO_MANY_RUNS = "too_many_runs"
ASTRONOMICAL = "astronomical"
LONGEST_RUN = "longest_run"
FEW_CROSSINGS = "few_crossings"
OUTSIDE = "outside"
TWO_OF_THREE = "two_of_three"
MOVING_RANGE = "moving_range"

RULE_NAMES = {
    SHIFT: "shift",
    TREND: "trend",
    TOO_FEW_RUNS: "too few runs",
    TOO_MANY_RUNS: "too many runs",
    ASTRONOMICAL: "astronomical point",
    LONGEST_RUN: "long run",
    FEW_CROSSINGS: "too few crossings",
    OUTSIDE: "point outside the limits",
    TWO_OF_THREE: "two of three points near a limit",
    MOVING_RANGE: "large moving range",
}

# Run charts (Perla et al.) and control charts (Provost & Murray) use different lengths.
RUN_CHART_SHIFT, RUN_CHART_TREND = 6, 5
CONTROL_CHART_SHIFT, CONTROL_CHART_TREND = 8, 6
MIN_POINTS_FOR_RUNS = 10  # the runs table starts at 10 useful observations


@dataclass(frozen=True)
class Signal:
    rule: str
    indexes: tuple[int, ...]  # the chart points that make the signal
    direction: str = ""  # UP, DOWN, or "" for a rule with no side (too many runs, ...)
    reading: str = UNUSUAL  # IMPROVEMENT, CONCERN or UNUSUAL; set by `read`
    detail: dict = field(default_factory=dict, compare=False)

    @property
    def name(self) -> str:
        return RULE_NAMES[self.rule]


def read(signal: Signal, better: str | None) -> Signal:
    """Say whether a signal is an improvement or a concern, given the better direction."""
    if not signal.direction or better not in (UP, DOWN):
        reading = UNUSUAL
    else:
        reading = IMPROVEMENT if signal.direction == better else CONCERN
    return Signal(signal.rule, signal.indexes, signal.direction, reading, signal.detail)


def _side(value: float, centre: float) -> int:
    return (value > centre) - (value < centre)


def side_runs(points, centre):
    """Maximal runs of consecutive points on one side of the centre line, as (side, indexes).
    Points on the line are skipped: they neither add to a run nor break it."""
    runs: list[tuple[int, list[int]]] = []
    for index, value in points:
        side = _side(value, centre)
        if side == 0:
            continue
        if runs and runs[-1][0] == side:
            runs[-1][1].append(index)
        else:
            runs.append((side, [index]))
    return runs


def shifts(points, centre, length: int) -> list[Signal]:
    return [
        Signal(SHIFT, tuple(indexes), UP if side > 0 else DOWN, detail={"length": len(indexes)})
        for side, indexes in side_runs(points, centre)
        if len(indexes) >= length
    ]


def trends(points, length: int) -> list[Signal]:
    """Runs of `length` or more points each higher (or each lower) than the one before.
    Equal neighbours count once: they are merged before counting, but stay in the signal."""
    groups: list[tuple[float, list[int]]] = []
    for index, value in points:
        if groups and groups[-1][0] == value:
            groups[-1][1].append(index)
        else:
            groups.append((value, [index]))
    steps = [_side(groups[k][0], groups[k - 1][0]) for k in range(1, len(groups))]
    signals = []
    start = 0  # steps[start:k] all go the same way
    for k in range(1, len(steps) + 1):
        if k < len(steps) and steps[k] == steps[start]:
            continue
        if k - start + 1 >= length:
            indexes = tuple(i for _, ids in groups[start:k + 1] for i in ids)
            signals.append(Signal(TREND, indexes, UP if steps[start] > 0 else DOWN,
                                  detail={"length": k - start + 1}))
        start = k
    return signals


@lru_cache(maxsize=256)
def runs_distribution(above: int, below: int) -> tuple[float, ...]:
    """P(R = r) for r = 0 .. above + below: the number of runs in a random arrangement of
    `above` and `below` points (Swed & Eisenhart 1943)."""
    total = above + below
    probabilities = [0.0] * (total + 1)
    if above == 0 or below == 0:
        probabilities[1 if total else 0] = 1.0
        return tuple(probabilities)
    ways = math.comb(total, above)
    for r in range(2, total + 1):
        if r % 2 == 0:
            k = r // 2
            count = 2 * math.comb(above - 1, k - 1) * math.comb(below - 1, k - 1)
        else:
            k = (r - 1) // 2
            count = (math.comb(above - 1, k) * math.comb(below - 1, k - 1)
                     + math.comb(above - 1, k - 1) * math.comb(below - 1, k))
        probabilities[r] = count / ways
    return tuple(probabilities)


@lru_cache(maxsize=256)
def runs_limits(useful: int) -> tuple[int, int]:
    """The standard table of too few and too many runs: (lower, upper) for `useful` points
    not on the median. Fewer runs than `lower`, or more than `upper`, is a signal (each tail
    at most 2.5%). Like the printed table, it splits the points evenly above and below."""
    p = runs_distribution(useful // 2, useful - useful // 2)
    cumulative, lower = 0.0, 0
    for r, probability in enumerate(p):
        cumulative += probability
        if cumulative > 0.025:
            lower = r
            break
    cumulative, upper = 0.0, useful
    for r in range(len(p) - 1, -1, -1):
        cumulative += p[r]
        if cumulative > 0.025:
            upper = r
            break
    return lower, upper


def runs(points, centre) -> list[Signal]:
    grouped = side_runs(points, centre)
    useful = sum(len(ids) for _, ids in grouped)
    if useful < MIN_POINTS_FOR_RUNS:
        return []
    lower, upper = runs_limits(useful)
    count = len(grouped)
    indexes = tuple(i for _, ids in grouped for i in ids)
    detail = {"runs": count, "useful": useful, "lower": lower, "upper": upper}
    if count < lower:
        return [Signal(TOO_FEW_RUNS, indexes, detail=detail)]
    if count > upper:
        return [Signal(TOO_MANY_RUNS, indexes, detail=detail)]
    return []


def anhoej_longest_run_limit(useful: int) -> int:
    return round(math.log2(useful) + 3)


def binomial_quantile(q: float, n: int, p: float = 0.5) -> int:
    """The smallest x with P(X <= x) >= q for X ~ Binomial(n, p) (R's qbinom)."""
    cumulative = 0.0
    for x in range(n + 1):
        cumulative += math.comb(n, x) * p**x * (1 - p) ** (n - x)
        if cumulative >= q - 1e-12:
            return x
    return n


def anhoej_min_crossings(useful: int) -> int:
    return binomial_quantile(0.05, useful - 1) if useful > 1 else 0


def anhoej(points, centre) -> list[Signal]:
    grouped = side_runs(points, centre)
    useful = sum(len(ids) for _, ids in grouped)
    if useful == 0:
        return []
    signals = []
    limit = anhoej_longest_run_limit(useful)
    longest = max(grouped, key=lambda run: len(run[1]))
    for side, indexes in grouped:
        if len(indexes) > limit:
            signals.append(Signal(LONGEST_RUN, tuple(indexes), UP if side > 0 else DOWN,
                                  detail={"length": len(indexes), "limit": limit}))
    crossings = len(grouped) - 1
    minimum = anhoej_min_crossings(useful)
    if crossings < minimum:
        signals.append(Signal(FEW_CROSSINGS, tuple(i for _, ids in grouped for i in ids),
                              detail={"crossings": crossings, "minimum": minimum,
                                      "longest": len(longest[1])}))
    return signals


# An astronomical point is judged by eye on a run chart. Its operational definition here: a
# point further from the median than 3.14 median moving ranges (Wheeler's limits built on the
# median moving range, robust to the very point being judged) that also stands clear of every
# other point by at least one median moving range, so that the top of a shifted stretch (the
# median then sits between two levels) is not taken for one. When most moving ranges are 0 (a
# count that is nearly always the same) the average moving range times 2.66 is the reach.
ASTRONOMICAL_MEDIAN_MR = 3.14
ASTRONOMICAL_MEAN_MR = 2.66


def astronomical(points, centre) -> list[Signal]:
    values = [v for _, v in points]
    ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    if len(ranges) < 2:
        return []
    median_range = _median(ranges)
    reach = ASTRONOMICAL_MEDIAN_MR * median_range or \
        ASTRONOMICAL_MEAN_MR * (sum(ranges) / len(ranges))
    if reach == 0:
        return []
    signals = []
    for k, (index, value) in enumerate(points):
        others = values[:k] + values[k + 1:]
        if abs(value - centre) <= reach + 1e-12:
            continue
        if value > centre and value >= max(others) + median_range and value > max(others):
            signals.append(Signal(ASTRONOMICAL, (index,), UP))
        elif value < centre and value <= min(others) - median_range and value < min(others):
            signals.append(Signal(ASTRONOMICAL, (index,), DOWN))
    return signals


def outside(points, limits) -> list[Signal]:
    """limits: {index: (lower, upper)}."""
    signals = []
    for index, value in points:
        lower, upper = limits[index]
        if upper is not None and value > upper + 1e-12:
            signals.append(Signal(OUTSIDE, (index,), UP))
        elif lower is not None and value < lower - 1e-12:
            signals.append(Signal(OUTSIDE, (index,), DOWN))
    return signals


def two_of_three(points, centre, sigmas) -> list[Signal]:
    """Two of three consecutive points beyond two sigma on the same side (the outer third
    between centre line and limit). sigmas: {index: sigma}. Overlapping windows merge."""
    signals: list[tuple[str, set[int]]] = []
    last_window = {UP: -9, DOWN: -9}
    open_signal: dict[str, set[int]] = {}
    for k in range(len(points) - 2):
        window = points[k:k + 3]
        for direction, sign in ((UP, 1), (DOWN, -1)):
            hits = {i for i, v in window
                    if sigmas[i] > 0 and sign * (v - centre[i]) > 2 * sigmas[i] + 1e-12}
            if len(hits) < 2:
                continue
            if k - last_window[direction] <= 2:  # overlapping windows make one signal
                open_signal[direction] |= hits
            else:
                open_signal[direction] = set(hits)
                signals.append((direction, open_signal[direction]))
            last_window[direction] = k
    return [Signal(TWO_OF_THREE, tuple(sorted(ids)), direction) for direction, ids in signals]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


median = _median
