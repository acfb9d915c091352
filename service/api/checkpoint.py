"""The projections' checkpoint, read on a connection kept for that one query.

Every current read asks where the projections stand (``ReadModel.head``). Through the pool
that is a checkout, BEGIN, SELECT, ROLLBACK and a return; on a connection of its own in
autocommit mode it is the SELECT alone, each seeing the latest commit. Reads are serialized
by the caller (``service.api.batched`` runs one at a time), so one connection suffices.
"""

from __future__ import annotations

import threading
from typing import Any

import structlog
from sqlalchemy.engine import Engine

from service.api.errors import unavailable
from service.projections.persist import NAME
from service.tip import TIP_SQL, Tip, tip_of

log = structlog.get_logger("crownlog.api")


class CheckpointReader:
    """``read()``: the tip the projections have folded up to (``GENESIS`` before any event):
    the checkpoint's position and the hash of the event there."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sql = TIP_SQL[engine.dialect.name]
        self._connection: Any = None
        self._lock = threading.Lock()

    def read(self) -> Tip:
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._connect()
                cursor = self._connection.cursor()
                try:
                    cursor.execute(self._sql, (NAME,))
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            except Exception as exc:
                # A dropped connection (database restart): discard it; the next read reconnects.
                self.close_locked()
                log.error("checkpoint read failed", error=repr(exc))
                raise unavailable() from exc
            return tip_of(row)

    def _connect(self) -> Any:
        connection = self._engine.raw_connection()
        driver = connection.driver_connection
        if self._engine.dialect.name == "postgresql":
            driver.autocommit = True  # type: ignore[union-attr]
        # SQLite connections of crownlog's engine are in autocommit mode already
        # (``service.db`` hands transaction control to explicit BEGINs).
        return connection

    def close_locked(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
            finally:
                self._connection = None

    def close(self) -> None:
        """Give the connection back (on shutdown)."""
        with self._lock:
            self.close_locked()
