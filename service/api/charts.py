"""Charts as inline SVG, drawn on the server: no script, no network, readable without CSS.

Every text goes through ``markupsafe.escape``; each bar carries a ``<title>`` (a tooltip in
browsers, and what a screen reader announces).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from service.api.citystats import BUCKETS, Month, Monthly, bucket, months_between
from service.clock import parse_time

#: One colour per city, the same on every chart (and in the CSS legend).
PALETTE = {
    "Beijing": "#c0392b",
    "Shanghai": "#2471a3",
    "Hangzhou": "#1e8449",
    "Shenzhen": "#d68910",
    "Other": "#7f8c8d",
}
WIDTH = 760
LABEL = 170  # left gutter for lane labels
LANE = 26
TICK_LABEL = 52  # pixels a "2025-07" label needs; denser months label every k-th
LANE_CHARS = 26


def _every(count: int, room: float) -> int:
    """Label every k-th of ``count`` ticks so labels ``TICK_LABEL`` apart fit in ``room``."""
    return max(1, -(-count * TICK_LABEL // max(int(room), 1)))


def _short(name: str) -> str:
    return name if len(name) <= LANE_CHARS else name[: LANE_CHARS - 1] + "…"


def colour(city: str | None) -> str:
    return PALETTE[bucket(city)]


def _svg(height: int, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(body)
        + "</svg>"
    )


def crown_timeline(
    reigns: Sequence[dict[str, Any]], names: dict[str, str], now: datetime
) -> Markup:
    """The reigns as bars over time: one lane per model that held the crown, coloured by city."""
    if not reigns:
        return Markup('<p class="empty">No open-weights model has held the crown yet.</p>')
    start = parse_time(reigns[0]["from"])
    end = max(now, start)
    total = max((end - start).total_seconds(), 1.0)
    lanes: list[str] = []
    for reign in reigns:
        if reign["model"] not in lanes:
            lanes.append(reign["model"])
    span = WIDTH - LABEL - 10

    def x(moment: datetime) -> float:
        return LABEL + span * max(0.0, (moment - start).total_seconds()) / total

    body: list[str] = []
    months = months_between(start, end, most=240)[1:]  # the first starts before the axis
    every = _every(len(months), span)
    for index, month in enumerate(months):
        tick = x(datetime.strptime(month, "%Y-%m").replace(tzinfo=start.tzinfo))
        body.append(
            f'<line x1="{tick:.1f}" y1="0" x2="{tick:.1f}" y2="{LANE * len(lanes)}" class="tick"/>'
        )
        if index % every == 0:
            body.append(
                f'<text x="{tick + 2:.1f}" y="{LANE * len(lanes) + 14}" class="axis">{month}</text>'
            )
    for lane, model in enumerate(lanes):
        y = lane * LANE
        body.append(
            f'<text x="{LABEL - 6}" y="{y + 17}" text-anchor="end" class="lane">'
            f"<title>{escape(names.get(model, model))}</title>"
            f"{escape(_short(names.get(model, model)))}</text>"
        )
    for reign in reigns:
        y = lanes.index(reign["model"]) * LANE
        left = x(parse_time(reign["from"]))
        right = x(parse_time(reign["to"]) if reign["to"] else end)
        tip = (
            f"{names.get(reign['model'], reign['model'])} ({reign['city'] or 'unknown city'}): "
            f"{reign['from'][:10]} – {reign['to'][:10] if reign['to'] else 'now'}, "
            f"{reign['days']} days"
        )
        body.append(
            f'<rect x="{left:.1f}" y="{y + 4}" width="{max(right - left, 2):.1f}" '
            f'height="{LANE - 8}" fill="{colour(reign["city"])}" rx="3">'
            f"<title>{escape(tip)}</title></rect>"
        )
    return _svg(LANE * len(lanes) + 22, "Crown timeline", body)


def monthly_bars(series: Monthly, months: list[Month], label: str, unit: str) -> Markup:
    """Grouped bars: per month, one bar per city bucket."""
    if not months:
        return Markup(f'<p class="empty">No data for {escape(label.lower())} yet.</p>')
    height, top, bottom = 200, 10, 24
    peak = max([v for m in months for v in series.get(m, {}).values()] + [1.0])
    group = (WIDTH - 40) / len(months)
    bar = max(group / (len(BUCKETS) + 1), 1.0)
    scale = (height - top - bottom) / peak
    body = [
        f'<text x="0" y="{top + 8}" class="axis">{peak:g} {escape(unit)}</text>',
        f'<line x1="40" y1="{height - bottom}" x2="{WIDTH}" y2="{height - bottom}" class="tick"/>',
    ]
    every = _every(len(months), WIDTH - 40)
    for index, month in enumerate(months):
        left = 40 + index * group
        if index % every == 0:
            body.append(
                f'<text x="{left + group / 2:.1f}" y="{height - 8}" text-anchor="middle" '
                f'class="axis">{month}</text>'
            )
        for offset, city in enumerate(BUCKETS):
            value = series.get(month, {}).get(city, 0.0)
            if value <= 0:
                continue
            tall = value * scale
            body.append(
                f'<rect x="{left + (offset + 0.5) * bar:.1f}" y="{height - bottom - tall:.1f}" '
                f'width="{bar * 0.9:.1f}" height="{tall:.1f}" fill="{PALETTE[city]}">'
                f"<title>{escape(f'{city}, {month}: {value:.3g} {unit}')}</title></rect>"
            )
    return _svg(height, label, body)
