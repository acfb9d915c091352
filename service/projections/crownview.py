"""The crown's read side: the ``crown`` view of docs/design.md §6 and reign lengths."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.clock import format_time
from service.projections.catalog import Catalog
from service.projections.catalog_view import place_of
from service.projections.contenders import contenders
from service.projections.crown import CrownState, settle
from service.projections.reigns import Reign, co_holders


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
