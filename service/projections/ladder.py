"""The as_of ladder: light states of the world at successive world times.

A rung at ``T`` holds the fold of every event with ``(occurred_at, position) <= (T, last)``,
as known when it was built (log head ``position``). Folding in world-time order means the
crown never replays (every entry is its newest), so an ``as_of`` read is one small rung plus
the events between its time and the asked time. An append of an event older than a rung
makes that rung wrong: the append's transaction deletes every rung from its time on, and the
ladder is extended again from the newest rung left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from service import appendsql, dbstats, reader
from service.db import WRITE
from service.gcpause import paused_gc
from service.projections.digest import (
    FOLDED_TYPES,
    Names,
    States,
    fold_all,
    folded_types,
    initial_states,
)
from service.projections.light import decode_light, encode_light, mention_cutoff
from service.schema import asof_rungs as table
from service.store import lock_log

#: Events between rungs: an as_of read folds at most this many in world-time order (reads
#: by the occurred_at index cost about twice a read in position order, so rungs are twice as
#: dense as light snapshots).
EVERY = 5_000
#: Rungs built before they are written (each is a light snapshot, tens of kB).
STORE_EVERY = 50


@dataclass(frozen=True, slots=True)
class Rung:
    occurred_until: datetime
    last_position: int
    position: int
    states: States


def newest(
    conn: Connection, until: datetime, max_position: int | None = None, names: Names = None
) -> Rung | None:
    """The newest rung at or before world time ``until`` built from events ``<= max_position``
    (only the states ``names``)."""
    query = sa.select(table).where(table.c.occurred_until <= until)
    if max_position is not None:
        query = query.where(table.c.position <= max_position)
    row = conn.execute(query.order_by(table.c.occurred_until.desc()).limit(1)).first()
    if row is None:
        return None
    states = decode_light(row.state, names)
    return Rung(row.occurred_until, row.last_position, row.position, states)


def fold_after(
    conn: Connection,
    states: States,
    after: tuple[datetime, int] | None,
    until: datetime,
    max_position: int | None,
) -> int:
    """Fold, in world-time order, the events after ``after`` up to ``until``; return count."""
    count = 0
    while True:
        chunk = reader.fetch_folds_by_time(
            conn, after, until, max_position, types=folded_types(states)
        )
        if not chunk:
            return count
        fold_all(chunk, states, settle=False)
        count += len(chunk)
        after = (chunk[-1].occurred_at, chunk[-1].position)
        if len(chunk) < reader.CHUNK:
            return count


def invalidate(conn: Connection, earliest: datetime) -> None:
    """Drop the rungs an event of world time ``earliest`` makes wrong (append transaction)."""
    conn.execute(table.delete().where(table.c.occurred_until >= earliest))


def clear(conn: Connection) -> None:
    conn.execute(table.delete())


def extend(
    engine: Engine, every: int = EVERY, progress: Callable[[int], None] | None = None
) -> int:
    """Add rungs from the newest one to the log's head; return how many were written."""
    dbstats.refresh(engine)  # walks the (occurred_at, position) index only with statistics
    with paused_gc(), engine.connect() as conn:
        head = appendsql.head(conn)[0]
        start = conn.execute(
            sa.select(table).order_by(table.c.occurred_until.desc()).limit(1)
        ).first()
        states = decode_light(start.state) if start else initial_states()
        after = (start.occurred_until, start.last_position) if start else None
        rungs: list[dict[str, object]] = []
        since = stored = 0
        limit = min(every, reader.CHUNK)
        while True:
            chunk = reader.fetch_folds_by_time(conn, after, None, head, limit, FOLDED_TYPES)
            if not chunk:
                break
            fold_all(chunk, states, settle=False)
            since += len(chunk)
            after = (chunk[-1].occurred_at, chunk[-1].position)
            if since >= every:
                rungs.append(_rung(states, after, head))
                since = 0
                if len(rungs) >= STORE_EVERY:  # memory: a few rungs, not the log's worth
                    stored += _store(engine, rungs)
                    rungs = []
            if progress is not None:
                progress(len(chunk))
            if len(chunk) < limit:
                break
    return stored + _store(engine, rungs)


def _rung(states: States, after: tuple[datetime, int], head: int) -> dict[str, object]:
    moment, last = after
    return {
        "occurred_until": moment,
        "last_position": last,
        "position": head,
        "state": encode_light(states, mention_cutoff(moment, moment)),
    }


def _store(engine: Engine, rungs: list[dict[str, object]]) -> int:
    """Insert ``rungs`` under the log lock, leaving out any an append has made wrong since."""
    if not rungs:
        return 0
    with engine.connect() as conn, conn.execution_options(**WRITE).begin():
        lock_log(conn)
        built_at = min(int(str(r["position"])) for r in rungs)
        late = conn.execute(
            sa.text("SELECT min(occurred_at) FROM events WHERE position > :p"), {"p": built_at}
        ).scalar()
        earliest = reader.Decoder().time(late) if late is not None else None
        kept = [r for r in rungs if earliest is None or r["occurred_until"] < earliest]  # type: ignore[operator]
        existing = {row[0] for row in conn.execute(sa.select(table.c.occurred_until))}
        # One rung per world time: the one that folded the most of it.
        by_time = {r["occurred_until"]: r for r in kept if r["occurred_until"] not in existing}
        kept = list(by_time.values())
        if kept:
            conn.execute(table.insert(), kept)
    return len(kept)
