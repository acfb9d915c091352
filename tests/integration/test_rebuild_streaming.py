"""A rebuild at scale changes nothing it produces: the streamed, chunked rebuild (snapshots
deferred while a backfill's replay is pending, full snapshots without the log-sized parts) gives
exactly the states of folding every event in memory at once, and each full snapshot loads back
to the states at its position."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench.rebuild_folds import generate
from service import appendsql, pastviews
from service.checkpoints import write_checkpoint
from service.clock import utcnow
from service.db import WRITE
from service.events import StoredEvent
from service.projections import crown, snapshots
from service.projections.digest import digests, fold_all
from service.projections.persist import NAME, read_rows
from service.projections.rebuild import rebuild, rebuild_in_memory
from service.projections.rows import materialize
from service.readmodel import ReadModel
from service.timepoint import At


def test_chunked_rebuild_equals_one_in_memory_fold(engine: Engine) -> None:
    events = generate(4000)  # a year of boards, news, licence changes and a late backfill
    with engine.connect() as conn, conn.execution_options(**WRITE).begin():
        appendsql.insert_rows(conn, appendsql.rows_for(conn, events))
    expected = fold_all(events)
    rebuilt = rebuild(engine, light_every=250, full_every=500)
    assert rebuilt.digests() == digests(expected)
    assert rebuild_in_memory(engine).digests() == digests(expected)
    with engine.connect() as conn:
        assert read_rows(conn) == materialize(expected)
        positions = [
            row[0]
            for row in conn.execute(
                sa.text("SELECT position FROM projection_snapshots WHERE kind = 'full'")
            )
        ]
        assert positions
        for position in positions:
            loaded = snapshots.load_full(conn, position)
            assert loaded.position == position
            assert digests(loaded.states) == digests(fold_all(events[:position]))


def _insert(engine: Engine, events: list[StoredEvent]) -> None:
    with engine.connect() as conn, conn.execution_options(**WRITE).begin():
        appendsql.insert_rows(conn, appendsql.rows_for(conn, events))


def test_read_model_from_a_light_snapshot_answers_as_a_full_fold(engine: Engine) -> None:
    """The service's read model starts from the newest light snapshot (its memory follows the
    projections, not the log); a backfill reaching behind that snapshot's crown makes it start
    again from a full one — either way every stored row equals a fold of the whole log."""
    events = generate(4000)
    first = len(events) - 200  # the archived backfill comes last
    _insert(engine, events[:first])
    rebuild(engine, light_every=250, full_every=500)
    reads = ReadModel(engine, "lmarena-text", utcnow)
    whole = fold_all(events[:first])
    assert materialize(reads.view().states) == materialize(whole)
    # Started from a light snapshot: the crown timeline holds only what came after it.
    assert len(reads.view().states["crown"].timeline) < len(whole["crown"].timeline) / 4
    _insert(engine, events[first:])
    rebuild(engine, light_every=250, full_every=500)
    assert materialize(reads.view().states) == materialize(fold_all(events))


def test_past_states_cache_is_bounded(engine: Engine) -> None:
    """However many distinct past points are read, the read model keeps at most CACHE_SIZE."""
    events = generate(1500)
    _insert(engine, events)
    rebuild(engine, light_every=250, full_every=500)
    reads = ReadModel(engine, "lmarena-text", utcnow)
    for position in range(100, 1500, 50):
        assert reads.standings(at=At(position=position))["position"] == position
        assert len(reads._past._cache) <= pastviews.CACHE_SIZE
    assert len(reads._past._cache) == pastviews.CACHE_SIZE


@pytest.fixture
def close_checkpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """Crown replay checkpoints every 64 entries (not 4096): light snapshots then keep a
    replay base even on a small log."""
    monkeypatch.setattr(crown.initial, "__defaults__", (64,))


def test_past_reads_from_light_snapshots_with_a_replay_base(
    engine: Engine, close_checkpoints: None
) -> None:
    """Light snapshots keep the crown timeline from a replay checkpoint on, so folding a
    slightly older entry on them replays from there: every past answer equals the answer
    computed without any snapshot."""
    events = generate(3000)
    _insert(engine, events)
    rebuild(engine, light_every=100, full_every=1000)
    with engine.connect() as conn:
        light = snapshots.load_light(conn, 2000)
    assert light.states["crown"].checkpoints  # the base
    points = [At(position=p) for p in range(150, 3000, 170)]
    with_snapshots = [ReadModel(engine, "lmarena-text", utcnow).standings(at=p) for p in points]
    crowns = [ReadModel(engine, "aa-index", utcnow).crown(at=p) for p in points]
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM projection_snapshots"))
    reads = ReadModel(engine, "aa-index", utcnow)
    assert [reads.standings("lmarena-text", at=p) for p in points] == with_snapshots
    assert [reads.crown(at=p) for p in points] == crowns


def test_a_backfill_behind_the_light_snapshots_reads_from_an_older_one(
    engine: Engine, close_checkpoints: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A score appended late about an early moment reaches behind the crown of every light
    snapshot after it: past reads then fold from a light snapshot taken before that moment
    (not from a full snapshot, whose history costs a read of the whole log) and still equal
    the answers computed without any snapshot."""
    events = generate(3000)
    early = next(e for e in events[900:] if e.type == "ScoreReported")
    late = replace(
        early,
        stream="score:late",
        version=1,
        data={**early.data, "value": early.data["value"] + 500},
        recorded_at=events[2499].recorded_at,
        key=None,
    )
    events.insert(2500, late)  # position 2501, dated back near position 900
    events = [replace(event, position=number) for number, event in enumerate(events, 1)]
    _insert(engine, events)
    rebuild(engine, light_every=100, full_every=1000)
    points = [At(position=p) for p in range(2510, 2900, 70)]  # the log backfills again at 2905

    def answers() -> tuple[list[object], list[object]]:
        reads = ReadModel(engine, "aa-index", utcnow)
        board = str(late.data["leaderboard"])
        return [reads.standings(board, at=p) for p in points], [
            reads.crown(board, at=p) for p in points
        ]

    def no_full_snapshot(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a full snapshot was loaded")

    with monkeypatch.context() as patched:
        patched.setattr(snapshots, "load_full", no_full_snapshot)
        with_snapshots = answers()
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM projection_snapshots"))
    assert answers() == with_snapshots


def test_the_read_model_takes_a_late_score_from_an_older_light_snapshot(
    engine: Engine, close_checkpoints: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service starts its current states at the newest light snapshot; a score appended
    after it but dated back behind its crown makes it start from an older light snapshot
    (never reading the whole history in), with the answers of a fold of every event."""
    events = generate(2900)[:2830]  # the generated log's own backfill starts at 2831
    rebuild_at = len(events)
    early = next(e for e in reversed(events) if e.type == "ScoreReported")
    late = replace(
        early,
        occurred_at=max(e.occurred_at for e in events[:2000]),
        position=rebuild_at + 1,
        stream="score:late",
        version=1,
        data={**early.data, "value": early.data["value"] + 500},
        recorded_at=events[-1].recorded_at,
        key=None,
    )
    _insert(engine, events)
    rebuild(engine, light_every=100, full_every=1000)
    _insert(engine, [late])  # after the newest snapshot, dated back near position 2000
    with engine.begin() as conn:  # the projections' checkpoint moves on to it, as an append's
        write_checkpoint(conn, NAME, late.position, late.recorded_at)
    board = str(late.data["leaderboard"])

    def no_full_snapshot(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a full snapshot was loaded")

    with monkeypatch.context() as patched:
        patched.setattr(snapshots, "load_full", no_full_snapshot)
        reads = ReadModel(engine, board, utcnow)
        answers = (reads.standings(board), reads.crown(board))
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM projection_snapshots"))
    reads = ReadModel(engine, board, utcnow)
    assert answers == (reads.standings(board), reads.crown(board))
