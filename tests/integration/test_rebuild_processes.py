"""A rebuild folding the crown in a second process stores exactly what one process does: the
same rows, checkpoint and snapshots byte for byte; a child that fails stops the rebuild with a
clear error and changes nothing."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench.rebuild_folds import generate
from service import appendsql
from service.db import WRITE
from service.projections import crownfold, snapshots
from service.projections.digest import digests, fold_all
from service.projections.persist import ProjectionWriter, read_rows
from service.projections.rebuild import _store_ready, rebuild, rebuild_in_memory

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _stored(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        snapshots = [
            (position, kind, bytes(blob))
            for position, kind, blob in conn.execute(
                sa.text(
                    "SELECT position, kind, state FROM projection_snapshots ORDER BY position, kind"
                )
            )
        ]
        checkpoint = conn.execute(
            sa.text("SELECT position FROM checkpoints WHERE name = 'projections'")
        ).scalar()
        return {"rows": read_rows(conn), "snapshots": snapshots, "checkpoint": checkpoint}


def _log(engine: Engine) -> list[Any]:
    events = generate(4000)  # boards, news, licence changes and a late backfill at the end
    with engine.connect() as conn, conn.execution_options(**WRITE).begin():
        appendsql.insert_rows(conn, appendsql.rows_for(conn, events))
    return events


def test_two_processes_store_what_one_does(engine: Engine) -> None:
    events = _log(engine)
    one = rebuild(engine, light_every=100, full_every=1000, processes=1)
    stored_by_one = _stored(engine)
    two = rebuild(engine, light_every=100, full_every=1000, processes=2)
    stored_by_two = _stored(engine)
    assert len(stored_by_one["snapshots"]) > 20  # light and full ones, taken on the way
    assert {kind for _p, kind, _s in stored_by_one["snapshots"]} == {"light", "full"}
    assert stored_by_two == stored_by_one
    assert two.digests() == one.digests() == digests(fold_all(events))


def test_in_memory_fold_in_two_processes(engine: Engine) -> None:
    events = _log(engine)
    expected = digests(fold_all(events))
    assert rebuild_in_memory(engine, processes=2).digests() == expected
    assert rebuild_in_memory(engine, processes=1).digests() == expected


def test_a_failed_child_stops_the_rebuild_and_changes_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    _log(engine)
    rebuild(engine, light_every=1000, full_every=2000, processes=1)
    before = _stored(engine)
    # The child reads a database that has no log: it fails, and says why.
    nowhere = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setattr(crownfold, "child_url", lambda *_args: nowhere)
    with pytest.raises(
        RuntimeError, match=r"(?s)crown fold .*exit code 1.* failed.*no such table: events"
    ):
        rebuild(engine, light_every=1000, full_every=2000)
    assert _stored(engine) == before


def test_the_child_is_used_only_where_it_can_read_the_log(engine: Engine) -> None:
    head = crownfold.MIN_EVENTS
    assert crownfold.child_url(engine, head - 1, None) is None  # too small to pay off
    assert crownfold.child_url(engine, head, 1) is None  # one process asked for
    assert crownfold.child_url(engine, 10, 2) == engine.url.render_as_string(False)
    memory = sa.create_engine("sqlite://")
    assert crownfold.child_url(memory, head, 2) is None  # nobody else sees it


def test_the_setting_chooses_the_processes(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROWNLOG_REBUILD_PROCESSES", "1")
    assert crownfold.child_url(engine, 10 * crownfold.MIN_EVENTS, None) is None
    monkeypatch.setenv("CROWNLOG_REBUILD_PROCESSES", "2")
    assert crownfold.child_url(engine, 10, None) is not None


def test_the_childs_parts_wait_until_asked_for(engine: Engine) -> None:
    """The parent may ask for a snapshot's crown part long after the child sent it — even
    after the child's result — and gets each one once, in any order."""
    _log(engine)
    with engine.connect() as conn:
        head = appendsql.head(conn)[0]
    url = crownfold.child_url(engine, head, processes=2)
    assert url is not None
    side = crownfold.CrownProcess(url, head, 100, 100, 1000)
    state = side.result()  # every snapshot message came before the result
    due = list(range(100, head + 1, 100))
    assert all(side.ready(position) for position in due)
    assert not side.ready(150)
    parts = {position: side.parts(position) for position in reversed(due)}
    sent = [p for p in parts.values() if p is not None]
    assert sent and all(set(p) <= {"light", "full"} for p in sent)
    assert set(parts[1000] or {}) == {"light", "full"}
    with pytest.raises(RuntimeError, match="no snapshot for position 100"):
        side.parts(100)  # taken already
    local = crownfold.LocalCrown()
    with engine.connect() as conn:
        for item in crownfold.fold_crown(conn, head, 100, 100, 1000):
            if not isinstance(item, tuple):
                local.state = item
    assert digests({"crown": state}) == digests({"crown": local.state})


class _Later:
    def __init__(self, parts: dict[str, bytes] | None, ready: bool) -> None:
        self.parts, self.is_ready, self.asked = parts, ready, 0

    def ready(self) -> bool:
        return self.is_ready

    def get(self) -> dict[str, bytes] | None:
        self.asked += 1
        return self.parts


def test_pending_snapshots_are_stored_in_order_once_their_crown_came(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A snapshot waits (no blocking) while its crown part has not come, up to ``keep``
    pending; then the oldest is waited for. One whose replay was pending (None) is dropped."""
    stored: list[int] = []
    monkeypatch.setattr(
        "service.projections.snapshots.store",
        lambda _conn, prepared, _parts: stored.append(prepared.position),
    )
    prepared = {n: snapshots.Prepared(n, NOW, NOW, {}) for n in (1, 2, 3, 4)}
    later = {
        1: _Later({"light": b"x"}, ready=False),
        2: _Later({"light": b"x"}, ready=True),
        3: _Later(None, ready=False),
        4: _Later({"light": b"x"}, ready=True),
    }
    pending: deque[Any] = deque([(prepared[1], later[1]), (prepared[2], later[2])])
    _store_ready(None, pending, keep=4)  # type: ignore[arg-type]
    assert stored == [] and later[2].asked == 0  # the oldest is not ready: nothing overtakes it
    pending.append((prepared[3], later[3]))
    _store_ready(None, pending, keep=2)  # type: ignore[arg-type]
    assert stored == [1, 2] and len(pending) == 1  # over the bound: waited for the oldest
    pending.append((prepared[4], later[4]))
    later[3].is_ready = True
    _store_ready(None, pending, keep=4)  # type: ignore[arg-type]
    assert stored == [1, 2, 4] and not pending  # 3's crown replay was pending: no snapshot
    assert [later[n].asked for n in (1, 2, 3, 4)] == [1, 1, 1, 1]


def test_the_read_window_changes_nothing_stored(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows of ``STEP`` positions (small, for the CPU's cache) store what windows twice
    as large did (a rebuild's window is at most the snapshot spacing, 1,000 here): the crown
    settles at other places, to the same states."""
    events = _log(engine)
    rebuild(engine, light_every=1000, full_every=2000, processes=2)
    small = _stored(engine)
    monkeypatch.setattr("service.projections.rebuild.STEP", 1_000)
    whole = rebuild(engine, light_every=1000, full_every=2000, processes=2)
    assert _stored(engine) == small
    assert {kind for _p, kind, _s in small["snapshots"]} == {"light", "full"}
    assert whole.digests() == digests(fold_all(events))


def _light_positions(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT position FROM projection_snapshots WHERE kind = 'light' "
                    "ORDER BY position"
                )
            ).scalars()
        )


def test_light_snapshots_are_spaced_for_the_database(engine: Engine) -> None:
    """Twice as dense on PostgreSQL (its rows come slower, and past reads fold up to a
    spacing of them), whether a rebuild or the appends write them."""
    events = generate(30_000)[:21_000]  # the generator's late backfill left out
    every = snapshots.light_every(engine.dialect.name)
    assert every == {"sqlite": 10_000, "postgresql": 5_000}[engine.dialect.name]
    with engine.connect() as conn, conn.execution_options(**WRITE).begin():
        appendsql.insert_rows(conn, appendsql.rows_for(conn, events))
    rebuild(engine, processes=1)
    assert _light_positions(engine) == list(range(every, len(events) + 1, every))
    with engine.connect() as conn, conn.execution_options(**WRITE).begin():
        conn.execute(sa.text("DELETE FROM projection_snapshots"))
    writer = ProjectionWriter()
    with engine.connect() as conn, conn.execution_options(**WRITE).begin():
        for start in range(0, len(events), 500):
            writer.apply(conn, events[start : start + 500])
    assert _light_positions(engine) == list(range(every, len(events) + 1, every))
