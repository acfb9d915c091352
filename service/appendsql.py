"""The append hot path in plain SQL, one statement per step and per batch.

SQLAlchemy Core compiles and type-processes every row; at 100-event batches that costs more
than the database itself, so the writer builds driver-level rows here. Reads still go through
``service.schema`` types, so the text forms below must match what those types read back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from service.clock import format_time, to_utc
from service.events import GENESIS_HASH, StoredEvent

_COLUMNS = (
    "position, stream, version, type, schema, data, occurred_at, recorded_at, source, key, "
    "prev_hash, hash"
)
_INSERT = f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_HEAD = "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
# Head (with its recorded_at, so time never runs backwards), known keys and stream versions in
# one round trip, read after the log lock is held.
_SURVEY = {
    "sqlite": f"SELECT 0, NULL, position, hash, recorded_at FROM ({_HEAD}) "
    "UNION ALL SELECT 1, key, NULL, NULL, NULL FROM events "
    "WHERE key IN (SELECT value FROM json_each(?)) "
    "UNION ALL SELECT 2, value, (SELECT max(version) FROM events WHERE stream = value), NULL, "
    "NULL FROM json_each(?)",
    "postgresql": f"SELECT 0, NULL, position, hash, recorded_at FROM ({_HEAD}) AS head "
    "UNION ALL SELECT 1, key, NULL, NULL, NULL FROM events WHERE key = ANY(%s::text[]) "
    "UNION ALL SELECT 2, s, (SELECT max(version) FROM events WHERE stream = s), NULL, NULL "
    "FROM unnest(%s::text[]) AS s",
}


@dataclass(frozen=True, slots=True)
class Survey:
    """What a writer must know before it appends: the head, known keys, stream versions."""

    position: int
    prev_hash: str
    known_keys: set[str]
    versions: dict[str, int]
    #: When the head was appended (None for an empty log): the next append is never earlier.
    recorded_at: datetime | None = None


def time_value(conn: Connection) -> Callable[[str, datetime], Any]:
    """How a time travels to the driver, given its canonical text and its value."""
    if conn.dialect.name == "sqlite":
        # Space-separated, so SQLAlchemy's SQLite DateTime reads it too; the explicit offset
        # lets the log reader parse it straight into an aware datetime (ten times cheaper).
        return lambda text, _moment: text.replace("T", " ", 1)
    return lambda _text, moment: to_utc(moment)


def json_time_value(conn: Connection) -> Callable[[bytes, datetime], Any]:
    """``time_value`` given the canonical text as JSON (in quotes, UTF-8) and the time."""
    if conn.dialect.name == "sqlite":
        return lambda json, _moment: json[1:-1].replace(b"T", b" ", 1).decode()
    return lambda _json, moment: moment if moment.tzinfo is UTC else to_utc(moment)


def time_values(conn: Connection, texts: list[bytes], moments: list[datetime]) -> list[Any]:
    if conn.dialect.name == "sqlite":
        return b"\n".join(texts).decode().replace("T", " ").split("\n")
    return [moment if moment.tzinfo is UTC else to_utc(moment) for moment in moments]


def _array(conn: Connection, values: Iterable[str]) -> Any:
    listed = list(values)  # in any order, repeats and all: the survey only looks them up
    return orjson.dumps(listed).decode() if conn.dialect.name == "sqlite" else listed


@contextmanager
def driver_transaction(conn: Connection) -> Iterator[None]:
    """A SQLite write transaction (``BEGIN IMMEDIATE``, as ``service.db.WRITE`` takes) run on
    the driver's connection, past SQLAlchemy's transaction bookkeeping: that costs twice
    the database's own begin and commit. Only for work done on the driver connection alone
    (as the append's is here): a SQLAlchemy statement inside would try to begin again."""
    driver = conn.connection.driver_connection
    driver.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
    try:
        yield
    except BaseException:
        driver.rollback()  # type: ignore[union-attr]
        raise
    driver.commit()  # type: ignore[union-attr]


def head(conn: Connection) -> tuple[int, str]:
    """``(position, hash)`` of the last event; ``(0, GENESIS_HASH)`` for an empty log."""
    row = conn.exec_driver_sql(_HEAD).first()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def head_record(conn: Connection) -> tuple[int, str, datetime | None]:
    """``(position, hash, recorded_at)`` of the last event; ``(0, GENESIS_HASH, None)`` if none."""
    row = conn.exec_driver_sql(_HEAD).first()
    return (int(row[0]), str(row[1]), stored_time(row[2])) if row else (0, GENESIS_HASH, None)


def stored_time(value: Any) -> datetime:
    """A time as the driver returns it (SQLite: the text ``time_value`` wrote) as aware UTC."""
    return to_utc(value if isinstance(value, datetime) else datetime.fromisoformat(value))


def _survey_rows(conn: Connection, params: tuple[Any, Any], lock_key: int | None) -> list[Any]:
    if conn.dialect.name == "sqlite":
        # The DBAPI cursor of the transaction SQLAlchemy began (BEGIN IMMEDIATE already ran):
        # SQLAlchemy's per-statement bookkeeping costs more than the query.
        return conn.connection.driver_connection.execute(  # type: ignore[union-attr]
            _SURVEY["sqlite"], params
        ).fetchall()
    if lock_key is None:
        return list(conn.exec_driver_sql(_SURVEY[conn.dialect.name], params))
    # One round trip: the lock and the survey are pipelined. The server still runs them in
    # order, so the survey's snapshot is taken after the lock is held (nothing is missed).
    raw = conn.connection.driver_connection
    with raw.pipeline():  # type: ignore[union-attr]
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key,))  # type: ignore[union-attr]
        cursor = raw.execute(_SURVEY["postgresql"], params)  # type: ignore[union-attr]
    return cursor.fetchall()


def survey(
    conn: Connection, keys: Iterable[str], streams: Iterable[str], lock_key: int | None = None
) -> Survey:
    """The head, which of ``keys`` the log holds, and the version of each of ``streams``.

    With ``lock_key`` (PostgreSQL), the log's advisory lock is taken first, in the same
    round trip."""
    position, prev_hash, recorded_at = 0, GENESIS_HASH, None
    known: set[str] = set()
    versions: dict[str, int] = {}
    params = (_array(conn, keys), _array(conn, streams))
    for kind, name, number, digest, recorded in _survey_rows(conn, params, lock_key):
        if kind == 0:
            position, prev_hash, recorded_at = int(number), str(digest), stored_time(recorded)
        elif kind == 1:
            known.add(name)
        elif number is not None:
            versions[name] = int(number)
    return Survey(position, prev_hash, known, versions, recorded_at)


def rows_for(conn: Connection, events: Sequence[StoredEvent]) -> list[tuple[Any, ...]]:
    """Driver rows of already-chained events (imports)."""
    when = time_value(conn)
    return [
        (
            e.position, e.stream, e.version, e.type, e.schema,
            orjson.dumps(e.data, option=orjson.OPT_SORT_KEYS).decode(),
            when(format_time(e.occurred_at), e.occurred_at),
            when(format_time(e.recorded_at), e.recorded_at),
            orjson.dumps(e.source.to_dict(), option=orjson.OPT_SORT_KEYS).decode()
            if e.source else None,
            e.key, e.prev_hash, e.hash,
        )
        for e in events
    ]  # fmt: skip


def insert_rows(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert driver rows in one statement (SQLite ``executemany``, PostgreSQL ``COPY``)."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        # One executemany on the DBAPI connection, inside the transaction SQLAlchemy began;
        # sqlite3 keeps the statement prepared in its cache.
        conn.connection.driver_connection.executemany(_INSERT, rows)  # type: ignore[union-attr]
        return
    # COPY streams the batch in one round trip (psycopg's C copy path).
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY events ({_COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
