"""Reading the log fast: plain SQL and a tight decode loop (rebuilds read millions of rows).

A row that no longer decodes (its JSON or time was altered in place) raises
``IntegrityError`` naming its position, so an audit reports it instead of crashing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import orjson

from service.clock import to_utc
from service.errors import IntegrityError
from service.events import FoldEvent, Provenance, StoredEvent
from service.upcasting import CURRENT, current_data

if TYPE_CHECKING:  # the crown's fold process reads without SQLAlchemy (service.driverconn)
    from sqlalchemy.engine import Connection, Engine

_SELECT = (
    "SELECT position, stream, version, type, schema, data, occurred_at, recorded_at, source, "
    "key, prev_hash, hash FROM events"
)
_PARAM = {"sqlite": "?", "postgresql": "%s"}
CHUNK = 10_000


class Decoder:
    """Turns raw rows into events, remembering repeated times and sources.

    Rows of one snapshot share their ``occurred_at`` and ``source``, rows of one append their
    ``recorded_at``: decoding each distinct value once makes a rebuild read several times
    faster. A decoder is used for one read (its memory is bounded by the chunk).
    """

    __slots__ = ("_sources", "_times")

    def __init__(self) -> None:
        self._times: dict[Any, datetime] = {}
        self._sources: dict[Any, Provenance | None] = {}

    def time(self, value: Any) -> datetime:
        moment = self._times.get(value)
        if moment is None:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
            if moment.tzinfo is not UTC:
                moment = to_utc(moment)
            self._times[value] = moment
        return moment

    def source(self, value: Any) -> Provenance | None:
        if value is None:
            return None
        if isinstance(value, dict):  # PostgreSQL hands JSONB over decoded
            return Provenance.from_dict(value)
        if value not in self._sources:
            self._sources[value] = Provenance.from_dict(orjson.loads(value))
        return self._sources[value]

    def event(self, row: Any) -> StoredEvent:
        """A ``StoredEvent`` from a raw row of ``_SELECT``."""
        try:
            data = row[5]
            return StoredEvent(
                row[0], row[1], row[2], row[3], row[4],
                orjson.loads(data) if isinstance(data, str | bytes) else data,
                self.time(row[6]), self.time(row[7]), self.source(row[8]),
                row[9], row[10], row[11],
            )  # fmt: skip
        except (ValueError, TypeError, KeyError) as exc:
            raise IntegrityError(
                f"position {row[0]}: stored event no longer decodes ({exc})", row[0]
            ) from None


def decode(row: Any) -> StoredEvent:
    """A ``StoredEvent`` from a raw row of ``_SELECT``."""
    return Decoder().event(row)


def fetch(
    conn: Connection,
    after: int = 0,
    until: int | None = None,
    limit: int = CHUNK,
    stream: str | None = None,
    occurred_until: datetime | None = None,
    newest_first: bool = False,
) -> list[StoredEvent]:
    """Up to ``limit`` events with ``after < position (<= until)``, optionally of one stream
    and with ``occurred_at <= occurred_until``; the first or (``newest_first``) the last ones
    of that window, in that order."""
    where, params = _window(conn, after, until, occurred_until, stream=stream)
    order = "DESC" if newest_first else ""
    sql = f"{_SELECT} WHERE {where} ORDER BY position {order} LIMIT {int(limit)}"
    decoder = Decoder()
    return [decoder.event(row) for row in _rows(conn, sql, params)]


def _window(
    conn: Connection,
    after: int,
    until: int | None,
    occurred_until: datetime | None,
    stream: str | None = None,
    types: Collection[str] | None = None,
) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) of a read by position window."""
    mark = _PARAM[conn.dialect.name]
    clauses: list[str] = [f"position > {mark}"]
    params: list[Any] = [after]
    _only(clauses, params, types, mark)
    if until is not None:
        clauses.append(f"position <= {mark}")
        params.append(until)
    if stream is not None:
        clauses.append(f"stream = {mark}")
        params.append(stream)
    if occurred_until is not None:
        clauses.append(f"occurred_at <= {mark}")
        params.append(_time_param(conn, occurred_until))
    return " AND ".join(clauses), params


def _rows(conn: Connection, sql: str, params: list[Any]) -> list[Any]:
    """Rows as plain tuples from the driver's own cursor (no per-row wrapping)."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, tuple(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()


_FOLD_SELECT = "SELECT position, type, data, occurred_at, recorded_at, schema FROM events"
#: SQLite hands the payload over as its UTF-8 bytes, which orjson reads without a str being
#: made of them first (the other columns stay text: str keys are the fast dictionary path).
_FOLD_SELECT_SQLITE = _FOLD_SELECT.replace(" data,", " CAST(data AS BLOB),")


def fetch_folds(
    conn: Connection,
    after: int = 0,
    until: int | None = None,
    limit: int = CHUNK,
    occurred_until: datetime | None = None,
    types: Collection[str] | None = None,
) -> list[FoldEvent]:
    """Like ``fetch``, but only what folds read (rebuilds and past reads use it); ``types``
    leaves out events no fold reads (item observations carry the largest payloads)."""
    where, params = _window(conn, after, until, occurred_until, types=types)
    sql = f"{_fold_select(conn)} WHERE {where} ORDER BY position LIMIT {int(limit)}"
    return _fold_rows(conn, sql, params, f"after position {after}")


def fetch_folds_by_time(
    conn: Connection,
    after: tuple[datetime, int] | None,
    until: datetime | None,
    max_position: int | None = None,
    limit: int = CHUNK,
    types: Collection[str] | None = None,
) -> list[FoldEvent]:
    """Fold fields of events in world-time order: ``(occurred_at, position)`` after ``after``,
    ``occurred_at <= until``, ``position <= max_position`` (the as_of ladder reads these)."""
    mark = _PARAM[conn.dialect.name]
    clauses: list[str] = []
    params: list[Any] = []
    _only(clauses, params, types, mark)
    if after is not None:
        clauses.append(f"(occurred_at, position) > ({mark}, {mark})")
        params += [_time_param(conn, after[0]), after[1]]
    if until is not None:
        clauses.append(f"occurred_at <= {mark}")
        params.append(_time_param(conn, until))
    if max_position is not None:
        clauses.append(f"position <= {mark}")
        params.append(max_position)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"{_fold_select(conn)} {where} ORDER BY occurred_at, position LIMIT {int(limit)}"
    return _fold_rows(conn, sql, params, "in world-time order")


def _only(clauses: list[str], params: list[Any], types: Collection[str] | None, mark: str) -> None:
    if types:
        names = sorted(types)
        clauses.append(f"type IN ({', '.join([mark] * len(names))})")
        params.extend(names)


def _fold_select(conn: Connection) -> str:
    return _FOLD_SELECT_SQLITE if conn.dialect.name == "sqlite" else _FOLD_SELECT


def _fold_rows(conn: Connection, sql: str, params: list[Any], where: str) -> list[FoldEvent]:
    rows = _rows(conn, sql, params)
    # The hot loop of every rebuild: each distinct time is parsed once (rows of a snapshot
    # share one), then plain subscripts; tuples are built without namedtuple's Python __new__.
    try:
        times = _parse_times({*map(_OCCURRED, rows), *map(_RECORDED, rows)})
        new, fold, loads = tuple.__new__, FoldEvent, orjson.loads
        if conn.dialect.name == "sqlite":  # JSON text; PostgreSQL hands JSONB over decoded
            events = [new(fold, (p, t, loads(d), times[o], times[r])) for p, t, d, o, r, _ in rows]
        else:
            events = [new(fold, (p, t, d, times[o], times[r])) for p, t, d, o, r, _ in rows]
    except (ValueError, TypeError) as exc:
        raise IntegrityError(f"an event {where} no longer decodes ({exc})") from None
    # Folds read payloads in their current shape: old schemas go through the upcasters (the
    # rows are looked at one by one only if some type and schema pair of the chunk is old).
    current = CURRENT.get
    if any(current(name, schema) != schema for name, schema in set(map(_TYPE_SCHEMA, rows))):
        for index, row in enumerate(rows):
            if current(row[1], row[5]) != row[5]:
                event = events[index]
                events[index] = event._replace(data=current_data(event.type, row[5], event.data))
    return events


_OCCURRED, _RECORDED, _TYPE_SCHEMA = itemgetter(3), itemgetter(4), itemgetter(1, 5)


def _parse_times(values: set[Any]) -> dict[Any, datetime]:
    decoder = Decoder()
    return {value: decoder.time(value) for value in values}


def _time_param(conn: Connection, moment: datetime) -> Any:
    """``moment`` as the driver compares it with a stored time (SQLite: the text written)."""
    utc = to_utc(moment)
    if conn.dialect.name == "sqlite":
        return utc.isoformat(sep=" ", timespec="microseconds")  # as appendsql writes it
    return utc


stored_time = _time_param


def last_position_recorded_by(conn: Connection, moment: datetime) -> int:
    """The last position recorded at or before ``moment`` (0 if none)."""
    mark = _PARAM[conn.dialect.name]
    # recorded_at grows with position (appends are serialized), so the index on recorded_at
    # finds the answer in one seek; max(position) over the range would scan it.
    value = conn.exec_driver_sql(
        f"SELECT position FROM events WHERE recorded_at <= {mark} "
        "ORDER BY recorded_at DESC, position DESC LIMIT 1",
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
