"""The crown fold: per leaderboard, the reigns of the strongest open-weights model.

Reigns follow world time (``occurred_at``), not log order: a backfilled score appended today
about last month changes last month's reigns. So the state keeps the *timeline* — every
crown-relevant fact (scores, withdrawals, method changes, open/closed-weights reports) sorted by
``(occurred_at, position)`` — and a ``Race`` (``service.projections.race``) replayed from it:

- entries wait in ``pending`` until ``settle``, which sorts them and, when none is older than
  the newest the race has seen, merely advances the race through them (the entries of a batch
  out of order among themselves cost nothing more);
- an entry older than that marks the state dirty from its time; ``settle`` then merges what
  waits into the timeline and replays from the last cached checkpoint before that time
  (checkpoints are race copies every ``checkpoint_every`` entries). Settling once per batch
  keeps a backfill of many archived snapshots linear rather than quadratic.

One timeline for all boards, not one per board: an open-weights fact changes eligibility on
every board at once, so the boards share one time order.

Views and ``dump`` settle first; ``fold_all`` and ``load`` leave the state settled, and a view
of a settled state writes nothing, so readers may share it. Mutable fold (see
``service.projections.digest``): ``apply`` changes ``state`` in place and returns it; ``copy``
makes an independent snapshot.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter

from service.events import Foldable
from service.projections.facts import OWN, fact_key, open_weights_of
from service.projections.race import METHOD, OPEN, REPO, RULE, SCORE, WITHDRAW, Entry, advance
from service.projections.reigns import Race, Reign, copy_race
from service.projections.timeline import Timeline

CHECKPOINT_EVERY = 4096
#: How far behind the newest entry ``settle_older`` stops: a long fold's chunks overlap in
#: time by about this much (a board snapshot stamped before a fact folded just ahead of it).
SETTLE_MARGIN = timedelta(hours=6)
#: Replay checkpoints kept at every ``checkpoint_every`` entries (the newest ones) …
DENSE_CHECKPOINTS = 8
#: … and further back, one in this many.
SPARSE_EVERY = 64
_time = itemgetter(0)

#: ``(entries replayed, key of the last one, race copy)``
Checkpoint = tuple[int, tuple[datetime, int], Race]


@dataclass(slots=True)
class CrownState:
    """The time-ordered timeline and the race replayed from it."""

    timeline: Timeline = field(default_factory=Timeline)
    race: Race = field(default_factory=Race)
    #: Entries folded since the last ``settle``, not in the timeline yet.
    pending: list[Entry] = field(default_factory=list)
    #: ``(occurred_at, position)`` of the earliest pending entry older than the timeline's
    #: newest: ``settle`` replays the race from before it (None: no replay needed).
    dirty_from: tuple[datetime, int] | None = None
    #: Cache, never dumped: ``(entries replayed, key of the last one, race copy)``.
    checkpoints: list[Checkpoint] = field(default_factory=list)
    checkpoint_every: int = CHECKPOINT_EVERY


def initial(checkpoint_every: int = CHECKPOINT_EVERY) -> CrownState:
    """An empty crown state; ``checkpoint_every`` trades memory for backfill speed only."""
    return CrownState(Timeline(block=checkpoint_every), checkpoint_every=checkpoint_every)


def _add(state: CrownState, entry: Entry) -> CrownState:
    # Every entry waits in ``pending`` for ``settle``, which sorts them once and advances the
    # race (entries of one batch out of order among themselves cost no replay). Only an entry
    # older than the newest the race has seen marks the state dirty: a replay from there.
    state.pending.append(entry)
    timeline = state.timeline
    if timeline:
        last = timeline.last_key()
        if entry[0] < last[0] or (entry[0] == last[0] and entry[1] < last[1]):
            _older(state, (entry[0], entry[1]))
    return state


def _older(state: CrownState, key: tuple[datetime, int]) -> None:
    """An entry at ``key`` came older than the timeline's newest: replay from there."""
    if state.dirty_from is None or key < state.dirty_from:
        state.dirty_from = key


def _score(state: CrownState, event: Foldable) -> CrownState:
    # Every row of every board snapshot: ``_add`` written out, the common case first.
    data, when, position = event.data, event.occurred_at, event.position
    state.pending.append(
        (
            when,
            position,
            SCORE,
            data["leaderboard"],
            data["model"],
            data["method"],
            data["value"],
            data.get("ci_low"),
            data.get("ci_high"),
            open_weights_of(data) if "open_weights" in data or "license" in data else None,
            data.get("complete", True),
        )
    )
    timeline = state.timeline
    if timeline:
        last = timeline.last_key()
        if when < last[0] or (when == last[0] and position < last[1]):
            _older(state, (when, position))
    return state


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
    """Merge the entries folded since the last settle into the timeline and bring the race up
    to date (in place): in time order from the race's newest entry, or — when one reaches
    behind it (a backfill) — replayed from the last checkpoint before the earliest."""
    if not state.pending and state.dirty_from is None:
        return state
    pending, state.pending = state.pending, []
    if state.dirty_from is None:
        # Entries sort as tuples by (occurred_at, position): an event adds one entry at most,
        # so no two share a position and no later field is compared (no key tuples to make).
        pending.sort()
        _advance(state, pending)
        return state
    kept = [c for c in state.checkpoints if c[1] < state.dirty_from]
    start, race = (kept[-1][0], copy_race(kept[-1][2])) if kept else (0, Race())
    every = state.checkpoint_every
    # Merged from the first packed block they reach (about O(entries after it)), and the
    # race replayed from the checkpoint as the merge goes: each block is unpacked once.
    for index, entry in enumerate(state.timeline.merged(pending, start), start):
        advance(race, entry)
        if (index + 1) % every == 0:
            _checkpoint(kept, index + 1, entry, race, every)
    state.race, state.checkpoints, state.dirty_from = race, kept, None
    return state


def settle_older(state: CrownState, margin: timedelta = SETTLE_MARGIN) -> CrownState:
    """Advance the race through the pending entries older than the newest by ``margin``, and
    keep the newer ones pending (a long fold calls this between chunks: entries a little out
    of order across a chunk's edge then cost no replay). Nothing happens while a replay is
    due: ``settle`` does that."""
    if state.dirty_from is not None or not state.pending:
        return state
    pending = state.pending
    pending.sort()
    cut = bisect_left(pending, pending[-1][0] - margin, key=_time)
    if cut:
        state.pending = pending[cut:]
        _advance(state, pending[:cut])
    return state


def _advance(state: CrownState, ordered: list[Entry]) -> None:
    """Append ``ordered`` (none older than the timeline's newest) and advance the race."""
    race, every, checkpoints = state.race, state.checkpoint_every, state.checkpoints
    count = len(state.timeline)
    for entry in ordered:
        advance(race, entry)
        count += 1
        if count % every == 0:
            _checkpoint(checkpoints, count, entry, race, every)
    state.timeline.extend(ordered)


def _checkpoint(
    checkpoints: list[Checkpoint], replayed: int, entry: Entry, race: Race, every: int
) -> None:
    """Keep a copy of ``race`` after ``replayed`` entries (the last being ``entry``).

    The newest ``DENSE_CHECKPOINTS`` are kept; older ones only every ``SPARSE_EVERY``-th, so
    their number (and the memory of the race copies) grows with the log only by a 64th: a
    backfill far back replays a little more, one near the newest entries stays cheap."""
    checkpoints.append((replayed, (entry[0], entry[1]), copy_race(race)))
    if len(checkpoints) > DENSE_CHECKPOINTS:
        aged = checkpoints[-DENSE_CHECKPOINTS - 1]
        if aged[0] % (every * SPARSE_EVERY):
            del checkpoints[-DENSE_CHECKPOINTS - 1]


def replay_cost(state: CrownState) -> int:
    """How many timeline entries ``settle`` would advance the race by now (0 if settled)."""
    if state.dirty_from is None:
        return len(state.pending)
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
