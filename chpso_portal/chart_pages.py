"""Charts on pages: what a template, a download and the PDF need from one engine chart.

A view builds `ChartBlock`s from engine charts and hands them to templates/charts/_chart.html;
`download_response` answers the page's own `?download=<slug>.svg|csv` links, so a chart's
downloads are reached through the page's access rule and nothing else. CSV files start with the
PSWP label and go through the portal's CSV writer.
"""

import base64
from dataclasses import dataclass, field
from functools import cached_property

from django.http import Http404, HttpResponse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.csv import csv_attachment

from . import disclosure
from .charts.engine import RUN, Chart
from .charts.funnel import WITHIN, Funnel, Unit, funnel
from .charts.rules import RULE_NAMES
from .charts.svg import chart_svg, fmt, funnel_svg, moving_range_svg

PSWP_LABEL = "Patient Safety Work Product: confidential and privileged (42 U.S.C. 299b-22)"


def csv_response(rows, filename: str) -> HttpResponse:
    return csv_attachment([[f"# {PSWP_LABEL}"], *rows], filename)


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def month_label(day) -> str:
    return day.strftime("%b %Y")


def short_month(day) -> str:
    return day.strftime("%b %y")


@dataclass
class ChartBlock:
    slug: str
    title: str
    chart: Chart
    unit: str = ""
    value_label: str = "Value"
    numerator_label: str = ""
    denominator_label: str = ""
    short_labels: dict = field(default_factory=dict)
    query: str = ""  # the page's query string without `download`

    @cached_property
    def _svg_markup(self) -> str:
        return chart_svg(self.chart, title=self.title, unit=self.unit,
                         short_labels=self.short_labels)

    def svg_text(self) -> str:
        return self._svg_markup

    def prepare(self) -> "ChartBlock":
        """Draw everything now, so a cached block costs nothing to show again."""
        self._svg_markup  # noqa: B018
        self.table_html  # noqa: B018
        return self

    @cached_property
    def table_html(self) -> str:
        """The data table's rows, every cell escaped (a template loop over a few hundred
        cells costs more than the rest of the page)."""
        head = "".join(f'<th scope="col">{escape(c)}</th>' for c in self.header)
        body = "".join(
            "<tr>" + "".join((f'<th scope="row">{escape(c)}</th>' if i == 0 else
                              f"<td>{escape(c)}</td>") for i, c in enumerate(row)) + "</tr>"
            for row in self.rows)
        return mark_safe(f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>")  # noqa: S308

    @property
    def svg(self) -> str:
        return mark_safe(self.svg_text())  # noqa: S308 - built with every text escaped

    @property
    def data_uri(self) -> str:
        return svg_data_uri(self.svg_text())

    @property
    def moving_range(self) -> str:
        if self.chart.moving_range is None:
            return ""
        return mark_safe(moving_range_svg(self.chart,  # noqa: S308
                                          title=f"{self.title}: moving range"))

    @property
    def summary(self) -> str:
        return self.chart.summary()

    @property
    def signals(self) -> list[str]:
        lines = []
        for signal in self.chart.signals:
            first = self.chart.points[min(signal.indexes)].label
            last = self.chart.points[max(signal.indexes)].label
            when = first if first == last else f"{first} to {last}"
            lines.append(f"{signal.name.capitalize()} ({when}): {signal.reading}")
        return lines

    def download_url(self, extension: str) -> str:
        prefix = f"?{self.query}&" if self.query else "?"
        return f"{prefix}download={self.slug}.{extension}"

    @property
    def svg_url(self) -> str:
        return self.download_url("svg")

    @property
    def csv_url(self) -> str:
        return self.download_url("csv")

    @property
    def filename(self) -> str:
        return slugify(self.title) or self.slug

    @property
    def has_limits(self) -> bool:
        return self.chart.kind != RUN

    @property
    def header(self) -> list[str]:
        columns = ["Period"]
        if self.numerator_label:
            columns.append(self.numerator_label)
        if self.denominator_label:
            columns.append(self.denominator_label)
        columns.append(self.value_label)
        columns.append("Median" if self.chart.kind == RUN else "Centre line")
        if self.has_limits:
            columns += ["Lower limit", "Upper limit"]
        columns += ["Phase", "Signals", "Notes"]
        return columns

    @cached_property
    def rows(self) -> list[list[str]]:
        phases = {ph.number: ph.label for ph in self.chart.phases}
        rows = []
        for point in self.chart.points:
            row = [point.label]
            if self.numerator_label:
                row.append(fmt(point.numerator) if point.numerator is not None else "")
            if self.denominator_label:
                row.append(fmt(point.denominator) if point.denominator is not None else "")
            row.append(fmt(point.value) if point.value is not None else point.missing)
            row.append(fmt(point.centre))
            if self.has_limits:
                row += [fmt(point.lower), fmt(point.upper)]
            signals = sorted({f"{RULE_NAMES[r]} ({reading})"
                              for r, reading in zip(point.signals, point.readings, strict=True)})
            row += [phases.get(point.phase, ""), "; ".join(signals),
                    "; ".join(a.text for a in point.annotations)]
            rows.append(row)
        return rows

    def csv_rows(self):
        yield [self.title]
        yield [self.summary]
        yield self.header
        yield from self.rows


@dataclass
class FunnelBlock:
    """A funnel plot and its table, drawn only from what disclosure control lets through."""

    slug: str
    title: str
    comparison: disclosure.Comparison
    plot: Funnel  # computed on every hospital, for the overall value; its points stay here
    unit: str = ""
    x_label: str = "Denominator"
    value_label: str = "Value"
    numerator_label: str = "Numerator"
    denominator_label: str = "Denominator"
    query: str = ""
    row_label: str = "Hospital"

    @classmethod
    def build(cls, slug, title, comparison, units, *, kind, multiplier, better=None, **kwargs):
        """units: [(key, numerator, denominator)] of every hospital in the comparison."""
        plot = funnel([Unit(key, float(n), float(d)) for key, n, d in units
                       if n is not None and d is not None],
                      kind=kind, multiplier=multiplier, better=better)
        if comparison.withheld:
            plot = Funnel(kind=kind, target=None, multiplier=multiplier, better=better,
                          points=[], curve=[])
        return cls(slug, title, comparison, plot, **kwargs)

    @property
    def shown(self) -> list[tuple[str, float, float, bool]]:
        return [(r.label, r.x, r.value, r.own) for r in self.comparison.rows if r.plotted]

    @cached_property
    def _svg_markup(self) -> str:
        return funnel_svg(self.plot, self.shown, title=self.title, unit=self.unit,
                          x_label=self.x_label)

    def svg_text(self) -> str:
        return self._svg_markup

    def prepare(self) -> "FunnelBlock":
        self._svg_markup  # noqa: B018
        self.rows  # noqa: B018
        return self

    @property
    def svg(self) -> str:
        return mark_safe(self.svg_text())  # noqa: S308 - built with every text escaped

    @property
    def data_uri(self) -> str:
        return svg_data_uri(self.svg_text())

    @property
    def bands(self) -> dict:
        plotted = self.comparison.plotted_keys()
        return {p.key: p.band for p in self.plot.points if p.key in plotted}

    @property
    def overall(self) -> str:
        return fmt(self.comparison.overall)

    @property
    def header(self) -> list[str]:
        return [self.row_label, self.numerator_label, self.denominator_label, self.value_label,
                "Against the funnel"]

    @cached_property
    def rows(self) -> list[dict]:
        bands = self.bands
        rows = []
        for r in self.comparison.rows:
            band = bands.get(r.key, "")
            rows.append({"label": r.label, "own": r.own, "numerator": r.numerator,
                         "denominator": r.denominator,
                         "value": fmt(r.value) if r.plotted else f"hidden: {r.hidden}",
                         "band": ("within the 95% limits" if band == WITHIN else band)
                         if band else ""})
        return rows

    @property
    def summary(self) -> str:
        if self.comparison.withheld:
            return self.comparison.withheld
        hidden = self.comparison.hidden_count
        text = (f"Overall {fmt(self.comparison.overall)} {self.unit}. Each hospital is placed "
                f"against its own {self.x_label.lower()}: a point outside the 99.8% limits is "
                "a signal to look into, not a verdict.")
        if hidden:
            text += f" {hidden} hospital(s) hidden: small numbers."
        return text

    @property
    def filename(self) -> str:
        return slugify(self.title) or self.slug

    def download_url(self, extension: str) -> str:
        prefix = f"?{self.query}&" if self.query else "?"
        return f"{prefix}download={self.slug}.{extension}"

    @property
    def svg_url(self) -> str:
        return self.download_url("svg")

    @property
    def csv_url(self) -> str:
        return self.download_url("csv")

    def csv_rows(self):
        yield [self.title]
        yield [self.summary]
        yield self.header
        for row in self.rows:
            yield [row["label"], row["numerator"], row["denominator"], row["value"],
                   row["band"]]


def download_response(request, blocks, *, hospital=None, what: str) -> HttpResponse | None:
    """Answer `?download=<slug>.svg` or `.csv` for one of the page's charts, audited as an
    export; None when the request is not a download."""
    wanted = request.GET.get("download")
    if not wanted:
        return None
    slug, _, extension = wanted.rpartition(".")
    block = next((b for b in blocks if b.slug == slug), None)
    if block is None or extension not in ("svg", "csv"):
        raise Http404
    audit_record(actor=request.user, action=AuditAction.EXPORT, hospital=hospital,
                 summary=f"Downloaded the chart {block.title!r} ({extension.upper()}) of {what}")
    if extension == "csv":
        return csv_response(block.csv_rows(), f"{block.filename}.csv")
    response = HttpResponse(block.svg_text(), content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{block.filename}.svg"'
    response["Cache-Control"] = "private, no-store"
    return response


def page_query(request) -> str:
    query = request.GET.copy()
    query.pop("download", None)
    return query.urlencode()
