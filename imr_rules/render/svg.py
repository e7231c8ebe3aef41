"""Two inline SVG charts for the HTML pages: horizontal grouped bars, and a heat map.

Ours rather than a plotting library's: the two charts are a few dozen lines; a library would be a
dependency of every install for them, and its output carries ids, timestamps or float noise that
change between runs and versions, where these bytes depend on the figures only (coordinates are
rounded to 0.1). The SVGs have a fixed viewBox 720 units wide (7.5 in, the printable width of a
letter page) and scale to the page, so they print as drawn; every text is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from imr_rules.render.page import esc

WIDTH = 720  # viewBox units: 7.5 in at 96 units per inch
FONT = 12
CHAR = 7.0  # the average advance of a FONT-sized sans-serif character, for laying labels out
SERIES_FILLS = ("#1a56a6", "#9aa0a6", "#e37400", "#188038")
BAR = 12  # height of one bar
GAP = 7  # between groups


@dataclass(frozen=True)
class Bar:
    """One bar: its length as a share of the chart's maximum (None: undefined, no bar drawn) and
    the text written after it."""

    value: float | None
    text: str


def _n(x: float) -> str:
    """A coordinate as written: one decimal at most, so the bytes never depend on float noise."""
    return f"{round(x, 1):g}"


def _svg(height: float, title: str, parts: Sequence[str], css_class: str) -> str:
    return (f"<svg class=\"chart {css_class}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {_n(height)}\" "
            f"width=\"{WIDTH}\" height=\"{_n(height)}\" role=\"img\" font-family=\"DejaVu Sans, Arial, sans-serif\" "
            f"font-size=\"{FONT}\"><title>{esc(title)}</title>" + "".join(parts) + "</svg>\n")


def _legend(series: Sequence[str], y: float) -> list[str]:
    parts, x = [], 0.0
    for n, name in enumerate(series):
        parts.append(f"<rect x=\"{_n(x)}\" y=\"{_n(y - 9)}\" width=\"10\" height=\"10\" fill=\"{SERIES_FILLS[n % len(SERIES_FILLS)]}\"/>"
                     f"<text x=\"{_n(x + 14)}\" y=\"{_n(y)}\">{esc(name)}</text>")
        x += 14 + len(name) * CHAR + 18
    return parts


def bar_chart(rows: Sequence[tuple[str, Sequence[Bar]]], series: Sequence[str], title: str) -> str:
    """Grouped horizontal bars: one group per row (its label, then one bar per series).

    Labels sit left of their bars when the longest fits a quarter of the width, else above them
    (criterion ids are long): nothing is cut, nothing runs past the width.
    """
    longest = max((len(label) for label, _ in rows), default=0) * CHAR
    beside = longest <= WIDTH / 4
    label_width = longest + 10 if beside else 0
    value_room = 60  # the value's text after the longest bar
    track = WIDTH - label_width - value_room
    parts = _legend(series, 12) if len(series) > 1 else []
    y = 22.0 if len(series) > 1 else 4.0
    for label, bars in rows:
        top = y if beside else y + FONT + 3
        group = len(bars) * BAR
        label_y = (top + group / 2 + FONT / 2 - 2) if beside else y + FONT
        parts.append(f"<text class=\"label\" x=\"0\" y=\"{_n(label_y)}\">{esc(label)}</text>")
        for n, bar in enumerate(bars):
            bar_y = top + n * BAR
            length = 0.0 if bar.value is None else max(0.0, min(1.0, bar.value)) * track
            if length > 0:
                parts.append(f"<rect class=\"bar\" x=\"{_n(label_width)}\" y=\"{_n(bar_y)}\" width=\"{_n(length)}\" "
                             f"height=\"{BAR - 2}\" fill=\"{SERIES_FILLS[n % len(SERIES_FILLS)]}\"/>")
            parts.append(f"<text x=\"{_n(label_width + length + 4)}\" y=\"{_n(bar_y + BAR - 3)}\" font-size=\"{FONT - 1}\">"
                         f"{esc(bar.text)}</text>")
        y = top + group + GAP
    return _svg(y, title, parts, "bars")


def heat_map(row_labels: Sequence[str], column_labels: Sequence[str], counts: Sequence[Sequence[int]],
             title: str, row_title: str = "", column_title: str = "") -> str:
    """A grid of counts, each cell shaded by its count (white to dark blue) and labelled with the
    count and its share of the total."""
    total = sum(sum(row) for row in counts)
    most = max((c for row in counts for c in row), default=0) or 1
    label_width = max((len(label) for label in row_labels), default=0) * CHAR + 16
    cell_w = (WIDTH - label_width) / max(1, len(column_labels))
    cell_h = 54
    top = 2 * (FONT + 6)
    parts = [f"<text x=\"{_n(label_width + (WIDTH - label_width) / 2)}\" y=\"{FONT + 2}\" text-anchor=\"middle\" "
             f"font-weight=\"bold\">{esc(column_title)}</text>"] if column_title else []
    if row_title:
        parts.append(f"<text x=\"0\" y=\"{FONT + 2}\" font-weight=\"bold\">{esc(row_title)}</text>")
    for c, label in enumerate(column_labels):
        parts.append(f"<text x=\"{_n(label_width + (c + 0.5) * cell_w)}\" y=\"{_n(top - 5)}\" text-anchor=\"middle\">{esc(label)}</text>")
    for r, label in enumerate(row_labels):
        y = top + r * cell_h
        parts.append(f"<text x=\"0\" y=\"{_n(y + cell_h / 2 + 4)}\">{esc(label)}</text>")
        for c, count in enumerate(counts[r]):
            shade = count / most
            x = label_width + c * cell_w
            share = f" ({100 * count / total:.1f}%)" if total else ""
            parts.append(f"<rect class=\"cell\" x=\"{_n(x)}\" y=\"{_n(y)}\" width=\"{_n(cell_w - 2)}\" height=\"{cell_h - 2}\" "
                         f"fill=\"{_blue(shade)}\" stroke=\"#dadce0\"/>"
                         f"<text x=\"{_n(x + cell_w / 2)}\" y=\"{_n(y + cell_h / 2 + 4)}\" text-anchor=\"middle\" "
                         f"font-weight=\"bold\" fill=\"{'#ffffff' if shade > 0.55 else '#202124'}\">{count}{esc(share)}</text>")
    return _svg(top + len(row_labels) * cell_h, title, parts, "heat-map")


def _blue(shade: float) -> str:
    """White (0) to #1a56a6 (1), as a hex colour."""
    low, high = (255, 255, 255), (0x1A, 0x56, 0xA6)
    return "#" + "".join(f"{round(a + (b - a) * shade):02x}" for a, b in zip(low, high))
