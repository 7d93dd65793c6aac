"""Small bar charts as server-side SVG, drawn by a template from the geometry made here.

No chart library: a report chart is twelve months of one or two series. Every chart stands
beside a table with the same figures (the template says so in the chart's description), so
the chart is never the only way to read them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 16, 34
SERIES_CLASSES = ("chart-bar", "chart-bar chart-bar--second")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str  # the tooltip: label and value


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    width: int
    height: int
    bars: list[Bar]
    x_labels: list[Tick]
    y_ticks: list[Tick]
    legend: list[tuple[str, str]]  # (css, label)
    plot_left: int
    plot_right: int
    baseline: float


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def bar_chart(
    *,
    id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    show: Callable[[float], str] = lambda v: f"{v:g}",
    top: float | None = None,
) -> Chart:
    """Grouped bars: one group per label, one bar per series; None draws no bar."""
    values = [v for _, numbers in series for v in numbers if v is not None]
    top = top or _nice_top(max(values, default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    group = plot_width / max(len(labels), 1)
    bar_width = group * 0.7 / max(len(series), 1)
    bars = []
    for s, (name, numbers) in enumerate(series):
        for i, value in enumerate(numbers):
            if value is None:
                continue
            height = plot_height * min(value, top) / top
            x = LEFT + i * group + group * 0.15 + s * bar_width
            bars.append(
                Bar(
                    x=round(x, 1),
                    y=round(TOP + plot_height - height, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    css=SERIES_CLASSES[s % len(SERIES_CLASSES)],
                    title=f"{labels[i]}, {name}: {show(value)}",
                )
            )
    ticks = [Tick(round(TOP + plot_height * (1 - n / 4), 1), show(top * n / 4)) for n in range(5)]
    return Chart(
        id=id,
        title=title,
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        x_labels=[
            Tick(round(LEFT + (i + 0.5) * group, 1), label) for i, label in enumerate(labels)
        ],
        y_ticks=ticks,
        legend=[(SERIES_CLASSES[s % 2], name) for s, (name, _) in enumerate(series)]
        if len(series) > 1
        else [],
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        baseline=TOP + plot_height,
    )
