"""Engines: one place that knows how SQLite and PostgreSQL are connected and tuned."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

from service.driverconn import POSTGRES_CONNECT_ARGS, SQLITE_TIMEOUT
from service.errors import ConfigError

#: Execution option that makes a SQLite transaction take the write lock at BEGIN.
WRITE = {"crownlog_write": True}


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def normalize_url(url: str) -> str:
    """Pin PostgreSQL URLs to psycopg 3 (``postgres://`` and ``postgresql://`` included)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout and explicit BEGINs."""
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"database_url is not a database URL: {url!r} ({exc})") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        from psycopg.types.json import set_json_loads

        set_json_loads(orjson.loads)  # JSONB columns decode with orjson, as on SQLite
        return sa.create_engine(
            parsed,
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
            pool_size=10,
            max_overflow=20,
            connect_args=POSTGRES_CONNECT_ARGS,
        )
    raise ConfigError(f"database_url: unsupported database {backend!r} (use sqlite or postgresql)")


def _sqlite_engine(url: sa.URL) -> Engine:
    # The file's folder is checked (and the default data_dir created) by service.dbfiles.
    engine = sa.create_engine(
        url,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        connect_args={"timeout": SQLITE_TIMEOUT, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_TIMEOUT * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock at BEGIN so that reading the head and appending are atomic.
        immediate = conn.get_execution_options().get("crownlog_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
