"""What a board listed around a snapshot's time: the board side of the leaderboard decision.

A snapshot is decided against its neighbours in *world* time, not against the board's latest
state, so an archive backfilled after newer snapshots (or a live poll before a backfill) records
the same facts as snapshots arriving in date order (docs/design.md §3, §4):

- ``before``: the listing in force at the snapshot's ``as_of`` — its method (a method change is
  recorded only when the snapshot's differs) and its models (those the snapshot no longer lists
  are withdrawn at ``as_of``);
- ``after``: the next snapshot of the board, when the new one arrives late — a method that
  differs there is marked there;
- ``following``: the next *complete* snapshot (a top-N extract in between proves no absence) —
  models the new one lists and that one does not are withdrawn at its time.

Pure: built from standings fold states (``service.projections.standings``) the caller read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from service.projections.standings import Board, Standings, current_method, current_rows


@dataclass(frozen=True, slots=True)
class Listing:
    """The board at one time: its method and the models it lists (slug → (method, value))."""

    method: str | None
    models: Mapping[str, tuple[str, float]] = field(default_factory=dict)
    at: datetime | None = None
    #: Models whose withdrawal at ``at`` is already in the log.
    withdrawn: frozenset[str] = frozenset()
    #: The board's latest method mark at or before ``at``: ``(occurred_at, method)``.
    mark: tuple[datetime, str] | None = None
    #: The rows at ``at`` are a complete snapshot (not only a top-N extract).
    complete: bool = True


@dataclass(frozen=True, slots=True)
class Neighbours:
    """The listing in force at a snapshot's ``as_of``, the next snapshot after it, and the
    next complete one."""

    before: Listing | None = None
    after: Listing | None = None
    following: Listing | None = None


#: How many later snapshots are looked through for a complete one (top-N extracts between).
MAX_HOPS = 16


def neighbours(
    current: Standings,
    board: str,
    as_of: datetime,
    past: Callable[[datetime], Standings],
    next_snapshot: Callable[[datetime], datetime | None],
) -> Neighbours:
    """The neighbours of a snapshot of ``board`` dated ``as_of``.

    ``current`` is the standings now; ``past(T)`` gives the standings as of ``T`` (asked only
    when the board holds something newer than ``as_of``, i.e. the snapshot arrives late) and
    ``next_snapshot(T)`` the time of the source's first snapshot after ``T``.
    """
    state = current.boards.get(board)
    latest = newest(state) if state is not None else None
    if latest is None or latest <= as_of:
        return Neighbours(in_force(state), None)
    before = in_force(past(as_of).boards.get(board))
    after = following = None
    moment: datetime | None = as_of
    for _hop in range(MAX_HOPS):
        moment = next_snapshot(moment) if moment is not None else None
        if moment is None:
            break
        listing = listed_at(past(moment).boards.get(board), moment)
        if listing is None:
            continue
        after = after or listing
        if listing.complete:
            following = listing
            break
    return Neighbours(before, after, following)


def in_force(board: Board | None) -> Listing | None:
    """The listing ``board`` ranks (None for a board nothing was reported for)."""
    if board is None:
        return None
    method = current_method(board)
    if method is None:
        return None
    models = {model: (method, row[2]) for model, row in current_rows(board).items()}
    return Listing(method, models)


def listed_at(board: Board | None, when: datetime) -> Listing | None:
    """The snapshot of ``board`` dated exactly ``when`` (None if it holds no row then).

    ``board`` must be the state as of ``when``: each model's latest row is then its row of
    that snapshot, if it has one. With rows of several methods at ``when``, the board's
    current method's are the snapshot.
    """
    if board is None:
        return None
    methods = {m for m, rows in board.rows.items() if any(r[0] == when for r in rows.values())}
    if not methods:
        return None
    current = current_method(board)
    method = current if current in methods else min(methods)
    rows = board.rows[method]
    models = {model: (method, row[2]) for model, row in rows.items() if row[0] == when}
    withdrawn = frozenset(m for m, moment in board.withdrawn.items() if moment[0] == when)
    mark = (board.marks[-1][0], board.marks[-1][2]) if board.marks else None
    listed = board.snapshots.get(method)
    complete = listed is not None and listed[0] == when
    return Listing(method, models, when, withdrawn, mark, complete)


def newest(board: Board) -> datetime | None:
    """The latest world time of anything folded into ``board``."""
    times = [row[0] for rows in board.rows.values() for row in rows.values()]
    times.extend(moment[0] for moment in board.withdrawn.values())
    times.extend(mark[0] for mark in board.marks)
    if board.first is not None:
        times.append(board.first[0])
    return max(times, default=None)
