"""Known answers of the hash chain: one fixed envelope hashes to one fixed SHA-256, whichever
path computes it (the verifier's dict or the store's pre-serialized parts), and a change to
an earlier event reaches the head through ``prev_hash``.

The literal below was computed once from the canonical bytes written out in ``CANONICAL``
(sorted keys, no whitespace, UTF-8, times in fixed-width UTC); a change to what the hash covers
or how it is serialized breaks it — and every log ever exported with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import sqlalchemy as sa

from service.appendchain import chain
from service.chain import canonical_json, envelope_bytes, envelope_dict, event_hash, verify
from service.clock import format_time
from service.events import GENESIS_HASH, NewEvent, Provenance, StoredEvent
from tests.tampering import rechain

CANONICAL = (
    b'{"data":{"model":"glm-4.5","snippet":"GLM-4.5: 355B total, 32B active"},'
    b'"key":"mention|news|1","occurred_at":"2025-07-28T12:00:00.000000+00:00","position":1,'
    b'"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000",'
    b'"recorded_at":"2025-07-28T12:05:00.000000+00:00","schema":1,'
    b'"source":{"item_id":"item-1","sha256":null,"source_id":"news",'
    b'"url":"https://example.org/glm-4.5"},"stream":"model:glm-4.5","type":"ModelMentioned",'
    b'"version":1}'
)
KNOWN_HASH = "bb5dc8f18a1d2db62879dbc70f94f914f61b978e460c048886af457a4b55c2ea"

ENVELOPE = StoredEvent(
    position=1,
    stream="model:glm-4.5",
    version=1,
    type="ModelMentioned",
    schema=1,
    data={"snippet": "GLM-4.5: 355B total, 32B active", "model": "glm-4.5"},
    occurred_at=datetime(2025, 7, 28, 12, 0, tzinfo=UTC),
    recorded_at=datetime(2025, 7, 28, 12, 5, tzinfo=UTC),
    source=Provenance("news", "item-1", "https://example.org/glm-4.5"),
    key="mention|news|1",
    prev_hash=GENESIS_HASH,
    hash=KNOWN_HASH,
)


def _chained(*args: Any) -> tuple[list[Any], list[Any]]:
    """The stored events and rows ``chain`` gives for ``args``."""
    batch = chain(*args)
    return batch.events(), batch.rows


def test_the_canonical_bytes_of_a_fixed_envelope() -> None:
    """Every field but ``hash``, prev_hash included, in canonical form."""
    fields = {k: v for k, v in envelope_dict(ENVELOPE).items() if k != "hash"}
    assert canonical_json(fields) == CANONICAL
    assert hashlib.sha256(CANONICAL).hexdigest() == KNOWN_HASH


def test_a_fixed_envelope_hashes_to_its_known_sha256() -> None:
    """The verifier's path (``event_hash``) gives the literal."""
    assert event_hash(ENVELOPE) == KNOWN_HASH
    assert verify([ENVELOPE]) == 1


def test_the_store_hot_path_gives_the_same_bytes_and_hash() -> None:
    """The append path assembles the bytes from pre-serialized parts: the same literal."""
    sort = orjson.OPT_SORT_KEYS
    assembled = envelope_bytes(
        position=1,
        stream="model:glm-4.5",
        version=1,
        type_="ModelMentioned",
        schema=1,
        data_json=orjson.dumps(ENVELOPE.data, option=sort),
        occurred_at="2025-07-28T12:00:00.000000+00:00",
        recorded_at="2025-07-28T12:05:00.000000+00:00",
        source_json=orjson.dumps(ENVELOPE.source.to_dict(), option=sort),  # type: ignore[union-attr]
        key="mention|news|1",
        prev_hash=GENESIS_HASH,
    )
    assert assembled == CANONICAL
    assert hashlib.sha256(assembled).hexdigest() == KNOWN_HASH


def test_a_different_prev_hash_gives_a_different_hash() -> None:
    """``prev_hash`` is covered: the same content after another event hashes differently."""
    moved = replace(ENVELOPE, prev_hash="1" * 64)
    assert event_hash(moved) != event_hash(ENVELOPE)


def test_re_hashing_an_edited_earlier_event_changes_the_head() -> None:
    """Edit event 1 of three and recompute every hash after it: the head is a new hash, so a
    head kept elsewhere exposes the edit even though the new chain verifies."""
    events = [ENVELOPE]
    for n in (2, 3):
        nxt = replace(events[-1], position=n, version=n, key=f"mention|news|{n}",
                      prev_hash=events[-1].hash, hash="")  # fmt: skip
        events.append(replace(nxt, hash=event_hash(nxt)))
    assert verify(events) == 3
    edited = rechain([replace(events[0], data={**events[0].data, "snippet": "GLM-4.5: 355B"}),
                      *events[1:]])  # fmt: skip
    assert verify(edited) == 3  # a consistent forgery …
    assert edited[2].hash != events[2].hash  # … with another head
    assert [e.data for e in edited[1:]] == [e.data for e in events[1:]]


def _new(event: StoredEvent) -> NewEvent:
    return NewEvent(event.stream, event.type, event.data, event.occurred_at, event.source,
                    event.key, event.schema)  # fmt: skip


def test_the_append_batch_gives_the_known_hash() -> None:
    """The store's batch loop (``chain``) hashes the fixed envelope to the literal, and
    its stored event is the envelope itself."""
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        stored, rows = _chained(conn, [_new(ENVELOPE)], 0, GENESIS_HASH, {},
                                   ENVELOPE.recorded_at)  # fmt: skip
    assert stored == [ENVELOPE]
    assert rows[0][-1] == KNOWN_HASH


def test_the_append_batch_agrees_with_the_verifier() -> None:
    """Across sources shared, equal or absent, keys absent, times in other offsets or on the
    second, unicode and escapes: every hash the batch gives is the verifier's."""
    paris = timezone(timedelta(hours=2))
    shared = Provenance("news", "item-1", 'https://e.org/"q"\\é')
    events = [
        NewEvent(
            stream=f"model:m{n % 3}ü",
            type="ModelMentioned",
            data={"snippet": f'é😀"\\\n{n}', "model": f"m{n % 3}", "confidence": n / 7},
            occurred_at=datetime(2025, 7, 28, 12, n % 2, tzinfo=paris if n % 3 else UTC)
            + timedelta(microseconds=n % 4),
            source=(None, shared, Provenance("news", "item-1", 'https://e.org/"q"\\é'))[n % 3],
            key=None if n % 4 == 0 else f"mention|{n}|\u2028",
        )
        for n in range(40)
    ]
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        first, _rows = _chained(conn, events[:25], 0, GENESIS_HASH, {}, ENVELOPE.recorded_at)
        rest, _rows = _chained(conn, events[25:], 25, first[-1].hash, {},
                                  ENVELOPE.recorded_at)  # fmt: skip
    assert verify(first + rest) == 40
    assert [e.hash for e in first + rest] == [event_hash(e) for e in first + rest]
    assert all(e.data == orjson.loads(orjson.dumps(e.data)) for e in first + rest)


def test_a_time_on_the_second_keeps_its_fixed_width() -> None:
    """``format_time`` writes the zero fraction out, whatever the offset given."""
    assert format_time(datetime(2025, 7, 28, 12, tzinfo=UTC)) == "2025-07-28T12:00:00.000000+00:00"
    late = datetime(2025, 7, 28, 14, 0, 0, 5, tzinfo=timezone(timedelta(hours=2)))
    assert format_time(late) == "2025-07-28T12:00:00.000005+00:00"
