"""The audit's walk of the whole log: the hash chain and what every event means, from raw rows.

``service.chain.verify`` over ``service.reader.scan`` builds a ``StoredEvent`` per row, turns
its source back into a dict and its times back into text only to hash them: on a log of
millions of events that was most of the audit. The walk hashes each row straight from its
columns instead, with the bytes ``service.chain.event_hash`` would hash:

- a time's canonical text and a source's canonical JSON are computed once per distinct stored
  value, by the same decoding the reader does (rows of one snapshot share them);
- the payload is decoded once (its meaning is checked on the decoded value) and re-encoded
  canonically, exactly as ``event_hash`` does, so a stored payload that still means the same
  (another key order, whitespace) still verifies, and one that does not, does not.

Any row the fast path cannot hash or whose hash does not match is decoded and hashed the
reader's way (``_slow``) for the verdict and the message: the walk never accepts a row the
old path would refuse, and reports what it would report, in position order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from service.chain import altered, event_hash, missing, unlinked
from service.clock import format_time
from service.errors import IntegrityError
from service.events import GENESIS_HASH
from service.gcpause import paused_gc
from service.logcheck import LogCheck
from service.reader import Decoder
from service.schema import events

#: Problems of one kind listed at most (a log broken everywhere says so in a screenful).
MAX_PROBLEMS = 20
CHUNK = 10_000

# PostgreSQL: the source as its JSONB text, so equal sources share one cache entry (the
# driver would hand over a fresh, unhashable dict per row).
_SELECT = (
    "SELECT position, stream, version, type, schema, data, occurred_at, recorded_at, {source}, "
    "key, prev_hash, hash FROM events WHERE position > {mark} ORDER BY position LIMIT {limit}"
)
_SOURCE = {"sqlite": "source", "postgresql": "source::text"}
_MARK = {"sqlite": "?", "postgresql": "%s"}
# ``service.chain.envelope_bytes`` as one bytes formatting (its fields in sorted-key order).
_ENVELOPE = (
    b'{"data":%b,"key":%b,"occurred_at":%b,"position":%d,"prev_hash":%b,"recorded_at":%b,'
    b'"schema":%d,"source":%b,"stream":%b,"type":%b,"version":%d}'
)


@dataclass
class ChainFindings:
    """What a walk found: events verified, the first bad position, problems (in report order)."""

    events: int = 0
    first_bad_position: int | None = None
    problems: list[str] = field(default_factory=list)


class Walk:
    """One walk in position order: the chain's link so far, the meaning check, the caches."""

    def __init__(self) -> None:
        self.expected = 1
        self.prev_hash = GENESIS_HASH
        self.check = LogCheck()
        self.meaning: list[str] = []
        self._decoder = Decoder()
        self._times: dict[Any, tuple[datetime, bytes]] = {}
        self._sources: dict[Any, bytes] = {None: b"null"}

    def rows(self, rows: list[Any]) -> None:
        """Verify ``rows`` (raw ``_SELECT`` rows, the next of the log); raises
        ``IntegrityError`` at the first that breaks the chain."""
        sha256, dumps, loads = hashlib.sha256, orjson.dumps, orjson.loads
        sort = orjson.OPT_SORT_KEYS
        # Caches last one chunk, like the reader's: rows share times and sources with their
        # neighbours, and entries kept longer would pin memory the chunks before leave behind.
        self._decoder = Decoder()
        self._times, self._sources = {}, {None: b"null"}
        times, sources, meaning, check = self._times, self._sources, self.meaning, self.check
        expected, prev = self.expected, self.prev_hash
        prev_json = dumps(prev)
        for row in rows:
            position, stream, version, type_, schema, data, occurred, recorded = row[:8]
            source, key = row[8], row[9]
            if position != expected:
                raise missing(expected, position)
            if row[10] != prev:
                raise unlinked(position)
            digest = row[11]
            try:
                when = times.get(occurred) or self._time(occurred)
                recorded_at, recorded_json = times.get(recorded) or self._time(recorded)
                source_json = sources.get(source) or self._source(source)
                payload = loads(data) if data.__class__ is str else self._payload(data)
                # ``event_hash`` writes numbers with str(): %d agrees only on true integers.
                if not (position.__class__ is version.__class__ is schema.__class__ is int):
                    raise TypeError("a number column holds no integer")
                envelope = _ENVELOPE % (
                    dumps(payload, option=sort), dumps(key), when[1], position, prev_json,
                    recorded_json, schema, source_json, dumps(stream), dumps(type_), version,
                )  # fmt: skip
                sound = sha256(envelope).hexdigest() == digest
            except Exception:  # whatever it is, the reader's way decides
                sound = False
            if not sound:
                payload, recorded_at = self._slow(row)
            problem = check.check_fields(
                position, stream, version, type_, schema, payload, recorded_at, key
            )
            if problem and len(meaning) < MAX_PROBLEMS:
                meaning.append(problem)
            prev, prev_json = digest, dumps(digest)
            expected += 1
        self.expected, self.prev_hash = expected, prev

    def _time(self, value: Any) -> tuple[datetime, bytes]:
        """A stored time as the reader decodes it and as ``event_hash`` writes it."""
        moment = self._decoder.time(value)
        found = self._times[value] = (moment, orjson.dumps(format_time(moment)))
        return found

    def _source(self, value: Any) -> bytes:
        """A stored source (None: none) as the reader decodes it, in canonical JSON."""
        source = self._decoder.source(value)
        text = orjson.dumps(source.to_dict() if source else None, option=orjson.OPT_SORT_KEYS)
        self._sources[value] = text
        return text

    @staticmethod
    def _payload(value: Any) -> Any:
        """A payload that is not text: bytes decode, anything else (PostgreSQL's decoded
        JSONB, a number SQLite's column affinity made of the text) is taken as it is."""
        return orjson.loads(value) if isinstance(value, bytes) else value

    def _slow(self, row: Any) -> tuple[Any, datetime]:
        """The reader's decoding and ``event_hash`` of one row: the verdict the fast path
        could not give (raises as ``verify`` would); the payload and time it decoded."""
        event = self._decoder.event(row)
        if event_hash(event) != event.hash:
            raise altered(event.position)
        return event.data, event.recorded_at


def walk(
    engine: Engine, on_count: Callable[[int], None] | None = None, keys: bool = True
) -> ChainFindings:
    """Walk the whole log (chain, then meaning problems, then, with ``keys``, duplicate
    idempotency keys); ``on_count`` hears the number of events verified so far after every
    chunk."""
    findings = ChainFindings()
    state = Walk()
    dialect = engine.dialect.name
    sql = _SELECT.format(source=_SOURCE[dialect], mark=_MARK[dialect], limit=CHUNK)
    after = 0
    try:
        with paused_gc():
            while True:
                with engine.connect() as conn:
                    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                    try:
                        cursor.execute(sql, (after,))
                        rows = cursor.fetchall()
                    finally:
                        cursor.close()
                if not rows:
                    break
                state.rows(rows)
                findings.events, after = state.expected - 1, state.expected - 1
                if on_count is not None:
                    on_count(findings.events)
                if len(rows) < CHUNK:
                    break
    except IntegrityError as exc:
        # Everything before the first bad position was verified.
        findings.events = (exc.position or 1) - 1
        findings.problems.append(str(exc))
        findings.first_bad_position = exc.position
        return findings
    findings.problems += state.meaning + (duplicate_keys(engine) if keys else [])
    return findings


def duplicate_keys(engine: Engine) -> list[str]:
    """Idempotency keys held by more than one event (the unique index forbids them, unless
    someone dropped it), as problem lines."""
    # The keys first, from the key index alone (a third of grouping with positions), then
    # the positions of those few.
    repeated = (
        sa.select(events.c.key)
        .where(events.c.key.is_not(None))
        .group_by(events.c.key)
        .having(sa.func.count() > 1)
    )
    query = (
        sa.select(events.c.key, sa.func.min(events.c.position), sa.func.max(events.c.position))
        .where(events.c.key.in_(repeated))
        .group_by(events.c.key)
        .order_by(sa.func.min(events.c.position))
        .limit(MAX_PROBLEMS)
    )
    with engine.connect() as conn:
        return [
            f"position {last}: idempotency key {key!r} is already used by position {first}"
            for key, first, last in conn.execute(query)
        ]
