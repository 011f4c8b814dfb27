"""Server-rendered SVG charts: bar geometry computed here, drawn by a template (no chart library, no script)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the day, for the tooltip
    value: int
    tick: str  # shown under every few bars


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]
    peak: int


def bar_chart(points: Sequence[tuple[date, int]], *, width: int = 600, height: int = 160) -> BarChart:
    """Bars for daily values scaled to the tallest; every seventh bar carries a day-of-month tick."""
    top, bottom = 8.0, 18.0
    peak = max((v for _, v in points), default=0)
    n = max(len(points), 1)
    slot = (width - 24) / n
    usable = height - top - bottom
    bars = []
    for i, (day, value) in enumerate(points):
        h = usable * value / peak if peak else 0.0
        bars.append(
            Bar(
                x=round(i * slot + slot * 0.1, 2),
                y=round(height - bottom - h, 2),
                width=round(slot * 0.8, 2),
                height=round(h, 2),
                label=day.isoformat(),
                value=value,
                tick=day.strftime("%d/%m") if (len(points) - 1 - i) % 7 == 0 else "",
            )
        )
    return BarChart(width, height, height - bottom, tuple(bars), peak)
