"""The append's bulk chaining (``service.appendchain``) against the slow, obvious paths: time
texts against ``format_time``, hashes against the verifier's ``event_hash``, driver time
values against ``appendsql.time_value``, stored events against a dataclass built field by
field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from service import appendsql
from service.appendchain import chain, time_texts
from service.chain import event_hash, verify
from service.clock import format_time
from service.events import GENESIS_HASH, NewEvent, Provenance, StoredEvent

RECORDED = datetime(2025, 7, 28, 12, 5, 0, 250, tzinfo=UTC)


def _chained(*args: Any) -> tuple[list[Any], list[Any]]:
    """The stored events and rows ``chain`` gives for ``args``."""
    batch = chain(*args)
    return batch.events(), batch.rows


class Moment(datetime):
    """A ``datetime`` subclass (as test clocks make): not orjson's to format."""


def test_time_texts_equal_format_time_in_every_shape() -> None:
    """On the second, with a fraction, mixed, other offsets, a zero offset that is not
    ``UTC`` itself, naive, the calendar's ends and a subclass: the canonical text each time."""
    on_second = datetime(2025, 7, 28, 12, tzinfo=UTC)
    batches = [
        [on_second + timedelta(seconds=n) for n in range(5)],
        [on_second + timedelta(microseconds=n + 1) for n in range(5)],
        [on_second, on_second + timedelta(microseconds=7), on_second],
        [datetime(2025, 7, 28, 14, tzinfo=timezone(timedelta(hours=2))), on_second],
        [datetime(2025, 7, 28, 12, tzinfo=timezone(timedelta(0)))],
        [datetime(2025, 7, 28, 12, 0, 1)],
        [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)],
        [datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)],
        [Moment(2025, 7, 28, 12, tzinfo=UTC), on_second],
        [],
    ]
    for moments in batches:
        assert time_texts(moments) == [format_time(m).encode() for m in moments]


@given(
    st.lists(
        st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7))])),
        max_size=20,
    )
)
def test_time_texts_equal_format_time_for_any_times(moments: list[datetime]) -> None:
    assert time_texts(moments) == [format_time(m).encode() for m in moments]


def test_sqlite_time_values_in_bulk_equal_one_by_one() -> None:
    """The bulk texts are what ``time_value`` gives for each time alone."""
    engine = sa.create_engine("sqlite://")
    moments = [RECORDED, datetime(2025, 7, 28, 12, tzinfo=UTC), datetime(2025, 1, 1, 9)]
    with engine.connect() as conn:
        one = appendsql.time_value(conn)
        bulk = appendsql.time_values(conn, time_texts(moments), moments)
    assert bulk == [one(format_time(m), m) for m in moments]


def _events(count: int) -> list[NewEvent]:
    """Times repeated (the same object, and equal objects), on the second and with fractions;
    sources shared, equal, absent; keys absent; many streams; unicode and escapes."""
    shared_time = datetime(2025, 7, 28, 12, tzinfo=UTC)
    shared_source = Provenance("news", "item-1", 'https://e.org/"q"\\é', "0" * 64)
    return [
        NewEvent(
            stream=f"model:m{n % 4}",
            type=("ModelMentioned", "ItemObserved")[n % 2],
            data={"snippet": f'é"\\\n{n}', "model": f"m{n % 4}", "n": n, "share": n / 3},
            occurred_at=(
                shared_time,
                datetime(2025, 7, 28, 12, tzinfo=UTC),
                shared_time + timedelta(microseconds=n),
                shared_time + timedelta(seconds=n // 3),
            )[n % 4],
            source=(shared_source, None, Provenance("news", "item-1", 'https://e.org/"q"\\é',
                                                    "0" * 64), Provenance(f"s{n}"))[n % 4],
            key=None if n % 5 == 0 else f"k|{n}|\u2028",
        )
        for n in range(count)
    ]  # fmt: skip


def _slow(event: NewEvent, position: int, version: int, prev_hash: str) -> StoredEvent:
    """The stored event built the obvious way, its hash from the verifier's path."""
    unhashed = StoredEvent(
        position, event.stream, version, event.type, event.schema,
        orjson.loads(orjson.dumps(event.data)), event.occurred_at, RECORDED, event.source,
        event.key, prev_hash, "",
    )  # fmt: skip
    return StoredEvent(**{**_fields(unhashed), "hash": event_hash(unhashed)})


def _fields(event: StoredEvent) -> dict[str, object]:
    return {name: getattr(event, name) for name in StoredEvent.__dataclass_fields__}


def test_a_batch_hashes_and_stores_as_the_slow_path_does() -> None:
    """Every stored event (and so every hash) equals the one built field by field, across
    two batches continuing one chain and the stream versions so far."""
    events = _events(37)
    engine = sa.create_engine("sqlite://")
    versions: dict[str, int] = {}  # shared by the batches, as the store's survey gives it
    with engine.connect() as conn:
        first, _rows = _chained(conn, events[:20], 0, GENESIS_HASH, versions, RECORDED)
        rest, rows = _chained(conn, events[20:], 20, first[-1].hash, versions, RECORDED)
    expected: list[StoredEvent] = []
    seen: dict[str, int] = {}
    for n, event in enumerate(events):
        seen[event.stream] = seen.get(event.stream, 0) + 1
        prev = expected[-1].hash if expected else GENESIS_HASH
        expected.append(_slow(event, n + 1, seen[event.stream], prev))
    assert first + rest == expected
    assert verify(first + rest) == 37
    assert versions == seen
    assert [row[-1] for row in rows] == [e.hash for e in rest]
    assert [row[5] for row in rows] == [
        orjson.dumps(e.data, option=orjson.OPT_SORT_KEYS).decode() for e in rest
    ]


def test_stored_payloads_are_fresh_objects_not_the_callers() -> None:
    """The payload a stored event holds is parsed from the stored JSON: editing the dict the
    caller passed leaves the stored event (and its hash) as written."""
    events = _events(3)
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        batch = chain(conn, events, 0, GENESIS_HASH, {}, RECORDED)
    events[1].data["snippet"] = "edited"
    stored = batch.events()
    assert stored[1].data["snippet"] != "edited"
    assert verify(stored) == 3
    assert batch.last == (3, stored[-1].hash)
