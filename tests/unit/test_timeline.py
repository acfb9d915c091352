"""The crown's packed timeline behaves as the sorted list of its entries."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bench.rebuild_folds import generate
from service.events import FoldEvent
from service.projections import crown
from service.projections.digest import fold_all
from service.projections.light import decode_light, encode_light, needs_full
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


def test_a_light_snapshot_replays_a_slightly_late_fact_like_the_full_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A licence fact dated before the crown's newest entry but after the light snapshot's
    replay base is folded on the decoded light states exactly as on the full states."""
    monkeypatch.setattr(crown.initial, "__defaults__", (64,))
    events = generate(3000)[:2500]
    full = fold_all(events)
    light = decode_light(encode_light(full, events[-1].occurred_at - timedelta(days=30)))
    assert light["crown"].checkpoints and len(light["crown"].timeline) < 200
    newest = max(e.occurred_at for e in events if e.type == "ScoreReported")
    before = crown.copy(full["crown"])
    late = FoldEvent(
        len(events) + 1, "ModelLicenseChanged", {"model": "model-03", "license": "MIT"},
        newest - timedelta(hours=1), events[-1].recorded_at,
    )  # fmt: skip
    for states in (full, light):
        fold_all([late], states, settle=False)
    assert not needs_full(light)
    crown.settle(full["crown"])
    crown.settle(light["crown"])
    assert light["crown"].race == full["crown"].race
    assert crown.settle(before).race != full["crown"].race  # the late fact counted


@pytest.mark.parametrize("sizes", [[1, 2, 3], [4], [9, 0, 7], [3, 5, 12, 1]])
def test_extend_equals_appending_one_by_one(sizes: list[int]) -> None:
    rng = random.Random(len(sizes))
    entries = sorted((_entry(rng, p) for p in range(1, sum(sizes) + 1)), key=lambda e: (e[0], e[1]))
    one_by_one, extended, done = Timeline(block=4), Timeline(block=4), 0
    for entry in entries:
        one_by_one.append(entry)
    for size in sizes:
        extended.extend(entries[done : done + size])
        done += size
    assert list(extended.entries()) == entries == list(one_by_one.entries())
    assert len(extended) == len(entries) and extended.last_key() == one_by_one.last_key()
    assert [list(block) for _blob, block in extended.segments(0)] == [
        list(block) for _blob, block in one_by_one.segments(0)
    ]


def test_segments_name_whole_blocks_by_their_bytes() -> None:
    rng = random.Random(3)
    entries = sorted((_entry(rng, p) for p in range(1, 11)), key=lambda e: (e[0], e[1]))
    timeline = Timeline(entries, block=4)
    pieces = list(timeline.segments(2))
    assert [blob is not None for blob, _entries in pieces] == [False, True, False]
    assert [e for _blob, part in pieces for e in part] == entries[2:]


@pytest.mark.parametrize("seed", range(8))
def test_merged_yields_the_merged_timeline_from_any_start(seed: int) -> None:
    """``merged`` leaves the timeline as ``merge`` does and yields its entries from ``start``
    on — before the merged blocks, inside them and in the tail — for a backfill anywhere."""
    rng = random.Random(seed)
    held = sorted((_entry(rng, p) for p in range(1, rng.randint(1, 40))), key=lambda e: e[:2])
    timeline = Timeline(block=4)
    timeline.extend(held)
    batch = [_entry(rng, p) for p in range(100, 100 + rng.randint(0, 12))]
    plain = sorted([*held, *batch], key=lambda e: (e[0], e[1]))
    start = rng.randint(0, len(plain))
    assert list(timeline.merged(batch, start)) == plain[start:]
    assert list(timeline.entries()) == plain and len(timeline) == len(plain)
    if plain:
        assert timeline.last_key() == (plain[-1][0], plain[-1][1])
    assert all(len(block) == 4 for blob, block in timeline.segments(0) if blob is not None)
