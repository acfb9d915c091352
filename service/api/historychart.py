"""The history chart: score with its interval band over time, and the rank beside it (a second
panel on the same time axis). Inline SVG drawn on the server, like ``service.api.charts``.

One series per model (the compare page draws up to four on one axis). A method change breaks
a line (scores of different methods are not comparable); a point where the model left the
board is a cross at the foot of the score panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup, escape

from service.api.citystats import months_between
from service.clock import parse_time, shifted

WIDTH, LEFT, RIGHT = 760, 56, 12
SCORE_TOP, SCORE_HEIGHT = 12, 190
RANK_TOP, RANK_HEIGHT = 232, 80
HEIGHT = RANK_TOP + RANK_HEIGHT + 26
Timed = list[tuple[datetime, dict[str, Any]]]
#: Series colours, the same order on every page (colour-blind-safe Okabe–Ito hues).
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7")


@dataclass(frozen=True, slots=True)
class Series:
    """One model's points (``service.scorehistory`` shape) and how to label it."""

    slug: str
    name: str
    points: Sequence[dict[str, Any]]


def _scale(low: float, high: float, top: float, height: float, invert: bool) -> Any:
    span = (high - low) or 1.0

    def y(value: float) -> float:
        share = (value - low) / span
        return top + (share if invert else 1 - share) * height

    return y


def _ticks(start: datetime, end: datetime, x: Any) -> list[str]:
    body: list[str] = []
    months = months_between(start, end, most=240)[1:]
    every = max(1, -(-len(months) * 60 // (WIDTH - LEFT - RIGHT)))
    for index, month in enumerate(months):
        at = x(datetime.strptime(month, "%Y-%m").replace(tzinfo=start.tzinfo))
        body.append(f'<line x1="{at:.1f}" y1="{SCORE_TOP}" x2="{at:.1f}" '
                    f'y2="{RANK_TOP + RANK_HEIGHT}" class="tick"/>')  # fmt: skip
        if index % every == 0:
            body.append(f'<text x="{at + 2:.1f}" y="{HEIGHT - 8}" class="axis">{month}</text>')
    if not months:  # a span inside one month: name its ends
        for moment, anchor in ((start, "start"), (end, "end")):
            body.append(
                f'<text x="{x(moment):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" '
                f'class="axis">{moment.date().isoformat()}</text>'
            )
    return body


def _segments(points: Timed) -> list[Timed]:
    """Runs of listed points under one method (a line never joins two methods or a gap)."""
    runs: list[Timed] = []
    for moment, point in points:
        if point["status"] != "listed":
            runs.append([])
            continue
        if not runs or not runs[-1] or runs[-1][-1][1]["method"] != point["method"]:
            runs.append([])
        runs[-1].append((moment, point))
    return [run for run in runs if run]


def history_chart(series: Sequence[Series], label: str = "Score and rank over time") -> Markup:
    """Score band, score line and rank line per series, on one time axis."""
    timed = [[(parse_time(p["as_of"]), p) for p in s.points] for s in series]
    moments = [moment for points in timed for moment, _p in points]
    listed = [p for points in timed for _m, p in points if p["status"] == "listed"]
    if not listed:
        return Markup('<p class="empty" data-testid="history-empty">No scores on this board.</p>')
    start, end = min(moments), max(moments)
    if end - start < timedelta(days=2):
        start, end = shifted(start, -timedelta(days=1)), shifted(end, timedelta(days=1))
    lows = [_bound(p, "ci_low") for p in listed]
    highs = [_bound(p, "ci_high") for p in listed]
    pad = max((max(highs) - min(lows)) * 0.08, 1.0)
    score_y = _scale(min(lows) - pad, max(highs) + pad, SCORE_TOP, SCORE_HEIGHT, False)
    worst = max(p["rank"] or 1 for p in listed)
    rank_y = _scale(1, max(worst, 2), RANK_TOP, RANK_HEIGHT, True)
    total = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (moment - start).total_seconds() / total

    body = _frame(min(lows) - pad, max(highs) + pad, worst)
    body += _ticks(start, end, x)
    for index, (one, points) in enumerate(zip(series, timed, strict=True)):
        body += _series(one, points, COLOURS[index % len(COLOURS)], x, score_y, rank_y)
    return Markup(
        f'<svg class="chart history" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{escape(label)}" data-testid="history-chart" '
        f'xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>"
    )


def _frame(low: float, high: float, worst: int) -> list[str]:
    bottom = SCORE_TOP + SCORE_HEIGHT
    return [
        f'<text x="4" y="{SCORE_TOP + 10}" class="axis">{high:.0f}</text>',
        f'<text x="4" y="{bottom}" class="axis">{low:.0f}</text>',
        f'<text x="4" y="{SCORE_TOP + SCORE_HEIGHT / 2:.0f}" class="axis">score</text>',
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" class="tick"/>',
        f'<text x="4" y="{RANK_TOP + 8}" class="axis">#1</text>',
        f'<text x="4" y="{RANK_TOP + RANK_HEIGHT}" class="axis">#{max(worst, 2)}</text>',
        f'<text x="4" y="{RANK_TOP + RANK_HEIGHT / 2 + 4:.0f}" class="axis">rank</text>',
    ]


def _tip(name: str, point: dict[str, Any]) -> str:
    day = point["as_of"][:10]
    if point["status"] != "listed":
        return f"{name}, {day}: left the board"
    interval = (
        f" ({point['ci_low']:g}–{point['ci_high']:g})"
        if point["ci_low"] is not None and point["ci_high"] is not None
        else ""
    )
    votes = f", {point['votes']} votes" if point.get("votes") is not None else ""
    return (
        f"{name}, {day}: score {point['score']:g}{interval}, rank {point['rank'] or '?'}"
        f"{votes}, weights {point['weights']}"
    )


def _with_interval(run: Timed) -> list[Timed]:
    """Stretches of consecutive points that carry an interval (a band never spans a gap)."""
    stretches: list[Timed] = [[]]
    for moment, point in run:
        if point["ci_low"] is None or point["ci_high"] is None:
            stretches.append([])
        else:
            stretches[-1].append((moment, point))
    return [stretch for stretch in stretches if stretch]


def _band(stretch: Timed, colour: str, x: Any, sy: Any) -> str:
    """The interval as a shaded band, or as an error bar where only one point has one."""
    if len(stretch) == 1:
        moment, point = stretch[0]
        at, top, low = x(moment), sy(point["ci_high"]), sy(point["ci_low"])
        return (f'<path d="M{at - 4:.1f},{top:.1f} h8 M{at:.1f},{top:.1f} V{low:.1f} '
                f'M{at - 4:.1f},{low:.1f} h8" stroke="{colour}" stroke-opacity="0.6" '
                'fill="none" class="band" data-testid="history-band"/>')  # fmt: skip
    upper = [(x(m), sy(p["ci_high"])) for m, p in stretch]
    lower = [(x(m), sy(p["ci_low"])) for m, p in stretch]
    outline = " ".join(f"{a:.1f},{b:.1f}" for a, b in upper + lower[::-1])
    return (f'<polygon points="{outline}" fill="{colour}" fill-opacity="0.18" '
            'class="band" data-testid="history-band"/>')  # fmt: skip


def _bound(point: dict[str, Any], name: str) -> float:
    """An interval bound, or the score where the board published no interval."""
    value = point[name]
    return float(point["score"] if value is None else value)


def _series(one: Series, points: Timed, colour: str, x: Any, sy: Any, ry: Any) -> list[str]:
    body: list[str] = []
    for run in _segments(points):
        for stretch in _with_interval(run):
            body.append(_band(stretch, colour, x, sy))
        for panel, get in ((sy, "score"), (ry, "rank")):
            line = " ".join(f"{x(m):.1f},{panel(p[get] or 0):.1f}" for m, p in run if p[get])
            body.append(f'<polyline points="{line}" fill="none" stroke="{colour}" '
                        f'stroke-width="2" class="{get}-line"/>')  # fmt: skip
    for moment, point in points:
        tip = escape(_tip(one.name, point))
        cx = x(moment)
        if point["status"] != "listed":
            foot = SCORE_TOP + SCORE_HEIGHT - 6
            body.append(f'<path d="M{cx - 5:.1f},{foot - 5} l10,10 m0,-10 l-10,10" '
                        f'stroke="{colour}" stroke-width="2" class="left-mark" '
                        f'data-testid="history-left"><title>{tip}</title></path>')  # fmt: skip
            continue
        body.append(f'<circle cx="{cx:.1f}" cy="{sy(point["score"]):.1f}" r="3.5" '
                    f'fill="{colour}" class="point" data-testid="history-point" '
                    f'data-model="{escape(one.slug)}" data-as-of="{point["as_of"][:10]}">'
                    f"<title>{tip}</title></circle>")  # fmt: skip
        if point["rank"]:
            body.append(f'<circle cx="{cx:.1f}" cy="{ry(point["rank"]):.1f}" r="3" '
                        f'fill="{colour}" class="rank-point" data-testid="rank-point" '
                        f'data-rank="{point["rank"]}"><title>{tip}</title></circle>')  # fmt: skip
    return body
