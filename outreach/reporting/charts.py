"""Server-side SVG charts for the dashboard: no JavaScript, every label escaped.

Each function returns Markup holding one <svg role="img"> with a <title>, a tooltip (<title>)
on every bar, and the numbers in a visually hidden table-like <desc>, so the chart is readable
without sight of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#1f6feb", "#d97706", "#b42318", "#15803d", "#7c3aed", "#64748b")


@dataclass(frozen=True)
class Series:
    """One stacked part of a chart: a name, a colour and one value per label (None: no data)."""

    name: str
    values: Sequence[float | None]
    color: str = PALETTE[0]


LABEL_GAP = 3  #: bars between a regular date label and the last one, so they never overlap


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _fmt(value: float | None, unit: str) -> str:
    return "no data" if value is None else f"{_num(round(value, 1))}{unit}"


def _totals(series: Sequence[Series]) -> list[float]:
    columns = zip(*(s.values for s in series), strict=True)
    return [sum(v or 0 for v in column) for column in columns]


def _nice_max(value: float) -> float:
    """A round number at or above value, for the top of the axis."""
    if value <= 0:
        return 1
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for mult in (1, 2, 2.5, 5, 10):
        if step * mult >= value:
            return step * mult
    return step * 10


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts, offset = [], x
    for s in series:
        parts.append(
            f'<rect x="{offset:.1f}" y="{y - 9:.1f}" width="10" height="10" '
            f'fill="{escape(s.color)}"/>'
            f'<text x="{offset + 14:.1f}" y="{y:.1f}" class="legend">{escape(s.name)}</text>'
        )
        offset += 24 + 7 * len(s.name)
    return parts


def column_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    unit: str = "",
    max_value: float | None = None,
    label_every: int = 5,
    width: int = 640,
    height: int = 200,
) -> Markup:
    """Vertical bars, one per label, the series stacked; e.g. one bar per day."""
    left, right, top, bottom = 36, 8, 26, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = _totals(series)
    top_value = max_value or _nice_max(max(totals, default=0))
    slot = plot_w / max(len(labels), 1)
    bar_w = max(slot * 0.7, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    counts = all(isinstance(v, int) for s in series for v in s.values if v is not None)
    middle = top_value * 0.5
    fractions = (0, 0.5, 1) if not counts or float(middle).is_integer() else (0, 1)
    for frac in fractions:
        y = top + plot_h * (1 - frac)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{escape(_num(round(top_value * frac, 1)))}{escape(unit)}</text>"
        )
    for i, label in enumerate(labels):
        x = left + i * slot + (slot - bar_w) / 2
        base = top + plot_h
        tip = [f"{label}:"] + [f"{s.name} {_fmt(s.values[i], unit)}" for s in series]
        parts.append(f"<g><title>{escape(' '.join(tip))}</title>")
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = plot_h * min(value, top_value) / top_value
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{escape(s.color)}"/>'
            )
        parts.append("</g>")
        last = i == len(labels) - 1
        if last or (i % label_every == 0 and len(labels) - 1 - i >= LABEL_GAP):
            anchor, at = ("end", x + bar_w) if last else ("middle", x + bar_w / 2)
            parts.append(
                f'<text x="{at:.1f}" y="{height - bottom + 14}" class="axis" '
                f'text-anchor="{anchor}">{escape(label)}</text>'
            )
    parts.extend(_legend(series, left, 14))
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_rows(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 640,
    row_height: int = 22,
) -> Markup:
    """Horizontal bars, one row per label, the series stacked; e.g. one row per rep."""
    left, right, top = 160, 40, 26
    height = top + row_height * max(len(labels), 1) + 8
    plot_w = width - left - right
    totals = _totals(series)
    top_value = _nice_max(max(totals, default=0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    if not labels:
        parts.append(f'<text x="{left}" y="{top + 14}" class="axis">no data yet</text>')
    for i, label in enumerate(labels):
        y = top + i * row_height
        short = label if len(label) <= 24 else label[:23] + "…"
        tip = [f"{label}:"] + [f"{s.name} {_fmt(s.values[i], '')}" for s in series]
        parts.append(
            f"<g><title>{escape(' '.join(tip))}</title>"
            f'<text x="{left - 6}" y="{y + row_height * 0.65:.1f}" class="axis" '
            f'text-anchor="end">{escape(short)}</text>'
        )
        x = left
        for s in series:
            value = s.values[i]
            if not value:
                continue
            w = plot_w * value / top_value
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_height - 6}" '
                f'fill="{escape(s.color)}"/>'
            )
            x += w
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + row_height * 0.65:.1f}" class="axis">'
            f"{escape(_num(totals[i]))}</text></g>"
        )
    parts.extend(_legend(series, left, 14))
    parts.append("</svg>")
    return Markup("".join(parts))
