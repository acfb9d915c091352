"""The crown fold: per leaderboard, the reigns of the strongest open-weights model.

Reigns follow world time (``occurred_at``), not log order: a backfilled score appended today
about last month changes last month's reigns. So the state keeps the *timeline* — every
crown-relevant fact (scores, withdrawals, method changes, open/closed-weights reports) sorted by
``(occurred_at, position)`` — and a ``Race`` (``service.projections.race``) replayed from it:

- an event newer in time than everything so far advances the race incrementally;
- an older one is set aside and marks the state dirty from its time; ``settle`` later merges
  what was set aside into the timeline and replays from the last cached checkpoint before
  that time (checkpoints are race copies every ``checkpoint_every`` entries). Settling once
  per batch keeps a backfill of many archived snapshots linear rather than quadratic.

One timeline for all boards, not one per board: an open-weights fact changes eligibility on
every board at once, so the boards share one time order.

Views and ``dump`` settle first; ``fold_all`` and ``load`` leave the state settled, and a view
of a settled state writes nothing, so readers may share it. Mutable fold (see
``service.projections.digest``): ``apply`` changes ``state`` in place and returns it; ``copy``
makes an independent snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.clock import format_time
from service.events import Foldable
from service.projections.catalog import Catalog
from service.projections.catalog_view import place_of
from service.projections.contenders import contenders
from service.projections.facts import OWN, fact_key, open_weights_of
from service.projections.race import METHOD, OPEN, REPO, RULE, SCORE, WITHDRAW, Entry, advance
from service.projections.reigns import Race, Reign, co_holders, copy_race
from service.projections.timeline import Timeline

CHECKPOINT_EVERY = 4096


@dataclass(slots=True)
class CrownState:
    """The time-ordered timeline and the race replayed from it."""

    timeline: Timeline = field(default_factory=Timeline)
    race: Race = field(default_factory=Race)
    #: Entries older than the timeline's newest, not merged into it yet (see ``settle``).
    pending: list[Entry] = field(default_factory=list)
    #: ``(occurred_at, position)`` of the earliest entry the race has not replayed yet.
    dirty_from: tuple[datetime, int] | None = None
    #: Cache, never dumped: ``(entries replayed, key of the last one, race copy)``.
    checkpoints: list[tuple[int, tuple[datetime, int], Race]] = field(default_factory=list)
    checkpoint_every: int = CHECKPOINT_EVERY


def initial(checkpoint_every: int = CHECKPOINT_EVERY) -> CrownState:
    """An empty crown state; ``checkpoint_every`` trades memory for backfill speed only."""
    return CrownState(Timeline(block=checkpoint_every), checkpoint_every=checkpoint_every)


def _add(state: CrownState, entry: Entry) -> CrownState:
    timeline = state.timeline
    if timeline:
        last = timeline.last_key()
        newest = entry[0] > last[0] or (entry[0] == last[0] and entry[1] > last[1])
    else:
        newest = True
    if not newest:
        # Merged into the timeline by ``settle``: one sort per batch, not a list insert
        # (an O(n) move) per backfilled entry.
        state.pending.append(entry)
        key = (entry[0], entry[1])
        if state.dirty_from is None or key < state.dirty_from:
            state.dirty_from = key
        return state
    timeline.append(entry)
    if state.dirty_from is None:
        advance(state.race, entry)
        if len(timeline) % state.checkpoint_every == 0:
            state.checkpoints.append((len(timeline), (entry[0], entry[1]), copy_race(state.race)))
    return state


def _score(state: CrownState, event: Foldable) -> CrownState:
    data = event.data
    entry = (
        event.occurred_at,
        event.position,
        SCORE,
        data["leaderboard"],
        data["model"],
        data["method"],
        data["value"],
        data.get("ci_low"),
        data.get("ci_high"),
        open_weights_of(data),
        data.get("complete", True),
    )
    return _add(state, entry)


def _withdrawn(state: CrownState, event: Foldable) -> CrownState:
    data = event.data
    entry = (event.occurred_at, event.position, WITHDRAW, data["leaderboard"], data["model"])
    return _add(state, entry)


def _method(state: CrownState, event: Foldable) -> CrownState:
    data = event.data
    return _add(
        state, (event.occurred_at, event.position, METHOD, data["leaderboard"], data["method"])
    )


def _openness(state: CrownState, event: Foldable) -> CrownState:
    is_open = open_weights_of(event.data)
    if is_open is None:
        return state
    _tier, confidence, when, position = fact_key(event, OWN)
    return _add(state, (when, position, OPEN, event.data["model"], OWN, confidence, is_open))


def _released(state: CrownState, event: Foldable) -> CrownState:
    if event.data.get("repo"):
        # A listing entry: the weights exist from the repository's creation on (and once a
        # repository is known, no claim changes the status: it is the only entry needed).
        return _add(state, (event.occurred_at, event.position, REPO, event.data["model"]))
    return _openness(state, event)


def _verified(state: CrownState, event: Foldable) -> CrownState:
    return _add(state, (event.occurred_at, event.position, REPO, event.data["model"]))


def _rule(state: CrownState, event: Foldable) -> CrownState:
    return _add(state, (event.occurred_at, event.position, RULE, event.data["weights"]))


HANDLERS: dict[str, Callable[[CrownState, Foldable], CrownState]] = {
    "ScoreReported": _score,
    "LeaderboardMethodChanged": _method,
    "ScoreWithdrawn": _withdrawn,
    "ModelReleased": _released,
    "ModelLicenseChanged": _openness,
    "WeightsRepoVerified": _verified,
    "CrownRuleChanged": _rule,
}


def apply(state: CrownState, event: Foldable) -> CrownState:
    """Fold one event into the crown state (in place); other event types are ignored."""
    handler = HANDLERS.get(event.type)
    return handler(state, event) if handler else state


def settle(state: CrownState) -> CrownState:
    """Merge backfilled entries and replay the race from before the earliest (in place)."""
    if state.dirty_from is None:
        return state
    if state.pending:
        # Merged from the first packed block they reach: about O(entries after it).
        state.timeline.merge(state.pending)
        state.pending = []
    kept = [c for c in state.checkpoints if c[1] < state.dirty_from]
    start, race = (kept[-1][0], copy_race(kept[-1][2])) if kept else (0, Race())
    every = state.checkpoint_every
    for index, entry in enumerate(state.timeline.entries(start), start):
        advance(race, entry)
        if (index + 1) % every == 0:
            kept.append((index + 1, (entry[0], entry[1]), copy_race(race)))
    state.race, state.checkpoints, state.dirty_from = race, kept, None
    return state


def replay_cost(state: CrownState) -> int:
    """How many timeline entries ``settle`` would replay now (0 if settled)."""
    if state.dirty_from is None:
        return 0
    start = 0
    for replayed, key, _race in state.checkpoints:
        if key >= state.dirty_from:
            break
        start = replayed
    return len(state.timeline) + len(state.pending) - start


def copy(state: CrownState) -> CrownState:
    """An independent snapshot (checkpoint races are never mutated, so they are shared)."""
    return CrownState(
        state.timeline.copy(),
        copy_race(state.race),
        list(state.pending),
        state.dirty_from,
        list(state.checkpoints),
        state.checkpoint_every,
    )


def reigns(state: CrownState, leaderboard: str) -> list[Reign]:
    """The reigns on ``leaderboard``, oldest first (settles ``state``)."""
    board = settle(state).race.boards.get(leaderboard)
    return list(board.reigns) if board is not None else []


def held_days(reign: Reign, now: datetime) -> float:
    """Days ``reign`` lasted up to its end, or up to ``now`` while it lasts (never negative)."""
    end = reign.end if reign.end is not None else now
    return max(0.0, (end - reign.start).total_seconds() / 86400)


def crown_view(
    state: CrownState, catalog: Catalog, leaderboard: str, now: datetime
) -> dict[str, Any]:
    """docs/design.md §6 ``crown``: the current holder (or null) and every reign, oldest first.

    ``days`` has one decimal; the current reign counts up to ``now`` and its co-holders are
    those of the board now; an ended reign's are those of the moment before it ended.
    ``contenders``: claimed models ranked above the holder (``service.projections.contenders``).
    """
    settle(state)
    board = state.race.boards.get(leaderboard)
    items = []
    for reign in board.reigns if board is not None else ():
        co = reign.co_holders
        if reign.end is None and board is not None:
            co = co_holders(board, state.race.eligible, reign.model)
        lab, city, _country = place_of(catalog, reign.model)
        items.append(
            {
                "model": reign.model,
                "lab": lab,
                "city": city,
                "from": format_time(reign.start),
                "to": format_time(reign.end) if reign.end is not None else None,
                "days": round(held_days(reign, now), 1),
                "co_holders": list(co),
            }
        )
    holder = items[-1] if items and items[-1]["to"] is None else None
    return {
        "leaderboard": leaderboard,
        "holder": holder,
        "reigns": items,
        "contenders": contenders(state.race, board, catalog),
    }
