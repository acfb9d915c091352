"""The append hot path's inner loop: number, version and hash a batch, and build its rows.

The envelope's canonical JSON (``service.chain.envelope_bytes``: keys in sorted order) is
assembled from parts serialized once per batch, time, source or type name, and hashed; the
same serialized payload goes into the driver row, so every event is dumped once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from service import appendsql
from service.clock import format_time
from service.errors import SchemaError
from service.events import NewEvent, Provenance, StoredEvent, stored_event


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
    occurred: dict[datetime, tuple[bytes, Any]] = {}
    sources: dict[Provenance, tuple[bytes, str]] = {}
    names: dict[str, bytes] = {}
    sha256, dumps, loads, sort = (
        hashlib.sha256,
        orjson.dumps,
        orjson.loads,
        orjson.OPT_SORT_KEYS,
    )
    # The envelope's canonical JSON (``service.chain.envelope_bytes``, keys in sorted
    # order), assembled from parts serialized once per batch, time, source or name.
    recorded_part = b',"recorded_at":' + dumps(recorded_text) + b',"schema":'
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
        if source is None:
            source_part, source_text = b"null", None
        else:
            found = sources.get(source)
            if found is None:
                blob = dumps(source.to_dict(), option=sort)
                found = sources[source] = (blob, blob.decode())
            source_part, source_text = found
        when = occurred.get(event.occurred_at)
        if when is None:
            text = format_time(event.occurred_at)
            when = occurred[event.occurred_at] = (
                dumps(text),
                time_value(text, event.occurred_at),
            )
        type_json = names.get(event.type)
        if type_json is None:
            type_json = names[event.type] = dumps(event.type)
        digest = sha256(
            b"".join(
                (
                    b'{"data":',
                    data_json,
                    b',"key":',
                    dumps(event.key),
                    b',"occurred_at":',
                    when[0],
                    b',"position":',
                    str(position).encode(),
                    b',"prev_hash":"',
                    prev_hash.encode(),
                    b'"',
                    recorded_part,
                    str(event.schema).encode(),
                    b',"source":',
                    source_part,
                    b',"stream":',
                    dumps(stream),
                    b',"type":',
                    type_json,
                    b',"version":',
                    str(version).encode(),
                    b"}",
                )
            )
        ).hexdigest()
        stored.append(
            stored_event(
                position,
                stream,
                version,
                event.type,
                event.schema,
                loads(data_json),
                event.occurred_at,
                recorded_at,
                source,
                event.key,
                prev_hash,
                digest,
            )
        )
        rows.append(
            (
                position,
                stream,
                version,
                event.type,
                event.schema,
                data_json.decode(),
                when[1],
                recorded_value,
                source_text,
                event.key,
                prev_hash,
                digest,
            )
        )
        prev_hash = digest
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
            return {s for s in streams if s not in self._known}

    def complete(self, found: appendsql.Survey, cached: set[str]) -> dict[str, int] | None:
        """``found.versions`` plus the cached versions of ``cached``, if the cache stands at
        ``found``'s head (None otherwise)."""
        versions = dict(found.versions)
        if not cached:
            return versions
        with self._lock:
            if self._head != (found.position, found.prev_hash):
                return None
            for stream in cached:
                version = self._known.get(stream)
                if version is None:
                    return None
                versions[stream] = version
        return versions

    def wrote(self, before: tuple[int, str], last: StoredEvent, versions: dict[str, int]) -> None:
        """An append at head ``before`` ended with ``last``; ``versions`` are those after it
        (of every stream the append asked about or wrote)."""
        with self._lock:
            if self._head != before or len(self._known) > self._limit:
                self._known = {}
            self._known.update(versions)
            self._head = (last.position, last.hash)
