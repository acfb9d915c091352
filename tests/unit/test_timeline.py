"""The crown's packed timeline behaves as the sorted list of its entries."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from service.projections.timeline import Timeline

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _entry(rng: random.Random, position: int) -> tuple[object, ...]:
    when = T0 + timedelta(hours=rng.randint(0, 500))
    return (when, position, 0, "board", f"m{rng.randint(0, 9)}", "v1", rng.random(), None, None)


def test_appends_and_backfill_merges_keep_the_sorted_order() -> None:
    rng = random.Random(5)
    timeline, plain, position = Timeline(block=4), [], 0
    for _round in range(60):
        batch = []
        for _ in range(rng.randint(1, 9)):
            position += 1
            batch.append(_entry(rng, position))
        newest = [e for e in batch if not plain or (e[0], e[1]) > (plain[-1][0], plain[-1][1])]
        if rng.random() < 0.5 and len(newest) == len(batch):
            batch.sort(key=lambda e: (e[0], e[1]))
            for entry in batch:
                if not plain or (entry[0], entry[1]) > (plain[-1][0], plain[-1][1]):
                    timeline.append(entry)
                    plain.append(entry)
                else:
                    timeline.merge([entry])
                    plain = sorted([*plain, entry], key=lambda e: (e[0], e[1]))
        else:
            timeline.merge(batch)
            plain = sorted([*plain, *batch], key=lambda e: (e[0], e[1]))
        assert len(timeline) == len(plain)
        assert list(timeline.entries()) == plain
        assert timeline.last_key() == (plain[-1][0], plain[-1][1])
    for start in (0, 3, 4, 5, len(plain) - 1, len(plain)):
        assert list(timeline.entries(start)) == plain[start:]
    assert timeline.newest(3) == plain[-3:]


def test_a_copy_is_independent() -> None:
    rng = random.Random(1)
    timeline = Timeline((_entry(rng, p) for p in range(1, 12)), block=4)
    timeline.merge([])
    ordered = sorted(timeline.entries(), key=lambda e: (e[0], e[1]))
    timeline = Timeline(ordered, block=4)
    kept = timeline.copy()
    timeline.merge([(T0 - timedelta(days=1), 99, 0, "board", "m0", "v1", 1.0, None, None)])
    assert list(kept.entries()) == ordered
    assert len(timeline) == len(kept) + 1
    assert kept == Timeline(ordered, block=4)
