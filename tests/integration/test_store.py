"""The event store contract, on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from service.chain import event_hash, verify
from service.errors import ConcurrencyError, SchemaError
from service.events import GENESIS_HASH, NewEvent
from service.store import EventStore
from tests.builders import item, mention


def test_append_assigns_gapless_positions_versions_and_a_linked_chain(store: EventStore) -> None:
    """Given an empty log, when two batches are appended, positions run 1..N and hashes link."""
    first = store.append([item(1), item(2), mention("glm-4.5", 1)])
    second = store.append([item(3), mention("glm-4.5", 2)])

    events = list(store.read())
    assert [e.position for e in events] == [1, 2, 3, 4, 5]
    assert [e.version for e in events if e.stream == "source:news"] == [1, 2, 3]
    assert [e.version for e in events if e.stream == "model:glm-4.5"] == [1, 2]
    assert events[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert verify(events) == 5
    assert first.head == 3 and second.head == 5
    assert store.head() == (5, events[-1].hash)


def test_read_back_is_exactly_what_was_appended(store: EventStore) -> None:
    """Stored events read back field for field, and their hashes recompute."""
    title = 'Kimi K2：总参数1万亿 \u2014 "quoted" \\ back'
    appended = store.append([item(7, title=title)]).appended
    (read,) = list(store.read())
    assert read == appended[0]
    assert read.data["fields"] == {"n": 7, "score": 1.0}
    assert read.occurred_at.tzinfo is not None
    assert event_hash(read) == read.hash


def test_idempotency_key_skips_known_events_and_reports_them(store: EventStore) -> None:
    """Re-appending events whose keys are in the log appends nothing and names the keys."""
    store.append([item(1), item(2)])
    result = store.append([item(2), item(3), item(3)])
    assert [e.key for e in result.appended] == ["item|news|item-3"]
    assert result.skipped == ["item|news|item-2", "item|news|item-3"]
    assert store.head()[0] == 3


def test_events_without_key_are_always_appended(store: EventStore) -> None:
    """No key means no idempotency: the same fact twice is two events."""
    store.append([mention("kimi-k2", 1)])
    store.append([mention("kimi-k2", 1)])
    assert store.stream_version("model:kimi-k2") == 2


def test_stale_expected_version_raises_and_appends_nothing(store: EventStore) -> None:
    """A writer expecting an older stream version gets ConcurrencyError; nothing is written."""
    store.append([mention("glm-4.5", 1)], expected_versions={"model:glm-4.5": 0})
    with pytest.raises(ConcurrencyError, match=r"model:glm-4.5.*version 1, expected 0"):
        store.append([item(1), mention("glm-4.5", 2)], expected_versions={"model:glm-4.5": 0})
    assert store.head()[0] == 1
    store.append([mention("glm-4.5", 2)], expected_versions={"model:glm-4.5": 1})
    assert store.stream_version("model:glm-4.5") == 2


def test_expected_version_of_a_fully_known_retry_is_not_a_conflict(store: EventStore) -> None:
    """Retrying a batch that already landed (same keys) is skipped, not a conflict."""
    batch = [mention("glm-4.5", 1, key="m1")]
    store.append(batch, expected_versions={"model:glm-4.5": 0})
    result = store.append(batch, expected_versions={"model:glm-4.5": 0})
    assert result.appended == [] and result.skipped == ["m1"]


def test_invalid_payload_is_refused_before_anything_is_written(store: EventStore) -> None:
    """A payload missing a required field raises SchemaError and appends nothing."""
    bad = NewEvent("model:x", "ModelMentioned", {"model": "x"}, datetime(2025, 7, 1, tzinfo=UTC))
    with pytest.raises(SchemaError, match="missing \\['snippet'\\]"):
        store.append([item(1), bad])
    assert store.head()[0] == 0


def test_read_by_position_range_and_by_stream(store: EventStore) -> None:
    """Reads select by position window, by page, and by stream and version."""
    store.append([item(n) if n % 2 else mention("qwen3-coder", n) for n in range(1, 11)])
    assert [e.position for e in store.read(after=3, until=6)] == [4, 5, 6]
    assert [e.position for e in store.page(after=8, limit=5)] == [9, 10]
    stream = store.read_stream("model:qwen3-coder", after_version=2)
    assert [e.version for e in stream] == [3, 4, 5]
    assert all(e.stream == "model:qwen3-coder" for e in stream)


def test_item_index_projection_catches_up_in_the_same_transaction(
    store: EventStore,
) -> None:
    """After an append, the item index and its checkpoint already reflect it."""
    store.append([item(1), item(2)])
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT item_id, position FROM items ORDER BY 2")).all()
        checkpoint = conn.execute(
            sa.text("SELECT position FROM checkpoints WHERE name = 'items'")
        ).scalar()
    assert [tuple(r) for r in rows] == [("item-1", 1), ("item-2", 2)]
    assert checkpoint == 2


def test_two_stores_interleaving_keep_stream_versions_contiguous(store: EventStore) -> None:
    """Each store remembers stream versions at the head it wrote; when another store (or a
    rolled-back transaction) moved the head, it asks the log again, so versions never repeat."""
    other = EventStore(store.engine)
    store.append([mention("glm-4.5", 1)])
    store.append([mention("glm-4.5", 2)])  # from the cache
    other.append([mention("glm-4.5", 3), item(1)])
    store.append([mention("glm-4.5", 4)])  # the head moved: asked again
    with pytest.raises(RuntimeError), store.engine.connect() as conn, conn.begin():
        store.append_in(conn, [mention("glm-4.5", 5)])
        raise RuntimeError("roll back")
    store.append([mention("glm-4.5", 6)])
    other.append([mention("glm-4.5", 7)])
    versions = [e.version for e in store.read() if e.stream == "model:glm-4.5"]
    assert versions == [1, 2, 3, 4, 5, 6]
    assert verify(list(store.read())) == 7
