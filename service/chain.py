"""The hash chain: canonical JSON of an envelope and SHA-256 over it.

An event's ``hash`` is SHA-256 of the canonical JSON of every other envelope field
(``prev_hash`` included), so changing any byte of any field, or reordering, breaks the chain.
Canonical JSON: keys sorted, no whitespace, UTF-8, times in ``service.clock.format_time``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson

from service.clock import format_time
from service.errors import IntegrityError
from service.events import GENESIS_HASH, StoredEvent

_SORTED = orjson.OPT_SORT_KEYS


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON bytes of ``value`` (sorted keys, compact, UTF-8)."""
    return orjson.dumps(value, option=_SORTED)


def normalize_data(data: dict[str, Any]) -> dict[str, Any]:
    """The payload exactly as it will read back from any database (JSON round trip).

    Non-JSON values fail here, at append time, rather than in a later audit.
    """
    try:
        return orjson.loads(orjson.dumps(data, option=_SORTED))  # type: ignore[no-any-return]
    except TypeError as exc:
        raise ValueError(f"event data is not JSON-serializable: {exc}") from None


def envelope_dict(event: StoredEvent) -> dict[str, Any]:
    """The envelope as a plain dict with every field (the export line)."""
    return {
        "position": event.position,
        "stream": event.stream,
        "version": event.version,
        "type": event.type,
        "schema": event.schema,
        "data": event.data,
        "occurred_at": format_time(event.occurred_at),
        "recorded_at": format_time(event.recorded_at),
        "source": event.source.to_dict() if event.source else None,
        "key": event.key,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def compute_hash(fields: dict[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of every field but ``hash``."""
    if "hash" in fields:
        fields = {name: value for name, value in fields.items() if name != "hash"}
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def envelope_bytes(
    *,
    position: int,
    stream: str,
    version: int,
    type_: str,
    schema: int,
    data_json: bytes,
    occurred_at: str,
    recorded_at: str,
    source_json: bytes,
    key: str | None,
    prev_hash: str,
) -> bytes:
    """``canonical_json`` of an envelope without ``hash``, assembled from pre-serialized parts.

    The append hot path serializes ``data`` once and reuses it for the hash and the row; the
    fields are written in sorted-key order, so the bytes equal ``canonical_json`` of the dict
    (a property test holds the two together).
    """
    dumps = orjson.dumps
    return b"".join(
        (
            b'{"data":', data_json,
            b',"key":', dumps(key),
            b',"occurred_at":', dumps(occurred_at),
            b',"position":', str(position).encode(),
            b',"prev_hash":', dumps(prev_hash),
            b',"recorded_at":', dumps(recorded_at),
            b',"schema":', str(schema).encode(),
            b',"source":', source_json,
            b',"stream":', dumps(stream),
            b',"type":', dumps(type_),
            b',"version":', str(version).encode(),
            b"}",
        )
    )  # fmt: skip


#: Canonical texts of recent times (a snapshot's rows share one, an append's batch another).
_TEXTS: dict[datetime, str] = {}


def event_hash(event: StoredEvent) -> str:
    """The hash ``event`` should carry, recomputed from its other fields (the bytes of
    ``compute_hash(envelope_dict(event))``, assembled without the dict)."""
    source = event.source
    occurred, recorded = _TEXTS.get(event.occurred_at), _TEXTS.get(event.recorded_at)
    if occurred is None or recorded is None:
        if len(_TEXTS) > 10_000:
            _TEXTS.clear()
        occurred = _TEXTS[event.occurred_at] = format_time(event.occurred_at)
        recorded = _TEXTS[event.recorded_at] = format_time(event.recorded_at)
    return hashlib.sha256(
        envelope_bytes(
            position=event.position,
            stream=event.stream,
            version=event.version,
            type_=event.type,
            schema=event.schema,
            data_json=orjson.dumps(event.data, option=_SORTED),
            occurred_at=occurred,
            recorded_at=recorded,
            source_json=orjson.dumps(source.to_dict() if source else None, option=_SORTED),
            key=event.key,
            prev_hash=event.prev_hash,
        )
    ).hexdigest()


def missing(expected: int, found: int) -> IntegrityError:
    """The error of a gap: ``expected`` was due, ``found`` came next."""
    return IntegrityError(f"position {expected} is missing (found {found} next)", expected)


def unlinked(position: int) -> IntegrityError:
    """The error of an event whose ``prev_hash`` is not the hash of the event before it."""
    return IntegrityError(
        f"position {position}: prev_hash does not match the hash of the event "
        "before it (an event was removed, reordered or altered)",
        position,
    )


def altered(position: int) -> IntegrityError:
    """The error of an event whose content no longer recomputes to its ``hash``."""
    return IntegrityError(
        f"position {position}: content does not match its hash "
        "(the event was altered after it was written)",
        position,
    )


def verify(events: Iterable[StoredEvent], prev_hash: str = GENESIS_HASH, after: int = 0) -> int:
    """Check positions run on from ``after`` without a gap and every hash links and recomputes.

    Returns the number of events checked; raises ``IntegrityError`` naming the first bad position.
    (The audit walks stored rows with ``service.chainwalk``, which raises the same errors.)
    """
    expected_position = after + 1
    count = 0
    for event in events:
        if event.position != expected_position:
            raise missing(expected_position, event.position)
        if event.prev_hash != prev_hash:
            raise unlinked(event.position)
        if event_hash(event) != event.hash:
            raise altered(event.position)
        prev_hash = event.hash
        expected_position += 1
        count += 1
    return count
