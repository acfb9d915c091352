"""Persisted projections on real databases: catch-up with the append, replay, time axes, audit."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from service.audit import audit
from service.bootstrap import projectors
from service.clock import parse_time
from service.projections import ladder
from service.projections.crownview import crown_view
from service.projections.digest import digests
from service.projections.persist import ProjectionWriter
from service.projections.rebuild import rebuild, rebuild_in_memory
from service.projections.standings import standings_view
from service.readmodel import ReadModel
from service.store import EventStore
from service.timepoint import At
from tests.cli import run
from tests.race import Clock, catalog, snapshot


def _world(engine: Engine, snapshot_every: int = 0) -> tuple[EventStore, Clock]:
    """The race as a live service would have recorded it, with a late backfill."""
    clock = Clock("2025-06-01")
    writer = (
        ProjectionWriter(snapshot_every, 2 * snapshot_every)
        if snapshot_every
        else ProjectionWriter()
    )
    store = EventStore(engine, clock=clock, projectors=[projectors()[0], writer])
    store.append(catalog())
    clock.set("2025-06-02")
    store.append(snapshot("2025-06-01", {"deepseek-r1-0528": 1420, "gemini-2.5-pro": 1460}))
    clock.set("2025-07-16")
    store.append(snapshot("2025-07-15", {"deepseek-r1-0528": 1420, "kimi-k2": 1440}))
    clock.set("2025-08-06")
    store.append(snapshot("2025-08-05", {"kimi-k2": 1440, "glm-4.5": 1450}))
    clock.set("2025-09-01")  # backfill found later: GLM-4.5 already led on 2025-07-20
    store.append(snapshot("2025-07-20", {"kimi-k2": 1441, "glm-4.5": 1460}))
    return store, clock


def _reads(store: EventStore, clock: Clock) -> ReadModel:
    return ReadModel(store.engine, "lmarena-text", clock)


def test_projections_catch_up_inside_the_append(engine: Engine) -> None:
    """After each append the checkpoint is the log's head and the rows reflect it."""
    store, clock = _world(engine)
    with engine.connect() as conn:
        checkpoint = conn.execute(
            sa.text("SELECT position FROM checkpoints WHERE name = 'projections'")
        ).scalar()
        keys = set(conn.execute(sa.text("SELECT projection, key FROM projection_rows")).all())
    assert checkpoint == store.head()[0]
    assert ("crown", "lmarena-text") in keys and ("catalog", "model:glm-4.5") in keys
    crown = _reads(store, clock).crown()
    assert [r["model"] for r in crown["reigns"]] == ["deepseek-r1-0528", "kimi-k2", "glm-4.5"]


def test_backfill_changes_the_past_under_as_of_but_not_under_known_at(engine: Engine) -> None:
    """The late snapshot moves GLM-4.5's reign start to 2025-07-20 for as_of reads; what the
    service showed on 2025-08-10 (known_at) still has it starting on 2025-08-05."""
    store, clock = _world(engine)
    reads = _reads(store, clock)
    now = reads.crown()
    assert now["holder"]["model"] == "glm-4.5"
    assert now["holder"]["from"].startswith("2025-07-20")
    shown = reads.crown(at=At(known_at=parse_time("2025-08-10")))
    assert [r["model"] for r in shown["reigns"]] == ["deepseek-r1-0528", "kimi-k2", "glm-4.5"]
    assert shown["holder"]["from"].startswith("2025-08-05")
    world = reads.crown(at=At(as_of=parse_time("2025-07-25")))
    assert world["holder"]["model"] == "glm-4.5" and world["holder"]["to"] is None
    assert reads.crown(at=At(as_of=parse_time("2025-07-18")))["holder"]["model"] == "kimi-k2"


def test_standings_as_of_and_position(engine: Engine) -> None:
    """Standings at a past world time and at a log position; closed models keep their rows."""
    store, clock = _world(engine)
    reads = _reads(store, clock)
    june = reads.standings(at=At(as_of=parse_time("2025-06-10")))
    assert [r["model"] for r in june["rows"]] == ["gemini-2.5-pro", "deepseek-r1-0528"]
    assert june["rows"][0]["open_weights"] is None or june["rows"][0]["open_weights"] is False
    first_snapshot = reads.standings(at=At(position=len(catalog()) + 2))
    assert first_snapshot["position"] == len(catalog()) + 2
    assert {r["model"] for r in first_snapshot["rows"]} == {"gemini-2.5-pro", "deepseek-r1-0528"}


def test_replay_gives_the_same_digests_as_incremental_folding(engine: Engine) -> None:
    """A rebuild from position 0 is byte-identical to what the appends folded step by step."""
    store, clock = _world(engine)
    incremental = digests(_reads(store, clock).view().states)
    rebuilt = rebuild(engine)
    assert rebuilt.digests() == incremental == rebuild_in_memory(engine).digests()
    assert audit(store).ok


def _answers(store: EventStore, clock: Clock, at: At) -> list[object]:
    reads = _reads(store, clock)
    return [
        reads.standings(at=at),
        reads.crown(at=at),
        reads.places("city", at=at),
        reads.models(at=at),
        digests(reads.view(at, exact=True).states),
    ]


def test_snapshots_are_only_an_optimisation(engine: Engine, tmp_path: Path) -> None:
    """With light and full snapshots every 3 / 6 events, every past answer (and the exact
    digests) equals the answer after deleting them — backfilled snapshot included."""
    store, clock = _world(engine, snapshot_every=3)
    with engine.connect() as conn:
        kinds = dict(
            conn.execute(
                sa.text("SELECT kind, count(*) FROM projection_snapshots GROUP BY kind")
            ).all()
        )
    assert kinds.get("light", 0) > 0 and kinds.get("full", 0) > 0
    points = [At(position=p) for p in (5, 12, 16, 17, 18, 19)] + [
        At(known_at=parse_time("2025-07-17")),
        At(as_of=parse_time("2025-07-16")),
        At(as_of=parse_time("2025-07-21")),
        At(as_of=parse_time("2025-08-20")),
    ]
    assert ladder.extend(engine, every=3) > 0  # the as_of ladder too
    with_snapshots = [_answers(store, clock, at) for at in points]
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM projection_snapshots"))
        conn.execute(sa.text("DELETE FROM asof_rungs"))
    without = [_answers(store, clock, at) for at in points]
    assert with_snapshots == without


def test_a_backfill_invalidates_the_as_of_ladder_from_its_time(engine: Engine) -> None:
    """Rungs at or after a late event's world time are dropped in its append; as_of answers
    stay those of a full fold."""
    store, clock = _world(engine)
    ladder.extend(engine, every=2)
    with engine.connect() as conn:
        before = [r[0] for r in conn.execute(sa.text("SELECT occurred_until FROM asof_rungs"))]
    clock.set("2025-09-10")
    store.append(snapshot("2025-07-10", {"kimi-k2": 1470}))  # found even later
    with engine.connect() as conn:
        after = [r[0] for r in conn.execute(sa.text("SELECT occurred_until FROM asof_rungs"))]
    assert len(after) < len(before)
    assert all(str(moment) < "2025-07-10" for moment in after)
    at = At(as_of=parse_time("2025-07-12"))
    assert _reads(store, clock).crown(at=at)["holder"]["model"] == "kimi-k2"
    assert _reads(store, clock).crown(at=at) == _answers(store, clock, at)[1]


def test_audit_catches_a_tampered_projection_row(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    """Editing a stored catalog row makes `audit verify` exit 1 naming the row."""
    _world(engine)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "UPDATE projection_rows SET value = replace(value, 'zhipu', 'moonshot') "
                "WHERE key = 'model:glm-4.5'"
            )
        else:
            conn.exec_driver_sql(
                "UPDATE projection_rows SET value = replace(value::text, 'zhipu', 'moonshot')"
                "::jsonb WHERE key = 'model:glm-4.5'"
            )
    result = run("audit", "verify", url=database_url, cwd=tmp_path)
    assert result.returncode == 1
    assert "projection row catalog/model:glm-4.5" in result.stderr
    fixed = run("replay", url=database_url, cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert run("audit", "verify", url=database_url, cwd=tmp_path).returncode == 0


def test_audit_catches_a_missing_event(engine: Engine) -> None:
    """Deleting an event from the log fails the audit at that position."""
    store, _clock = _world(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM events WHERE position = 14"))
    report = audit(store)
    assert not report.ok and report.first_bad_position == 14


def test_a_past_view_folds_only_the_projections_it_reads(engine: Engine) -> None:
    """A past standings read loads and folds the standings and the catalog only (no crown
    timeline, no mentions), a crown read the crown and the catalog; their answers are those
    of the whole states, from light snapshots, the as_of ladder or the log's start."""
    store, clock = _world(engine, snapshot_every=3)
    ladder.extend(engine, every=3)
    points = [At(position=p) for p in (5, 12, 17, 19)] + [
        At(known_at=parse_time("2025-07-17")),
        At(as_of=parse_time("2025-07-16")),
        At(as_of=parse_time("2025-07-21")),
    ]
    for at in points:
        whole = _reads(store, clock).view(at).states
        assert set(whole) == {"catalog", "standings", "crown", "places"}
        reads = _reads(store, clock)
        standings = reads.standings(at=at)
        assert [set(states) for states in reads._past._cache.values()] == [{"standings", "catalog"}]
        body = standings_view(whole["standings"], whole["catalog"], "lmarena-text")
        assert standings["rows"] == body["rows"], at
        reads = _reads(store, clock)
        crown = reads.crown(at=at)
        assert [set(states) for states in reads._past._cache.values()] == [{"crown", "catalog"}]
        view = reads.view(at)
        expected = crown_view(whole["crown"], whole["catalog"], "lmarena-text", view.now)
        assert crown == expected, at
