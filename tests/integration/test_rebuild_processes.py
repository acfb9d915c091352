"""A rebuild folding the crown in a second process stores exactly what one process does: the
same rows, checkpoint and snapshots byte for byte; a child that fails stops the rebuild with a
clear error and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench.rebuild_folds import generate
from service import appendsql
from service.db import WRITE
from service.projections import crownfold
from service.projections.digest import digests, fold_all
from service.projections.persist import read_rows
from service.projections.rebuild import rebuild, rebuild_in_memory


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
