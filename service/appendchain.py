"""The append hot path's inner loop: number, version and hash a batch, and build its rows.

The envelope's canonical JSON (``service.chain.envelope_bytes``: keys in sorted order) is
assembled from parts serialized once per batch, time, source or type name, and hashed; the
same serialized payload goes into the driver row, so every event is dumped once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from service import appendsql
from service.clock import format_time
from service.errors import SchemaError
from service.events import FIELDS, NewEvent, Provenance, StoredEvent

(
    _position,
    _stream,
    _version,
    _type,
    _schema,
    _data,
    _occurred_at,
    _recorded_at,
    _source,
    _key,
    _prev_hash,
    _hash,
) = (StoredEvent.__dict__[name].__set__ for name in FIELDS)


def chain_batch(
    conn: Connection,
    fresh: Sequence[NewEvent],
    position: int,
    prev_hash: str,
    versions: dict[str, int],
    recorded_at: datetime,
) -> tuple[list[StoredEvent], list[tuple[Any, ...]]]:
    """The stored events and driver rows of ``fresh`` after ``position`` / ``prev_hash``
    (``versions``: each stream's version so far, updated in place)."""
    recorded_text = format_time(recorded_at)
    time_value = appendsql.time_value(conn)
    recorded_value = time_value(recorded_text, recorded_at)
    # Keyed by the fields themselves: a frozen dataclass's own hash and equality (Python
    # code) cost more than the serialization they would save.
    sources: dict[tuple[str | None, ...], tuple[bytes, str]] = {}
    sha256, dumps, loads, sort, new = (
        hashlib.sha256, orjson.dumps, orjson.loads, orjson.OPT_SORT_KEYS, object.__new__,
    )  # fmt: skip
    # The envelope's canonical JSON (``service.chain.envelope_bytes``, keys in sorted order)
    # in one bytes formatting per event; the recorded time is the batch's.
    template = b"".join(
        (
            b'{"data":%b,"key":%b,"occurred_at":%b,"position":%d,"prev_hash":"%b",',
            b'"recorded_at":', dumps(recorded_text).replace(b"%", b"%%"),
            b',"schema":%d,"source":%b,"stream":%b,"type":%b,"version":%d}',
        )
    )  # fmt: skip
    last_when: datetime | None = None
    last_source: Provenance | None = None
    when_json, when_value = b"", None
    source_json, source_text = b"null", None
    prev = prev_hash.encode()
    stored: list[StoredEvent] = []
    rows: list[tuple[Any, ...]] = []
    for event in fresh:
        position += 1
        stream = event.stream
        version = versions[stream] = versions.get(stream, 0) + 1
        try:
            data_json = dumps(event.data, option=sort)
        except TypeError as exc:
            raise SchemaError(f"{event.type} data is not JSON-serializable: {exc}") from None
        source = event.source
        if source is not last_source:  # a batch mostly shares one source, or a few
            last_source = source
            if source is None:
                source_json, source_text = b"null", None
            else:
                fields = (source.source_id, source.item_id, source.url, source.sha256)
                found = sources.get(fields)
                if found is None:
                    blob = dumps(source.to_dict(), option=sort)
                    found = sources[fields] = (blob, blob.decode())
                source_json, source_text = found
        occurred_at = event.occurred_at
        if occurred_at is not last_when:
            last_when = occurred_at
            if occurred_at.tzinfo is UTC and occurred_at.microsecond:  # format_time's fast path
                text = occurred_at.isoformat()
            else:
                text = format_time(occurred_at)
            when_json, when_value = dumps(text), time_value(text, occurred_at)
        digest = sha256(
            template
            % (
                data_json, dumps(event.key), when_json, position, prev, event.schema,
                source_json, dumps(stream), dumps(event.type), version,
            )
        ).hexdigest()  # fmt: skip
        # A third of ``StoredEvent(...)``: the slots set directly, no frozen ``__setattr__``.
        out = new(StoredEvent)
        _position(out, position)
        _stream(out, stream)
        _version(out, version)
        _type(out, event.type)
        _schema(out, event.schema)
        _data(out, loads(data_json))
        _occurred_at(out, occurred_at)
        _recorded_at(out, recorded_at)
        _source(out, source)
        _key(out, event.key)
        _prev_hash(out, prev_hash)
        _hash(out, digest)
        stored.append(out)
        rows.append(
            (
                position, stream, version, event.type, event.schema, data_json.decode(),
                when_value, recorded_value, source_text, event.key, prev_hash, digest,
            )
        )  # fmt: skip
        prev_hash, prev = digest, digest.encode()
    return stored, rows


class StreamVersions:
    """Stream versions as of the head this store last appended (saves the survey asking).

    Valid only while the log's head is that very event (position and hash): any other writer,
    a rolled-back transaction or a restore moves the head elsewhere, and then the survey asks
    for every stream again. Bounded: forgotten past ``limit`` streams."""

    def __init__(self, limit: int = 20_000) -> None:
        self._lock = threading.Lock()
        self._head: tuple[int, str] | None = None
        self._known: dict[str, int] = {}
        self._limit = limit

    def unknown(self, streams: set[str]) -> set[str]:
        """The ``streams`` whose version is not cached (all when nothing is)."""
        with self._lock:
            return streams.difference(self._known)

    def complete(self, found: appendsql.Survey, cached: set[str]) -> dict[str, int] | None:
        """``found.versions`` plus the cached versions of ``cached``, if the cache stands at
        ``found``'s head (None otherwise)."""
        versions = dict(found.versions)
        if not cached:
            return versions
        with self._lock:
            if self._head != (found.position, found.prev_hash):
                return None
            known = self._known
            if not known.keys() >= cached:
                return None
            versions.update({stream: known[stream] for stream in cached})
        return versions

    def wrote(self, before: tuple[int, str], last: StoredEvent, versions: dict[str, int]) -> None:
        """An append at head ``before`` ended with ``last``; ``versions`` are those after it
        (of every stream the append asked about or wrote)."""
        with self._lock:
            if self._head != before or len(self._known) > self._limit:
                self._known = {}
            self._known.update(versions)
            self._head = (last.position, last.hash)
