"""Target rows (``notify_targets``) and the delivery log (``notify_deliveries``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jobs.notify.targetstate import TargetState
from jobs.schedule import healthlog
from service import appendsql
from service.clock import format_time
from service.schema import notify_deliveries, notify_targets

_COLUMNS = [f.name for f in fields(TargetState)]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One delivery attempt, for the log."""

    target: str
    delivery: str
    kind: str  # live | replay | test
    outcome: str  # delivered | failed
    attempted_at: datetime
    alerts: int
    http_status: int | None
    duration_ms: int
    error: str | None


def load(conn: Connection, name: str) -> TargetState | None:
    """The stored state of target ``name``, or None if it was never configured."""
    row = (
        conn.execute(sa.select(notify_targets).where(notify_targets.c.name == name))
        .mappings()
        .first()
    )
    return None if row is None else TargetState(**{key: row[key] for key in _COLUMNS})


def load_or_start(conn: Connection, name: str, now: datetime) -> TargetState:
    """The state of ``name``; a target seen for the first time starts at the head of the log
    and of the source-health journal (no flood of history)."""
    state = load(conn, name)
    if state is not None:
        return state
    state = TargetState(
        name=name,
        position=appendsql.head(conn)[0],
        health_id=healthlog.last_id(conn),
        created_at=now,
    )
    conn.execute(notify_targets.insert().values(**asdict(state)))
    return state


def save(conn: Connection, state: TargetState) -> None:
    values = asdict(state)
    conn.execute(
        notify_targets.update().where(notify_targets.c.name == state.name).values(**values)
    )


def load_all(conn: Connection) -> list[TargetState]:
    rows = conn.execute(sa.select(notify_targets).order_by(notify_targets.c.name)).mappings()
    return [TargetState(**{key: row[key] for key in _COLUMNS}) for row in rows]


def log_attempt(conn: Connection, attempt: Attempt) -> None:
    conn.execute(notify_deliveries.insert().values(**asdict(attempt)))


def attempts(
    conn: Connection, target: str | None = None, limit: int = 50, failed_only: bool = False
) -> list[dict[str, Any]]:
    """The newest ``limit`` attempts (of one target, or only failures), newest first."""
    c = notify_deliveries.c
    query = sa.select(notify_deliveries).order_by(c.id.desc()).limit(limit)
    if target is not None:
        query = query.where(c.target == target)
    if failed_only:
        query = query.where(c.outcome == "failed")
    rows = []
    for row in conn.execute(query).mappings():
        item = {str(key): value for key, value in row.items()}
        item["attempted_at"] = format_time(item["attempted_at"])
        rows.append(item)
    return rows
