"""Persisted projections: folded in the append transaction, with a checkpoint and snapshots.

``ProjectionWriter`` is the store's projector. Under the log lock it brings its in-memory
fold states to the position just before the batch (reusing its cache when the cache is a
prefix of the log, proven by position and hash), folds the batch, writes the rows that
changed and the checkpoint, and every ``snapshot_every`` events a compressed snapshot — all
in the transaction of the append, so no reader sees the log ahead of the projections.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service import reader
from service.checkpoints import write_checkpoint
from service.clock import shifted
from service.events import GENESIS_HASH, StoredEvent
from service.projections import ladder, snapshots
from service.projections.digest import Names, States, fold_all, folded_types, initial_states
from service.projections.light import needs_full
from service.projections.rows import Rows, changed, materialize
from service.schema import projection_rows
from service.upcasting import CURRENT, current_data

NAME = "projections"


def fold_range(
    conn: Connection,
    states: States,
    after: int,
    until: int,
    occurred_by: datetime | None = None,
    settle: bool = True,
) -> datetime | None:
    """Fold the log's events in ``(after, until]`` (with ``occurred_at <= occurred_by`` if
    given) into ``states``; return the latest occurred_at folded (None if nothing was).
    ``settle=False`` leaves backfilled crown entries pending (see ``light.needs_full``)."""
    newest: datetime | None = None
    types = folded_types(states)  # only what the folds of ``states`` read
    while after < until:
        chunk = reader.fetch_folds(conn, after, until, occurred_until=occurred_by, types=types)
        if not chunk:
            break
        fold_all(chunk, states, settle)
        latest = max(event.occurred_at for event in chunk)
        newest = latest if newest is None or latest > newest else newest
        after = chunk[-1].position
    return newest


#: How far back (in positions) an older light snapshot is still worth folding from.
RETRY_SPAN = 5 * snapshots.LIGHT_EVERY
#: How many older light snapshots are tried, each from before the last one's backfill.
RETRIES = 3


def fold_from_light(
    conn: Connection, position: int, as_of: datetime | None = None, names: Names = None
) -> snapshots.Loaded | None:
    """States after ``position`` (and ``occurred_at <= as_of``) folded from the newest light
    snapshot whose crown can take what follows it (crown not settled); None when only a full
    snapshot will do. Only the states ``names`` (all if None) are loaded and folded.
    ``Loaded.position``: the snapshot it started from (0: the log's start, so the states are
    complete).

    A light snapshot's crown keeps only its newest timeline entries, so an event folded after
    it that is older in world time than those (a backfill) needs history (``needs_full``). An
    older light snapshot taken before that event's time needs none: a few snapshots back, its
    fold costs far less than reading the whole history in (``snapshots.load_full``)."""
    light = snapshots.load_light(conn, position, as_of, names)
    fold_range(conn, light.states, light.position, position, as_of, settle=False)
    for _attempt in range(RETRIES):
        if light.position == 0 or not needs_full(light.states):
            return light
        before = shifted(light.states["crown"].dirty_from[0], -timedelta.resolution)
        light = snapshots.load_light(conn, position, min(as_of, before) if as_of else before, names)
        if light.position == 0 or position - light.position > RETRY_SPAN:
            return None
        fold_range(conn, light.states, light.position, position, as_of, settle=False)
    return None if needs_full(light.states) else light


def read_rows(conn: Connection) -> Rows:
    rows = conn.execute(
        sa.select(projection_rows.c.projection, projection_rows.c.key, projection_rows.c.value)
    )
    return {(projection, key): value for projection, key, value in rows}


class ProjectionWriter:
    """The projector that keeps ``projection_rows``, the checkpoint and snapshots current."""

    name = NAME

    def __init__(self, light_every: int | None = None, full_every: int = 50_000) -> None:
        #: None: the database's spacing (``snapshots.light_every``).
        self.light_every = light_every
        self.full_every = full_every
        self._lock = threading.Lock()
        self._at: tuple[int, str] = (0, GENESIS_HASH)
        self._states: States = initial_states()
        self._rows: Rows = {}
        self._occurred_max: datetime | None = None

    def apply(self, conn: Connection, events: Sequence[StoredEvent]) -> None:
        if not events:
            return
        # Imported events may be at an older schema; folds read the current shape.
        events = [
            event if CURRENT.get(event.type, event.schema) == event.schema
            else replace(event, data=current_data(event.type, event.schema, event.data))
            for event in events
        ]  # fmt: skip
        with self._lock:
            prefix = (events[0].position - 1, events[0].prev_hash)
            if self._at != prefix:
                self._reach(conn, prefix)
            self._at = (-1, "")  # until this batch is folded and written
            fold_all(events, self._states)
            earliest = min(e.occurred_at for e in events)
            self._occurred_max = _later(self._occurred_max, max(e.occurred_at for e in events))
            ladder.invalidate(conn, earliest)
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
            loaded = snapshots.load_full(conn, prefix[0])
            cached, self._states, self._occurred_max = (
                loaded.position,
                loaded.states,
                loaded.occurred_max,
            )
        folded = fold_range(conn, self._states, cached, prefix[0])
        self._occurred_max = _later(self._occurred_max, folded)
        # Diff against what is stored (whoever wrote it, however far it got).
        self._rows = read_rows(conn)
        self._at = prefix

    def _write(self, conn: Connection, last: StoredEvent, before: int) -> None:
        rows = materialize(self._states)
        upserts, deletes = changed(self._rows, rows)
        write_rows(conn, upserts, deletes, last.position)
        write_checkpoint(conn, NAME, last.position, last.recorded_at)
        prepared = snapshots.prepare(
            self._states, last.position, before, last.recorded_at, self._occurred_max,
            self._light_every(conn), self.full_every,
        )  # fmt: skip
        snapshots.store(conn, prepared, snapshots.crown_parts(self._states["crown"], prepared))
        self._rows = rows

    def _light_every(self, conn: Connection) -> int:
        if self.light_every is None:
            return snapshots.light_every(conn.dialect.name)
        return self.light_every

    def reset(self) -> None:
        """Forget the cache (after a replay rewrote the tables)."""
        with self._lock:
            self._at, self._states, self._rows = (0, GENESIS_HASH), initial_states(), {}
            self._occurred_max = None


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


def _later(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None:
        return second
    return first if second is None or first >= second else second
