"""Contenders: models a board ranks above the crown holder whose open weights are only claimed.

The crown goes only to models whose weights status the crown rule allows (docs/design.md §4);
a model whose licence says open but whose weights nobody found is not crowned. The crown answer
lists such models so a reader sees why the leader of the board is not the holder.
"""

from __future__ import annotations

from typing import Any

from service.projections.catalog import Catalog
from service.projections.catalog_view import place_of
from service.projections.reigns import Board, Race
from service.projections.weights import CLAIMED


def contenders(race: Race, board: Board | None, catalog: Catalog) -> list[dict[str, Any]]:
    """Claimed, not eligible models ranked above the holder (all of them while nobody holds).

    ``rank`` is the dense rank among the board's current rows, as in the standings.
    """
    if board is None:
        return []
    rows = board.current_rows()
    ordered = sorted(rows.items(), key=lambda item: (-item[1][0], item[0]))
    holder = board.leader
    out: list[dict[str, Any]] = []
    rank, previous = 0, None
    for model, row in ordered:
        if row[0] != previous:
            rank, previous = rank + 1, row[0]
        if model == holder:
            break
        if model in race.eligible or race.status(model) != CLAIMED:
            continue
        lab, city, _country = place_of(catalog, model)
        out.append(
            {"model": model, "lab": lab, "city": city, "rank": rank, "score": row[0],
             "weights": CLAIMED}
        )  # fmt: skip
    return out
