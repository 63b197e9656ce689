"""Survey charts as SVG: the importance / performance matrix and the trends by wave.

Plain SVG 1.1 written here: no script, no stylesheet or font from elsewhere,
so a browser without internet shows it and nothing in it runs. Hovering a
point shows its figures (an SVG ``<title>``). The charts draw only what they
are given: the callers give figures of shown groups only, and a withheld
group is drawn as a notice (``withheld_svg``) or a gap in a line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 760, 560
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 70, 200, 70, 60
QUADRANT_COLOURS = {
    "CONCENTRATE_HERE": "#c0392b",
    "KEEP_UP_THE_GOOD_WORK": "#27864a",
    "LOW_PRIORITY": "#7f8c8d",
    "POSSIBLE_OVERKILL": "#2e6da4",
}
QUADRANT_LABELS = {
    "CONCENTRATE_HERE": "Concentrate here",
    "KEEP_UP_THE_GOOD_WORK": "Keep up the good work",
    "LOW_PRIORITY": "Low priority",
    "POSSIBLE_OVERKILL": "Possible overkill",
}
Scale = Callable[[float], float]
"""A value on an axis to its coordinate in the picture."""
LINE_COLOURS = ("#2e6da4", "#c0392b", "#27864a", "#8e44ad", "#d35400", "#16a085", "#7f8c8d")


@dataclass(frozen=True)
class MatrixPoint:
    """A driver in the matrix: its label, importance (r), performance (0-100), quadrant, rank."""

    label: str
    importance: float
    performance: float
    quadrant: str
    rank: int


@dataclass(frozen=True)
class Line:
    """One line of a trend panel: a name and a value per wave (None: withheld or no data)."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Panel:
    """A trend panel: its title, the range of its axis, its lines."""

    title: str
    low: float
    high: float
    lines: tuple[Line, ...]
    unit: str = ""


def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "\u2026"


def axis_range(
    values: Sequence[float | None], low: float, high: float, step: float
) -> tuple[float, float]:
    """A panel's range: the values' own, padded to whole steps, within ``low``..``high``."""
    present = [v for v in values if v is not None]
    if not present:
        return low, high
    bottom = max(low, (min(present) // step - 1) * step)
    top = min(high, (-(-max(present) // step) + 1) * step)
    return bottom, top


def _svg(width: int, height: int, title: str, body: Sequence[str]) -> str:
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)} '
            'font-family="sans-serif" font-size="12">',
            f"<title>{escape(title)}</title>",
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
            *body,
            "</svg>",
            "",
        ]
    )


def _text(x: float, y: float, text: str, **attrs: str | float) -> str:
    extra = "".join(f" {name.replace('_', '-')}={quoteattr(str(v))}" for name, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


def withheld_svg(title: str, message: str) -> str:
    """A notice in place of a chart whose group is withheld."""
    return _svg(
        WIDTH,
        120,
        title,
        [
            _text(20, 40, title, font_size=16, font_weight="bold"),
            _text(20, 75, message, fill="#555555"),
        ],
    )


def _span(values: Sequence[float], low: float, high: float, pad: float) -> tuple[float, float]:
    if values:
        low, high = min(low, *values), max(high, *values)
    return low - pad, high + pad


def matrix_svg(
    title: str,
    subtitle: str,
    points: Sequence[MatrixPoint],
    importance_cut: float | None,
    performance_cut: float | None,
    performance_label: str = "Performance (mean, % of scale)",
) -> str:
    """The importance / performance matrix: performance across, importance up, cuts as lines."""
    x_low, x_high = _span([p.performance for p in points], 40.0, 90.0, 5.0)
    y_low, y_high = _span([p.importance for p in points], 0.0, 0.6, 0.05)
    left, top = MARGIN_LEFT, MARGIN_TOP
    right, bottom = WIDTH - MARGIN_RIGHT, HEIGHT - MARGIN_BOTTOM

    def x_of(value: float) -> float:
        return left + (value - x_low) / (x_high - x_low) * (right - left)

    def y_of(value: float) -> float:
        return bottom - (value - y_low) / (y_high - y_low) * (bottom - top)

    body = [
        _text(left, 28, title, font_size=16, font_weight="bold"),
        _text(left, 48, subtitle, fill="#555555"),
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
        'fill="#fafafa" stroke="#999999"/>',
    ]
    body += _matrix_axes(x_low, x_high, y_low, y_high, x_of, y_of, performance_label)
    if importance_cut is not None and performance_cut is not None:
        cx, cy = x_of(performance_cut), y_of(importance_cut)
        body += [
            f'<line x1="{cx:.1f}" y1="{top}" x2="{cx:.1f}" y2="{bottom}" stroke="#444444" '
            'stroke-dasharray="6 4"/>',
            f'<line x1="{left}" y1="{cy:.1f}" x2="{right}" y2="{cy:.1f}" stroke="#444444" '
            'stroke-dasharray="6 4"/>',
        ]
        corners = (
            ("CONCENTRATE_HERE", left + 6, top + 16, "start"),
            ("KEEP_UP_THE_GOOD_WORK", right - 6, top + 16, "end"),
            ("LOW_PRIORITY", left + 6, bottom - 8, "start"),
            ("POSSIBLE_OVERKILL", right - 6, bottom - 8, "end"),
        )
        body += [
            _text(x, y, QUADRANT_LABELS[q], text_anchor=anchor, fill=QUADRANT_COLOURS[q])
            for q, x, y, anchor in corners
        ]
    for point in points:
        body += _matrix_point(point, x_of(point.performance), y_of(point.importance))
    body += _matrix_legend(points, right + 16, top)
    return _svg(WIDTH, HEIGHT, title, body)


def _matrix_axes(
    x_low: float,
    x_high: float,
    y_low: float,
    y_high: float,
    x_of: Scale,
    y_of: Scale,
    performance_label: str,
) -> list[str]:
    body = []
    bottom, left = HEIGHT - MARGIN_BOTTOM, MARGIN_LEFT
    for tick in _ticks(x_low, x_high, 10.0):
        body.append(_text(x_of(tick), bottom + 18, f"{tick:g}", text_anchor="middle"))
    for tick in _ticks(y_low, y_high, 0.1):
        body.append(_text(left - 8, y_of(tick) + 4, f"{tick:.1f}", text_anchor="end"))
    middle_x = (left + WIDTH - MARGIN_RIGHT) / 2
    middle_y = (MARGIN_TOP + bottom) / 2
    body.append(_text(middle_x, HEIGHT - 16, performance_label, text_anchor="middle"))
    body.append(
        f'<text x="18" y="{middle_y:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 18 {middle_y:.1f})">'
        "Importance (correlation with overall satisfaction)</text>"
    )
    return body


def _ticks(low: float, high: float, step: float) -> list[float]:
    first = int(low / step) + (1 if low > 0 else 0)
    ticks = []
    value = first * step
    while value <= high + 1e-9:
        if value >= low - 1e-9:
            ticks.append(round(value, 6))
        value += step
    return ticks


def _matrix_point(point: MatrixPoint, x: float, y: float) -> list[str]:
    colour = QUADRANT_COLOURS.get(point.quadrant, "#333333")
    hover = (
        f"#{point.rank} {point.label}: importance {point.importance:.2f}, "
        f"performance {point.performance:.1f}, {QUADRANT_LABELS.get(point.quadrant, '')}"
    )
    return [
        f'<g class="driver"><title>{escape(hover)}</title>'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="11" fill="{colour}" fill-opacity="0.85"/>'
        + _text(x, y + 4, str(point.rank), text_anchor="middle", fill="#ffffff", font_weight="bold")
        + "</g>"
    ]


def _matrix_legend(points: Sequence[MatrixPoint], x: float, top: float) -> list[str]:
    body = [_text(x, top + 4, "Priority", font_weight="bold")]
    for line, point in enumerate(sorted(points, key=lambda p: p.rank)):
        y = top + 24 + line * 18
        colour = QUADRANT_COLOURS.get(point.quadrant, "#333333")
        body.append(f'<circle cx="{x + 6}" cy="{y - 4}" r="6" fill="{colour}"/>')
        body.append(_text(x + 18, y, _short(f"{point.rank}. {point.label}", 30)))
    return body


def trend_svg(title: str, subtitle: str, waves: Sequence[str], panels: Sequence[Panel]) -> str:
    """Lines per wave, one panel above the other (e.g. employee, then customer satisfaction)."""
    panel_height = 220
    height = MARGIN_TOP + len(panels) * (panel_height + 50) + 20
    body = [
        _text(MARGIN_LEFT, 28, title, font_size=16, font_weight="bold"),
        _text(MARGIN_LEFT, 48, subtitle, fill="#555555"),
    ]
    for index, panel in enumerate(panels):
        top = MARGIN_TOP + index * (panel_height + 50) + 20
        body += _trend_panel(panel, waves, top, panel_height)
    return _svg(WIDTH, height, title, body)


def _trend_panel(panel: Panel, waves: Sequence[str], top: float, height: float) -> list[str]:
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    bottom = top + height
    span = (panel.high - panel.low) or 1.0

    def x_of(index: int) -> float:
        return left + (index + 0.5) / max(len(waves), 1) * (right - left)

    def y_of(value: float) -> float:
        return bottom - (value - panel.low) / span * height

    body = [
        _text(left, top - 8, panel.title, font_weight="bold"),
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{height}" '
        'fill="#fafafa" stroke="#999999"/>',
    ]
    for step in range(5):
        value = panel.low + span * step / 4
        body.append(_text(left - 8, y_of(value) + 4, f"{value:g}{panel.unit}", text_anchor="end"))
    for index, wave in enumerate(waves):
        body.append(_text(x_of(index), bottom + 16, wave, text_anchor="middle", font_size=11))
    for number, line in enumerate(panel.lines):
        colour = LINE_COLOURS[number % len(LINE_COLOURS)]
        body += _trend_line(line, colour, x_of, y_of, panel.unit)
        y = top + 10 + number * 18
        body.append(f'<rect x="{right + 16}" y="{y - 9}" width="12" height="12" fill="{colour}"/>')
        body.append(_text(right + 34, y + 1, _short(line.name, 24)))
    if not any(v is not None for line in panel.lines for v in line.values):
        body.append(
            _text(
                (left + right) / 2,
                top + height / 2,
                "no figures",
                text_anchor="middle",
                fill="#777777",
            )
        )
    return body


def _trend_line(
    line: Line, colour: str, x_of: Callable[[int], float], y_of: Scale, unit: str
) -> list[str]:
    body: list[str] = []
    run: list[str] = []
    for index, value in enumerate((*line.values, None)):
        if value is None:
            if len(run) > 1:
                body.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    'stroke-width="2.5"/>'
                )
            run = []
            continue
        x, y = x_of(index), y_of(value)
        run.append(f"{x:.1f},{y:.1f}")
        body.append(
            f"<g><title>{escape(f'{line.name}: {value:.2f}{unit}')}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/></g>'
        )
    return body
