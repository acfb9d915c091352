"""Stored alerts (``notify_alerts``) and the deriving follower's checkpoints.

Checkpoint ``notify`` is the last log position whose alerts are stored; ``notify-origin`` the
position derivation started from (a replay from further back derives the gap first).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from jobs.notify.alerts import Alert
from service.checkpoints import write_checkpoint
from service.schema import checkpoints
from service.schema import notify_alerts as table

CHECKPOINT = "notify"
ORIGIN = "notify-origin"


def checkpoint(conn: Connection, name: str = CHECKPOINT) -> int | None:
    """The stored position of checkpoint ``name``, or None if derivation never started."""
    value = conn.execute(
        sa.select(checkpoints.c.position).where(checkpoints.c.name == name)
    ).scalar()
    return None if value is None else int(value)


def set_checkpoint(conn: Connection, position: int, now: datetime, name: str = CHECKPOINT) -> None:
    write_checkpoint(conn, name, position, now)


def insert(conn: Connection, rows: Sequence[tuple[int, datetime, Alert]]) -> None:
    """Store ``(position, recorded_at, alert)`` rows; ones already stored are left alone."""
    if not rows:
        return
    values = [
        {"position": p, "key": a.key, "kind": a.kind, "recorded_at": r, "body": a.body}
        for p, r, a in rows
    ]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(values).on_conflict_do_nothing())


def positions(
    conn: Connection, after: int, until: int, kinds: Collection[str], limit: int = 200
) -> list[int]:
    """Positions in ``(after, until]`` that hold an alert of one of ``kinds``, oldest first."""
    c = table.c
    query = (
        sa.select(c.position)
        .where(c.position > after, c.position <= until, c.kind.in_(sorted(kinds)))
        .group_by(c.position)
        .order_by(c.position)
        .limit(limit)
    )
    return [int(p) for p in conn.execute(query).scalars()]


def at_position(conn: Connection, position: int) -> list[tuple[datetime, dict[str, Any]]]:
    """``(recorded_at, body)`` of every alert at ``position``, in key order."""
    c = table.c
    query = sa.select(c.recorded_at, c.body).where(c.position == position).order_by(c.key)
    return [(row[0], row[1]) for row in conn.execute(query)]
