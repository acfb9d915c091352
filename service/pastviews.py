"""Past projection states: from the nearest stored snapshot, then the log (bi-temporal)."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from sqlalchemy.engine import Engine

from service import reader
from service.projections import crown
from service.projections.digest import States, fold_all
from service.projections.persist import fold_range, load_snapshot
from service.timepoint import At

CACHE_SIZE = 8


class PastStates:
    """Computes (and keeps a few of) the states at past points of either time axis."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cache: OrderedDict[tuple[object, ...], States] = OrderedDict()
        self._lock = Lock()

    def position_of(self, at: At, head: int) -> int:
        """The last position the reader may see at ``at`` (the known_at / position cut)."""
        if at.position is not None:
            return min(at.position, head)
        if at.known_at is not None:
            with self._engine.connect() as conn:
                return reader.last_position_recorded_by(conn, at.known_at)
        return head

    def states(self, at: At, position: int) -> States:
        """Settled states after ``position``, restricted to ``occurred_at <= at.as_of``."""
        key = (position, at.as_of)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        states = self._by_position(position) if at.as_of is None else self._as_of(at, position)
        crown.settle(states["crown"])
        with self._lock:
            self._cache[key] = states
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return states

    def _by_position(self, position: int) -> States:
        with self._engine.connect() as conn:
            start, states = load_snapshot(conn, position)
            return fold_range(conn, states, start, position)

    def _as_of(self, at: At, position: int) -> States:
        # Every event known by ``position`` whose world time is at or before as_of.
        return fold_all(reader.scan_folds(self._engine, 0, position, at.as_of))
