"""JSON-safe dump and load of the standings state (snapshots, digests), and its copy."""

from __future__ import annotations

from typing import Any

from service.clock import format_time, parse_time
from service.projections.dumpcache import DumpCache
from service.projections.loadcache import load_part
from service.projections.standings import Board, Mark, Row, Standings


def copy(state: Standings) -> Standings:
    """An independent snapshot of ``state`` (rows are immutable tuples)."""
    return Standings(
        {
            slug: Board(
                b.first,
                list(b.marks),
                {m: dict(rows) for m, rows in b.rows.items()},
                dict(b.snapshots),
                dict(b.withdrawn),
            )
            for slug, b in state.boards.items()
        }
    )


def _dump_mark(mark: Mark | None) -> list[Any] | None:
    return None if mark is None else [format_time(mark[0]), mark[1], mark[2]]


def _load_mark(dumped: list[Any] | None) -> Mark | None:
    return None if dumped is None else (parse_time(dumped[0]), dumped[1], dumped[2])


def _dump_rows(by_model: dict[str, Row]) -> dict[str, list[Any]]:
    return {model: [format_time(r[0]), *r[1:]] for model, r in by_model.items()}


def dump(state: Standings, cache: DumpCache | None = None) -> dict[str, Any]:
    """A JSON-safe dict of ``state`` (for snapshots and digests); with ``cache`` (light
    snapshots), each board's rows of a method as their JSON text, reused while they do not
    change, and the times of its snapshots and withdrawals as datetimes for orjson."""
    boards = {}
    for slug, board in state.boards.items():
        rows: dict[str, Any]
        if cache is None:
            rows = {method: _dump_rows(by_model) for method, by_model in board.rows.items()}
            snapshots: Any = {m: [format_time(t), p] for m, (t, p) in board.snapshots.items()}
            withdrawn: Any = {m: [format_time(t), p] for m, (t, p) in board.withdrawn.items()}
        else:
            rows = {
                method: cache.fragment(("rows", slug, method), by_model, _dump_rows)
                for method, by_model in board.rows.items()
            }
            # orjson writes the times itself (RFC 3339, which ``load`` reads as well): the
            # withdrawals grow with the race, and formatting each one was a fifth of a dump.
            snapshots, withdrawn = board.snapshots, board.withdrawn
        boards[slug] = {
            "first": _dump_mark(board.first),
            "marks": [_dump_mark(mark) for mark in board.marks],
            "rows": rows,
            "snapshots": snapshots,
            "withdrawn": withdrawn,
        }
    return {"boards": boards}


def load(dumped: dict[str, Any]) -> Standings:
    """The standings ``dump`` was made from."""
    state = Standings()
    for slug, board in dumped["boards"].items():
        rows = {
            method: load_part(by_model, _load_rows) for method, by_model in board["rows"].items()
        }
        state.boards[slug] = Board(
            _load_mark(board["first"]),
            _marks(board),
            rows,
            {m: (parse_time(t), p) for m, (t, p) in board.get("snapshots", {}).items()},
            {m: (parse_time(t), p) for m, (t, p) in board.get("withdrawn", {}).items()},
        )
    return state


def _load_rows(dumped: dict[str, list[Any]]) -> dict[str, Row]:
    return {model: _load_row(row) for model, row in dumped.items()}


def _marks(board: dict[str, Any]) -> list[Mark]:
    if "marks" in board:
        return [mark for dumped in board["marks"] if (mark := _load_mark(dumped)) is not None]
    change = _load_mark(board.get("change"))  # dumped when only the latest mark was kept
    return [change] if change is not None else []


def _load_row(dumped: list[Any]) -> Row:
    # Rows dumped before intervals and votes were kept have five fields: pad them with nulls.
    padded = (*dumped, None, None, None)[:8]
    return (parse_time(padded[0]), *padded[1:])  # type: ignore[return-value]
