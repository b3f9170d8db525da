"""Inline SVG charts for the HTML outputs: a line chart with labelled axes, and a sparkline.

Every text that goes into the markup (series names come from the data) is
escaped here; the charts carry ``role="img"`` with a title and a description,
and the page puts their figures in a table beside them, so nothing is shown by
colour or by picture alone. Output is deterministic (golden files compare it).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# colour-blind-safe (Okabe–Ito, then greys); series also differ by marker
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
           "#777777", "#999933")
MARKERS = ("circle", "square", "diamond", "triangle")


@dataclass(frozen=True)
class Line:
    name: str
    values: Sequence[float | None]  # one per x label; None: no point (a month without data)


@functools.lru_cache(maxsize=4096)  # the same few hundred coordinates recur on every line and page
def _num(value: float) -> str:
    """A coordinate with at most one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """0 and round steps up to at least ``top`` (1, 2, 2.5, 5 × 10^n)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{_num(x - 3)}" y="{_num(y - 3)}" width="6" height="6" fill="{colour}"/>'
    if shape == "diamond":
        corners = ((x, y - 4), (x + 4, y), (x, y + 4), (x - 4, y))
        points = " ".join(f"{_num(px)},{_num(py)}" for px, py in corners)
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "triangle":
        points = f"{_num(x)},{_num(y - 4)} {_num(x + 4)},{_num(y + 3)} {_num(x - 4)},{_num(y + 3)}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" fill="{colour}"/>'


def line_chart(chart_id: str, title: str, description: str, x_labels: Sequence[str], lines: Sequence[Line],
               x_title: str, y_title: str, number: Callable[[float], str],
               width: int = 640, height: int = 320, max_labels: int = 8, css_class: str = "chart") -> Markup:
    """A line chart: y from 0, gridlines at round steps, at most ``max_labels`` x labels (the last
    one always)."""
    left, right, top, bottom = (64 if width > 480 else 52), 40, 16, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max((v for line in lines for v in line.values if v is not None), default=0.0)
    ticks = nice_ticks(float(highest))
    y_max = ticks[-1]
    n = len(x_labels)

    def x_at(index: int) -> float:
        return left + (plot_w / 2 if n == 1 else plot_w * index / (n - 1))

    def y_at(value: float) -> float:
        return top + plot_h * (1 - value / y_max)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="{css_class}">',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
             '<g class="grid" font-size="13" fill="#333">']
    for tick in ticks:
        y = _num(y_at(tick))
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y}" y2="{y}" stroke="#d9d9d9"/>')
        parts.append(f'<text x="{left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
                     f"{escape(number(tick))}</text>")
    every = max(1, math.ceil(n / max_labels))
    for index, label in enumerate(x_labels):
        if (n - 1 - index) % every:
            continue  # the last month is always labelled
        x = _num(x_at(index))
        parts.append(f'<text x="{x}" y="{top + plot_h + 16}" text-anchor="middle">{escape(label)}</text>')
    parts.append("</g>")
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#595959"/>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
                 'stroke="#595959"/>')
    parts.append(f'<text x="{left + plot_w / 2:g}" y="{height - 12}" text-anchor="middle" font-size="14" '
                 f'fill="#333">{escape(x_title)}</text>')
    parts.append(f'<text transform="translate(16 {top + plot_h / 2:g}) rotate(-90)" text-anchor="middle" '
                 f'font-size="14" fill="#333">{escape(y_title)}</text>')
    for number_, line in enumerate(lines):
        colour = PALETTE[number_ % len(PALETTE)]
        shape = MARKERS[number_ % len(MARKERS)]
        parts.append(f'<g class="series" data-series="{escape(line.name)}">')
        run: list[str] = []
        for index, value in enumerate([*line.values, None]):
            if value is None:
                if len(run) > 1:
                    parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                                 'stroke-width="2"/>')
                run = []
                continue
            run.append(f"{_num(x_at(index))},{_num(y_at(value))}")
        for index, value in enumerate(line.values):
            if value is not None:
                parts.append(marker(shape, x_at(index), y_at(value), colour))
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("\n".join(parts))


def legend_colour(index: int) -> tuple[str, str]:
    """The colour and marker of the ``index``-th line (for a legend outside the SVG)."""
    return PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)]


def legend_swatch(index: int) -> Markup:
    colour, shape = legend_colour(index)
    return Markup(f'<svg class="swatch" viewBox="0 0 24 12" width="24" height="12" aria-hidden="true">'
                  f'<line x1="0" x2="24" y1="6" y2="6" stroke="{colour}" stroke-width="2"/>'
                  f'{marker(shape, 12, 6, colour)}</svg>')


def sparkline(label: str, values: Sequence[float | None], width: int = 120, height: int = 32) -> Markup:
    """A small trend line (no axes); ``label`` is its text alternative."""
    known = [v for v in values if v is not None]
    parts = [f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-label="{escape(label)}">']
    if known:
        low, high = min(known), max(known)
        spread = (high - low) or 1.0
        n = len(values)

        def point(index: int, value: float) -> tuple[float, float]:
            x = 3 + (width - 6) * (index / (n - 1) if n > 1 else 0.5)
            return x, height - 4 - (height - 8) * (value - low) / spread

        run: list[str] = []
        for index, value in enumerate([*values, None]):
            if value is None:
                if len(run) > 1:
                    parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="#1F4E79" '
                                 'stroke-width="1.5"/>')
                run = []
                continue
            x, y = point(index, value)
            run.append(f"{_num(x)},{_num(y)}")
        last = max(i for i, v in enumerate(values) if v is not None)
        x, y = point(last, values[last])  # type: ignore[arg-type]
        parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2.5" fill="#1F4E79"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
