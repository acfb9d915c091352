"""The read side: docs/design.md §6 JSON shapes for any point on either time axis.

Current reads come from in-memory fold states kept at the projections' checkpoint (which the
append transaction moves with the log, so a read never sees the log ahead of them); each read
checks the checkpoint and folds what is new. Past reads go through ``PastStates``.

Each read compares the tip it folded (position and hash, ``service.tip``) with the database's:
after a restore to a shorter or another log, the folded states would describe events the log no
longer holds, so they are dropped (with the cached past states) and rebuilt from position 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from threading import Lock
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine

from service.checkpoints import read_checkpoint
from service.clock import Clock, format_time
from service.listings import board_listings
from service.pastviews import PastStates
from service.projections import crown, crownview, snapshots
from service.projections.catalog_view import lab_of, model_view, open_weights, place_of
from service.projections.digest import Names, States, initial_states, snapshot
from service.projections.disputes import disputes_view
from service.projections.light import needs_full
from service.projections.persist import NAME, fold_from_light, fold_range
from service.projections.places import places_view
from service.projections.standings import standings_view
from service.schema import events as events_table
from service.scorehistory import model_events, read_history
from service.timepoint import At
from service.tip import GENESIS, Tip, continues, read_tip

log = structlog.get_logger("crownlog.reads")

#: What each view reads (a past view folds only these).
_CATALOG = frozenset({"catalog"})
_STANDINGS = frozenset({"standings", "catalog"})
_CROWN = frozenset({"crown", "catalog"})


@dataclass(frozen=True, slots=True)
class View:
    """Settled states and where on the axes they stand."""

    states: States
    position: int
    known_at: datetime | None
    as_of: datetime | None
    now: datetime


class ReadModel:
    """Answers the read commands and endpoints."""

    def __init__(self, engine: Engine, crown_board: str, clock: Clock) -> None:
        self.engine = engine
        self.crown_board = crown_board
        self._clock = clock
        self._past = PastStates(engine)
        self._lock = Lock()
        self._working: States = initial_states()
        self._folded: Tip = GENESIS
        self._published: States = snapshot(self._working)
        #: True while the working crown timeline starts at a light snapshot (see _catch_up).
        self._partial = False

    def head(self) -> int:
        """The position the projections stand at (the log's head)."""
        with self.engine.connect() as conn:
            return read_checkpoint(conn, NAME)

    def tip(self) -> Tip:
        """The projections' position and the hash of the event there."""
        with self.engine.connect() as conn:
            return read_tip(conn)

    def view(self, at: At = At(), exact: bool = False, names: Names = None) -> View:
        """The states to answer from, for ``at`` (``exact``: full fold states, for digests).
        ``names``: the states the caller reads — a past view loads and folds only those (the
        current one has them all)."""
        tip = self.tip()
        head = tip.position
        if at.is_now and not exact:
            return View(self._current(tip), head, None, None, self._clock())
        with self._lock:
            self._follow(tip)
        position = self._past.position_of(at, head)
        states = self._past.states(at, position, exact, names)
        recorded = self._recorded_at(position)
        now = at.as_of or at.known_at or recorded or self._clock()
        return View(states, position, recorded, at.as_of, now)

    def position_of(self, at: At) -> int:
        """The last log position a read at ``at`` sees (the known_at / position cut)."""
        head = self.head()
        return head if at.is_now else self._past.position_of(at, head)

    def _current(self, tip: Tip) -> States:
        with self._lock:
            self._follow(tip)
            if tip.position != self._folded.position:
                with self.engine.connect() as conn:
                    self._catch_up(conn, tip.position)
                self._published = snapshot(self._working)
            self._folded = tip
            return self._published

    def _catch_up(self, conn: Connection, head: int) -> None:
        """Fold the working states up to ``head``. From scratch they start at the newest light
        snapshot, so the service's memory and first read follow the projections' size, not the
        log's; a backfill reaching behind that snapshot's crown (which keeps only its newest
        timeline entries) starts them again from an older light snapshot taken before it, or
        failing that from a full one (``fold_from_light``). The caller holds the lock."""
        start = self._folded.position
        if start > 0:
            fold_range(conn, self._working, start, head, settle=False)
        if start == 0 or (self._partial and needs_full(self._working)):
            light = fold_from_light(conn, head)
            if light is not None:
                self._working, self._partial = light.states, light.position > 0
            else:
                full = snapshots.load_full(conn, head)
                self._working, self._partial = full.states, False
                fold_range(conn, self._working, full.position, head, settle=False)
        crown.settle(self._working["crown"])

    def _follow(self, tip: Tip) -> None:
        """Start again from position 0 if the log under the folded states changed (a restore).
        The caller holds the lock."""
        if tip == self._folded:
            return
        with self.engine.connect() as conn:
            if continues(conn, self._folded, tip):
                return
        log.warning(
            "the log changed under the read model (a restore?): rebuilding from position 0",
            folded_position=self._folded.position,
            head=tip.position,
        )
        self._working = initial_states()
        self._folded = GENESIS
        self._partial = False
        self._published = snapshot(self._working)
        self._past.clear()

    def _recorded_at(self, position: int) -> datetime | None:
        if position <= 0:
            return None
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(events_table.c.recorded_at).where(events_table.c.position == position)
            ).scalar()

    # -- the docs/design.md §6 shapes --------------------------------------------------------------

    def standings(
        self,
        leaderboard: str | None = None,
        at: At = At(),
        open_weights: bool | None = None,
        lab: str | None = None,
        city: str | None = None,
    ) -> dict[str, Any]:
        view = self.view(at, names=_STANDINGS)
        board = leaderboard or self.crown_board
        body = standings_view(
            view.states["standings"], view.states["catalog"], board, open_weights, lab, city
        )
        return {
            "leaderboard": board,
            "method": body.get("method"),
            "as_of": _time(view.as_of),
            "known_at": _time(view.known_at),
            "position": view.position,
            "rows": body["rows"],
        }

    def crown(self, leaderboard: str | None = None, at: At = At()) -> dict[str, Any]:
        view = self.view(at, names=_CROWN)
        board = leaderboard or self.crown_board
        return crownview.crown_view(view.states["crown"], view.states["catalog"], board, view.now)

    def models(
        self,
        at: At = At(),
        lab: str | None = None,
        city: str | None = None,
        open_weights_only: bool | None = None,
    ) -> list[dict[str, Any]]:
        view = self.view(at, names=_CATALOG)
        catalog = view.states["catalog"]
        items = []
        for slug in sorted(catalog.models):
            if lab is not None and lab_of(catalog, slug) != lab:
                continue
            if city is not None and (place_of(catalog, slug)[1] or "").lower() != city.lower():
                continue
            if open_weights_only is not None and open_weights(catalog, slug) != open_weights_only:
                continue
            view_ = model_view(catalog, slug)
            if view_ is not None:
                items.append(view_)
        return items

    def model(self, slug: str, at: At = At()) -> dict[str, Any] | None:
        """docs/design.md §6 ``model``, the figures its sources disagree on (``disputes``), and
        ``boards``: each board the model was listed on, its rank there at ``at`` and when it was
        listed, left and rejoined."""
        view = self.view(at, names=_STANDINGS)
        catalog = view.states["catalog"]
        found = model_view(catalog, slug)
        if found is None:
            return None
        found["disputes"] = disputes_view(catalog.models.get(slug))
        with self.engine.connect() as conn:
            stream = model_events(conn, slug, view.position, at.as_of)
        found["boards"] = board_listings(stream, view.states["standings"], slug)
        return found

    def history(
        self, slug: str, leaderboard: str | None = None, at: At = At()
    ) -> dict[str, Any] | None:
        """``slug``'s points on a board over time (``service.scorehistory``), or None if the
        log holds nothing about it at ``at``."""
        board = leaderboard or self.crown_board
        position = self.position_of(at)
        with self.engine.connect() as conn:
            points = read_history(conn, slug, board, position, at.as_of)
        if points is None:
            return None
        return {
            "model": slug,
            "leaderboard": board,
            "as_of": _time(at.as_of),
            "known_at": None if at.is_now else _time(self._recorded_at(position)),
            "position": position,
            "points": points,
        }

    def places(self, kind: str, at: At = At()) -> list[dict[str, Any]]:
        view = self.view(at)
        s = view.states
        return places_view(
            s["places"],
            s["catalog"],
            s["standings"],
            s["crown"],
            self.crown_board,
            view.now,
            kind,
        )


def _time(moment: datetime | None) -> str | None:
    return format_time(moment) if moment is not None else None
