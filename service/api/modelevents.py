"""A page of one model's events with the source item behind each, in either order.

The API's ``/api/v1/models/{slug}/events`` and the model page read the same pages: oldest first
(``after`` = a position, newer ones follow) or newest first (``after`` = a position, older ones
follow), optionally cut at a log position and a world time (a pinned or past page).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from service import reader
from service.api.sourceitems import item_keys, source_items, with_items
from service.chain import envelope_dict


def events_page(
    conn: Connection,
    slug: str,
    after: int | None,
    limit: int,
    newest_first: bool = False,
    until: int | None = None,
    occurred_until: datetime | None = None,
) -> dict[str, Any]:
    """docs/design.md §6 ``list`` of ``model:<slug>`` events, each with its ``item``."""
    stream = f"model:{slug}"
    if newest_first:
        top = until if after is None else after - 1
        if until is not None and top is not None:
            top = min(top, until)
        found = reader.fetch(conn, 0, top, limit + 1, stream, occurred_until, newest_first=True)
    else:
        found = reader.fetch(conn, after or 0, until, limit + 1, stream, occurred_until)
    shown = found[:limit]
    items = source_items(conn, item_keys(shown))
    body = with_items([envelope_dict(event) for event in shown], items)
    more = len(found) > limit and bool(shown)
    return {"items": body, "next": str(shown[-1].position) if more else None}
