"""The race's state: boards, their leaders and reigns, and how the crown changes hands.

``service.projections.race`` replays timeline entries into this state; the rules of who leads
and how a reign ends (with the co-holders of the moment before its last instant) live here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from service.projections import weights
from service.projections.facts import FactKey

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
    #: The instant being replayed and the leader's co-holders just before it: a reign that
    #: ends in that instant keeps those, whatever order the instant's entries come in.
    instant: datetime | None = None
    before: tuple[str, ...] = ()

    def current_rows(self) -> dict[str, Row]:
        """Rows of the method the board ranks now."""
        return self.rows.get(self.changed_method or self.first_method or "", {})


@dataclass(slots=True)
class Race:
    """Every board's replay state plus the weights evidence and claims seen so far."""

    boards: dict[str, Board] = field(default_factory=dict)
    #: The winning licence claim per model: open (True) or closed (False).
    facts: dict[str, tuple[FactKey, bool]] = field(default_factory=dict)
    #: Models whose weights repository is known.
    repos: set[str] = field(default_factory=set)
    #: The crown rule: the weights statuses a holder may have.
    rule: str = weights.DEFAULT_RULE
    eligible: set[str] = field(default_factory=set)

    def status(self, model: str) -> str:
        """``model``'s weights status so far."""
        fact = self.facts.get(model)
        return weights.status(model in self.repos, None if fact is None else fact[1])


def best(
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


def beats(rows: dict[str, Row], model: str, value: float, leader: str | None) -> bool:
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


def hand_over(board: Board, eligible: set[str], when: datetime, new: str | None) -> None:
    """End the current reign at ``when`` (state not yet changed) and start ``new``'s."""
    reigns = board.reigns
    if reigns and reigns[-1].end is None:
        current = reigns[-1]
        if current.start == when:
            reigns.pop()  # superseded within the same instant: it never really held
        else:
            if board.instant != when:  # every caller starts the instant first; stay safe
                begin_instant(board, eligible, when)
            reigns[-1] = current._replace(end=when, co_holders=board.before)
    if new is None:
        return
    if reigns and reigns[-1].model == new and reigns[-1].end == when:
        reigns[-1] = reigns[-1]._replace(end=None, co_holders=())
    else:
        reigns.append(Reign(new, when, None, ()))


def begin_instant(board: Board, eligible: set[str], when: datetime) -> None:
    """Note the co-holders of the leader as the instant ``when`` begins on ``board``."""
    if board.instant != when:
        board.instant = when
        leader = board.leader
        board.before = co_holders(board, eligible, leader) if leader is not None else ()


def board_of(race: Race, slug: str) -> Board:
    board = race.boards.get(slug)
    if board is None:
        board = race.boards[slug] = Board()
    return board


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
            b.instant,
            b.before,
        )
        for slug, b in race.boards.items()
    }
    return Race(boards, dict(race.facts), set(race.repos), race.rule, set(race.eligible))
