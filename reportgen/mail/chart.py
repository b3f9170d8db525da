"""The email's small inline chart: tickets created per month, as a PNG.

Drawn with Pillow. Why Pillow: email clients show neither SVG nor scripts, so
the chart must be a raster image, and Pillow is the light, long-maintained
standard for that (wheels for every platform, no system libraries, ~4 MB),
where matplotlib would bring numpy, fonts and a plotting stack for one line.
The drawing is deterministic (same numbers → same bytes), so the message is
reproducible and testable. The HTML gives the chart an ``alt`` text with the
numbers, so the information does not depend on the image.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from reportgen.coverage import PARTIAL_MARK
from reportgen.i18n import Translator, translator
from reportgen.render.styles import GREY, HEADER_FILL

from .summary import TrendPoint

if TYPE_CHECKING:
    from PIL import ImageDraw

WIDTH, HEIGHT = 560, 170
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 46, 14, 14, 26
_GRID = "#D9D9D9"
_POINT_RADIUS = 4  # the report month's marker


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


_MARK_SIZE = 9  # the ◐ drawn after a partial month's label


def _partial_mark(draw: ImageDraw.ImageDraw, x: float, y: float, colour: tuple[int, int, int]) -> None:
    """◐ at (x, y): a circle whose left half is filled."""
    box = [(x, y), (x + _MARK_SIZE, y + _MARK_SIZE)]
    draw.pieslice(box, 90, 270, fill=colour)
    draw.ellipse(box, outline=colour, width=1)


def _nice_ceiling(value: float) -> float:
    """A round axis maximum at or above value (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^n)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)  # pragma: no cover


def volume_chart_png(points: Sequence[TrendPoint], tr: Translator | None = None) -> bytes | None:
    """A line chart of tickets per month; None when fewer than two months have data.

    Its labels are numbers and ``TrendPoint.label`` (Latin script in every language:
    Pillow's built-in font has no CJK glyphs), formatted in the report's language.
    """
    tr = tr or translator("en")
    from PIL import Image, ImageDraw, ImageFont

    known = [p for p in points if p.tickets is not None]
    if len(known) < 2:
        return None
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    left, right = _MARGIN_LEFT, WIDTH - _MARGIN_RIGHT
    top, bottom = _MARGIN_TOP, HEIGHT - _MARGIN_BOTTOM  # the top margin holds a marker at the maximum
    top_value = _nice_ceiling(max(float(p.tickets or 0) for p in known) * 1.05)
    grey, line = _rgb(GREY), _rgb(HEADER_FILL)

    for fraction in (0.0, 0.5, 1.0):
        y = bottom - (bottom - top) * fraction
        draw.line([(left, y), (right, y)], fill=_GRID, width=1)
        label = tr.number(top_value * fraction)
        width = draw.textlength(label, font=font)
        draw.text((left - 6 - width, y - 6), label, fill=grey, font=font)

    count = len(points)
    # the first and last points sit inside the plot, half a month label (and a marker) from its
    # ends, so the last point and its label are drawn whole, centred on each other
    pad = max(draw.textlength(p.label, font=font) + (_MARK_SIZE + 3 if p.partial else 0)
              for p in points) / 2 + _POINT_RADIUS + 2
    first_x, last_x = left + pad, right - pad
    step = (last_x - first_x) / max(1, count - 1)

    def x_of(index: int) -> float:
        return first_x + index * step

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * (value / top_value)

    segment: list[tuple[float, float]] = []
    for index, point in enumerate(points):
        if point.tickets is None:  # a month without data breaks the line
            if len(segment) > 1:
                draw.line(segment, fill=line, width=3, joint="curve")
            segment = []
            continue
        segment.append((x_of(index), y_of(float(point.tickets))))
    if len(segment) > 1:
        draw.line(segment, fill=line, width=3, joint="curve")
    for index, point in enumerate(points):
        if point.tickets is not None:
            x, y = x_of(index), y_of(float(point.tickets))
            radius = _POINT_RADIUS if index == count - 1 else 2.5
            draw.ellipse([(x - radius, y - radius), (x + radius, y + radius)], fill=line)
        every = 1 if count <= 6 else 2 if count <= 12 else 3
        if (count - 1 - index) % every == 0:
            label = point.label
            width = draw.textlength(label, font=font)
            mark = _MARK_SIZE + 3 if point.partial else 0
            x = x_of(index) - (width + mark) / 2
            draw.text((x, bottom + 8), label, fill=grey, font=font)
            if point.partial:  # ◐ after the label, drawn (the built-in font has no such glyph)
                _partial_mark(draw, x + width + 3, bottom + 9, grey)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def chart_alt_text(points: Sequence[TrendPoint], tr: Translator | None = None) -> str:
    """The chart's numbers in words, for screen readers and clients that block images."""
    tr = tr or translator("en")
    known = [p for p in points if p.tickets is not None]
    if not known:
        return tr.t("email.chart_alt_empty")
    values = ", ".join(tr.t("email.chart_alt_item", month=tr.month(p.month) + (f" {PARTIAL_MARK}" if p.partial
                                                                                  else ""),
                            count=tr.number(p.tickets or 0))
                       for p in known)
    return tr.t("email.chart_alt", values=values)
