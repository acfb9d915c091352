"""The neighbours of a leaderboard snapshot, read from the log for ``decide``.

The listing in force at the snapshot's ``as_of`` comes from the standings projection as of that
time (the current state when nothing on the board is newer, else a past read: the one route to a
past state, ``ReadModel.view``); the next snapshot, for a snapshot that arrives late, is the
board's next snapshot time in the score index (``board_scores``, whatever source reported it),
and its listing the standings as of its time.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jobs.extract.boards import Neighbours, neighbours
from jobs.observation import Observation
from service import reader
from service.appendsql import stored_time
from service.clock import parse_time
from service.projections.standings import Standings
from service.readmodel import ReadModel
from service.schema import board_scores
from service.timepoint import At


class BoardReads:
    """Neighbours of the snapshots one poll decides (current standings read once)."""

    def __init__(self, conn: Connection, reads: ReadModel, standings: Standings) -> None:
        self._conn = conn
        self._reads = reads
        self._standings = standings

    def around(self, observation: Observation) -> tuple[dict[str, str], Neighbours | None]:
        """``({board: method in force at as_of}, neighbours)`` of a leaderboard snapshot."""
        as_of_text = observation.fields.get("as_of")
        board = str(observation.fields.get("leaderboard") or "")
        if observation.kind != "leaderboard" or not board or not isinstance(as_of_text, str):
            return {}, None
        around = neighbours(
            self._standings,
            board,
            parse_time(as_of_text),
            self._past,
            lambda moment: self._next_snapshot(board, moment),
        )
        before = around.before
        methods = {board: before.method} if before is not None and before.method else {}
        return methods, around

    def _past(self, moment: datetime) -> Standings:
        standings: Standings = self._reads.view(At(as_of=moment)).states["standings"]
        return standings

    def _next_snapshot(self, board: str, after: datetime) -> datetime | None:
        """The time of the board's first snapshot after ``after`` (an indexed seek)."""
        conn = self._conn
        # Compared as the driver stores times (SQLite: text with its offset, see reader).
        stored = sa.type_coerce(board_scores.c.occurred_at, sa.String)
        column = stored if conn.dialect.name == "sqlite" else board_scores.c.occurred_at
        query = sa.select(sa.func.min(column)).where(
            board_scores.c.leaderboard == board, column > reader.stored_time(conn, after)
        )
        found = conn.execute(query).scalar()
        return None if found is None else stored_time(found)
