"""The chart engine: from a series of periods to centre line, limits per point, phases and signals.

Plain Python, no Django: views, CSV and PDF exports all call `build`, and nothing else computes
a limit (DESIGN.md section 12). Formulas: reference/domain.md sections 6 and 8.

    chart = build(P, periods, better=DOWN, target=0.05, phase_starts=[12], baseline=12)

- A period carries a numerator and denominator (P, U, their Laney forms, and run or I charts
  of a ratio), or a value (C, I, run charts of a count or measurement).
- A period with no data, or with a denominator of 0, is kept on the axis with no value and
  the reason; the rules skip it (it neither breaks nor extends a run).
- Phases: the team marks the period where a change took effect; each phase gets its own centre
  line and limits, computed on its first `baseline` points (all of them when None) and frozen
  for the rest of the phase.
- `better` (UP or DOWN) is the direction of improvement: each signal reads as improvement or
  concern. Signals with no side (too many runs) read as "unusual".
- A negative lower limit is set to `lower_bound` (0 unless None); a P chart's upper limit
  never passes 100%.
"""

import math
from dataclasses import dataclass, field

from . import rules
from .rules import DOWN, IMPROVEMENT, UP, Signal

RUN, P, U, C, I, P_PRIME, U_PRIME = "run", "p", "u", "c", "i", "p_prime", "u_prime"  # noqa: E741
KINDS = {
    RUN: "Run chart",
    P: "P chart (proportion)",
    U: "U chart (rate)",
    C: "C chart (count)",
    I: "I chart (individual values) with moving range",
    P_PRIME: "Laney P' chart (proportion, large denominators)",
    U_PRIME: "Laney U' chart (rate, large denominators)",
}
RATIO_KINDS = (P, U, P_PRIME, U_PRIME)
STANDARD, ANHOEJ = "standard", "anhoej"

# XmR constants: 2.66 = 3 / d2 with d2 = 1.128 for ranges of two; 3.267 = D4 for n = 2.
D2 = 1.128
XMR_LIMIT = 2.66
MR_UPPER = 3.267
MIN_POINTS_FOR_FIRM_LIMITS = 12

MISSING = "no data"
ZERO_DENOMINATOR = "denominator is 0"


@dataclass(frozen=True)
class Period:
    label: str
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None


@dataclass(frozen=True)
class Annotation:
    label: str  # the period it belongs to
    text: str
    kind: str = "note"  # "pdsa", "note", "change"


@dataclass
class Point:
    index: int
    label: str
    numerator: float | None
    denominator: float | None
    value: float | None  # in display units (times the multiplier); None when not computable
    missing: str = ""  # why there is no value
    phase: int = 0
    baseline: bool = False  # one of the points its phase's centre line and limits come from
    centre: float | None = None
    lower: float | None = None
    upper: float | None = None
    sigma: float | None = None  # one sigma at this point, before any clipping of the limits
    moving_range: float | None = None  # I charts
    signals: list[str] = field(default_factory=list)  # rule names
    readings: list[str] = field(default_factory=list)  # improvement / concern / unusual
    annotations: list[Annotation] = field(default_factory=list)


@dataclass
class Phase:
    number: int
    label: str
    start: int  # first point index
    end: int  # last point index
    centre: float | None
    baseline_points: int  # points its centre and limits come from
    frozen: bool  # limits computed on fewer points than the phase holds


@dataclass
class MovingRangeChart:
    """The I chart's companion: (index, moving range, centre, upper limit) per point; the
    first point of each phase has no moving range."""

    points: list[tuple[int, float | None, float, float]]


@dataclass
class Chart:
    kind: str
    points: list[Point]
    phases: list[Phase]
    signals: list[Signal]
    better: str | None
    target: float | None
    multiplier: float
    rule_set: str
    notes: list[str]
    moving_range: MovingRangeChart | None = None

    @property
    def title(self) -> str:
        return KINDS[self.kind]

    @property
    def has_limits(self) -> bool:
        return self.kind != RUN

    @property
    def values(self) -> list[float]:
        return [p.value for p in self.points if p.value is not None]

    def improvement_since(self) -> str | None:
        """The period from which an improvement holds: the first point of the earliest
        improvement signal that no concern signal follows."""
        last_concern = max((max(s.indexes) for s in self.signals if s.reading == rules.CONCERN),
                           default=-1)
        starts = [min(s.indexes) for s in self.signals
                  if s.reading == IMPROVEMENT and min(s.indexes) > last_concern]
        return self.points[min(starts)].label if starts else None

    def summary(self) -> str:
        """One plain sentence or two saying what the chart shows."""
        available = len(self.values)
        if available == 0:
            return "No data yet."
        line = "median" if self.kind == RUN else "centre line"
        centres = ", ".join(_fmt(ph.centre) for ph in self.phases if ph.centre is not None)
        phase_text = f" in {len(self.phases)} phases" if len(self.phases) > 1 else ""
        text = f"{self.title}, {available} points{phase_text}; {line} {centres}."
        if not self.signals:
            text += " No signal: the variation is what chance alone would give."
        else:
            parts = []
            for signal in self.signals:
                first = self.points[min(signal.indexes)].label
                last = self.points[max(signal.indexes)].label
                when = first if first == last else f"{first} to {last}"
                side = {UP: " upward", DOWN: " downward"}.get(signal.direction, "")
                parts.append(f"{signal.name}{side} ({when}, {signal.reading})")
            text += " Signals: " + "; ".join(parts) + "."
        since = self.improvement_since()
        if since:
            text += f" Improvement since {since}."
        if self.notes:
            text += " " + " ".join(self.notes)
        return text


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _raw_value(kind: str, period: Period, multiplier: float) -> tuple[float | None, str]:
    """The point's value in the engine's working units, or None and why."""
    if kind in RATIO_KINDS:
        if period.numerator is None or period.denominator is None:
            return None, MISSING
        if period.denominator == 0:
            return None, ZERO_DENOMINATOR
        return period.numerator / period.denominator, ""
    if period.value is not None:
        return float(period.value), ""
    if period.numerator is None:
        return None, MISSING
    if period.denominator is None or kind == C:
        return float(period.numerator), ""
    if period.denominator == 0:
        return None, ZERO_DENOMINATOR
    return period.numerator / period.denominator * multiplier, ""


def _phase_bounds(count: int, phase_starts) -> list[tuple[int, int]]:
    starts = sorted({s for s in phase_starts if 0 < s < count})
    edges = [0, *starts, count]
    return [(edges[k], edges[k + 1] - 1) for k in range(len(edges) - 1)]


def build(kind: str, periods, *, better: str | None = None, target: float | None = None,
          multiplier: float = 1.0, phase_starts=(), phase_labels=(), baseline: int | None = None,
          annotations=(), rule_set: str = STANDARD, lower_bound: float | None = 0.0) -> Chart:
    if kind not in KINDS:
        raise ValueError(f"Unknown chart kind {kind!r}.")
    if better not in (UP, DOWN, None):
        raise ValueError("better is 'up', 'down' or None.")
    periods = list(periods)
    scale = multiplier if kind in RATIO_KINDS else 1.0
    points = []
    raw: dict[int, float] = {}
    for index, period in enumerate(periods):
        value, missing = _raw_value(kind, period, multiplier)
        if value is not None:
            raw[index] = value
        points.append(Point(index=index, label=period.label, numerator=period.numerator,
                            denominator=period.denominator,
                            value=None if value is None else value * scale, missing=missing))
    by_label = {p.label: p for p in points}
    for note in annotations:
        if note.label in by_label:
            by_label[note.label].annotations.append(note)

    phases, signals, notes = [], [], []
    mr_points: list[tuple[int, float | None, float, float]] = []
    labels = list(phase_labels)
    for number, (start, end) in enumerate(_phase_bounds(len(points), phase_starts)):
        available = [i for i in range(start, end + 1) if i in raw]
        base = available if baseline is None else available[:baseline]
        for i in base:
            points[i].baseline = True
        for i in range(start, end + 1):
            points[i].phase = number
        label = labels[number] if number < len(labels) else (
            "Baseline" if number == 0 else f"Phase {number + 1}")
        centre = None
        if base:
            centre, limits = _limits(kind, base, periods, raw, available)
            for i in range(start, end + 1):
                lower, upper, sigma = limits.get(i, (None, None, None))
                if kind != RUN and lower is not None:
                    if lower_bound is not None and lower < lower_bound / scale:
                        lower = lower_bound / scale
                    if kind in (P, P_PRIME) and upper > 1:
                        upper = 1.0
                points[i].centre = centre * scale
                points[i].lower = None if lower is None else lower * scale
                points[i].upper = None if upper is None else upper * scale
                points[i].sigma = None if sigma is None else sigma * scale
            series = [(i, points[i].value) for i in available]
            signals += _signals(kind, series, points, rule_set)
            if kind == I:
                ranges, mr_bar = _moving_ranges(available, raw, base)
                mr_points += [(i, mr, mr_bar, MR_UPPER * mr_bar) for i, mr in ranges]
                for i, mr in ranges:
                    points[i].moving_range = mr
                    if mr is not None and mr > MR_UPPER * mr_bar + 1e-12:
                        signals.append(Signal(rules.MOVING_RANGE, (i,)))
        phases.append(Phase(number=number, label=label, start=start, end=end,
                            centre=None if centre is None else centre * scale,
                            baseline_points=len(base), frozen=len(base) < len(available)))
        if kind != RUN and base and len(base) < MIN_POINTS_FOR_FIRM_LIMITS:
            notes.append(f"{label}: limits from {len(base)} points are provisional "
                         f"(firm from {MIN_POINTS_FOR_FIRM_LIMITS}).")
        if base and len({raw[i] for i in base}) == 1:
            notes.append(f"{label}: every point is the same, so there is no variation to "
                         "judge.")
    signals = sorted((rules.read(s, better) for s in signals),
                     key=lambda s: (min(s.indexes), s.rule))
    for signal in signals:
        for i in signal.indexes:
            points[i].signals.append(signal.rule)
            points[i].readings.append(signal.reading)
    if any(p.missing == ZERO_DENOMINATOR for p in points):
        notes.append("Periods with a denominator of 0 have no value and are left out.")
    if kind == RUN and 0 < len(raw) < rules.MIN_POINTS_FOR_RUNS:
        notes.append(f"The runs rule needs {rules.MIN_POINTS_FOR_RUNS} points or more.")
    moving_range = MovingRangeChart(mr_points) if kind == I else None
    return Chart(kind=kind, points=points, phases=phases, signals=signals, better=better,
                 target=target, multiplier=scale, rule_set=rule_set, notes=notes,
                 moving_range=moving_range)


def _limits(kind, base, periods, raw, available):
    """Centre line and {index: (lower, upper, sigma)} in working units for one phase, from
    its baseline points (indexes), extended to every available point of the phase."""
    base_values = [raw[i] for i in base]
    if kind == RUN:
        return rules.median(base_values), {}
    if kind in (P, P_PRIME, U, U_PRIME):
        centre = (sum(periods[i].numerator for i in base)
                  / sum(periods[i].denominator for i in base))

        def spread(n):
            if kind in (P, P_PRIME):
                return math.sqrt(centre * (1 - centre) / n)
            return math.sqrt(centre / n)

        factor = 1.0
        if kind in (P_PRIME, U_PRIME):
            z = [(raw[i] - centre) / spread(periods[i].denominator) for i in base
                 if spread(periods[i].denominator) > 0]
            ranges = [abs(b - a) for a, b in zip(z, z[1:], strict=False)]
            factor = (sum(ranges) / len(ranges)) / D2 if ranges else 0.0
        limits = {}
        for i in available:
            sigma = spread(periods[i].denominator) * factor
            limits[i] = (centre - 3 * sigma, centre + 3 * sigma, sigma)
        return centre, limits
    centre = sum(base_values) / len(base_values)
    if kind == C:
        sigma = math.sqrt(centre)
    else:  # I chart
        ranges = [abs(b - a) for a, b in zip(base_values, base_values[1:], strict=False)]
        mr_bar = sum(ranges) / len(ranges) if ranges else 0.0
        sigma = XMR_LIMIT * mr_bar / 3
    return centre, {i: (centre - 3 * sigma, centre + 3 * sigma, sigma) for i in available}


def _moving_ranges(available, raw, base):
    ranges = [(available[0], None)] if available else []
    ranges += [(b, abs(raw[b] - raw[a])) for a, b in zip(available, available[1:], strict=False)]
    base_ranges = [abs(raw[b] - raw[a]) for a, b in zip(base, base[1:], strict=False)]
    mr_bar = sum(base_ranges) / len(base_ranges) if base_ranges else 0.0
    return ranges, mr_bar


def _signals(kind, series, points, rule_set) -> list[Signal]:
    if not series:
        return []
    centre = points[series[0][0]].centre
    if kind == RUN:
        if rule_set == ANHOEJ:
            return rules.anhoej(series, centre)
        return (rules.shifts(series, centre, rules.RUN_CHART_SHIFT)
                + rules.trends(series, rules.RUN_CHART_TREND)
                + rules.runs(series, centre)
                + rules.astronomical(series, centre))
    limits = {i: (points[i].lower, points[i].upper) for i, _ in series}
    sigmas = {i: points[i].sigma or 0.0 for i, _ in series}
    centres = {i: points[i].centre for i, _ in series}
    return (rules.outside(series, limits)
            + rules.shifts(series, centre, rules.CONTROL_CHART_SHIFT)
            + rules.trends(series, rules.CONTROL_CHART_TREND)
            + rules.two_of_three(series, centres, sigmas))
