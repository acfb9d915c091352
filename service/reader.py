"""Reading the log fast: plain SQL and a tight decode loop (rebuilds read millions of rows).

A row that no longer decodes (its JSON or time was altered in place) raises
``IntegrityError`` naming its position, so an audit reports it instead of crashing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.engine import Connection, Engine

from service.clock import to_utc
from service.errors import IntegrityError
from service.events import Provenance, StoredEvent

_SELECT = (
    "SELECT position, stream, version, type, schema, data, occurred_at, recorded_at, source, "
    "key, prev_hash, hash FROM events"
)
_PARAM = {"sqlite": "?", "postgresql": "%s"}
CHUNK = 10_000


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return to_utc(value)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def decode(row: Any) -> StoredEvent:
    """A ``StoredEvent`` from a raw row of ``_SELECT``."""
    try:
        source = _json(row[8])
        return StoredEvent(
            position=row[0],
            stream=row[1],
            version=row[2],
            type=row[3],
            schema=row[4],
            data=_json(row[5]),
            occurred_at=_time(row[6]),
            recorded_at=_time(row[7]),
            source=Provenance.from_dict(source) if source is not None else None,
            key=row[9],
            prev_hash=row[10],
            hash=row[11],
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise IntegrityError(
            f"position {row[0]}: stored event no longer decodes ({exc})", row[0]
        ) from None


def fetch(
    conn: Connection,
    after: int = 0,
    until: int | None = None,
    limit: int = CHUNK,
    stream: str | None = None,
    occurred_until: datetime | None = None,
) -> list[StoredEvent]:
    """Up to ``limit`` events with ``after < position (<= until)``, optionally of one stream
    and with ``occurred_at <= occurred_until``."""
    mark = _PARAM[conn.dialect.name]
    clauses = [f"position > {mark}"]
    params: list[Any] = [after]
    if until is not None:
        clauses.append(f"position <= {mark}")
        params.append(until)
    if stream is not None:
        clauses.append(f"stream = {mark}")
        params.append(stream)
    if occurred_until is not None:
        clauses.append(f"occurred_at <= {mark}")
        params.append(_time_param(conn, occurred_until))
    sql = f"{_SELECT} WHERE {' AND '.join(clauses)} ORDER BY position LIMIT {int(limit)}"
    return [decode(row) for row in conn.exec_driver_sql(sql, tuple(params))]


def _time_param(conn: Connection, moment: datetime) -> Any:
    utc = to_utc(moment)
    if conn.dialect.name == "sqlite":
        return utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return utc


def last_position_recorded_by(conn: Connection, moment: datetime) -> int:
    """The last position recorded at or before ``moment`` (0 if none)."""
    mark = _PARAM[conn.dialect.name]
    value = conn.exec_driver_sql(
        f"SELECT max(position) FROM events WHERE recorded_at <= {mark}",
        (_time_param(conn, moment),),
    ).scalar()
    return int(value or 0)


def scan(
    engine: Engine,
    after: int = 0,
    until: int | None = None,
    occurred_until: datetime | None = None,
) -> Iterator[StoredEvent]:
    """Every event after ``after`` (up to ``until``) in position order, in chunks."""
    while True:
        with engine.connect() as conn:
            chunk = fetch(conn, after, until, occurred_until=occurred_until)
        yield from chunk
        if len(chunk) < CHUNK:
            return
        after = chunk[-1].position
