"""A database connection made with the driver alone, for a process that only reads the log.

``service.reader`` asks two things of a connection: its dialect's name and the driver's own
connection under it. A SQLAlchemy ``Connection`` has both, and so does a ``DriverConnection``,
which a rebuild's crown process (``service.projections.crownfold``) opens without importing
SQLAlchemy: that import was most of the process's start-up, which a rebuild waited for.

The parent, which has SQLAlchemy, turns its engine's URL into a ``Target`` (``target_of``):
the driver's name and what it connects with (a SQLite file, a libpq connection string). The
connection is tuned as ``service.db`` tunes its engines' connections for reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

#: ``(dialect name, what the driver connects with)``.
Target = tuple[str, str]
#: How every PostgreSQL connection is opened (``service.db``'s engines and this module): a
#: server that stopped answering fails a connect in seconds, not minutes, so /readyz, /metrics
#: and the CLI report it rather than hang; and no JIT compiling, which pays off for long
#: analytical queries, not for these (reads of a few thousand rows spent more on compiling
#: than on running once the planner's estimates grew with the log).
POSTGRES_CONNECT_ARGS: dict[str, Any] = {"connect_timeout": 10, "options": "-c jit=off"}
#: Seconds a SQLite connection waits for another process's write lock.
SQLITE_TIMEOUT = 60


@dataclass(frozen=True, slots=True)
class _Dialect:
    name: str


@dataclass(frozen=True, slots=True)
class _Pooled:
    driver_connection: Any


class DriverConnection:
    """A driver's connection with the two attributes the reader reads of a SQLAlchemy one."""

    __slots__ = ("connection", "dialect")

    def __init__(self, dialect: str, dbapi_connection: Any) -> None:
        self.dialect = _Dialect(dialect)
        self.connection = _Pooled(dbapi_connection)

    def close(self) -> None:
        self.connection.driver_connection.close()


def target_of(url: URL) -> Target:
    """The driver-level target of a SQLAlchemy URL (a file database, or PostgreSQL)."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        return backend, url.database or ""
    if backend == "postgresql":
        return backend, url.set(drivername="postgresql").render_as_string(hide_password=False)
    raise ValueError(f"no driver-level connection for {backend!r}")


def connect(target: Target) -> DriverConnection:
    """Open ``target`` to read (SQLite: autocommit, waits for a busy writer as the engines
    do; PostgreSQL: JSONB decoded with orjson, no JIT, a connect that fails in seconds)."""
    dialect, where = target
    if dialect == "sqlite":
        import sqlite3

        sqlite = sqlite3.connect(where, timeout=SQLITE_TIMEOUT, isolation_level=None)
        return DriverConnection(dialect, sqlite)
    if dialect == "postgresql":
        import orjson
        import psycopg
        from psycopg.types.json import set_json_loads

        set_json_loads(orjson.loads)
        return DriverConnection(dialect, psycopg.connect(where, **POSTGRES_CONNECT_ARGS))
    raise ValueError(f"no driver-level connection for {dialect!r}")
