"""Planner statistics: PostgreSQL picks its plans from them, so crownlog keeps them current.

A server runs ``ANALYZE`` itself through autovacuum, when autovacuum is on and once a table
changed by a tenth since its last analysis. With autovacuum off, or right after a bulk load
(an import, a migration that copies the log, the first weeks of polling), the planner knows
nothing of the log: it then reads a chunk in world-time order (the as_of ladder, past
``as_of`` reads) by sorting every later event instead of walking the ``(occurred_at,
position)`` index — measured on a 1M-event log with no statistics, an as_of ladder took 145 s,
of which 108 s in such sorts; 41 s once analysed (docs/operations.md).

``refresh`` analyses the tables whose statistics are missing or stale; it costs a sample of
each table (a fraction of a second, at any size), and is called before the long reads that
depend on a good plan and after the writes that change a table most. SQLite's planner uses
fixed rules for these queries (the row id and the indexes they name), so it is left alone.
"""

from __future__ import annotations

import time

import structlog
from sqlalchemy.engine import Engine

#: The tables whose plans matter: the log, and the two kinds of stored states reads start from.
TABLES = ("events", "projection_snapshots", "asof_rungs")
#: Statistics are stale once this share of a table's rows changed since its last analysis
#: (autovacuum's own default, ``autovacuum_analyze_scale_factor``) …
STALE_SHARE = 0.1
#: … plus this many rows (``autovacuum_analyze_threshold``: tiny tables are not re-analysed).
STALE_ROWS = 50

log = structlog.get_logger("crownlog.db")

#: Per table: the planner's row count (-1: never counted), whether it has column statistics
#: (a ``VACUUM`` or a ``CREATE INDEX`` — migration 0011 on a grown log — counts the rows but
#: gathers none), both read from the catalog, so they hold at once; and the rows changed since
#: the last analysis (counted by the statistics system, which takes up to seconds to see
#: another connection's writes).
_COUNTS = (
    "SELECT c.relname, c.reltuples, coalesce(s.n_mod_since_analyze, 0), EXISTS ("
    " SELECT 1 FROM pg_stats p WHERE p.schemaname = n.nspname AND p.tablename = c.relname) "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
    "WHERE n.nspname = current_schema() AND c.relname = ANY(%(tables)s)"
)


def stale_tables(engine: Engine, tables: tuple[str, ...] = TABLES) -> list[str]:
    """The ``tables`` PostgreSQL should analyse now (never on SQLite): those without column
    statistics (an empty table has none even analysed: it counts 0 rows) and those changed
    by more than ``STALE_SHARE`` since."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(_COUNTS, {"tables": list(tables)}).all()
    stale = [
        str(name)
        for name, planned, changed, described in rows
        if (not described and planned != 0) or changed > STALE_SHARE * max(planned, 0) + STALE_ROWS
    ]
    return sorted(stale)


def refresh(engine: Engine, tables: tuple[str, ...] = TABLES) -> list[str]:
    """Analyse the ``tables`` whose statistics are missing or stale; return their names."""
    stale = stale_tables(engine, tables)
    if not stale:
        return []
    began = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in stale:
            conn.exec_driver_sql(f'ANALYZE "{name}"')
    seconds = round(time.perf_counter() - began, 2)
    log.info("refreshed planner statistics", tables=stale, seconds=seconds)
    return stale
