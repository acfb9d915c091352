"""The neighbours of a leaderboard snapshot, read from the log for ``decide``.

The listing in force at the snapshot's ``as_of`` comes from the standings projection as of that
time (the current state when nothing on the board is newer, else a past read: the one route to a
past state, ``ReadModel.view``); the next snapshot, for a snapshot that arrives late, is the
source's next item in world time, and its listing the standings as of its time.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jobs.extract.boards import Neighbours, neighbours
from jobs.observation import Observation
from jobs.schedule.sourcefile import SourceConfig
from service.clock import parse_time
from service.projections.standings import Standings
from service.readmodel import ReadModel
from service.schema import events
from service.timepoint import At

_ITEMS = ("ItemObserved", "ItemRevised")


class BoardReads:
    """Neighbours of the snapshots one poll decides (current standings read once)."""

    def __init__(self, conn: Connection, reads: ReadModel, standings: Standings) -> None:
        self._conn = conn
        self._reads = reads
        self._standings = standings

    def around(
        self, source: SourceConfig, observation: Observation
    ) -> tuple[dict[str, str], Neighbours | None]:
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
            lambda moment: self._next_item(source.id, moment),
        )
        before = around.before
        methods = {board: before.method} if before is not None and before.method else {}
        return methods, around

    def _past(self, moment: datetime) -> Standings:
        standings: Standings = self._reads.view(At(as_of=moment)).states["standings"]
        return standings

    def _next_item(self, source_id: str, after: datetime) -> datetime | None:
        """World time of the source's first item after ``after`` (its next snapshot)."""
        query = sa.select(sa.func.min(events.c.occurred_at)).where(
            events.c.stream == f"source:{source_id}",
            events.c.type.in_(_ITEMS),
            events.c.occurred_at > after,
        )
        found: datetime | None = self._conn.execute(query).scalar()
        return found
