"""Projection checkpoints: the last position each projector has folded."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service.schema import checkpoints


def read_checkpoint(conn: Connection, name: str) -> int:
    """The last position ``name`` has folded (0 if it never ran)."""
    value = conn.execute(
        sa.select(checkpoints.c.position).where(checkpoints.c.name == name)
    ).scalar()
    return int(value or 0)


def write_checkpoint(conn: Connection, name: str, position: int, now: datetime) -> None:
    """Record that ``name`` has folded everything up to ``position`` (same transaction)."""
    updated = conn.execute(
        checkpoints.update()
        .where(checkpoints.c.name == name)
        .values(position=position, updated_at=now)
    )
    if updated.rowcount == 0:
        conn.execute(checkpoints.insert().values(name=name, position=position, updated_at=now))
