"""Rebuild every projection from position 0, and the in-memory rebuild the audit compares with."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from sqlalchemy.engine import Connection, Engine

from service import appendsql, dbstats, reader
from service.checkpoints import write_checkpoint
from service.db import WRITE
from service.events import FoldEvent
from service.gcpause import paused_gc
from service.projections import crownfold, ladder, snapshots
from service.projections.digest import FOLDED_TYPES, States, digests, fold_all, initial_states
from service.projections.persist import NAME, write_rows
from service.projections.rows import materialize
from service.schema import checkpoints, projection_rows
from service.store import lock_log

Progress = Callable[[int], None]
_occurred_at = attrgetter("occurred_at")
#: Snapshots a rebuild keeps made (but its crown part) while the crown's process catches up.
PENDING = 16
#: Positions read and folded at a time. A window's events are dropped while they are still
#: in the CPU's cache: reading 10,000 at a time, freeing them (and packing the crown's
#: timeline) missed the 2 MB cache a fifth more often (cachegrind, docs/benchmarks.md).
STEP = 500


@dataclass(frozen=True, slots=True)
class Rebuilt:
    states: States
    head: int

    def digests(self) -> dict[str, str]:
        """SHA-256 of each projection's canonical dump (computed on demand: it is not free)."""
        return digests(self.states)


def fold_log(
    conn: Connection, head: int, progress: Progress | None = None, processes: int | None = None
) -> States:
    """Fold the log up to ``head`` into fresh states, in position order (the crown in a
    second process on a large log: ``crownfold``)."""
    url = crownfold.child_url(conn.engine, head, processes)
    states = initial_states()
    for _window in _fold_windows(conn, states, head, STEP, url, (0, 0), progress):
        pass
    return states


def _fold_windows(
    conn: Connection,
    states: States,
    head: int,
    step: int,
    url: str | None,
    every: tuple[int, int],
    progress: Progress | None,
) -> Iterator[tuple[int, int, FoldEvent | None, datetime | None, crownfold.Later]]:
    """Fold every window of ``step`` positions into ``states``; yield, where a snapshot is
    due (``every``: light and full spacing), ``(after, until, last event, latest occurred_at
    so far, the crown's parts of it)``.
    The crown is folded in a child process reading the log at ``url`` (None: here)."""
    others = {name: state for name, state in states.items() if name != "crown"}
    side: crownfold.CrownProcess | crownfold.LocalCrown
    side = crownfold.CrownProcess(url, head, step, *every) if url else crownfold.LocalCrown()
    try:
        last: FoldEvent | None = None
        newest: datetime | None = None
        for after, until in crownfold.windows(head, step):
            chunk = reader.fetch_folds(conn, after, until, limit=step, types=FOLDED_TYPES)
            fold_all(chunk, others, settle=False)
            if isinstance(side, crownfold.LocalCrown):
                side.fold(chunk)
            if chunk:
                last, latest = chunk[-1], max(map(_occurred_at, chunk))
                newest = latest if newest is None or latest > newest else newest
            kinds = snapshots.due_kinds(until, after, *every)
            if isinstance(side, crownfold.LocalCrown):
                later = crownfold.Later(side.window_done(kinds))
            else:
                later = crownfold.Later(side=side, position=until)
            if kinds:
                yield after, until, last, newest, later
            if progress is not None:
                progress(until - after)  # positions, so the bar ends at the head
        states["crown"] = side.result()
    finally:
        if isinstance(side, crownfold.CrownProcess):
            side.close()


def _store_ready(
    conn: Connection, pending: deque[tuple[snapshots.Prepared, crownfold.Later]], keep: int
) -> None:
    """Store the pending snapshots whose crown part came, oldest first; wait for the oldest
    while more than ``keep`` are pending (the crown's process may lag a little: waiting for
    it at every snapshot kept the two processes in step, each idle in turn)."""
    while pending and (len(pending) > keep or pending[0][1].ready()):
        prepared, later = pending.popleft()
        parts = later.get()
        if parts is not None:  # None: a backfill's crown replay waited, and so does the snapshot
            snapshots.store(conn, prepared, parts)


def rebuild_in_memory(
    engine: Engine, progress: Progress | None = None, processes: int | None = None
) -> Rebuilt:
    """The projections a full replay of the current log produces (nothing is written)."""
    with paused_gc(), engine.connect() as conn:
        head = appendsql.head(conn)[0]
        states = fold_log(conn, head, progress, processes)
    return Rebuilt(states, head)


def rebuild(
    engine: Engine,
    progress: Progress | None = None,
    light_every: int | None = None,
    full_every: int = 500_000,
    processes: int | None = None,
) -> Rebuilt:
    """Replace every stored projection (rows, checkpoint, snapshots) by a replay from
    position 0, under the log lock; snapshots every ``light_every`` (None: the database's
    spacing, ``snapshots.light_every``) / ``full_every`` events (0: none — they are an
    optimisation, and the appends that follow add them as they go).
    ``processes``: 1 folds in this process, 2 folds the crown in a second one (default: 2
    on a large log, ``CROWNLOG_REBUILD_PROCESSES`` if set)."""
    if light_every is None:
        light_every = snapshots.light_every(engine.dialect.name)
    step = math.gcd(light_every or STEP, full_every or STEP, STEP)
    with paused_gc(), engine.connect() as conn, conn.execution_options(**WRITE).begin():
        lock_log(conn)
        head, _hash = appendsql.head(conn)
        conn.execute(projection_rows.delete())
        snapshots.clear(conn)
        ladder.clear(conn)
        conn.execute(checkpoints.delete().where(checkpoints.c.name == NAME))
        states = initial_states()
        url = crownfold.child_url(engine, head, processes)
        every = (light_every, full_every)
        pending: deque[tuple[snapshots.Prepared, crownfold.Later]] = deque()
        for after, until, last, newest, later in _fold_windows(
            conn, states, head, step, url, every, progress
        ):
            if last is not None:
                prepared = snapshots.prepare(
                    states, until, after, last.recorded_at, newest, light_every, full_every
                )
                pending.append((prepared, later))
            _store_ready(conn, pending, PENDING)
        _store_ready(conn, pending, 0)
        if head:
            write_rows(conn, materialize(states), [], head)
            last_event = reader.fetch(conn, head - 1, head)[-1]
            write_checkpoint(conn, NAME, head, last_event.recorded_at)
    dbstats.refresh(engine)  # the snapshots were all replaced: past reads start from them
    return Rebuilt(states, head)
