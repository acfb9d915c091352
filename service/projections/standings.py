"""The standings fold: per board, the models of the snapshot in force under the current method.

Scores are only comparable within one methodology version (LMArena moved its confidence
intervals to a closed form and re-weighted battles on 2025-07-23,
https://news.lmarena.ai/leaderboard-changelog; Artificial Analysis re-baselines its index
between versions), so each board keeps its rows per method and ranks only those of its
*current* method (docs/design.md §4):

- the current method is that of the latest method mark (``LeaderboardMethodChanged``) or
  complete snapshot (by ``occurred_at``, then position), else the method of the board's earliest
  score: a complete snapshot is the board, so its method is the board's from then on;
- a method change starts fresh standings: only scores of the new method from the start of its
  run count — its newest complete snapshot, else the mark that began the run (a row appended
  just before the change event, for the same snapshot, still counts). A mark naming the method
  already in force changes nothing, so the board keeps its marks (a handful per board, one per
  change of method) to find where the current method's run began;
- **the snapshot in force**: a row of a complete snapshot (every ``ScoreReported`` unless it
  says ``complete: false``, as rows of a top-N extract do) dates the board's listing. Only rows
  at or after the method's latest complete snapshot are ranked, so a model that snapshot no
  longer lists is not ranked from then on, whatever order the snapshots arrived in, and an
  ``as_of`` view ranks exactly the snapshot in force then. Rows of partial extracts newer than
  that snapshot update or add models without removing any;
- a ``ScoreWithdrawn`` later than a model's latest row takes it off the board too (it agrees
  with the rule above for the withdrawals snapshots record; it lets other sources say so);
- "latest" is by ``occurred_at`` (the snapshot's as-of time), then position, so a backfilled
  old snapshot never overrides a newer one.

Every rule keeps the latest of something (row per model, snapshot time per method, mark,
withdrawal per model), so the state is the same whatever order the events were appended in, and
its size follows the boards' models, not the log.

Mutable fold (see ``service.projections.digest``): ``apply`` changes ``state`` in place and
returns it; ``copy`` makes an independent snapshot. Ranking happens in ``standings_view``.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.events import Foldable
from service.projections.catalog import Catalog
from service.projections.catalog_view import place_of
from service.projections.catalog_view import weights as weights_of
from service.projections.facts import open_weights_of
from service.projections.weights import open_weights_flag

#: ``(occurred_at, position, value, board_rank, row_open_weights, ci_low, ci_high, votes)``
Row = tuple[datetime, int, float, int | None, bool | None, float | None, float | None, int | None]
#: ``(occurred_at, position, method)``
Mark = tuple[datetime, int, str]
#: ``(occurred_at, position)``
Moment = tuple[datetime, int]


@dataclass(slots=True)
class Board:
    """One leaderboard: method marks, the latest row per model per method, snapshot times."""

    first: Mark | None = None
    #: Every ``LeaderboardMethodChanged``, oldest first.
    marks: list[Mark] = field(default_factory=list)
    rows: dict[str, dict[str, Row]] = field(default_factory=dict)
    #: Per method, its latest complete snapshot: ``(occurred_at, position)`` of its last row.
    snapshots: dict[str, Moment] = field(default_factory=dict)
    #: Per model, its latest ``ScoreWithdrawn``.
    withdrawn: dict[str, Moment] = field(default_factory=dict)


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
    # Every row of every board snapshot comes here: the hot path of a rebuild, kept flat.
    data = event.data
    when, position, method = event.occurred_at, event.position, data["method"]
    board = state.boards.get(data["leaderboard"]) or _board(state, data["leaderboard"])
    first = board.first
    if first is None or when < first[0] or (when == first[0] and position < first[1]):
        board.first = (when, position, method)
    rows = board.rows.get(method)
    if rows is None:
        rows = board.rows[method] = {}
    if data.get("complete", True):
        listed = board.snapshots.get(method)
        if listed is None or when > listed[0] or (when == listed[0] and position > listed[1]):
            board.snapshots[method] = (when, position)
    model = data["model"]
    old = rows.get(model)
    if old is None or when > old[0] or (when == old[0] and position > old[1]):
        rows[model] = (
            when, position, data["value"], data.get("rank"),
            open_weights_of(data) if "open_weights" in data or "license" in data else None,
            data.get("ci_low"), data.get("ci_high"), data.get("votes"),
        )  # fmt: skip
    return state


def _withdrawn(state: Standings, event: Foldable) -> Standings:
    board = _board(state, event.data["leaderboard"])
    model, mark = event.data["model"], (event.occurred_at, event.position)
    old = board.withdrawn.get(model)
    if old is None or mark > old:
        board.withdrawn[model] = mark
    return state


def _method_changed(state: Standings, event: Foldable) -> Standings:
    board = _board(state, event.data["leaderboard"])
    mark = (event.occurred_at, event.position, event.data["method"])
    marks = board.marks
    if not marks or mark[:2] > marks[-1][:2]:
        marks.append(mark)
    else:
        insort(marks, mark, key=_moment)
    return state


def _moment(mark: Mark) -> Moment:
    return mark[0], mark[1]


HANDLERS: dict[str, Callable[[Standings, Foldable], Standings]] = {
    "ScoreReported": _score,
    "LeaderboardMethodChanged": _method_changed,
    "ScoreWithdrawn": _withdrawn,
}


def apply(state: Standings, event: Foldable) -> Standings:
    """Fold one event into the standings (in place); other event types are ignored."""
    handler = HANDLERS.get(event.type)
    return handler(state, event) if handler else state


def current_method(board: Board) -> str | None:
    """The method whose scores ``board`` ranks now, or None before any score or change."""
    latest = _latest_definition(board)
    if latest is not None:
        return latest[2]
    return board.first[2] if board.first is not None else None


def _latest_definition(board: Board, other_than: str | None = None) -> Mark | None:
    """The newest method mark or complete snapshot (of a method other than ``other_than``)."""
    found: Mark | None = None
    for mark in reversed(board.marks):
        if mark[2] != other_than:
            found = mark
            break
    for method, moment in board.snapshots.items():
        if method != other_than and (found is None or moment > found[:2]):
            found = (moment[0], moment[1], method)
    return found


def method_floor(board: Board, method: str) -> datetime | None:
    """Where ``method``'s current run began: its newest complete snapshot if that is within
    the run, else the mark that started the run (None: it has been in force from the start).
    Before any mark or complete snapshot the first score's method is in force, so the first
    mark of another method starts that method's run."""
    other = _latest_definition(board, other_than=method)
    own = board.snapshots.get(method)
    if own is not None and (other is None or own > other[:2]):
        return own[0]
    if other is None:
        first = board.first
        if first is None or first[2] == method or not board.marks:
            return None
        return board.marks[0][0]  # every mark names ``method`` here: the earliest began it
    run = [mark for mark in board.marks if mark[2] == method and mark[:2] > other[:2]]
    return run[0][0] if run else other[0]


def current_rows(board: Board) -> dict[str, Row]:
    """The rows the board ranks: its current method's, of the snapshot in force (since the
    method's run began, ``method_floor``), without models withdrawn after their latest row."""
    method = current_method(board)
    if method is None:
        return {}
    floor = method_floor(board, method)
    withdrawn = board.withdrawn
    listed = {}
    for model, row in board.rows.get(method, {}).items():
        if floor is not None and row[0] < floor:
            continue
        gone = withdrawn.get(model)
        if gone is not None and gone > (row[0], row[1]):
            continue
        listed[model] = row
    return listed


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
    claim) and ``open_weights`` follows from it. ``ci_low``/``ci_high`` (the board's interval)
    and ``votes`` are the row's where the board publishes them, else null. ``board_rank`` is the
    rank the board itself published, if any; ``method`` names the method the scores belong to.
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
                "ci_low": row[5],
                "ci_high": row[6],
                "votes": row[7],
                "open_weights": weights,
                "weights": status,
                "board_rank": row[3],
            }
        )
    method = current_method(board) if board is not None else None
    return {"leaderboard": leaderboard, "method": method, "rows": rows}
