"""Past projection states: from the nearest stored snapshot, then the log (bi-temporal)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from threading import Lock

import structlog
from sqlalchemy.engine import Connection, Engine

from service import reader
from service.projections import crown, ladder, snapshots
from service.projections.digest import Names, States, initial_states
from service.projections.persist import fold_from_light, fold_range
from service.timepoint import At

CACHE_SIZE = 8
log = structlog.get_logger("crownlog.reads")


class PastStates:
    """Computes (and keeps a few of) the states at past points of either time axis."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cache: OrderedDict[tuple[object, ...], States] = OrderedDict()
        self._lock = Lock()
        self._extending = Lock()

    def _extend_later(self) -> None:
        """Extend the as_of ladder in the background (one extension at a time)."""
        if self._extending.acquire(blocking=False):

            def run() -> None:
                try:
                    ladder.extend(self._engine)
                except Exception:  # a failed extension only leaves reads slower
                    log.exception("as_of ladder extension failed")
                finally:
                    self._extending.release()

            threading.Thread(target=run, name="asof-ladder", daemon=True).start()

    def clear(self) -> None:
        """Forget every computed past state (the log they came from was replaced)."""
        with self._lock:
            self._cache.clear()

    def position_of(self, at: At, head: int) -> int:
        """The last position the reader may see at ``at`` (the known_at / position cut)."""
        if at.position is not None:
            return min(at.position, head)
        if at.known_at is not None:
            with self._engine.connect() as conn:
                return reader.last_position_recorded_by(conn, at.known_at)
        return head

    def states(self, at: At, position: int, exact: bool = False, names: Names = None) -> States:
        """Settled states after ``position``, restricted to ``occurred_at <= at.as_of``.

        By default they come from the nearest light snapshot: every view of them is exact,
        but the crown keeps only its newest timeline entry and places the recent mentions.
        ``exact`` gives the full fold states (for digests), from full snapshots. ``names``:
        only those states (a view reads two or three of the four), all if None.
        """
        names = None if exact else names
        key = (position, at.as_of, exact, names)
        whole = (position, at.as_of, exact, None)
        with self._lock:
            for found in (key, whole):
                if found in self._cache:
                    self._cache.move_to_end(found)
                    return self._cache[found]
        with self._engine.connect() as conn:
            states = self._compute(conn, position, at.as_of, exact, names)
        if "crown" in states:
            crown.settle(states["crown"])
        with self._lock:
            self._cache[key] = states
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return states

    def _compute(
        self, conn: Connection, position: int, as_of: datetime | None, exact: bool, names: Names
    ) -> States:
        if as_of is not None and not exact:
            # World-time order from the newest rung before as_of (or from the start): the
            # crown never replays, and only events up to as_of are read.
            rung = ladder.newest(conn, as_of, position, names)
            states = rung.states if rung else initial_states(names)
            after = (rung.occurred_until, rung.last_position) if rung else None
            if ladder.fold_after(conn, states, after, as_of, position) > 2 * ladder.EVERY:
                self._extend_later()
            return states
        if not exact:
            light = fold_from_light(conn, position, as_of, names)
            if light is not None:
                return light.states
            # A backfill reached far behind the light snapshots: start from full states.
        full = snapshots.load_full(conn, position, as_of)
        fold_range(conn, full.states, full.position, position, as_of)
        return full.states
