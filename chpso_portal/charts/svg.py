"""Draw a chart or a funnel plot as a standalone SVG document. Plain Python, no Django.

The same text is embedded in pages and served as the SVG download, so it carries its colours
as presentation attributes (no style attribute, no script: the content security policy
allows it, and a downloaded file looks the same). Colours pair with shapes, so a signal reads
without colour: improvement a large circle, concern a square, unusual a diamond.
"""

import math
from html import escape

from .engine import RUN, Chart
from .funnel import Funnel
from .rules import CONCERN, IMPROVEMENT, UNUSUAL

WIDTH, HEIGHT = 640, 340
LEFT, RIGHT, TOP, BOTTOM = 62, 18, 60, 70
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"'

INK = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
LINE = "#0a58ca"
CENTRE = "#495057"
LIMIT = "#b02a37"
TARGET = "#146c43"
READING_COLOURS = {IMPROVEMENT: "#146c43", CONCERN: "#b02a37", UNUSUAL: "#8a5a00"}
READING_NAMES = {IMPROVEMENT: "improvement", CONCERN: "concern", UNUSUAL: "unusual"}


def _a(value) -> str:
    return escape(str(value), quote=True)


def fmt(value: float | None) -> str:
    if value is None:
        return ""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw), default=power * 10)
    start = math.floor(low / step) * step
    ticks = [round(start, 10)]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


class _Canvas:
    def __init__(self, title: str, description: str, width=WIDTH, height=HEIGHT):
        self.width, self.height = width, height
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" class="chart-svg" role="img" {FONT}>',
            f"<title>{escape(title)}</title>",
            f"<desc>{escape(description)}</desc>",
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        ]

    def add(self, text: str):
        self.parts.append(text)

    def text(self, x, y, content, *, size=13, anchor="start", fill=INK, weight=None):
        bold = ' font-weight="600"' if weight else ""
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                 f'fill="{fill}"{bold}>{escape(str(content))}</text>')

    def line(self, x1, y1, x2, y2, *, stroke=INK, width=1.0, dash=None):
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                 f'stroke="{stroke}" stroke-width="{width}"{dashed}/>')

    def path(self, points, *, stroke, width=1.5, dash=None):
        if len(points) < 2:
            return
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)
        self.add(f'<path d="{d}" fill="none" stroke="{stroke}" stroke-width="{width}"{dashed}/>')

    def marker(self, x, y, reading, label):
        colour = READING_COLOURS.get(reading, LINE)
        title = f"<title>{escape(label)}</title>"
        if reading == IMPROVEMENT:
            self.add(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{colour}" '
                     f'stroke="#ffffff" stroke-width="1">{title}</circle>')
        elif reading == CONCERN:
            self.add(f'<rect x="{x - 5.5:.1f}" y="{y - 5.5:.1f}" width="11" height="11" '
                     f'fill="{colour}" stroke="#ffffff" stroke-width="1">{title}</rect>')
        elif reading == UNUSUAL:
            self.add(f'<path d="M{x:.1f},{y - 7:.1f} L{x + 7:.1f},{y:.1f} L{x:.1f},{y + 7:.1f} '
                     f'L{x - 7:.1f},{y:.1f} Z" fill="{colour}" stroke="#ffffff" '
                     f'stroke-width="1">{title}</path>')
        else:
            self.add(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LINE}">{title}</circle>')

    def done(self) -> str:
        return "\n".join(self.parts + ["</svg>"])


def _reading(point) -> str:
    if not point.readings:
        return ""
    for reading in (CONCERN, IMPROVEMENT, UNUSUAL):
        if reading in point.readings:
            return reading
    return ""


def chart_svg(chart: Chart, *, title: str, unit: str = "", short_labels=None) -> str:
    """The chart as SVG. short_labels: {period label: axis label} (e.g. "Jan 26")."""
    canvas = _Canvas(title, chart.summary())
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    canvas.text(LEFT, 20, title, size=15, weight=True)
    values = [p.value for p in chart.points if p.value is not None]
    if not values:
        canvas.text(WIDTH / 2, HEIGHT / 2, "No data yet", anchor="middle", fill=MUTED, size=15)
        return canvas.done()
    extra = [v for p in chart.points for v in (p.lower, p.upper, p.centre) if v is not None]
    if chart.target is not None:
        extra.append(chart.target)
    low, high = min(values + extra), max(values + extra)
    if low >= 0 and low < (high - low) * 0.6:
        low = 0.0
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    count = len(chart.points)

    def x(index):
        return LEFT + (plot_w * (index + 0.5) / count)

    def y(value):
        return TOP + plot_h - (value - low) / (high - low) * plot_h

    for tick in ticks:
        canvas.line(LEFT, y(tick), WIDTH - RIGHT, y(tick), stroke=GRID)
        canvas.text(LEFT - 6, y(tick) + 4, fmt(tick), size=12, anchor="end", fill=MUTED)
    if unit:
        canvas.text(WIDTH - RIGHT, 20, unit, size=12, fill=MUTED, anchor="end")
    canvas.line(LEFT, TOP + plot_h, WIDTH - RIGHT, TOP + plot_h, stroke=INK)
    labels = short_labels or {}
    every = max(1, math.ceil(count / 12))
    for point in chart.points:
        if point.index % every == 0 or point.index == count - 1 and count <= 12:
            text = labels.get(point.label, point.label)
            canvas.add(f'<text x="{x(point.index):.1f}" y="{TOP + plot_h + 16:.1f}" '
                       f'font-size="12" text-anchor="end" fill="{MUTED}" '
                       f'transform="rotate(-40 {x(point.index):.1f} {TOP + plot_h + 16:.1f})">'
                       f"{escape(text)}</text>")
    # Phases: a divider and a label; centre line and limits drawn per phase.
    for phase in chart.phases:
        if phase.start > 0:
            divider = LEFT + plot_w * phase.start / count
            canvas.line(divider, TOP, divider, TOP + plot_h, stroke=MUTED, dash="2 3")
        canvas.text(LEFT + plot_w * phase.start / count + 4, 36, phase.label, size=11,
                    fill=MUTED)
        span = [p for p in chart.points[phase.start:phase.end + 1]]
        if phase.centre is not None:
            canvas.line(LEFT + plot_w * phase.start / count, y(phase.centre),
                        LEFT + plot_w * (phase.end + 1) / count, y(phase.centre),
                        stroke=CENTRE, width=1.5)
        if chart.kind != RUN:
            for attr in ("upper", "lower"):
                steps = []
                for p in span:
                    limit = getattr(p, attr)
                    if limit is None:
                        continue
                    left = LEFT + plot_w * p.index / count
                    steps += [(left, y(limit)), (left + plot_w / count, y(limit))]
                canvas.path(steps, stroke=LIMIT, width=1.2, dash="5 3")
    if chart.target is not None:
        canvas.line(LEFT, y(chart.target), WIDTH - RIGHT, y(chart.target), stroke=TARGET,
                    width=1.5, dash="8 4")
        canvas.text(WIDTH - RIGHT - 2, y(chart.target) - 4, f"Target {fmt(chart.target)}",
                    size=11, anchor="end", fill=TARGET)
    # The data: a line broken where a month has no value.
    segment = []
    for point in chart.points:
        if point.value is None:
            canvas.path(segment, stroke=LINE, width=1.8)
            segment = []
        else:
            segment.append((x(point.index), y(point.value)))
    canvas.path(segment, stroke=LINE, width=1.8)
    number = 0
    for point in chart.points:
        if point.annotations:
            number += 1
            ax = x(point.index)
            canvas.line(ax, TOP - 4, ax, TOP + plot_h, stroke=TARGET, dash="1 3")
            canvas.add(f'<circle cx="{ax:.1f}" cy="{TOP - 11:.1f}" r="8" fill="#ffffff" '
                       f'stroke="{TARGET}" stroke-width="1.2"><title>'
                       f'{escape("; ".join(a.text for a in point.annotations))}</title></circle>')
            canvas.text(ax, TOP - 7.5, number, size=10, anchor="middle", fill=TARGET)
        if point.value is not None:
            reading = _reading(point)
            label = f"{point.label}: {fmt(point.value)}"
            if reading:
                label += f" ({READING_NAMES[reading]})"
            canvas.marker(x(point.index), y(point.value), reading, label)
    _legend(canvas, chart, HEIGHT - 14)
    return canvas.done()


def _legend(canvas, chart, top):
    x = LEFT
    items = [("line", LINE, "Data"), ("line", CENTRE, "Median" if chart.kind == RUN else
                                       "Centre line")]
    if chart.kind != RUN:
        items.append(("dash", LIMIT, "Limits"))
    if chart.target is not None:
        items.append(("dash", TARGET, "Target"))
    readings = {r for p in chart.points for r in p.readings}
    for reading in (IMPROVEMENT, CONCERN, UNUSUAL):
        if reading in readings:
            items.append(("marker", reading, READING_NAMES[reading].capitalize()))
    for kind, colour, label in items:
        if kind == "marker":
            canvas.marker(x + 7, top - 4, colour, label)
        else:
            canvas.line(x, top - 4, x + 16, top - 4, stroke=colour, width=2,
                        dash="5 3" if kind == "dash" else None)
        canvas.text(x + 21, top, label, size=12)
        x += 30 + 7.2 * len(label)


def moving_range_svg(chart: Chart, *, title: str) -> str:
    mr = chart.moving_range
    canvas = _Canvas(title, "Moving ranges between consecutive points, with their upper limit "
                            "(3.267 times the mean moving range).", height=200)
    canvas.text(LEFT, 20, title, size=14, weight=True)
    ranges = [m for _, m, _, _ in mr.points if m is not None] if mr else []
    if not ranges:
        return canvas.done()
    plot_w, plot_h, top = WIDTH - LEFT - RIGHT, 200 - 34 - 30, 34
    high = max(ranges + [u for *_, u in mr.points])
    ticks = nice_ticks(0, high or 1, 4)
    count = len(chart.points)

    def x(index):
        return LEFT + plot_w * (index + 0.5) / count

    def y(value):
        return top + plot_h - value / ticks[-1] * plot_h

    for tick in ticks:
        canvas.line(LEFT, y(tick), WIDTH - RIGHT, y(tick), stroke=GRID)
        canvas.text(LEFT - 6, y(tick) + 4, fmt(tick), size=12, anchor="end", fill=MUTED)
    canvas.path([(x(i), y(c)) for i, _, c, _ in mr.points], stroke=CENTRE)
    canvas.path([(x(i), y(u)) for i, _, _, u in mr.points], stroke=LIMIT, dash="5 3")
    canvas.path([(x(i), y(m)) for i, m, _, _ in mr.points if m is not None], stroke=LINE)
    for i, m, _, upper in mr.points:
        if m is not None:
            canvas.marker(x(i), y(m), UNUSUAL if m > upper + 1e-12 else "",
                          f"{chart.points[i].label}: {fmt(m)}")
    return canvas.done()


def funnel_svg(plot: Funnel, shown, *, title: str, unit: str = "",
               x_label: str = "Denominator") -> str:
    """shown: [(label, denominator, value, own)] — only what disclosure control lets through."""
    description = (f"Funnel plot: each hospital's value against its {x_label.lower()}, with "
                   f"95% and 99.8% limits around the overall value {fmt(plot.target)}.")
    canvas = _Canvas(title, description, height=380)
    height = 380
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - 64
    canvas.text(LEFT, 20, title, size=15, weight=True)
    if plot.target is None or not plot.curve:
        canvas.text(WIDTH / 2, height / 2, "No data to compare", anchor="middle", fill=MUTED)
        return canvas.done()
    xs = [n for n, *_ in plot.curve]
    ys = [v for _, *limits in plot.curve for v in limits] + [v for _, _, v, _ in shown]
    x_low, x_high = min(xs), max(xs)
    y_ticks = nice_ticks(max(0.0, min(ys)), max(ys))
    y_low, y_high = y_ticks[0], y_ticks[-1]

    def x(n):
        return LEFT + (n - x_low) / (x_high - x_low or 1) * plot_w

    def y(value):
        return TOP + plot_h - (value - y_low) / (y_high - y_low or 1) * plot_h

    for tick in y_ticks:
        canvas.line(LEFT, y(tick), WIDTH - RIGHT, y(tick), stroke=GRID)
        canvas.text(LEFT - 6, y(tick) + 4, fmt(tick), size=12, anchor="end", fill=MUTED)
    for tick in nice_ticks(x_low, x_high, 5):
        if x_low <= tick <= x_high:
            canvas.text(x(tick), TOP + plot_h + 16, fmt(tick), size=12, anchor="middle",
                        fill=MUTED)
    canvas.text(LEFT + plot_w / 2, TOP + plot_h + 34, x_label, size=12, anchor="middle",
                fill=MUTED)
    if unit:
        canvas.text(LEFT, 38, unit, size=12, fill=MUTED)
    canvas.line(LEFT, TOP + plot_h, WIDTH - RIGHT, TOP + plot_h)
    canvas.line(LEFT, y(plot.target), WIDTH - RIGHT, y(plot.target), stroke=CENTRE, width=1.5)
    for position in (1, 4):  # 99.8%
        canvas.path([(x(c[0]), y(c[position])) for c in plot.curve], stroke=LIMIT)
    for position in (2, 3):  # 95%
        canvas.path([(x(c[0]), y(c[position])) for c in plot.curve], stroke=LIMIT, dash="5 3",
                    width=1.0)
    for label, denominator, value, own in sorted(shown, key=lambda s: s[3]):
        px, py = x(denominator), y(value)
        if own:
            canvas.add(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="7" fill="{LINE}" '
                       f'stroke="#ffffff" stroke-width="1.5"><title>{escape(label)}: '
                       f'{escape(fmt(value))}</title></circle>')
            canvas.text(px + 10, py - 8, label, size=13, fill=LINE, weight=True)
        else:
            canvas.add(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4.5" fill="#adb5bd" '
                       f'stroke="{MUTED}" stroke-width="1"><title>{escape(label)}: '
                       f'{escape(fmt(value))}</title></circle>')
            canvas.text(px + 7, py + 4, label, size=11, fill=MUTED)
    legend_y = height - 10
    canvas.line(LEFT, legend_y - 4, LEFT + 16, legend_y - 4, stroke=CENTRE, width=2)
    canvas.text(LEFT + 21, legend_y, "Overall", size=12)
    canvas.line(LEFT + 90, legend_y - 4, LEFT + 106, legend_y - 4, stroke=LIMIT, dash="5 3")
    canvas.text(LEFT + 111, legend_y, "95%", size=12)
    canvas.line(LEFT + 150, legend_y - 4, LEFT + 166, legend_y - 4, stroke=LIMIT, width=1.5)
    canvas.text(LEFT + 171, legend_y, "99.8% limits", size=12)
    canvas.add(f'<circle cx="{LEFT + 276}" cy="{legend_y - 4}" r="6" fill="{LINE}"/>')
    canvas.text(LEFT + 287, legend_y, "Your hospital", size=12)
    return canvas.done()
