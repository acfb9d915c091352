"""The deriving follower: reads the log after its checkpoint, one append at a time, and stores
the alerts each append caused (``jobs.notify.alerts``), moving its checkpoint in the same
transaction — so a crash re-derives at most what was not stored, and re-deriving inserts
nothing twice.

Its fold states come from the read model's past-state route (``ReadModel.view`` at a
position, full states) and are then folded forward with the projections' own ``fold_all``;
an append is the events that share a ``recorded_at`` (one transaction of the store). On
PostgreSQL one worker at a time derives (an advisory claim); the first run starts at the head.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import structlog
from sqlalchemy.engine import Connection, Engine

from jobs.notify import alertstore
from jobs.notify.alerts import Alert, derive
from jobs.notify.outlook import RELEVANT, Outlook, outlook
from jobs.schedule.claim import claim
from service import appendsql, reader
from service.clock import Clock
from service.db import WRITE
from service.errors import SchemaError
from service.events import FoldEvent
from service.projections.digest import FOLDED_TYPES, States, fold_all, snapshot
from service.projections.persist import fold_range
from service.readmodel import ReadModel
from service.timepoint import At

log = structlog.get_logger("crownlog.notify")
NOTIFY_CLASS = 0x63726F6E  # "cron": the lock namespace of notify work
#: Events read per step (a step may read on to finish an append that is larger).
STEP_EVENTS = 5_000

Row = tuple[int, datetime, Alert]


class Deriver:
    """Keeps fold states at its position and turns each new append into stored alerts."""

    def __init__(self, engine: Engine, reads: ReadModel, clock: Clock) -> None:
        self._engine = engine
        self._reads = reads
        self._clock = clock
        self._states: States | None = None
        self._outlook: Outlook | None = None
        self._at = -1
        #: Whether the last step stopped before the head (more to read right away).
        self.behind = False

    def step(self) -> int:
        """Derive and store the alerts of the appends after the checkpoint (a bounded number
        of events); return how many alerts were stored."""
        with claim(self._engine, "derive", NOTIFY_CLASS) as mine:
            if not mine:
                return 0
            try:
                return self._step()
            except BaseException:
                self._at = -1  # the states may be part-folded: reload them next time
                raise

    def _step(self) -> int:
        with self._engine.connect() as conn:
            head = appendsql.head(conn)[0]
            start = alertstore.checkpoint(conn)
            rows: list[Row] = []
            until = head
            if start is not None and start < head:
                self._reach(conn, start)
                rows, until = self._derive(conn, start, head)
        self.behind = until < head
        if start is None:
            self._begin(head)
        if start is None or start >= head:
            return 0
        with self._engine.connect() as conn, conn.execution_options(**WRITE).begin():
            if alertstore.checkpoint(conn) != start:  # another deriver moved it
                self._at = -1
                return 0
            alertstore.insert(conn, rows)
            alertstore.set_checkpoint(conn, until, self._clock())
        if rows:
            log.info("alerts derived", alerts=len(rows), position=until)
        return len(rows)

    def _begin(self, head: int) -> None:
        """First run: start at the head of the log (no flood of history)."""
        with self._engine.connect() as conn, conn.execution_options(**WRITE).begin():
            if alertstore.checkpoint(conn) is not None:
                return
            now = self._clock()
            alertstore.set_checkpoint(conn, head, now)
            alertstore.set_checkpoint(conn, head, now, alertstore.ORIGIN)
        log.info("notify starts at the head of the log", position=head)

    def _reach(self, conn: Connection, position: int) -> None:
        """Bring the fold states to ``position``: fold on, or load them by the past route."""
        if self._states is None or self._at < 0 or self._at > position:
            view = self._reads.view(At(position=position), exact=True)
            if view.position != position:  # the projections commit with the log: never
                raise SchemaError(f"projections stand at {view.position}, not {position}")
            self._states = snapshot(view.states)
        elif self._at < position:
            fold_range(conn, self._states, self._at, position)
        else:
            return
        self._at = position
        self._outlook = outlook(self._states)

    def _derive(self, conn: Connection, start: int, head: int) -> tuple[list[Row], int]:
        assert self._states is not None and self._outlook is not None
        rows, self._outlook, until = derive_appends(conn, self._states, self._outlook, start, head)
        self._at = until
        if until == start or self._at_end(conn, until, head):
            until = self._at = head
        return rows, until

    @staticmethod
    def _at_end(conn: Connection, until: int, head: int) -> bool:
        return not reader.fetch_folds(conn, until, head, limit=1, types=FOLDED_TYPES)


def derive_appends(
    conn: Connection,
    states: States,
    seen: Outlook,
    after: int,
    until: int,
    budget: int = STEP_EVENTS,
) -> tuple[list[Row], Outlook, int]:
    """Fold the appends in ``(after, until]`` into ``states`` (at ``after``, whose outlook is
    ``seen``) and return their alerts, the last outlook and the last position folded."""
    rows: list[Row] = []
    last_position = after
    for group in appends(conn, after, until, budget):
        fold_all(group, states)
        last = group[-1]
        if any(event.type in RELEVANT for event in group):
            now = outlook(states)
            found = derive(seen, now, states["catalog"])
            rows += [(last.position, last.recorded_at, alert) for alert in found]
            seen = now
        last_position = last.position
    return rows, seen, last_position


def appends(
    conn: Connection, after: int, until: int, budget: int = STEP_EVENTS
) -> Iterator[list[FoldEvent]]:
    """The folded events in ``(after, until]`` as whole appends (runs of one ``recorded_at``),
    about ``budget`` events' worth."""
    group: list[FoldEvent] = []
    read = 0
    while after < until:
        chunk = reader.fetch_folds(conn, after, until, limit=1000, types=FOLDED_TYPES)
        if not chunk:
            break
        for event in chunk:
            if group and event.recorded_at != group[-1].recorded_at:
                yield group
                group = []
                if read >= budget:
                    return
            group.append(event)
            read += 1
        after = chunk[-1].position
    if group:
        yield group
