"""Planner statistics on PostgreSQL (``service.dbstats``): without them a chunk of the log in
world-time order sorted every later event (the as_of ladder took 145 s on 1M events with
autovacuum off, 41 s analysed); crownlog analyses the tables whose statistics are missing or
stale before the reads that need a plan and after the writes that change the log most."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from service import dbstats, migrate
from service.db import create_engine
from service.projections import ladder
from service.projections.rebuild import rebuild
from service.store import EventStore
from service.transfer import export_events, import_events
from tests.builders import item, mention
from tests.dbs import create_pg_database, drop_pg_database, require_postgres

_CHUNK = (
    "EXPLAIN SELECT position, data FROM events WHERE type IN ('ScoreReported') "
    "AND (occurred_at, position) > (now() - interval '4000 hours', 7) "
    "AND position <= {head} ORDER BY occurred_at, position LIMIT 100"
)


@pytest.fixture
def pg_url() -> Iterator[str]:
    server = require_postgres()
    url = create_pg_database(server, prefix="crownlog_stats")
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        drop_pg_database(server, url)


def _insert(url: str, first: int, last: int) -> None:
    """Rows straight into the log; the engine is disposed so that its server processes end
    and report what they wrote to the statistics system at once."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO events (position, stream, version, type, schema, data, occurred_at,"
            " recorded_at, prev_hash, hash) SELECT n, 'model:m' || mod(n, 50), n, "
            "'ScoreReported', 1, '{}'::jsonb, now() - mod(n, 5000) * interval '1 hour', now(),"
            f" '', '' FROM generate_series({first}, {last}) AS n"
        )
    engine.dispose()


def _plan(engine: sa.Engine, head: int) -> str:
    with engine.connect() as conn:
        return "\n".join(row[0] for row in conn.exec_driver_sql(_CHUNK.format(head=head)))


def _analysed(engine: sa.Engine, table: str = "events") -> bool:
    """The planner counted the table's rows (an analysis or a vacuum did)."""
    with engine.connect() as conn:
        planned = conn.exec_driver_sql(
            "SELECT reltuples FROM pg_class WHERE relname = %(t)s AND "
            "relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
            {"t": table},
        ).scalar()
    return planned is not None and planned >= 0


def test_missing_statistics_are_gathered_and_the_chunk_walks_the_index(pg_url: str) -> None:
    _insert(pg_url, 1, 60_000)
    engine = create_engine(pg_url)
    try:
        assert "events" in dbstats.stale_tables(engine)
        assert not _analysed(engine)
        assert "events" in dbstats.refresh(engine)
        assert _analysed(engine)
        plan = _plan(engine, 60_000)
        assert "Index Scan using ix_events_occurred_at" in plan, plan
        assert "Sort" not in plan, plan
        # Fresh statistics are left alone: no analysis on every call.
        assert dbstats.stale_tables(engine) == []
        assert dbstats.refresh(engine) == []
    finally:
        engine.dispose()


def test_rows_counted_without_statistics_are_analysed(pg_url: str) -> None:
    """``VACUUM`` (like ``CREATE INDEX`` on a grown log) counts a table's rows but gathers no
    column statistics, and the count of changes is lost when the server's statistics are
    reset (as a crash recovery does): the planner would still sort every later event."""
    _insert(pg_url, 1, 20_000)
    engine = create_engine(pg_url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM events")
            conn.exec_driver_sql("SELECT pg_stat_reset()")
        assert _analysed(engine)  # counted …
        assert "events" in dbstats.stale_tables(engine)  # … but not described
        dbstats.refresh(engine)
        assert "events" not in dbstats.stale_tables(engine)
    finally:
        engine.dispose()


def test_statistics_go_stale_once_a_tenth_of_the_log_changed(pg_url: str) -> None:
    _insert(pg_url, 1, 20_000)
    engine = create_engine(pg_url)
    dbstats.refresh(engine)
    engine.dispose()
    _insert(pg_url, 20_001, 21_000)  # 5 %: still fresh
    engine = create_engine(pg_url)
    try:
        assert "events" not in dbstats.stale_tables(engine)
    finally:
        engine.dispose()
    _insert(pg_url, 21_001, 24_000)  # 20 % since the analysis
    engine = create_engine(pg_url)
    try:
        assert "events" in dbstats.stale_tables(engine)
        assert dbstats.refresh(engine) == ["events"]
        assert "events" not in dbstats.stale_tables(engine)
    finally:
        engine.dispose()


def _log(url: str) -> None:
    engine = create_engine(url)
    EventStore(engine).append([item(n) for n in range(30)] + [mention("glm-4.5", 1)])
    engine.dispose()


@pytest.mark.parametrize("step", ["ladder", "rebuild", "import"])
def test_the_long_reads_and_bulk_writes_analyse_a_fresh_log(
    step: str, pg_url: str, tmp_path: Path
) -> None:
    if step == "import":
        source = create_engine(f"sqlite:///{tmp_path / 'source.db'}")
        migrate.upgrade(source)
        EventStore(source).append([item(n) for n in range(30)])
        dump = tmp_path / "log.jsonl"
        with dump.open("wb") as handle:
            export_events(EventStore(source), handle)
        source.dispose()
    else:
        _log(pg_url)
    engine = create_engine(pg_url)
    try:
        assert not _analysed(engine)
        if step == "ladder":
            ladder.extend(engine)
        elif step == "rebuild":
            rebuild(engine)
        else:
            assert import_events(EventStore(engine), dump).events == 30
        assert _analysed(engine)
        assert _analysed(engine, "projection_snapshots")
    finally:
        engine.dispose()


def test_sqlite_is_left_to_its_own_planner(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'log.db'}")
    migrate.upgrade(engine)
    EventStore(engine).append([item(n) for n in range(5)])
    assert dbstats.stale_tables(engine) == []
    assert dbstats.refresh(engine) == []
    with engine.connect() as conn:  # no sqlite_stat1: nothing was analysed
        names = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
    assert "sqlite_stat1" not in names
    engine.dispose()
