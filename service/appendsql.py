"""The append hot path in plain SQL, one statement per step and per batch.

SQLAlchemy Core compiles and type-processes every row; at 100-event batches that costs more
than the database itself, so the writer builds driver-level rows here. Reads still go through
``service.schema`` types, so the text forms below must match what those types read back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from service.clock import to_utc
from service.events import GENESIS_HASH, StoredEvent

_COLUMNS = (
    "position, stream, version, type, schema, data, occurred_at, recorded_at, source, key, "
    "prev_hash, hash"
)
_INSERT = f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_HEAD = "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1"
# Head, known keys and stream versions in one round trip, read after the log lock is held.
_SURVEY = {
    "sqlite": f"SELECT 0, NULL, position, hash FROM ({_HEAD}) "
    "UNION ALL SELECT 1, key, NULL, NULL FROM events "
    "WHERE key IN (SELECT value FROM json_each(?)) "
    "UNION ALL SELECT 2, value, (SELECT max(version) FROM events WHERE stream = value), NULL "
    "FROM json_each(?)",
    "postgresql": f"SELECT 0, NULL, position, hash FROM ({_HEAD}) AS head "
    "UNION ALL SELECT 1, key, NULL, NULL FROM events WHERE key = ANY(%s::text[]) "
    "UNION ALL SELECT 2, s, (SELECT max(version) FROM events WHERE stream = s), NULL "
    "FROM unnest(%s::text[]) AS s",
}


@dataclass(frozen=True, slots=True)
class Survey:
    """What a writer must know before it appends: the head, known keys, stream versions."""

    position: int
    prev_hash: str
    known_keys: set[str]
    versions: dict[str, int]


def _sqlite_time(moment: datetime) -> str:
    # The text SQLAlchemy's SQLite DateTime type writes and reads (naive UTC).
    return to_utc(moment).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _array(conn: Connection, values: Iterable[str]) -> Any:
    ordered = sorted(set(values))
    return orjson.dumps(ordered).decode() if conn.dialect.name == "sqlite" else ordered


def head(conn: Connection) -> tuple[int, str]:
    """``(position, hash)`` of the last event; ``(0, GENESIS_HASH)`` for an empty log."""
    row = conn.exec_driver_sql(_HEAD).first()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def survey(conn: Connection, keys: Iterable[str], streams: Iterable[str]) -> Survey:
    """The head, which of ``keys`` the log holds, and the version of each of ``streams``."""
    position, prev_hash = 0, GENESIS_HASH
    known: set[str] = set()
    versions: dict[str, int] = {}
    params = (_array(conn, keys), _array(conn, streams))
    for kind, name, number, digest in conn.exec_driver_sql(_SURVEY[conn.dialect.name], params):
        if kind == 0:
            position, prev_hash = int(number), str(digest)
        elif kind == 1:
            known.add(name)
        elif number is not None:
            versions[name] = int(number)
    return Survey(position, prev_hash, known, versions)


def insert(conn: Connection, events: list[StoredEvent]) -> None:
    """Insert chained events with one ``executemany``."""
    if not events:
        return
    convert = _sqlite_time if conn.dialect.name == "sqlite" else to_utc
    times: dict[datetime, Any] = {}

    def when(moment: datetime) -> Any:
        # Batches share a recorded_at and mostly a few occurred_at values: convert each once.
        value = times.get(moment)
        if value is None:
            value = times[moment] = convert(moment)
        return value

    rows = [
        (
            event.position,
            event.stream,
            event.version,
            event.type,
            event.schema,
            orjson.dumps(event.data).decode(),
            when(event.occurred_at),
            when(event.recorded_at),
            orjson.dumps(event.source.to_dict()).decode() if event.source else None,
            event.key,
            event.prev_hash,
            event.hash,
        )
        for event in events
    ]
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(_INSERT, rows)
        return
    # PostgreSQL: COPY streams the batch in one round trip (psycopg's C copy path).
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY events ({_COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
