"""Disclosure control: what a comparison across hospitals may show (DESIGN.md section 12).

Every page, CSV, chart payload and email that compares hospitals builds its rows here, from
`Row`s it is given, and shows only the `SafeRow`s that come back. Views that do so are marked
with `@comparative`; tests/test_disclosure_walk.py walks every such URL.

The rules (CMS cell-size policy, reference/domain.md section 8), for every hospital but the
viewer's own, whose figures it knows anyway:

1. Small denominator: a value whose denominator is below 11 is hidden, with its numerator and
   denominator; the point is not plotted.
2. Small count: a count from 1 to 10 is shown as "fewer than 11". So that it cannot be
   recomputed from a value and its denominator, the value is hidden and the point is not
   plotted; for a proportion the complement (denominator minus numerator) counts too.
3. Complementary suppression: the overall value of the comparison, with the denominators
   shown, would give back a single hidden count (total minus the others). When exactly one
   other hospital is hidden, a second one is hidden too (the one with the smallest count).
4. Too few to compare: with fewer than three hospitals reporting, the overall value and the
   viewer's own would give the other's away: the comparison is withheld.

Peer codes: others appear as codes that reveal nothing (drawn at random per collaborative by
collaboratives.programmes, never derived from ids, names or order; the mapping stays with the
PSO). A hospital appears by name only to itself, to the PSO, or where it has agreed to be
named (positive deviance). Rows are listed with the viewer's own first, then by label: never
by value, so nothing reads as a ranking.
"""

from dataclasses import dataclass
from functools import wraps

MIN_CELL = 11
FEWER_THAN = f"fewer than {MIN_CELL}"
MIN_HOSPITALS = 3

HIDDEN_SMALL_DENOMINATOR = f"denominator below {MIN_CELL}"
HIDDEN_SMALL_COUNT = f"a count {FEWER_THAN}"
HIDDEN_COMPLEMENT = "hidden so that another hidden figure cannot be worked out"
NO_DATA = "no data"

PROPORTION, RATE, COUNT = "proportion", "rate", "count"

@dataclass(frozen=True)
class Row:
    """One hospital's figures as the database holds them. Never handed to a template."""

    key: object  # the caller's handle on the hospital: stays on the server
    code: str  # how others see it
    numerator: float | None
    denominator: float | None
    own: bool = False  # the viewer's hospital
    name: str = ""  # shown only to itself, or where it agreed to be named
    named: bool = False  # agreed to be named (positive deviance)


@dataclass(frozen=True)
class SafeRow:
    """What may be shown of one hospital: every field is safe to render, export or plot."""

    key: object  # for the server only (matching the chart's points); never rendered
    label: str
    own: bool
    numerator: str  # "12", "fewer than 11", "" when hidden
    denominator: str
    value: float | None  # display units; None when hidden
    hidden: str = ""  # why the value is hidden, "" when shown
    x: float | None = None  # the denominator, for plotting; only when the value is shown

    @property
    def plotted(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Comparison:
    rows: list[SafeRow]  # the viewer's own first, then by code
    overall: float | None  # display units; None when withheld
    withheld: str = ""  # why the whole comparison is withheld

    @property
    def hidden_count(self) -> int:
        return sum(1 for r in self.rows if r.hidden and r.hidden != NO_DATA)

    def plotted_keys(self) -> set:
        return {r.key for r in self.rows if r.plotted}


def _number(value) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def small(count) -> bool:
    return count is not None and 0 < count < MIN_CELL


def count_label(count) -> str:
    """A count as it may be shown in a comparison: 1 to 10 become "fewer than 11"."""
    if count is None:
        return ""
    return FEWER_THAN if small(count) else _number(count)


def _why_hidden(row: Row, kind: str) -> str:
    if row.numerator is None or row.denominator is None or (kind != COUNT and
                                                            row.denominator == 0):
        return NO_DATA
    if kind == COUNT:
        return HIDDEN_SMALL_COUNT if small(row.numerator) else ""
    if row.denominator < MIN_CELL:
        return HIDDEN_SMALL_DENOMINATOR
    if small(row.numerator) or (kind == PROPORTION and small(row.denominator - row.numerator)):
        return HIDDEN_SMALL_COUNT
    return ""


def compare(rows, *, kind: str = PROPORTION, multiplier: float = 1.0) -> Comparison:
    """The safe view of one comparison for one viewer. `rows` holds every hospital taking
    part, the viewer's own marked `own`."""
    if kind not in (PROPORTION, RATE, COUNT):
        raise ValueError(f"Unknown comparison kind {kind!r}.")
    rows = list(rows)
    reasons = {}
    for r in rows:
        reason = _why_hidden(r, kind)
        reasons[id(r)] = reason if (reason == NO_DATA or not r.own) else ""
    reporting = [r for r in rows if r.numerator is not None and r.denominator is not None
                 and (kind == COUNT or r.denominator > 0)]
    withheld = ""
    if len(reporting) < MIN_HOSPITALS:
        withheld = (f"Fewer than {MIN_HOSPITALS} hospitals reported: a comparison would give "
                    "a hospital's figures away.")
    hidden_others = [r for r in reporting if not r.own and reasons[id(r)]]
    if len(hidden_others) == 1:
        candidates = sorted((r for r in reporting if not r.own and not reasons[id(r)]),
                            key=lambda r: (r.numerator, r.code))
        if candidates:
            reasons[id(candidates[0])] = HIDDEN_COMPLEMENT
        else:
            withheld = withheld or "Too few figures can be shown to compare safely."
    overall = None
    if not withheld and kind != COUNT:
        total = sum(r.denominator for r in reporting)
        overall = sum(r.numerator for r in reporting) / total * multiplier if total else None
    safe = []
    for row in rows:
        reason = reasons[id(row)]
        if withheld and not row.own:
            reason = reason or withheld
        if reason == NO_DATA:
            safe.append(SafeRow(row.key, _label(row), row.own, "", "", None, NO_DATA))
            continue
        if reason:
            numerator = denominator = ""
            if reason == HIDDEN_SMALL_DENOMINATOR:
                # A small denominator is itself a small count: shown as such, never as a figure.
                denominator = FEWER_THAN
                numerator = FEWER_THAN if small(row.numerator) else ""
            elif reason == HIDDEN_SMALL_COUNT:
                # The count itself is small, or (a proportion) its complement is: then the
                # numerator would give the complement back, and is not shown at all.
                numerator = FEWER_THAN if small(row.numerator) else ""
                denominator = _number(row.denominator) if kind != COUNT else ""
            elif kind != COUNT:
                denominator = _number(row.denominator)
            safe.append(SafeRow(row.key, _label(row), row.own, numerator, denominator, None,
                                reason))
            continue
        if kind == COUNT:
            value = float(row.numerator)
        else:
            value = row.numerator / row.denominator * multiplier
        numerator = _number(row.numerator) if row.own else count_label(row.numerator)
        safe.append(SafeRow(row.key, _label(row), row.own, numerator,
                            _number(row.denominator) if kind != COUNT else "", value,
                            x=float(row.denominator) if kind != COUNT else None))
    safe.sort(key=lambda r: (not r.own, r.label))
    return Comparison(rows=safe, overall=overall, withheld=withheld)


def _label(row: Row) -> str:
    return row.name if (row.own or row.named) and row.name else row.code


# --- The registry of comparative views ---------------------------------------------------


def comparative(view):
    """Mark a view that compares hospitals: it must build its figures with `compare`. The
    disclosure walk test visits every URL whose view carries this mark."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)

    wrapper.comparative = True
    if hasattr(view, "access_rule"):
        wrapper.access_rule = view.access_rule
    return wrapper
