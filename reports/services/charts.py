"""Small SVG charts for the monthly report's PDF (no plotting library, no network).

A value of None leaves a gap in the line (or no bar): a month without data is not drawn
as zero.
"""

from html import escape
from math import ceil, log10

from reports.sections.base import Chart

WIDTH, HEIGHT = 680, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 58
COLOURS = ("#1f5fa8", "#d9822b", "#2e8b57", "#b03a48", "#6a4c93", "#7f7f7f")
FONT = "Noto Sans CJK JP, sans-serif"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** int(log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return ceil(value / exp) * exp


def _fmt(value: float, step: float) -> str:
    """An axis label with as many decimals as the grid step needs (99.5 and 99.75 differ)."""
    decimals = 0 if step >= 1 else 1 if step >= 0.1 else 2
    return f"{value:,.{decimals}f}"


def chart_svg(chart: Chart) -> str:
    values = [v for s in chart.series for v in s.values if v is not None]
    n = len(chart.categories)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max(values)) if values else 1.0
    lo = 0.0
    if values and chart.kind == "line" and min(values) > top * 0.8 and top > 0:
        # Availability-like series (99.x %) would be a flat line on a 0-based axis.
        lo = max(0.0, min(values) - (top - min(values)) * 0.5 - 0.01)
    span = (top - lo) or 1.0

    def y(v: float) -> float:
        return TOP + plot_h - (v - lo) / span * plot_h

    step = plot_w / max(n, 1)

    def x(i: int) -> float:
        return LEFT + step * (i + 0.5)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}" font-size="11">',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(chart.title)}'
        f"{escape(f'（{chart.unit}）' if chart.unit else '')}</text>",
    ]
    for k in range(5):
        v = lo + span * k / 4
        yy = y(v)
        out.append(
            f'<line x1="{LEFT}" y1="{yy:.1f}" x2="{WIDTH - RIGHT}" y2="{yy:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end">{escape(_fmt(v, span / 4))}</text>'
        )
    label_every = max(1, ceil(n / 16))
    for i, cat in enumerate(chart.categories):
        if i % label_every == 0:
            out.append(
                f'<text x="{x(i):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
                f"{escape(str(cat))}</text>"
            )
    nseries = max(len(chart.series), 1)
    for si, series in enumerate(chart.series):
        colour = COLOURS[si % len(COLOURS)]
        if chart.kind == "bar":
            bar_w = step * 0.8 / nseries
            for i, v in enumerate(series.values):
                if v is None:
                    continue
                bx = x(i) - step * 0.4 + bar_w * si
                out.append(
                    f'<rect x="{bx:.1f}" y="{y(v):.1f}" width="{bar_w:.1f}" '
                    f'height="{max(y(lo) - y(v), 0):.1f}" fill="{colour}"/>'
                )
        else:
            segment: list[str] = []
            for i, v in enumerate([*series.values, None]):
                if v is None:
                    if len(segment) > 1:
                        out.append(
                            f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                            f'points="{" ".join(segment)}"/>'
                        )
                    segment = []
                    continue
                segment.append(f"{x(i):.1f},{y(v):.1f}")
                out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"/>')
        lx = LEFT + si * 150
        ly = HEIGHT - 14
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{lx + 14}" y="{ly}">{escape(series.name)}</text>')
    if not values:
        out.append(
            f'<text x="{WIDTH / 2}" y="{TOP + plot_h / 2}" text-anchor="middle">データなし</text>'
        )
    out.append(
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333"/>'
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'stroke="#333"/></svg>'
    )
    return "".join(out)
