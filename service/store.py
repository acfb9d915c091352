"""The event store: append-only, hash-chained, one writer at a time.

Appends hold one lock per log for the whole transaction (PostgreSQL: a transaction-scoped
advisory lock; SQLite: the write lock taken by ``BEGIN IMMEDIATE``), so positions are gapless
and in commit order and the chain is linear. Projectors registered with the store catch up in
the same transaction, so no reader sees the log ahead of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from service import appendsql, reader
from service.appendchain import AppendedLater, Batch, StreamVersions, chain
from service.clock import Clock, to_utc, utcnow
from service.db import WRITE
from service.errors import ConcurrencyError
from service.event_types import check_payloads
from service.events import AppendResult, NewEvent, StoredEvent

#: Key of the PostgreSQL advisory lock that serializes appends ("crownlog" in ASCII, truncated).
APPEND_LOCK_KEY = 0x63726F776E6C6F67 & 0x7FFFFFFFFFFFFFFF


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
        self._versions = StreamVersions()

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
        if not self._projectors and self.engine.dialect.name == "sqlite":
            # Nothing but the append runs in it: the driver's own transaction will do.
            with self.engine.connect() as conn, appendsql.driver_transaction(conn):
                return self.append_in(conn, events, expected_versions)
        with self.engine.connect() as conn, conn.execution_options(**WRITE).begin():
            return self.append_in(conn, events, expected_versions)

    def append_in(
        self,
        conn: Connection,
        events: Sequence[NewEvent],
        expected_versions: Mapping[str, int] | None = None,
    ) -> AppendResult:
        """``append`` inside a transaction the caller owns (so it can write its own rows too)."""
        check_payloads(events)
        # PostgreSQL: the log's advisory lock travels with the survey; SQLite: the connection
        # began with BEGIN IMMEDIATE (service.db.WRITE) and holds the write lock already.
        # Streams whose version this store knows at the head it last wrote are not asked.
        streams = {event.stream for event in events}
        if expected_versions:
            streams.update(expected_versions)
        keys = [event.key for event in events if event.key is not None]
        asked = self._versions.unknown(streams)
        found = appendsql.survey(conn, keys, asked, lock_key=APPEND_LOCK_KEY)
        versions = self._versions.complete(found, streams - asked)
        if versions is None:  # someone else appended since: ask for the rest too
            rest = appendsql.survey(conn, (), streams - asked).versions
            versions = {**found.versions, **rest}
        skipped, fresh = _split_known(events, keys, found.known_keys)
        if expected_versions:
            _check_expected(events, fresh, versions, expected_versions)
        if not fresh:
            return AppendResult([], skipped)
        batch = self._chain(
            conn, fresh, found.position, found.prev_hash, versions, found.recorded_at
        )
        appendsql.insert_rows(conn, batch.rows)
        result: AppendResult = AppendedLater(batch, skipped)
        if self._projectors:  # they fold the stored events now; otherwise built on demand
            result = AppendResult(batch.events(), skipped)
            self.project(conn, result.appended)
        self._versions.wrote((found.position, found.prev_hash), batch.last, versions)
        return result

    def _chain(
        self,
        conn: Connection,
        fresh: Sequence[NewEvent],
        position: int,
        prev_hash: str,
        versions: dict[str, int],
        head_recorded_at: datetime | None,
    ) -> Batch:
        """Number, version and hash ``fresh``; ``recorded_at`` is the clock's time, but never
        earlier than the head's: hosts' clocks differ and step back, and ``known_at`` reads
        rely on time growing with position."""
        recorded_at = to_utc(self._clock())
        if head_recorded_at is not None and recorded_at < head_recorded_at:
            recorded_at = head_recorded_at
        return chain(conn, fresh, position, prev_hash, versions, recorded_at)

    def insert_verified(self, conn: Connection, events: Sequence[StoredEvent]) -> None:
        """Store already-chained events verbatim (import); the caller verified them."""
        if events:
            appendsql.insert_rows(conn, appendsql.rows_for(conn, events))
            self.project(conn, events)

    def projector(self, name: str) -> Projector | None:
        """The registered projector called ``name``, if any."""
        return next((p for p in self._projectors if p.name == name), None)

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
        return reader.scan(self.engine, after, until)

    def page(self, after: int = 0, limit: int = 100) -> list[StoredEvent]:
        """At most ``limit`` events after position ``after``."""
        with self.engine.connect() as conn:
            return reader.fetch(conn, after, limit=limit)

    def read_stream(self, stream: str, after_version: int = 0) -> list[StoredEvent]:
        """The events of one stream after ``after_version``, in version order."""
        with self.engine.connect() as conn:
            events = reader.fetch(conn, 0, limit=10**9, stream=stream)
        return [event for event in events if event.version > after_version]

    def stream_version(self, stream: str) -> int:
        """The current version of ``stream`` (0 if it has no events)."""
        with self.engine.connect() as conn:
            return appendsql.survey(conn, (), (stream,)).versions.get(stream, 0)


def lock_log(conn: Connection) -> None:
    """Serialize appenders for the rest of this transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(APPEND_LOCK_KEY)))
    # SQLite: the connection began with BEGIN IMMEDIATE (service.db.WRITE) and holds the lock.


def _check_expected(
    events: Sequence[NewEvent],
    fresh: Sequence[NewEvent],
    versions: Mapping[str, int],
    expected_versions: Mapping[str, int],
) -> None:
    """Raise ``ConcurrencyError`` unless every stream stands at the version its writer saw."""
    given = {event.stream for event in events}
    fresh_streams = {event.stream for event in fresh}
    for stream, expected in expected_versions.items():
        # A stream whose events were all skipped as known is an idempotent retry: no check.
        if stream in given and stream not in fresh_streams:
            continue
        if versions.get(stream, 0) != expected:
            raise ConcurrencyError(
                f"stream {stream!r} is at version {versions.get(stream, 0)}, "
                f"expected {expected}: reload it and decide again"
            )


def _split_known(
    events: Sequence[NewEvent], keys: list[str], known: set[str]
) -> tuple[list[str], Sequence[NewEvent]]:
    """Split ``events`` into the keys to skip (known, or repeated in the batch) and the rest
    (``keys``: the batch's keys, in order)."""
    if not known and len(set(keys)) == len(keys):  # the common case: nothing to skip
        return [], events
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
