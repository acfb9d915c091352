"""Test databases: a real SQLite file, and a fresh database on the PostgreSQL server named by
``CROWNLOG_TEST_POSTGRES_URL``. Tests that need it skip with a reason when it is unset, or fail
when ``CROWNLOG_REQUIRE_POSTGRES`` is set (CI: a missing server must not pass as skips)."""

from __future__ import annotations

import os
import uuid

import sqlalchemy as sa

from service.db import create_engine, normalize_url

PG_ENV = "CROWNLOG_TEST_POSTGRES_URL"
REQUIRE_ENV = "CROWNLOG_REQUIRE_POSTGRES"
PG_SKIP = (
    f"{PG_ENV} is not set: PostgreSQL tests need a server "
    "(e.g. postgresql://postgres@127.0.0.1:5432/postgres); .ci/run sets it"
)


def postgres_server_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def require_postgres() -> str:
    """The server URL; without one, skip the test (fail it under ``CROWNLOG_REQUIRE_POSTGRES``)."""
    import pytest

    server = postgres_server_url()
    if server is None:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but {PG_ENV} is not: PostgreSQL tests must run")
        pytest.skip(reason=PG_SKIP)
    return server


def create_pg_database(server_url: str, prefix: str = "crownlog_t") -> str:
    """Create an empty database on the server; return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return str(sa.make_url(normalize_url(server_url)).set(database=name).render_as_string(False))


def drop_pg_database(server_url: str, url: str) -> None:
    name = sa.make_url(url).database
    admin = create_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
