"""The score index: one row per ``ScoreReported`` (board, method, model, snapshot time, value).

A model's history ranks it among the rows of each snapshot it was listed in: the index answers
"how many distinct scores above this one" with one index range per snapshot instead of decoding
every payload of the board (``service.scorehistory``). One row per model and snapshot: a snapshot
read again keeps its later row. Folded in the append's transaction (imports too) from events that
never change, so it needs neither a checkpoint nor a rebuild; migration 0009 filled it from the
log that existed then. Times are stored as the log stores them (``reader.stored_time``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from service import reader
from service.events import StoredEvent

#: A snapshot read again (same board, time, method and model) keeps its later row.
_INSERT = (
    "INSERT INTO board_scores (position, leaderboard, method, model, occurred_at, value) "
    "VALUES ({0}, {0}, {0}, {0}, {0}, {0}) "
    "ON CONFLICT (leaderboard, occurred_at, method, model) DO UPDATE SET "
    "position = excluded.position, value = excluded.value "
    "WHERE excluded.position > board_scores.position"
)


class ScoreIndex:
    """Persisted projector of leaderboard rows."""

    name = "board_scores"

    def apply(self, conn: Connection, events: Sequence[StoredEvent]) -> None:
        rows = [
            (
                event.position,
                str(event.data["leaderboard"]),
                str(event.data["method"]),
                str(event.data["model"]),
                reader.stored_time(conn, event.occurred_at),
                float(event.data["value"]),
            )
            for event in events
            if event.type == "ScoreReported"
        ]
        if rows:
            mark = "?" if conn.dialect.name == "sqlite" else "%s"
            conn.exec_driver_sql(_INSERT.format(mark), rows)
