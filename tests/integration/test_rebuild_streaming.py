"""A rebuild at scale changes nothing it produces: the streamed, chunked rebuild (snapshots
deferred while a backfill's replay is pending, full snapshots without the log-sized parts) gives
exactly the states of folding every event in memory at once, and each full snapshot loads back
to the states at its position."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench.rebuild_folds import generate
from service import appendsql
from service.db import WRITE
from service.projections import snapshots
from service.projections.digest import digests, fold_all
from service.projections.persist import read_rows
from service.projections.rebuild import rebuild, rebuild_in_memory
from service.projections.rows import materialize


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
