"""Reading and writing ``source_state`` rows."""

from __future__ import annotations

from dataclasses import asdict, fields

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jobs.schedule.sourcestate import SourceState
from service.schema import source_state as table

_COLUMNS = [f.name for f in fields(SourceState)]


def load_state(conn: Connection, source_id: str) -> SourceState:
    """The stored state of ``source_id``, or a blank one for a source never polled."""
    row = conn.execute(sa.select(table).where(table.c.source_id == source_id)).mappings().first()
    if row is None:
        return SourceState(source_id=source_id)
    return SourceState(**{name: row[name] for name in _COLUMNS})


def load_all(conn: Connection) -> dict[str, SourceState]:
    """Every stored state, by source id."""
    rows = conn.execute(sa.select(table)).mappings()
    return {row["source_id"]: SourceState(**{n: row[n] for n in _COLUMNS}) for row in rows}


def save_state(conn: Connection, state: SourceState) -> None:
    """Insert or replace the row of ``state.source_id`` (in the caller's transaction)."""
    values = asdict(state)
    updated = conn.execute(
        table.update().where(table.c.source_id == state.source_id).values(**values)
    )
    if updated.rowcount == 0:
        conn.execute(table.insert().values(**values))
