"""When a model was on each board: its spells of listing, from its own stream (docs/design.md §6).

A spell begins with the first ``ScoreReported`` after the model was off the board (or ever) and
ends with a ``ScoreWithdrawn`` later than its last row — the snapshot that no longer listed it.
A model that left and came back has several spells; the last one's ``to`` is null while it lasts.
Withdrawals are what snapshots recorded (``jobs.extract.standings``); the standings fold
(``service.projections.standings``) is what ranks, so ``rank`` comes from there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from service.clock import format_time
from service.events import StoredEvent
from service.projections.standings import Standings, ranks

_TYPES = frozenset({"ScoreReported", "ScoreWithdrawn"})


def spells(stream: Iterable[StoredEvent]) -> dict[str, list[tuple[datetime, datetime | None]]]:
    """Per board, ``[(from, to)]`` oldest first (``to`` None: still listed)."""
    boards: dict[str, list[tuple[datetime, datetime | None]]] = {}
    last_row: dict[str, tuple[datetime, int]] = {}
    ordered = sorted(
        (e for e in stream if e.type in _TYPES), key=lambda e: (e.occurred_at, e.position)
    )
    for event in ordered:
        board = str(event.data.get("leaderboard"))
        found = boards.setdefault(board, [])
        moment = (event.occurred_at, event.position)
        listed = bool(found) and found[-1][1] is None
        if event.type == "ScoreReported":
            if not listed:
                found.append((event.occurred_at, None))
            last_row[board] = moment
        elif listed and moment > last_row[board]:
            found[-1] = (found[-1][0], event.occurred_at)
    return {board: found for board, found in boards.items() if found}


def board_listings(
    stream: Iterable[StoredEvent], standings: Standings, slug: str
) -> list[dict[str, Any]]:
    """The ``boards`` of a model view: each board it was ever listed on, by name, with its
    rank there (the standings', null when off the board) and its spells ``[{"from", "to"}]``."""
    out = []
    for board, found in sorted(spells(stream).items()):
        out.append(
            {
                "leaderboard": board,
                "rank": ranks(standings, board).get(slug),
                "spells": [
                    {"from": format_time(start), "to": format_time(end) if end else None}
                    for start, end in found
                ],
            }
        )
    return out
