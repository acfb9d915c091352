"""Rebuild every projection from position 0, and the in-memory rebuild the audit compares with."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from service import appendsql, reader
from service.checkpoints import write_checkpoint
from service.db import WRITE
from service.gcpause import paused_gc
from service.projections import crown, ladder, snapshots
from service.projections.digest import FOLDED_TYPES, States, digests, fold_all, initial_states
from service.projections.persist import NAME, write_rows
from service.projections.rows import materialize
from service.schema import checkpoints, projection_rows
from service.store import lock_log

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Rebuilt:
    states: States
    head: int

    def digests(self) -> dict[str, str]:
        """SHA-256 of each projection's canonical dump (computed on demand: it is not free)."""
        return digests(self.states)


def fold_log(conn: Connection, head: int, progress: Progress | None = None) -> States:
    """Fold the log up to ``head`` into fresh states, in position order."""
    states, after, unsettled = initial_states(), 0, 0
    while after < head:
        chunk = reader.fetch_folds(conn, after, head, types=FOLDED_TYPES)
        if not chunk:
            break
        fold_all(chunk, states, settle=False)
        unsettled += len(chunk)
        unsettled = _settle_if_cheap(states, unsettled)
        before, after = after, chunk[-1].position
        if progress is not None:
            progress(after - before)  # positions, so the bar ends at the head
    if progress is not None and head > after:
        progress(head - after)
    crown.settle(states["crown"])
    return states


def _settle_if_cheap(states: States, unsettled: int) -> int:
    """Between chunks: replay the crown when a backfill made that due and it costs no more
    than the ``unsettled`` events folded since the last settle paid for (so a long backfill
    is replayed once, not per chunk), else advance it through the entries a margin older than
    the newest (``crown.settle_older``); what is still unsettled after."""
    state = states["crown"]
    if state.dirty_from is None:
        crown.settle_older(state)
        return 0
    if crown.replay_cost(state) > unsettled:
        return unsettled
    crown.settle(state)
    return 0


def rebuild_in_memory(engine: Engine, progress: Progress | None = None) -> Rebuilt:
    """The projections a full replay of the current log produces (nothing is written)."""
    with paused_gc(), engine.connect() as conn:
        head = appendsql.head(conn)[0]
        states = fold_log(conn, head, progress)
    return Rebuilt(states, head)


def rebuild(
    engine: Engine,
    progress: Progress | None = None,
    light_every: int = snapshots.LIGHT_EVERY,
    full_every: int = 500_000,
) -> Rebuilt:
    """Replace every stored projection (rows, checkpoint, snapshots) by a replay from
    position 0, under the log lock; snapshots every ``light_every`` / ``full_every`` events
    (0: none — they are an optimisation, and the appends that follow add them as they go)."""
    step = math.gcd(light_every or reader.CHUNK, full_every or reader.CHUNK, reader.CHUNK)
    with paused_gc(), engine.connect() as conn, conn.execution_options(**WRITE).begin():
        lock_log(conn)
        head, _hash = appendsql.head(conn)
        conn.execute(projection_rows.delete())
        snapshots.clear(conn)
        ladder.clear(conn)
        conn.execute(checkpoints.delete().where(checkpoints.c.name == NAME))
        states, after, newest, unsettled = initial_states(), 0, None, 0
        while after < head:
            # Chunks end on snapshot boundaries, so each snapshot is taken exactly there.
            chunk = reader.fetch_folds(conn, after, head, limit=step, types=FOLDED_TYPES)
            if not chunk:
                break
            fold_all(chunk, states, settle=False)
            unsettled += len(chunk)
            latest = max(event.occurred_at for event in chunk)
            newest = latest if newest is None or latest > newest else newest
            before, after = after, chunk[-1].position
            # A snapshot needs a settled crown; after a backfill that replay can span the
            # whole timeline, so the snapshots wait until the events folded since pay for it
            # (settling every chunk of a long backfill made the rebuild quadratic).
            due = snapshots.due(after, before, light_every, full_every)
            if due and crown.replay_cost(states["crown"]) <= unsettled:
                crown.settle(states["crown"])
                unsettled = 0
                snapshots.take(
                    conn, states, after, before, chunk[-1].recorded_at, newest, light_every,
                    full_every,
                )  # fmt: skip
            if progress is not None:
                progress(after - before)  # positions, so the bar ends at the head
        crown.settle(states["crown"])
        if head:
            write_rows(conn, materialize(states), [], head)
            last = reader.fetch(conn, head - 1, head)[-1]
            write_checkpoint(conn, NAME, head, last.recorded_at)
    return Rebuilt(states, head)
