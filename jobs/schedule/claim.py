"""One poll of a source at a time across workers that share a PostgreSQL database.

A session-level advisory lock keyed on the source id is held for the whole poll; a worker
that cannot take it skips the source (another worker is polling it). SQLite deployments run
one worker (``jobs.schedule.workerlock`` refuses a second), so no claim is needed there.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

_SOURCES_CLASS = 0x63726F77  # "crow": the lock namespace of source polls


def lock_key(source_id: str) -> int:
    """A stable signed 32-bit key for ``source_id``."""
    value = zlib.crc32(source_id.encode())
    return value - 2**32 if value >= 2**31 else value


@contextmanager
def claim(engine: Engine, source_id: str, namespace: int = _SOURCES_CLASS) -> Iterator[bool]:
    """Yield True if this process may poll ``source_id`` now, holding the claim until exit.

    Other work that one worker at a time may do (``jobs.notify``) claims its own names in
    its own ``namespace``."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        key = lock_key(source_id)
        taken = conn.exec_driver_sql(
            "SELECT pg_try_advisory_lock(%s, %s)", (namespace, key)
        ).scalar()
        conn.commit()
        try:
            yield bool(taken)
        finally:
            if taken:
                conn.exec_driver_sql("SELECT pg_advisory_unlock(%s, %s)", (namespace, key))
                conn.commit()
