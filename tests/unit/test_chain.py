"""The hash chain: canonical form and what verification catches."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from service.chain import canonical_json, compute_hash, envelope_dict, verify
from service.errors import IntegrityError
from service.events import GENESIS_HASH, StoredEvent

T = datetime(2025, 7, 11, 8, 0, tzinfo=UTC)


def _chain(n: int) -> list[StoredEvent]:
    events, prev = [], GENESIS_HASH
    for position in range(1, n + 1):
        draft = StoredEvent(
            position,
            "model:kimi-k2",
            position,
            "ModelMentioned",
            1,
            {"model": "kimi-k2", "snippet": f"Kimi K2 #{position}"},
            T,
            T,
            None,
            None,
            prev,
            "",
        )
        event = replace(draft, hash=compute_hash(envelope_dict(draft)))
        events.append(event)
        prev = event.hash
    return events


def test_canonical_json_is_key_order_independent_and_compact() -> None:
    """The same mapping in any key order gives the same bytes, with no whitespace."""
    assert canonical_json({"b": 1, "a": [1, "月"]}) == canonical_json({"a": [1, "月"], "b": 1})
    assert canonical_json({"b": 1, "a": 2}) == b'{"a":2,"b":1}'


def test_times_are_hashed_in_utc_whatever_the_offset() -> None:
    """One instant written with two offsets has one canonical text and one hash."""
    (event,) = _chain(1)
    shifted = replace(event, occurred_at=T.astimezone(timezone(timedelta(hours=8))))
    assert envelope_dict(shifted)["occurred_at"] == "2025-07-11T08:00:00.000000+00:00"
    assert compute_hash(envelope_dict(shifted)) == event.hash


def test_verify_accepts_an_intact_chain() -> None:
    assert verify(_chain(5)) == 5


@pytest.mark.parametrize(
    ("tamper", "position", "message"),
    [
        (
            lambda es: es.__setitem__(2, replace(es[2], data={"model": "x", "snippet": "y"})),
            3,
            "altered",
        ),
        (lambda es: es.pop(3), 4, "missing"),
        (lambda es: es.__setitem__(1, replace(es[1], prev_hash="f" * 64)), 2, "prev_hash"),
        (lambda es: es.insert(1, es.pop(2)), 2, "missing"),
    ],
    ids=["data-changed", "event-removed", "link-broken", "reordered"],
)
def test_verify_names_the_first_bad_position(tamper, position: int, message: str) -> None:  # type: ignore[no-untyped-def]
    """Each kind of tampering is caught at the first position it affects."""
    events = _chain(5)
    tamper(events)
    with pytest.raises(IntegrityError, match=message) as error:
        verify(events)
    assert error.value.position == position
