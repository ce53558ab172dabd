"""Charts drawn on the server: the geometry of SVG bar and line charts, as plain data.

No JavaScript and no chart library: a report page must work without scripts, print well and
stay small. These functions only compute positions and labels; the template
(``templates/admin/_charts.html``) draws them with autoescaped text, classes for colours
(the Content-Security-Policy forbids inline styles) and a ``<title>``/``<desc>`` text
alternative, and every chart sits beside the table with the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from babel.numbers import format_decimal, format_percent

from .translatable import gettext, locale

WIDTH = 640
LABEL_WIDTH = 210
VALUE_WIDTH = 56
BAR_HEIGHT = 20
BAR_GAP = 10
TOP = 28
MAX_LABEL = 30


def short(label: str, limit: int = MAX_LABEL) -> str:
    """A label cut to fit beside a bar (the table beside the chart has it in full)."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    full_label: str
    value: float
    text: str
    y: float
    length: float


@dataclass(frozen=True, slots=True)
class BarChart:
    """Horizontal bars, one per row, on a scale from 0 to ``max_value``."""

    title: str
    description: str
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    width: int = WIDTH
    height: int = 0
    label_width: int = LABEL_WIDTH
    plot_width: int = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bar_height: int = BAR_HEIGHT
    top: int = TOP


def bar_chart(
    title: str,
    items: Sequence[tuple[str, float]],
    *,
    max_value: float = 100,
    unit: str = "%",
    description: str | None = None,
) -> BarChart:
    """Bars for ``(label, value)`` pairs. The description (the chart's text alternative)
    names the highest and lowest values unless one is given."""
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    scale = max_value or 1
    bars = []
    for index, (label, value) in enumerate(items):
        y = TOP + index * (BAR_HEIGHT + BAR_GAP)
        length = max(0.0, min(1.0, value / scale)) * plot_width
        bars.append(Bar(short(label), label, value, _number(value, unit), y, round(length, 1)))
    ticks = tuple(Tick(round(plot_width * step / 4, 1), _number(max_value * step / 4, unit)) for step in range(5))
    height = TOP + len(bars) * (BAR_HEIGHT + BAR_GAP) + 4
    return BarChart(title, description or _describe(title, items, unit), tuple(bars), ticks, height=height)


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    label: str
    value: float


@dataclass(frozen=True, slots=True)
class LineChart:
    """A line through one point per period (months), on a scale from 0 to ``max_value``."""

    title: str
    description: str
    points: tuple[Point, ...]
    path: str
    y_ticks: tuple[Tick, ...]
    x_labels: tuple[Point, ...]
    width: int = WIDTH
    height: int = 260
    left: int = 48
    right: int = WIDTH - 36
    top: int = 16
    bottom: int = 260 - 40


def line_chart(title: str, items: Sequence[tuple[str, float]], *, description: str | None = None) -> LineChart:
    """A line chart of counts per period; at most about twelve x-axis labels are written."""
    left, right, top, bottom = 48, WIDTH - 36, 16, 260 - 40
    top_value = _nice_ceiling(max((v for _, v in items), default=0))
    step = (right - left) / max(1, len(items) - 1)
    points = tuple(
        Point(
            round(left + i * step if len(items) > 1 else (left + right) / 2, 1),
            round(bottom - (value / top_value) * (bottom - top), 1),
            label,
            value,
        )
        for i, (label, value) in enumerate(items)
    )
    path = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points))
    y_ticks = tuple(Tick(round(bottom - (bottom - top) * k / 4, 1), _number(top_value * k / 4)) for k in range(5))
    every = max(1, -(-len(points) // 12))
    x_labels = tuple(p for i, p in enumerate(points) if i % every == 0 or i == len(points) - 1)
    return LineChart(title, description or _describe(title, items, ""), points, path, y_ticks, x_labels)


def _nice_ceiling(value: float) -> float:
    """The smallest of 4, 8, 20, 40, 80, 200, ... at or above the value, so that the ticks
    at each quarter are whole numbers."""
    ceiling = 4.0
    while ceiling < value:
        ceiling *= 2.5 if str(int(ceiling))[0] == "8" else 2
    return ceiling


def _number(value: float, unit: str = "") -> str:
    """A value as the reader's language writes it: 42%, 42 %; 1,5 for 1.5."""
    if unit == "%":
        pattern = None if float(value).is_integer() else "#,##0.#%"
        return format_percent(value / 100, pattern, locale=locale())
    return format_decimal(value, "#,##0.#", locale=locale())


def _describe(title: str, items: Sequence[tuple[str, float]], unit: str) -> str:
    if not items:
        return gettext("%(title)s: no data yet.", title=title)
    high = max(items, key=lambda item: item[1])
    low = min(items, key=lambda item: item[1])
    return gettext(
        "%(title)s, %(count)s values. Highest: %(high)s, %(high_value)s. Lowest: %(low)s, %(low_value)s. "
        "The table beside the chart lists every value.",
        title=title,
        count=len(items),
        high=high[0],
        high_value=_number(high[1], unit),
        low=low[0],
        low_value=_number(low[1], unit),
    )
