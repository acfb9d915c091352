"""Persisted projections: folded in the append transaction, with a checkpoint and snapshots.

``ProjectionWriter`` is the store's projector. Under the log lock it brings its in-memory
fold states to the position just before the batch (reusing its cache when the cache is a
prefix of the log, proven by position and hash), folds the batch, writes the rows that
changed and the checkpoint, and every ``snapshot_every`` events a compressed snapshot — all
in the transaction of the append, so no reader sees the log ahead of the projections.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service import reader
from service.checkpoints import write_checkpoint
from service.events import GENESIS_HASH, StoredEvent
from service.projections.digest import States, dump_all, fold_all, initial_states, load_all
from service.projections.rows import Rows, changed, materialize
from service.schema import projection_rows, projection_snapshots

NAME = "projections"
SNAPSHOT_EVERY = 10_000


def encode_states(states: States) -> bytes:
    return zlib.compress(orjson.dumps(dump_all(states), option=orjson.OPT_SORT_KEYS), 1)


def decode_states(blob: bytes) -> States:
    return load_all(orjson.loads(zlib.decompress(blob)))


def load_snapshot(conn: Connection, at_most: int) -> tuple[int, States]:
    """The newest snapshot at or before ``at_most`` (position 0 and empty states if none)."""
    row = conn.execute(
        sa.select(projection_snapshots.c.position, projection_snapshots.c.state)
        .where(projection_snapshots.c.position <= at_most)
        .order_by(projection_snapshots.c.position.desc())
        .limit(1)
    ).first()
    return (int(row[0]), decode_states(row[1])) if row else (0, initial_states())


def fold_range(conn: Connection, states: States, after: int, until: int) -> States:
    """Fold the log's events in ``(after, until]`` into ``states`` (read in chunks)."""
    while after < until:
        chunk = reader.fetch_folds(conn, after, until)
        if not chunk:
            break
        fold_all(chunk, states)
        after = chunk[-1].position
    return states


def read_rows(conn: Connection) -> Rows:
    rows = conn.execute(
        sa.select(projection_rows.c.projection, projection_rows.c.key, projection_rows.c.value)
    )
    return {(projection, key): value for projection, key, value in rows}


class ProjectionWriter:
    """The projector that keeps ``projection_rows``, the checkpoint and snapshots current."""

    name = NAME

    def __init__(self, snapshot_every: int = SNAPSHOT_EVERY) -> None:
        self.snapshot_every = snapshot_every
        self._lock = threading.Lock()
        self._at: tuple[int, str] = (0, GENESIS_HASH)
        self._states: States = initial_states()
        self._rows: Rows = {}

    def apply(self, conn: Connection, events: Sequence[StoredEvent]) -> None:
        if not events:
            return
        with self._lock:
            prefix = (events[0].position - 1, events[0].prev_hash)
            if self._at != prefix:
                self._reach(conn, prefix)
            self._at = (-1, "")  # until this batch is folded and written
            fold_all(events, self._states)
            self._write(conn, events[-1], prefix[0])
            self._at = (events[-1].position, events[-1].hash)

    def _reach(self, conn: Connection, prefix: tuple[int, str]) -> None:
        """Bring the cached states to ``prefix``: fold the gap, or reload from a snapshot."""
        cached, cached_hash = self._at
        still_prefix = 0 <= cached <= prefix[0] and (
            cached == 0
            or conn.exec_driver_sql(
                f"SELECT hash FROM events WHERE position = {int(cached)}"
            ).scalar()
            == cached_hash
        )
        if not still_prefix:
            cached, self._states = load_snapshot(conn, prefix[0])
        fold_range(conn, self._states, cached, prefix[0])
        # Diff against what is stored (whoever wrote it, however far it got).
        self._rows = read_rows(conn)
        self._at = prefix

    def _write(self, conn: Connection, last: StoredEvent, before: int) -> None:
        rows = materialize(self._states)
        upserts, deletes = changed(self._rows, rows)
        write_rows(conn, upserts, deletes, last.position)
        write_checkpoint(conn, NAME, last.position, last.recorded_at)
        if last.position // self.snapshot_every > before // self.snapshot_every:
            conn.execute(
                projection_snapshots.insert().values(
                    position=last.position,
                    recorded_at=last.recorded_at,
                    state=encode_states(self._states),
                )
            )
        self._rows = rows

    def reset(self) -> None:
        """Forget the cache (after a replay rewrote the tables)."""
        with self._lock:
            self._at, self._states, self._rows = (0, GENESIS_HASH), initial_states(), {}


def write_rows(
    conn: Connection, upserts: Rows, deletes: Sequence[tuple[str, str]], position: int
) -> None:
    """Apply a row diff (delete then insert: portable across SQLite and PostgreSQL)."""
    table = projection_rows
    for projection, key in [*deletes, *upserts]:
        conn.execute(table.delete().where(table.c.projection == projection, table.c.key == key))
    if upserts:
        values: list[dict[str, Any]] = [
            {"projection": p, "key": k, "value": v, "position": position}
            for (p, k), v in upserts.items()
        ]
        conn.execute(table.insert(), values)
