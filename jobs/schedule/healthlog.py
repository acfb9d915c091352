"""The source-health journal: one row per failed poll and per recovery, in the poll's transaction.

Source health is poll state, not a fact about the world, so it never enters the event log;
alert followers (``jobs.notify``) read this journal by id instead. For a reader that follows
ids to miss nothing, ids must become visible in id order: on PostgreSQL every writer takes a
transaction-scoped advisory lock before its insert, so a row's id is drawn and committed
before the next writer's; SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jobs.schedule.sourcestate import SourceState
from service.schema import source_health as table

_JOURNAL_LOCK = 0x63726F7768  # "crowh"


@dataclass(frozen=True, slots=True)
class HealthChange:
    """One journal row: ``failed`` (a failed poll, the count so far) or ``recovered``."""

    id: int
    source_id: str
    at: datetime
    status: str
    consecutive_errors: int
    error: str | None


def change(before: SourceState, after: SourceState) -> tuple[str, int] | None:
    """``(status, consecutive_errors)`` to journal for a poll that took ``before`` to ``after``;
    a recovery carries the count of failures it ended."""
    if after.consecutive_errors > before.consecutive_errors:
        return "failed", after.consecutive_errors
    if before.consecutive_errors > 0 and after.consecutive_errors == 0:
        return "recovered", before.consecutive_errors
    return None


def record(conn: Connection, before: SourceState, after: SourceState, now: datetime) -> None:
    """Journal the health change of one poll, if any, in the caller's transaction."""
    found = change(before, after)
    if found is None:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_JOURNAL_LOCK)))
    status, errors = found
    error = after.last_error if status == "failed" else None
    conn.execute(
        table.insert().values(
            source_id=after.source_id,
            at=now,
            status=status,
            consecutive_errors=errors,
            error=error,
        )
    )


def read_after(conn: Connection, after_id: int, limit: int = 100) -> list[HealthChange]:
    """Journal rows with ``id > after_id``, oldest first."""
    rows = conn.execute(
        sa.select(table).where(table.c.id > after_id).order_by(table.c.id).limit(limit)
    ).mappings()
    return [HealthChange(**row) for row in rows]


def last_id(conn: Connection) -> int:
    """The newest journal id (0 if empty)."""
    return int(conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0)
