"""Migrations: up, down, up again on both databases; the models and migrations agree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from service import migrate
from service.chain import verify
from service.db import create_engine
from service.schema import metadata
from service.store import EventStore
from tests.builders import item, mention
from tests.dbs import create_pg_database, drop_pg_database, require_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server = require_postgres()
    url = create_pg_database(server, prefix="crownlog_mig")
    yield url
    drop_pg_database(server, url)


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(empty_url: str) -> None:
    """upgrade head → downgrade base → upgrade head leaves every table and the head revision."""
    engine = create_engine(empty_url)
    migrate.upgrade(engine)
    assert _tables(engine) == set(metadata.tables)
    assert migrate.current_revision(engine) == migrate.head_revision()
    migrate.downgrade(engine, "base")
    assert _tables(engine) == set()
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert _tables(engine) == set(metadata.tables)
    engine.dispose()


def test_autogenerate_finds_no_difference(empty_url: str) -> None:
    """The tables in service.schema are exactly what the migrations create."""
    engine = create_engine(empty_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_postgres_stores_data_as_jsonb(empty_url: str) -> None:
    """On PostgreSQL the payload column is JSONB; on SQLite WAL mode is on."""
    engine = create_engine(empty_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            kind = conn.exec_driver_sql(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'events' AND column_name = 'data'"
            ).scalar()
            assert kind == "jsonb"
        else:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60000
    engine.dispose()


def _position_column(engine: sa.Engine) -> tuple[str, str]:
    """The declared type of ``events.position`` and the plan of a read by position."""
    with engine.connect() as conn:
        declared = next(
            row[2]
            for row in conn.exec_driver_sql("PRAGMA table_info(events)")
            if row[1] == "position"
        )
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT data FROM events WHERE position > 1 AND position <= 3 "
                "ORDER BY position"
            )
        )
    return declared, plan


def test_sqlite_positions_become_row_ids_and_every_event_is_kept(tmp_path: Path) -> None:
    """0010 copies the events table so a position is SQLite's row id: a read by position walks
    the table itself (no second index); down and up again keep every event, chain intact."""
    engine = create_engine(f"sqlite:///{tmp_path / 'log.db'}")
    migrate.upgrade(engine)
    store = EventStore(engine)
    store.append([item(1), item(2), mention("glm-4.5", 1)])
    store.append([item(3, title="Kimi K2：总参数1万亿")])
    before = list(store.read())
    assert _position_column(engine)[0] == "INTEGER"
    assert "INTEGER PRIMARY KEY" in _position_column(engine)[1]

    migrate.downgrade(engine, "0004_board")
    declared, plan = _position_column(engine)
    assert declared == "BIGINT" and "sqlite_autoindex_events" in plan
    migrate.upgrade(engine)
    declared, plan = _position_column(engine)
    assert declared == "INTEGER" and "INTEGER PRIMARY KEY" in plan
    after = list(EventStore(engine).read())
    assert after == before and verify(after) == 4
    with engine.connect() as conn:
        assert {row[1] for row in conn.exec_driver_sql("PRAGMA index_list(events)")} >= {
            "ix_events_occurred_at",
            "ix_events_recorded_at",
        }
    store = EventStore(engine)
    assert store.append([item(4)]).head == 5  # appends go on, gapless
    engine.dispose()


def test_world_time_order_is_read_from_the_index_on_postgresql(tmp_path: Path) -> None:
    """On PostgreSQL a chunk in world-time order walks ``(occurred_at, position)`` and stops
    after its LIMIT (before 0011 it sorted every later event, chunk after chunk: a quadratic
    as_of ladder); connections run without JIT compiling."""
    server = require_postgres()
    url = create_pg_database(server, prefix="crownlog_mig")
    engine = create_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO events (position, stream, version, type, schema, data, occurred_at,"
                " recorded_at, prev_hash, hash) SELECT n, 'model:m' || mod(n, 50), n, "
                "'ScoreReported', 1, '{}'::jsonb, now() - mod(n, 5000) * interval '1 hour', now(),"
                " '', '' FROM generate_series(1, 60000) AS n"
            )
            conn.exec_driver_sql("ANALYZE events")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
            plan = "\n".join(
                row[0]
                for row in conn.exec_driver_sql(
                    "EXPLAIN SELECT position, data FROM events WHERE type IN ('ScoreReported') "
                    "AND (occurred_at, position) > (now() - interval '4000 hours', 7) "
                    "AND position <= 60000 ORDER BY occurred_at, position LIMIT 100"
                )
            )
        assert "Index Scan using ix_events_occurred_at" in plan, plan
        assert "Sort" not in plan, plan
    finally:
        engine.dispose()
        drop_pg_database(server, url)
