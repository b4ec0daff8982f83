"""Funnel plots (Spiegelhalter 2005) and the positive deviance they reveal. No Django here.

Each unit (a hospital) has a numerator and a denominator. The target is the overall value
p0 = sum(y) / sum(n); the limits are curves over the denominator:
proportions p0 +- z sqrt(p0 (1 - p0) / n), rates r0 +- z sqrt(r0 / n), with z = 1.96 (95%)
and 3.09 (99.8%). A unit beyond 99.8% is a signal, not a verdict.
"""

import math
from dataclasses import dataclass

from .rules import DOWN, UP

PROPORTION, RATE = "proportion", "rate"
Z95 = 1.959964
Z998 = 3.090232
WITHIN, BEYOND_95, BEYOND_998 = "within", "beyond 95%", "beyond 99.8%"
CURVE_STEPS = 40


@dataclass(frozen=True)
class Unit:
    key: str  # whatever the caller uses to find the unit again (a peer code, never a name)
    numerator: float
    denominator: float


@dataclass
class FunnelPoint:
    key: str
    numerator: float
    denominator: float
    value: float | None  # display units; None when the denominator is 0
    band: str = WITHIN
    side: str = ""  # UP or DOWN of the target when beyond 95%
    better_side_998: bool = False  # beyond the 99.8% limit on the better side


@dataclass
class Funnel:
    kind: str
    target: float | None  # display units
    multiplier: float
    better: str | None
    points: list[FunnelPoint]
    # (denominator, lower 99.8, lower 95, upper 95, upper 99.8) in display units
    curve: list[tuple[float, float, float, float, float]]

    def limits_at(self, denominator: float) -> tuple[float, float, float, float]:
        return _limits(self.kind, self.target / self.multiplier, denominator, self.multiplier)


def _limits(kind, target, n, multiplier):
    spread = math.sqrt(target * (1 - target) / n) if kind == PROPORTION else \
        math.sqrt(target / n)
    ceiling = 1.0 if kind == PROPORTION else math.inf

    def bound(value):
        return min(max(value, 0.0), ceiling) * multiplier

    return (bound(target - Z998 * spread), bound(target - Z95 * spread),
            bound(target + Z95 * spread), bound(target + Z998 * spread))


def funnel(units, *, kind: str = PROPORTION, multiplier: float = 1.0,
           better: str | None = None) -> Funnel:
    if kind not in (PROPORTION, RATE):
        raise ValueError(f"Unknown funnel kind {kind!r}.")
    units = list(units)
    counted = [u for u in units if u.denominator > 0]
    total_n = sum(u.denominator for u in counted)
    target = sum(u.numerator for u in counted) / total_n if total_n else None
    points = []
    for unit in units:
        if unit.denominator <= 0 or target is None:
            points.append(FunnelPoint(unit.key, unit.numerator, unit.denominator, None))
            continue
        value = unit.numerator / unit.denominator
        low998, low95, high95, high998 = _limits(kind, target, unit.denominator, 1.0)
        point = FunnelPoint(unit.key, unit.numerator, unit.denominator, value * multiplier)
        if value > high998 + 1e-12 or value < low998 - 1e-12:
            point.band = BEYOND_998
        elif value > high95 + 1e-12 or value < low95 - 1e-12:
            point.band = BEYOND_95
        if point.band != WITHIN:
            point.side = UP if value > target else DOWN
        point.better_side_998 = point.band == BEYOND_998 and point.side == better
        points.append(point)
    curve = []
    if target is not None and counted:
        smallest = max(1.0, min(u.denominator for u in counted) * 0.8)
        largest = max(u.denominator for u in counted) * 1.2
        ratio = (largest / smallest) ** (1 / CURVE_STEPS) if largest > smallest else 1.0
        for step in range(CURVE_STEPS + 1):
            n = smallest * ratio**step
            curve.append((n, *_limits(kind, target, n, multiplier)))
    return Funnel(kind=kind, target=None if target is None else target * multiplier,
                  multiplier=multiplier, better=better, points=points, curve=curve)


POSITIVE_DEVIANCE_MONTHS = 3


def positive_deviants(months, *, minimum: int = POSITIVE_DEVIANCE_MONTHS) -> dict[str, list]:
    """Units beyond the better-side 99.8% limit for `minimum` consecutive months or more.

    months: [(period label, Funnel)] in time order. Returns {key: [labels of the longest such
    stretch]}; a month a unit did not report breaks its stretch.
    """
    current: dict[str, list] = {}
    best: dict[str, list] = {}
    for label, chart in months:
        beyond = {p.key for p in chart.points if p.better_side_998}
        for key in list(current):
            if key not in beyond:
                del current[key]
        for key in beyond:
            current.setdefault(key, []).append(label)
            if len(current[key]) > len(best.get(key, [])):
                best[key] = list(current[key])
    return {key: labels for key, labels in best.items() if len(labels) >= minimum}
