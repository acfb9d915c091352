"""The scoring method each leaderboard used at a given time, for deciding method changes.

A snapshot records ``LeaderboardMethodChanged`` when its method differs from the method in
force at its own ``as_of`` — not from the board's latest — so an archive backfilled after a
newer snapshot still marks each change at the date it happened.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from jobs.extract.names import slugify
from jobs.observation import Observation
from service import reader
from service.clock import parse_time
from service.projections.standings import Standings

Mark = tuple[datetime, int, str]


class BoardMethods:
    """Method history of the boards a poll touches (read from their streams, once each)."""

    def __init__(self, conn: Connection, standings: Standings) -> None:
        self._conn = conn
        self._standings = standings
        self._changes: dict[str, list[Mark]] = {}

    def at(self, observation: Observation) -> dict[str, str]:
        """``{board: method in force at the snapshot's as_of}`` for a leaderboard observation."""
        if observation.kind != "leaderboard":
            return {}
        board = str(observation.fields.get("leaderboard") or "")
        as_of = observation.fields.get("as_of")
        if not board or not isinstance(as_of, str):
            return {}
        method = self.method_at(board, parse_time(as_of))
        return {board: method} if method else {}

    def method_at(self, board: str, moment: datetime) -> str | None:
        """The latest change at or before ``moment``, else the board's first scored method."""
        marks = [mark for mark in self._history(board) if mark[0] <= moment]
        if marks:
            return max(marks)[2]
        first = self._standings.boards.get(board)
        if first is not None and first.first is not None and first.first[0] <= moment:
            return first.first[2]
        return None

    def _history(self, board: str) -> list[Mark]:
        if board not in self._changes:
            events = reader.fetch(
                self._conn, 0, limit=100_000, stream=f"leaderboard:{slugify(board)}"
            )
            self._changes[board] = [
                (e.occurred_at, e.position, str(e.data["method"]))
                for e in events
                if e.type == "LeaderboardMethodChanged"
            ]
        return self._changes[board]
