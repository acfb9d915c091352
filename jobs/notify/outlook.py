"""What alerts compare: a small summary of the projection views after some append (pure).

An ``Outlook`` is read from the fold states through the same views the read API serves —
``standings.ranked`` for each board, ``crown.reigns`` for its current holder, the catalog's
release dates — so an alert says exactly what the API would have shown before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service.projections import crown, standings
from service.projections.catalog_view import fact
from service.projections.digest import States

#: Event types whose fold can change an outlook (the rest leave it as it was). Taken from the
#: folds' own registries, so a new handler (a withdrawal, a weights status) counts at once.
RELEVANT: frozenset[str] = frozenset({*standings.HANDLERS, *crown.HANDLERS, "ModelReleased"})


@dataclass(frozen=True, slots=True)
class BoardOutlook:
    """One board: its method, its current open-weights crown holder, and every ranked model."""

    method: str | None
    holder: str | None
    since: datetime | None
    #: ``model -> (rank, score)`` under the board's current method.
    ranks: dict[str, tuple[int, float]]


@dataclass(frozen=True, slots=True)
class Outlook:
    """Every board, and the release date of every model whose release is known."""

    boards: dict[str, BoardOutlook]
    released: dict[str, datetime]


def outlook(states: States) -> Outlook:
    """The outlook of settled fold ``states`` (the crown state is settled if it is not)."""
    standing, crown_state, catalog = states["standings"], states["crown"], states["catalog"]
    boards: dict[str, BoardOutlook] = {}
    names = set(standing.boards) | set(crown.settle(crown_state).race.boards)
    for slug in sorted(names):
        board = standing.boards.get(slug)
        reigns = crown.reigns(crown_state, slug)
        current = reigns[-1] if reigns and reigns[-1].end is None else None
        boards[slug] = BoardOutlook(
            method=standings.current_method(board) if board is not None else None,
            holder=current.model if current is not None else None,
            since=current.start if current is not None else None,
            ranks={model: (rank, row[2]) for rank, model, row in standings.ranked(board)},
        )
    released = {}
    for slug, fields in catalog.models.items():
        when = fact(fields, "released_at")
        if when is not None:
            released[slug] = when
    return Outlook(boards, released)


EMPTY = Outlook({}, {})
