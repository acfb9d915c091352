"""The standings fold: per leaderboard, the latest score of each model under the current method.

Scores are only comparable within one methodology version (LMArena moved its confidence
intervals to a closed form and re-weighted battles on 2025-07-23,
https://news.lmarena.ai/leaderboard-changelog; Artificial Analysis re-baselines its index
between versions), so each board keeps its rows per method and ranks only those of its
*current* method:

- the current method is that of the latest ``LeaderboardMethodChanged`` (by ``occurred_at``,
  then position), else the method of the board's earliest score;
- a method change starts fresh standings: only scores of the new method that occurred at or
  after the change count (so a row appended just before the change event, for the same
  snapshot, still counts);
- "latest" is by ``occurred_at`` (the snapshot's as-of time), then position, so a backfilled
  old snapshot never overrides a newer one.

Mutable fold (see ``service.projections.digest``): ``apply`` changes ``state`` in place and
returns it; ``copy`` makes an independent snapshot. Ranking happens in ``standings_view``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.clock import format_time, parse_time
from service.events import Foldable
from service.projections.catalog import Catalog
from service.projections.catalog_view import place_of
from service.projections.catalog_view import weights as weights_of
from service.projections.facts import open_weights_of
from service.projections.weights import open_weights_flag

#: ``(occurred_at, position, value, board_rank, row_open_weights)``
Row = tuple[datetime, int, float, int | None, bool | None]
#: ``(occurred_at, position, method)``
Mark = tuple[datetime, int, str]


@dataclass(slots=True)
class Board:
    """One leaderboard: its method marks and the latest row per model, per method."""

    first: Mark | None = None
    change: Mark | None = None
    rows: dict[str, dict[str, Row]] = field(default_factory=dict)


@dataclass(slots=True)
class Standings:
    """Every leaderboard seen, by slug."""

    boards: dict[str, Board] = field(default_factory=dict)


def initial() -> Standings:
    """No boards yet."""
    return Standings()


def _board(state: Standings, slug: str) -> Board:
    board = state.boards.get(slug)
    if board is None:
        board = state.boards[slug] = Board()
    return board


def _score(state: Standings, event: Foldable) -> Standings:
    data = event.data
    when, position, method = event.occurred_at, event.position, data["method"]
    board = _board(state, data["leaderboard"])
    first = board.first
    if first is None or when < first[0] or (when == first[0] and position < first[1]):
        board.first = (when, position, method)
    rows = board.rows.get(method)
    if rows is None:
        rows = board.rows[method] = {}
    model = data["model"]
    old = rows.get(model)
    if old is None or when > old[0] or (when == old[0] and position > old[1]):
        rows[model] = (when, position, data["value"], data.get("rank"), open_weights_of(data))
    return state


def _method_changed(state: Standings, event: Foldable) -> Standings:
    board = _board(state, event.data["leaderboard"])
    mark = (event.occurred_at, event.position, event.data["method"])
    if board.change is None or mark[:2] > board.change[:2]:
        board.change = mark
    return state


HANDLERS: dict[str, Callable[[Standings, Foldable], Standings]] = {
    "ScoreReported": _score,
    "LeaderboardMethodChanged": _method_changed,
}


def apply(state: Standings, event: Foldable) -> Standings:
    """Fold one event into the standings (in place); other event types are ignored."""
    handler = HANDLERS.get(event.type)
    return handler(state, event) if handler else state


def current_method(board: Board) -> str | None:
    """The method whose scores ``board`` ranks now, or None before any score or change."""
    mark = board.change or board.first
    return mark[2] if mark else None


def current_rows(board: Board) -> dict[str, Row]:
    """The latest row per model under the board's current method, since its last change."""
    method = current_method(board)
    rows = board.rows.get(method, {}) if method is not None else {}
    if board.change is None:
        return rows
    since = board.change[0]
    return {model: row for model, row in rows.items() if row[0] >= since}


def ranked(board: Board | None) -> list[tuple[int, str, Row]]:
    """``(rank, model, row)`` by score descending then slug; equal scores share a dense rank."""
    if board is None:
        return []
    ordered = sorted(current_rows(board).items(), key=lambda item: (-item[1][2], item[0]))
    out: list[tuple[int, str, Row]] = []
    rank, previous = 0, None
    for model, row in ordered:
        if row[2] != previous:
            rank, previous = rank + 1, row[2]
        out.append((rank, model, row))
    return out


def ranks(state: Standings, leaderboard: str) -> dict[str, int]:
    """``{model: rank}`` on ``leaderboard`` now (every model, open or closed)."""
    return {model: rank for rank, model, _row in ranked(state.boards.get(leaderboard))}


def standings_view(
    standings: Standings,
    catalog: Catalog,
    leaderboard: str,
    open_weights: bool | None = None,
    lab: str | None = None,
    city: str | None = None,
) -> dict[str, Any]:
    """docs/design.md §6 ``standings`` without the time fields (the caller adds those).

    ``rank`` is the model's dense rank on the whole board; the filters select rows and do not
    renumber them, so a lab's models show where they stand overall. ``weights`` of a row is the
    model's weights status (``service.projections.weights``: a row's licence column is only a
    claim) and ``open_weights`` follows from it. ``board_rank`` is the rank the
    board itself published, if any; ``method`` names the method the scores belong to.
    """
    board = standings.boards.get(leaderboard)
    city_key = city.lower() if city is not None else None
    rows = []
    for rank, model, row in ranked(board):
        model_lab, model_city, _country = place_of(catalog, model)
        status = weights_of(catalog, model)
        weights = open_weights_flag(status)
        if open_weights is not None and weights is not open_weights:
            continue
        if lab is not None and model_lab != lab:
            continue
        if city_key is not None and (model_city or "").lower() != city_key:
            continue
        rows.append(
            {
                "rank": rank,
                "model": model,
                "lab": model_lab,
                "city": model_city,
                "score": row[2],
                "open_weights": weights,
                "weights": status,
                "board_rank": row[3],
            }
        )
    method = current_method(board) if board is not None else None
    return {"leaderboard": leaderboard, "method": method, "rows": rows}


def copy(state: Standings) -> Standings:
    """An independent snapshot of ``state`` (rows are immutable tuples)."""
    return Standings(
        {
            slug: Board(b.first, b.change, {m: dict(rows) for m, rows in b.rows.items()})
            for slug, b in state.boards.items()
        }
    )


def _dump_mark(mark: Mark | None) -> list[Any] | None:
    return None if mark is None else [format_time(mark[0]), mark[1], mark[2]]


def _load_mark(dumped: list[Any] | None) -> Mark | None:
    return None if dumped is None else (parse_time(dumped[0]), dumped[1], dumped[2])


def dump(state: Standings) -> dict[str, Any]:
    """A JSON-safe dict of ``state`` (for snapshots and digests)."""
    boards = {}
    for slug, board in state.boards.items():
        rows = {
            method: {model: [format_time(r[0]), *r[1:]] for model, r in by_model.items()}
            for method, by_model in board.rows.items()
        }
        boards[slug] = {
            "first": _dump_mark(board.first),
            "change": _dump_mark(board.change),
            "rows": rows,
        }
    return {"boards": boards}


def load(dumped: dict[str, Any]) -> Standings:
    """The standings ``dump`` was made from."""
    state = Standings()
    for slug, board in dumped["boards"].items():
        rows = {
            method: {model: (parse_time(r[0]), *r[1:]) for model, r in by_model.items()}
            for method, by_model in board["rows"].items()
        }
        state.boards[slug] = Board(_load_mark(board["first"]), _load_mark(board["change"]), rows)
    return state
