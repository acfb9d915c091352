"""The crown's fold process reads the log through the driver alone: the same folds as through
SQLAlchemy, from the target its parent derives, and without loading SQLAlchemy at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine, make_url

from bench.rebuild_folds import generate
from service import appendsql, driverconn, reader
from service.db import WRITE
from service.projections.crownfold import CROWN_TYPES


def test_the_driver_connection_reads_what_sqlalchemy_reads(engine: Engine) -> None:
    events = generate(1500)
    with engine.connect() as conn, conn.execution_options(**WRITE).begin():
        appendsql.insert_rows(conn, appendsql.rows_for(conn, events))
    with engine.connect() as conn:
        expected = reader.fetch_folds(conn, 100, 1200, types=CROWN_TYPES)
    raw = driverconn.connect(driverconn.target_of(engine.url))
    try:
        got = reader.fetch_folds(raw, 100, 1200, types=CROWN_TYPES)  # type: ignore[arg-type]
    finally:
        raw.close()
    assert len(got) > 500 and got == expected
    assert {type(event.occurred_at) for event in got} == {type(expected[0].occurred_at)}


def test_targets_keep_what_the_driver_needs() -> None:
    assert driverconn.target_of(make_url("sqlite:////var/lib/crownlog/log.db")) == (
        "sqlite",
        "/var/lib/crownlog/log.db",
    )
    dialect, conninfo = driverconn.target_of(
        make_url("postgresql+psycopg://crown:s%40cret@db.internal:5433/log?sslmode=require")
    )
    assert dialect == "postgresql"
    assert conninfo == "postgresql://crown:s%40cret@db.internal:5433/log?sslmode=require"
    with pytest.raises(ValueError, match="mysql"):
        driverconn.target_of(make_url("mysql://root@localhost/log"))
    with pytest.raises(ValueError, match="oracle"):
        driverconn.connect(("oracle", "x"))


def test_the_crown_process_loads_no_sqlalchemy(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "import service.projections.crownfold as fold\n"
        "from service import driverconn\n"
        f"conn = driverconn.connect(('sqlite', {str(tmp_path)!r} + '/x.db'))\n"
        "conn.close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'structlog')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
