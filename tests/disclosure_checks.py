"""What a page shows, for tests that prove a hidden figure never reaches it.

`shown_strings` gathers every text node and every attribute value of a page (an SVG chart
included) except pure drawing coordinates; `forms_of` lists the ways a number could be
written there.
"""

from html.parser import HTMLParser

GEOMETRY = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "d", "width", "height",
            "transform", "viewbox", "stroke-width", "stroke-dasharray", "font-size"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.strings: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and name.lower() not in GEOMETRY:
                self.strings.append(value)

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if data.strip():
            self.strings.append(data)


def shown_strings(html: str) -> str:
    collector = _Collector()
    collector.feed(html)
    return "\n".join(collector.strings)


def forms_of(value: float) -> list[str]:
    forms = {f"{value:.1f}", f"{value:.2f}", f"{value:.3f}", f"{value:.3g}", f"{value:.4g}"}
    return sorted(f for f in forms if f not in ("0.0", "0.00", "0.000", "0"))


def leaks(html: str, value: float) -> list[str]:
    shown = shown_strings(html)
    return [form for form in forms_of(value) if form in shown]


def markers(svg_or_html: str) -> int:
    """Data points drawn on a funnel plot: the circles that carry a <title>."""
    return svg_or_html.count("<circle") - svg_or_html.count('r="6" fill="#0a58ca"/>')
