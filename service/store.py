"""The event store: append-only, hash-chained, one writer at a time.

Appends hold one lock per log for the whole transaction (PostgreSQL: a transaction-scoped
advisory lock; SQLite: the write lock taken by ``BEGIN IMMEDIATE``), so positions are gapless
and in commit order and the chain is linear. Projectors registered with the store catch up in
the same transaction, so no reader sees the log ahead of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from service import appendsql, schema
from service.chain import compute_hash, normalize_data
from service.clock import Clock, format_time, utcnow
from service.db import WRITE
from service.errors import ConcurrencyError
from service.event_types import check_payload
from service.events import AppendResult, NewEvent, Provenance, StoredEvent

#: Key of the PostgreSQL advisory lock that serializes appends ("crownlog" in ASCII, truncated).
APPEND_LOCK_KEY = 0x63726F776E6C6F67 & 0x7FFFFFFFFFFFFFFF
_READ_CHUNK = 5000
_t = schema.events


class Projector(Protocol):
    """Something that folds appended events into its own tables, in the append's transaction."""

    name: str

    def apply(self, conn: Connection, events: Sequence[StoredEvent]) -> None: ...


class EventStore:
    """Append to and read from the event log of one database."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock = utcnow,
        projectors: Sequence[Projector] = (),
    ) -> None:
        self.engine = engine
        self._clock = clock
        self._projectors = list(projectors)

    # -- writing ---------------------------------------------------------------------------

    def append(
        self,
        events: Sequence[NewEvent],
        expected_versions: Mapping[str, int] | None = None,
    ) -> AppendResult:
        """Append ``events`` in one transaction; all are stored or none.

        ``expected_versions`` maps a stream to the version its writer last saw (0: the stream
        must not exist yet); a mismatch raises ``ConcurrencyError``. Events whose idempotency
        key is already in the log (or earlier in the batch) are skipped and reported.
        """
        with self.engine.connect() as conn, conn.execution_options(**WRITE).begin():
            return self.append_in(conn, events, expected_versions)

    def append_in(
        self,
        conn: Connection,
        events: Sequence[NewEvent],
        expected_versions: Mapping[str, int] | None = None,
    ) -> AppendResult:
        """``append`` inside a transaction the caller owns (so it can write its own rows too)."""
        for event in events:
            check_payload(event.type, event.schema, event.data)
        lock_log(conn)
        found = appendsql.survey(
            conn,
            (event.key for event in events if event.key is not None),
            {event.stream for event in events} | set(expected_versions or {}),
        )
        skipped, fresh = _split_known(events, found.known_keys)
        versions = found.versions
        given = {event.stream for event in events}
        fresh_streams = {event.stream for event in fresh}
        for stream, expected in (expected_versions or {}).items():
            # A stream whose events were all skipped as known is an idempotent retry: no check.
            if stream in given and stream not in fresh_streams:
                continue
            if versions.get(stream, 0) != expected:
                raise ConcurrencyError(
                    f"stream {stream!r} is at version {versions.get(stream, 0)}, "
                    f"expected {expected}: reload it and decide again"
                )
        if not fresh:
            return AppendResult([], skipped)
        position, prev_hash = found.position, found.prev_hash
        recorded_at = self._clock()
        recorded_text = format_time(recorded_at)
        stored: list[StoredEvent] = []
        occurred_texts: dict[datetime, str] = {}
        for event in fresh:
            position += 1
            version = versions.get(event.stream, 0) + 1
            versions[event.stream] = version
            data = normalize_data(event.data)
            source = event.source.to_dict() if event.source else None
            digest = compute_hash(
                {
                    "position": position,
                    "stream": event.stream,
                    "version": version,
                    "type": event.type,
                    "schema": event.schema,
                    "data": data,
                    "occurred_at": occurred_texts.get(event.occurred_at)
                    or occurred_texts.setdefault(event.occurred_at, format_time(event.occurred_at)),
                    "recorded_at": recorded_text,
                    "source": source,
                    "key": event.key,
                    "prev_hash": prev_hash,
                }
            )
            stored.append(
                StoredEvent(
                    position=position,
                    stream=event.stream,
                    version=version,
                    type=event.type,
                    schema=event.schema,
                    data=data,
                    occurred_at=event.occurred_at,
                    recorded_at=recorded_at,
                    source=event.source,
                    key=event.key,
                    prev_hash=prev_hash,
                    hash=digest,
                )
            )
            prev_hash = digest
        appendsql.insert(conn, stored)
        self.project(conn, stored)
        return AppendResult(stored, skipped)

    def insert_verified(self, conn: Connection, events: Sequence[StoredEvent]) -> None:
        """Store already-chained events verbatim (import); the caller verified them."""
        if events:
            appendsql.insert(conn, list(events))
            self.project(conn, events)

    def project(self, conn: Connection, events: Sequence[StoredEvent]) -> None:
        """Let every registered projector fold ``events`` in the current transaction."""
        for projector in self._projectors:
            projector.apply(conn, events)

    # -- reading ---------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """``(position, hash)`` of the last event; ``(0, GENESIS_HASH)`` for an empty log."""
        with self.engine.connect() as conn:
            return appendsql.head(conn)

    def read(self, after: int = 0, until: int | None = None) -> Iterator[StoredEvent]:
        """Events with ``after < position <= until`` in position order, read in chunks."""
        while True:
            query = sa.select(_t).where(_t.c.position > after).order_by(_t.c.position)
            if until is not None:
                query = query.where(_t.c.position <= until)
            with self.engine.connect() as conn:
                chunk = [_event(row) for row in conn.execute(query.limit(_READ_CHUNK))]
            yield from chunk
            if len(chunk) < _READ_CHUNK:
                return
            after = chunk[-1].position

    def page(self, after: int = 0, limit: int = 100) -> list[StoredEvent]:
        """At most ``limit`` events after position ``after``."""
        query = sa.select(_t).where(_t.c.position > after).order_by(_t.c.position).limit(limit)
        with self.engine.connect() as conn:
            return [_event(row) for row in conn.execute(query)]

    def read_stream(self, stream: str, after_version: int = 0) -> list[StoredEvent]:
        """The events of one stream after ``after_version``, in version order."""
        query = (
            sa.select(_t)
            .where(_t.c.stream == stream, _t.c.version > after_version)
            .order_by(_t.c.version)
        )
        with self.engine.connect() as conn:
            return [_event(row) for row in conn.execute(query)]

    def stream_version(self, stream: str) -> int:
        """The current version of ``stream`` (0 if it has no events)."""
        with self.engine.connect() as conn:
            return appendsql.survey(conn, (), (stream,)).versions.get(stream, 0)


def lock_log(conn: Connection) -> None:
    """Serialize appenders for the rest of this transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(APPEND_LOCK_KEY)))
    # SQLite: the connection began with BEGIN IMMEDIATE (service.db.WRITE) and holds the lock.


def _event(row: sa.Row[Any]) -> StoredEvent:
    return StoredEvent(
        position=row.position,
        stream=row.stream,
        version=row.version,
        type=row.type,
        schema=row.schema,
        data=row.data,
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
        source=Provenance.from_dict(row.source),
        key=row.key,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _split_known(events: Sequence[NewEvent], known: set[str]) -> tuple[list[str], list[NewEvent]]:
    """Split ``events`` into the keys to skip (known, or repeated in the batch) and the rest."""
    seen = set(known)
    skipped: list[str] = []
    fresh: list[NewEvent] = []
    for event in events:
        if event.key is not None:
            if event.key in seen:
                skipped.append(event.key)
                continue
            seen.add(event.key)
        fresh.append(event)
    return skipped, fresh
