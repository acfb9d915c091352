"""The race replayed in world-time order: who leads each board, and the reigns so far.

The crown fold keeps a timeline of crown-relevant entries sorted by ``(occurred_at,
position)``; a ``Race`` is what feeding those entries, oldest first, to ``advance`` gives.
Entries are plain tuples (cheap to build, sort and copy):

- ``(t, position, SCORE, board, model, method, value, ci_low, ci_high, row_open_weights,
  complete)``
- ``(t, position, METHOD, board, method)``
- ``(t, position, OPEN, model, tier, confidence, open_weights)``
- ``(t, position, WITHDRAW, board, model)``

Rules (the standings fold's, ``service.projections.standings``, replayed in time): a board
ranks only scores of its current method (the latest change, else its first score's); a method
change keeps only that method's scores from the change on. The first row of a complete snapshot
newer than the method's last one starts a new listing: rows of that method older than it are
dropped (models the new snapshot lists come back with it, row by row), so a model the board
stopped listing leaves the race — and the crown — at that snapshot. A withdrawal drops the
model's rows at once. A model may hold
the crown while its winning open-weights fact so far (``service.projections.facts``) says
open; unknown counts as closed. The leader is the eligible model with the highest score, ties
to the smaller slug. When the leader changes at ``t`` the old reign ends at ``t`` with the
co-holders of the state just before that entry; a reign that would last zero time (several
rows of one snapshot share ``t``) is dropped, and one ended at ``t`` resumes if its model
leads again at ``t``. Co-holders: eligible models whose CI overlaps the leader's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from service.projections.facts import HINT, FactKey

SCORE, METHOD, OPEN, WITHDRAW = 0, 1, 2, 3

Entry = tuple[Any, ...]
#: ``(value, ci_low, ci_high, occurred_at)``
Row = tuple[float, float | None, float | None, datetime]


class Reign(NamedTuple):
    """One model's uninterrupted hold on a board's crown; ``end`` None while it lasts."""

    model: str
    start: datetime
    end: datetime | None
    co_holders: tuple[str, ...]


@dataclass(slots=True)
class Board:
    """One board's replay state."""

    first_method: str | None = None
    changed_method: str | None = None
    rows: dict[str, dict[str, Row]] = field(default_factory=dict)
    leader: str | None = None
    reigns: list[Reign] = field(default_factory=list)
    #: Per method, the time of its latest complete snapshot replayed so far.
    listed: dict[str, datetime] = field(default_factory=dict)

    def current_rows(self) -> dict[str, Row]:
        """Rows of the method the board ranks now."""
        return self.rows.get(self.changed_method or self.first_method or "", {})


@dataclass(slots=True)
class Race:
    """Every board's replay state plus the open-weights facts seen so far."""

    boards: dict[str, Board] = field(default_factory=dict)
    facts: dict[str, tuple[FactKey, bool]] = field(default_factory=dict)
    eligible: set[str] = field(default_factory=set)


def _best(
    rows: dict[str, Row],
    eligible: set[str],
    skip: str | None = None,
    override: tuple[str, float] | None = None,
) -> str | None:
    """The leader among ``rows`` (one model's value may be overridden, one model skipped)."""
    best, best_value = None, 0.0
    for model, row in rows.items():
        if model not in eligible or model == skip:
            continue
        value = override[1] if override is not None and model == override[0] else row[0]
        if best is None or value > best_value or (value == best_value and model < best):
            best, best_value = model, value
    return best


def _beats(rows: dict[str, Row], model: str, value: float, leader: str | None) -> bool:
    if leader is None:
        return True
    held = rows[leader][0]
    return value > held or (value == held and model < leader)


def co_holders(board: Board, eligible: set[str], leader: str) -> tuple[str, ...]:
    """Eligible models whose confidence interval overlaps ``leader``'s (sorted slugs)."""
    rows = board.current_rows()
    held = rows.get(leader)
    if held is None or held[1] is None or held[2] is None:
        return ()  # the board publishes no CI for the leader: no co-holders
    low, high = held[1], held[2]
    return tuple(
        sorted(
            model
            for model, (_value, lo, hi, _t) in rows.items()
            if model != leader
            and model in eligible
            and lo is not None
            and hi is not None
            and hi >= low
            and lo <= high
        )
    )


def _hand_over(board: Board, eligible: set[str], when: datetime, new: str | None) -> None:
    """End the current reign at ``when`` (state not yet changed) and start ``new``'s."""
    reigns = board.reigns
    if reigns and reigns[-1].end is None:
        current = reigns[-1]
        if current.start == when:
            reigns.pop()  # superseded within the same instant: it never really held
        else:
            reigns[-1] = current._replace(
                end=when, co_holders=co_holders(board, eligible, current.model)
            )
    if new is None:
        return
    if reigns and reigns[-1].model == new and reigns[-1].end == when:
        reigns[-1] = reigns[-1]._replace(end=None, co_holders=())
    else:
        reigns.append(Reign(new, when, None, ()))


def _board(race: Race, slug: str) -> Board:
    board = race.boards.get(slug)
    if board is None:
        board = race.boards[slug] = Board()
    return board


def _score(race: Race, entry: Entry) -> None:
    when, position, _kind, slug, model, method, value, low, high, row_open, complete = entry
    if row_open is not None:
        known = race.facts.get(model)
        if known is None or known[0][0] == HINT:  # an own fact always outranks a row's hint
            _open(race, when, model, (HINT, 1.0, when, position), row_open)
    board = _board(race, slug)
    if board.first_method is None:
        board.first_method = method
    rows = board.rows.get(method)
    if rows is None:
        rows = board.rows[method] = {}
    current = method == (board.changed_method or board.first_method)
    listed = board.listed.get(method)
    if complete and (listed is None or when > listed):
        board.listed[method] = when
        if any(row[3] < when for row in rows.values()):
            _new_listing(board, race.eligible, entry, current)
            return
    if not current:
        rows[model] = (value, low, high, when)
        return
    leader, eligible = board.leader, race.eligible
    new = leader
    if model in eligible:
        if model == leader and value < rows[model][0]:
            new = _best(rows, eligible, override=(model, value))
        elif model == leader or _beats(rows, model, value, leader):
            new = model
    if new != leader:
        _hand_over(board, eligible, when, new)
        board.leader = new
    rows[model] = (value, low, high, when)


def _new_listing(board: Board, eligible: set[str], entry: Entry, current: bool) -> None:
    """The first row of a newer complete snapshot: the method's older rows leave the board."""
    when, _position, _kind, _slug, model, method, value, low, high = entry[:9]
    fresh = {m: row for m, row in board.rows[method].items() if row[3] >= when}
    fresh[model] = (value, low, high, when)
    if current:
        new = _best(fresh, eligible)
        if new != board.leader:
            _hand_over(board, eligible, when, new)  # co-holders from the listing that ends
            board.leader = new
    board.rows[method] = fresh


def _withdraw(race: Race, entry: Entry) -> None:
    when, _position, _kind, slug, model = entry
    board = race.boards.get(slug)
    if board is None:
        return
    if model == board.leader:
        rows = board.current_rows()
        new = _best(rows, race.eligible, skip=model)
        _hand_over(board, race.eligible, when, new)
        board.leader = new
    for rows in board.rows.values():
        rows.pop(model, None)


def _method(race: Race, entry: Entry) -> None:
    when, _position, _kind, slug, method = entry
    board = _board(race, slug)
    fresh = {m: row for m, row in board.rows.get(method, {}).items() if row[3] >= when}
    new = _best(fresh, race.eligible)
    if new != board.leader:
        _hand_over(board, race.eligible, when, new)
        board.leader = new
    board.rows[method] = fresh
    board.changed_method = method


def _open(race: Race, when: datetime, model: str, key: FactKey, is_open: bool) -> None:
    known = race.facts.get(model)
    if known is not None and key < known[0]:
        return  # a stronger report stands
    race.facts[model] = (key, is_open)
    eligible = race.eligible
    if (model in eligible) == is_open:
        return
    for board in race.boards.values():
        rows = board.current_rows()
        if model not in rows:
            continue
        leader = board.leader
        if is_open:
            new = model if _beats(rows, model, rows[model][0], leader) else leader
        elif model == leader:
            new = _best(rows, eligible, skip=model)
        else:
            continue
        if new != leader:
            _hand_over(board, eligible, when, new)  # co-holders from before the change
            board.leader = new
    if is_open:
        eligible.add(model)
    else:
        eligible.discard(model)


def advance(race: Race, entry: Entry) -> None:
    """Apply one timeline entry (the newest in time so far) to ``race``, in place."""
    kind = entry[2]
    if kind == SCORE:
        _score(race, entry)
    elif kind == METHOD:
        _method(race, entry)
    elif kind == WITHDRAW:
        _withdraw(race, entry)
    else:
        _, position, _kind, model, tier, confidence, is_open = entry
        _open(race, entry[0], model, (tier, confidence, entry[0], position), is_open)


def copy_race(race: Race) -> Race:
    """An independent copy of ``race`` (rows and reigns are immutable tuples)."""
    boards = {
        slug: Board(
            b.first_method,
            b.changed_method,
            {method: dict(rows) for method, rows in b.rows.items()},
            b.leader,
            list(b.reigns),
            dict(b.listed),
        )
        for slug, b in race.boards.items()
    }
    return Race(boards, dict(race.facts), set(race.eligible))
