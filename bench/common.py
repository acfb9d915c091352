"""Shared bits of the benchmark scripts: databases to measure on, and output."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from service import migrate
from service.db import create_engine, normalize_url

PG_ENV = "CROWNLOG_BENCH_POSTGRES_URL"


@contextmanager
def sqlite_url() -> Iterator[str]:
    """A migrated SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="crownlog-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


@contextmanager
def postgres_url() -> Iterator[str | None]:
    """A fresh migrated PostgreSQL database, or None when no server is configured."""
    server = os.environ.get(PG_ENV) or os.environ.get("CROWNLOG_TEST_POSTGRES_URL")
    if not server:
        print(f"(PostgreSQL skipped: set {PG_ENV})", file=sys.stderr)
        yield None
        return
    name = f"crownlog_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = normalize_url(server).rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def report(title: str, headers: list[str], rows: list[list[object]], summary: dict) -> None:
    """Print an aligned table, then one JSON line with the figures."""
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=False)]
    print(title)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)))
    for row in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=False)))
    print(orjson.dumps(summary).decode())
