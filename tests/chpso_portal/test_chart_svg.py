"""The SVG drawing: CSP-safe, accessible, and drawing only what it is given."""

import xml.etree.ElementTree as ET

from chpso_portal.charts.engine import DOWN, Annotation, I, Period, U, build
from chpso_portal.charts.funnel import Unit, funnel
from chpso_portal.charts.svg import chart_svg, funnel_svg, moving_range_svg, nice_ticks

NS = "{http://www.w3.org/2000/svg}"


def falls():
    periods = [Period(f"2025-{m:02d}", n, 1000)
               for m, n in enumerate([10, 12, 9, 11, 10, 13, 8, 11, 4, 3, 5, 4, 3, 4, 2, 3], 1)]
    periods[5] = Period("2025-06")
    return build(U, periods, better=DOWN, multiplier=1000, baseline=8, target=4,
                 annotations=[Annotation("2025-09", "PDSA <2> & bed alarms", "pdsa")])


def test_chart_is_well_formed_csp_safe_and_described():
    svg = chart_svg(falls(), title="Falls <with> injury", unit="per 1,000 patient days")
    root = ET.fromstring(svg)  # well-formed: the labels are escaped
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.find(f"{NS}title").text == "Falls <with> injury"
    assert "Improvement since 2025-09" in root.find(f"{NS}desc").text
    assert "style=" not in svg and "<script" not in svg and " on" not in svg.replace(
        " one", "")
    assert "PDSA &lt;2&gt; &amp; bed alarms" in svg
    # Signals are drawn with shapes as well as colours: improvement points are large circles.
    improvement = [c for c in root.iter(f"{NS}circle") if c.get("r") == "6"]
    assert len(improvement) >= 8


def test_missing_month_breaks_the_line():
    svg = chart_svg(falls(), title="Falls")
    root = ET.fromstring(svg)
    data_paths = [p for p in root.iter(f"{NS}path")
                  if p.get("stroke") == "#0a58ca" and p.get("stroke-width") == "1.8"]
    assert len(data_paths) == 2


def test_moving_range_chart():
    chart = build(I, [Period(str(i), value=v) for i, v in enumerate([5, 7, 6, 8, 5, 6, 7, 20,
                                                                        6, 5])])
    svg = moving_range_svg(chart, title="Moving range")
    assert ET.fromstring(svg) is not None and "13" in svg


def test_funnel_draws_only_the_points_it_is_given():
    plot = funnel([Unit("a", 20, 200), Unit("b", 50, 300), Unit("secret", 7, 150),
                   Unit("d", 120, 900)], multiplier=100)
    svg = funnel_svg(plot, [("Mercy", 200, 10.0, True), ("Peer K7M", 300, 16.7, False)],
                     title="Bundle")
    root = ET.fromstring(svg)
    titles = [t.text for t in root.iter(f"{NS}title")]
    assert "Mercy: 10" in titles and "Peer K7M: 16.7" in titles
    assert "secret" not in svg and "4.67" not in svg


def test_nice_ticks_cover_the_range():
    assert nice_ticks(0, 18.6) == [0, 5, 10, 15, 20]
    assert nice_ticks(0.2, 0.9)[-1] >= 0.9
