"""What the dashboard draws about uncertainty and history, from plain rows and points."""

from __future__ import annotations

import re
from typing import Any

from service.api.historychart import Series, history_chart
from service.api.uncertainty import tied_with_leader


def row(model: str, rank: int, low: float | None, high: float | None) -> dict[str, Any]:
    return {"model": model, "rank": rank, "ci_low": low, "ci_high": high}


def test_ties_are_intervals_overlapping_the_leaders() -> None:
    """Given intervals, the models whose interval reaches the leader's are tied with it."""
    rows = [
        row("glm", 1, 1454, 1464),
        row("gemini", 2, 1453, 1461),
        row("qwen", 3, 1450, 1454),  # touches the leader's lower bound: tied
        row("kimi", 4, 1421, 1431),
        row("nameless", 5, None, None),
    ]
    assert tied_with_leader(rows) == {"gemini", "qwen"}
    assert tied_with_leader([row("glm", 1, None, None), row("qwen", 2, 1450, 1470)]) == set()
    assert tied_with_leader([]) == set()


def point(
    day: str, score: float | None, rank: int | None, method: str = "v1", **extra: Any
) -> dict:
    base = {"as_of": f"2025-{day}T00:00:00.000000+00:00", "status": "listed", "method": method,
            "score": score, "ci_low": None, "ci_high": None, "votes": None, "rank": rank,
            "board_rank": rank, "weights": "open", "position": 1}  # fmt: skip
    return {**base, **extra}


def test_chart_breaks_lines_at_method_changes_and_marks_leaving() -> None:
    """Two methods draw two score lines; a band only where intervals are; a cross where the
    model left the board; every point has a tooltip."""
    points = [
        point("07-01", 1400, 3, ci_low=1395, ci_high=1405),
        point("07-08", 1410, 2, ci_low=1404, ci_high=1416),
        point("07-15", 1000, 5, method="v2"),
        {**point("07-22", None, None, method="v2"), "status": "left"},
    ]
    svg = str(history_chart([Series("m", "Model <M>", points)]))
    assert svg.count('class="score-line"') == 2 and svg.count('class="rank-line"') == 2
    assert svg.count('data-testid="history-band"') == 1 and "<polygon" in svg
    assert svg.count('data-testid="history-left"') == 1
    assert svg.count('data-testid="history-point"') == 3
    assert "Model &lt;M&gt;, 2025-07-08: score 1410 (1404–1416), rank 2" in svg
    assert "<M>" not in svg
    assert re.search(r"<svg[^>]+aria-label=", svg)


def test_chart_of_no_scores_says_so() -> None:
    assert "No scores" in str(history_chart([Series("m", "M", [])]))


def test_chart_of_scores_at_the_ends_of_the_calendar_draws() -> None:
    """A board may state any snapshot time: a lone point on 0001-01-01 or 9999-12-31 (whose
    one-day padding would leave the calendar) still draws, as do both together."""
    first = {**point("07-01", 1400, 1), "as_of": "0001-01-01T00:00:00.000000+00:00"}
    last = {**point("07-01", 1410, 1), "as_of": "9999-12-31T23:59:59.999999+00:00"}
    for points in ([first], [last], [first, last]):
        svg = str(history_chart([Series("m", "M", points)]))
        assert svg.count('data-testid="history-point"') == len(points), svg[:300]
