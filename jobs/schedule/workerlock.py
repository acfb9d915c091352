"""On SQLite one worker is the supported shape: a second one is refused with a clear message."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy.engine import Engine

from service.errors import ConfigError


class WorkerLock:
    """An exclusive lock file beside the SQLite database, held while the scheduler runs."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        database = self._engine.url.database
        if self._engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return  # PostgreSQL workers coordinate per source (jobs.schedule.claim)
        path = Path(database).resolve().with_suffix(".worker.lock")
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise ConfigError(
                f"another crownlog worker (pid {holder}) is already polling {database}; "
                "on SQLite run one worker (or `serve`), or use PostgreSQL for several"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
