"""The append hot path's inner loop: number, version and hash a batch, and build its rows.

The envelope's canonical JSON (``service.chain.envelope_bytes``: keys in sorted order) is
assembled from parts serialized once per batch, time, source or type name, and hashed; the
same serialized payload goes into the driver row, so every event is dumped once.

Only the hashing runs event by event in Python (each hash covers the one before it); every
other step is a ``map``, ``zip`` or single call over the whole batch, so it runs in C: at
100-event batches the interpreter's per-event bytecode cost more than the SQL did.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from itertools import repeat
from operator import attrgetter
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from service import appendsql
from service.clock import format_time
from service.errors import SchemaError
from service.events import FIELDS, AppendResult, NewEvent, Provenance, StoredEvent

#: Each envelope field's slot setter, in ``FIELDS`` order (no frozen ``__setattr__``).
_SETTERS = tuple(StoredEvent.__dict__[name].__set__ for name in FIELDS)
_STREAM, _TYPE, _SCHEMA, _KEY, _OCCURRED, _SOURCE, _DATA, _TZINFO = map(
    attrgetter, ("stream", "type", "schema", "key", "occurred_at", "source", "data", "tzinfo")
)
_SOURCE_FIELDS = attrgetter("source_id", "item_id", "url", "sha256")
_SORTED_DUMPS = partial(orjson.dumps, option=orjson.OPT_SORT_KEYS)
#: The envelope up to ``prev_hash``'s value, and after it (the recorded time is the batch's,
#: spliced in once per batch). Canonical time texts need no JSON escaping, nor ``%``.
_HEAD = b'{"data":%b,"key":%b,"occurred_at":"%b","position":%d,"prev_hash":"'
_TAIL = b',"schema":%d,"source":%b,"stream":%b,"type":%b,"version":%d}'


def time_texts(moments: Sequence[datetime]) -> list[bytes]:
    """``format_time`` of each of ``moments`` (UTF-8), in bulk.

    orjson writes a list of aware UTC times as ``isoformat()`` would, at a fraction of the cost,
    but drops a zero fraction: it is put back, so every text keeps ``format_time``'s width.
    Other offsets (and ``datetime`` subclasses) go through ``format_time`` itself."""
    # ``== {UTC}`` admits only ``timezone`` objects of offset zero: orjson writes them as UTC.
    if not moments or set(map(type, moments)) != {datetime} or set(map(_TZINFO, moments)) != {UTC}:
        return [format_time(moment).encode() for moment in moments]
    texts = orjson.dumps(moments)[2:-2].split(b'","')
    widths = set(map(len, texts))
    if widths == {32}:  # all with a fraction (the clock's times)
        return texts
    if widths == {25}:  # all on the second: one ``+`` per text, before the offset
        return list(map(bytes.replace, texts, repeat(b"+"), repeat(b".000000+")))
    return [text if len(text) == 32 else text[:19] + b".000000" + text[19:] for text in texts]


@dataclass(frozen=True, slots=True)
class Batch:
    """A chained batch: its driver rows, and what its stored events are built from."""

    rows: list[tuple[Any, ...]]
    #: Each field's values in ``FIELDS`` order (``data`` as its canonical JSON; the
    #: ``recorded_at`` entry unused: it is ``recorded_at`` below, for every event).
    parts: tuple[Sequence[Any], ...]
    recorded_at: datetime

    @property
    def last(self) -> tuple[int, str]:
        """``(position, hash)`` of the batch's last event."""
        return self.rows[-1][0], self.rows[-1][-1]

    def events(self) -> list[StoredEvent]:
        """The stored events, equal to what a read gives back (the payloads parsed from the
        JSON stored, not the caller's objects), each slot set directly (no frozen
        ``__setattr__``), field by field over the whole batch."""
        parts: list[Iterable[Any]] = list(self.parts)
        parts[5] = orjson.loads(b"[" + b",".join(parts[5]) + b"]")  # one parse in all
        parts[7] = repeat(self.recorded_at)
        stored = list(map(object.__new__, repeat(StoredEvent, len(self.rows))))
        for setter, values in zip(_SETTERS, parts, strict=True):
            deque(map(setter, stored, values), maxlen=0)
        return stored


class AppendedLater(AppendResult):
    """An ``AppendResult`` whose stored events are built when first asked for: a writer that
    only needs the append done (a bulk load, an import) does not pay for them. Equal to an
    ``AppendResult`` of the same events and skipped keys."""

    __slots__ = ("_batch",)
    _batch: Batch

    def __init__(self, batch: Batch, skipped: list[str]) -> None:
        object.__setattr__(self, "_batch", batch)
        object.__setattr__(self, "skipped", skipped)

    @property  # type: ignore[override]
    def appended(self) -> list[StoredEvent]:
        try:
            return _APPENDED.__get__(self)  # type: ignore[no-any-return]
        except AttributeError:
            events = self._batch.events()
            _APPENDED.__set__(self, events)
            return events

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AppendResult):
            return NotImplemented
        return (self.appended, self.skipped) == (other.appended, other.skipped)

    __hash__ = None  # type: ignore[assignment]


_APPENDED = AppendResult.__dict__["appended"]


def chain(
    conn: Connection,
    fresh: Sequence[NewEvent],
    position: int,
    prev_hash: str,
    versions: dict[str, int],
    recorded_at: datetime,
) -> Batch:
    """The driver rows of ``fresh`` after ``position`` / ``prev_hash`` (``versions``: each
    stream's version so far, updated in place), its stored events left to be built on demand
    (``Batch.events``)."""
    positions = range(position + 1, position + len(fresh) + 1)
    streams, types, schemas = map(list, (map(g, fresh) for g in (_STREAM, _TYPE, _SCHEMA)))
    keys, occurred, sources = map(list, (map(g, fresh) for g in (_KEY, _OCCURRED, _SOURCE)))
    numbers: list[int] = []
    for stream in streams:
        version = versions[stream] = versions.get(stream, 0) + 1
        numbers.append(version)
    data_jsons = _data_jsons(fresh)
    occurred_texts = time_texts(occurred)
    source_jsons, source_texts = _source_jsons(sources)
    dumps = orjson.dumps
    recorded_text = time_texts([recorded_at])[0]
    heads = map(
        _HEAD.__mod__, zip(data_jsons, map(dumps, keys), occurred_texts, positions, strict=True)
    )
    after = b'","recorded_at":"' + recorded_text + b'"' + _TAIL
    tails = map(
        after.__mod__,
        zip(schemas, source_jsons, map(dumps, streams), map(dumps, types), numbers, strict=True),
    )
    sha256 = hashlib.sha256
    prev = prev_hash.encode()
    digests: list[str] = []
    for head, tail in zip(heads, tails, strict=True):
        digest = sha256(head + prev + tail).hexdigest()
        digests.append(digest)
        prev = digest.encode()
    prev_hashes = [prev_hash, *digests[:-1]]
    when = appendsql.time_values(conn, [recorded_text, *occurred_texts], [recorded_at, *occurred])
    rows = list(
        zip(
            positions, streams, numbers, types, schemas, map(bytes.decode, data_jsons),
            when[1:], repeat(when[0]), source_texts, keys, prev_hashes, digests,
        )
    )  # fmt: skip
    parts = (positions, streams, numbers, types, schemas, data_jsons, occurred, (), sources,
             keys, prev_hashes, digests)  # fmt: skip
    return Batch(rows, parts, recorded_at)


def _data_jsons(fresh: Sequence[NewEvent]) -> list[bytes]:
    """Each payload's canonical JSON; a payload JSON cannot hold is refused, by its type."""
    try:
        return list(map(_SORTED_DUMPS, map(_DATA, fresh)))
    except TypeError:
        for event in fresh:
            try:
                _SORTED_DUMPS(event.data)
            except TypeError as exc:
                raise SchemaError(f"{event.type} data is not JSON-serializable: {exc}") from None
        raise


def _source_jsons(sources: list[Provenance | None]) -> tuple[list[bytes], list[str | None]]:
    """Each source's canonical JSON, and its text for the row, serialized once per distinct
    source. Keyed by the fields themselves: a frozen dataclass's own hash and equality
    (Python code) cost more than the serialization they would save."""
    found: dict[tuple[Any, ...], tuple[bytes, str]] = {}
    jsons: list[bytes] = []
    texts: list[str | None] = []
    last: object = found  # no source is this
    blob, text = b"null", None
    for source in sources:
        if source is not last:  # a batch mostly shares one source, or a few
            last = source
            if source is None:
                blob, text = b"null", None
            else:
                fields = _SOURCE_FIELDS(source)
                known = found.get(fields)
                if known is None:
                    encoded = _SORTED_DUMPS(source.to_dict())
                    known = found[fields] = (encoded, encoded.decode())
                blob, text = known
        jsons.append(blob)
        texts.append(text)
    return jsons, texts


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

    def wrote(
        self, before: tuple[int, str], last: tuple[int, str], versions: dict[str, int]
    ) -> None:
        """An append at head ``before`` ended at head ``last`` (position, hash); ``versions``
        are those after it (of every stream the append asked about or wrote)."""
        with self._lock:
            if self._head != before or len(self._known) > self._limit:
                self._known = {}
            self._known.update(versions)
            self._head = last
